/** spec/metrics.md §1 through the HTTP API: the worked example and every inconsistent-input rule. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deriveSessionId } from '../src/domain/session-id.js';
import { ACCOUNT, at, DAY0, type Harness, harness, STORES } from './support/harness.js';

const WINDOW = `from=2026-03-30T00:00:00Z&to=2026-03-31T00:00:00Z`;
const v2 = (h: Harness, extra = '') => h.get(`/api/v2/account/${ACCOUNT}/status-changes?v=2&${WINDOW}${extra}`);
const quality = (h: Harness) => h.get(`/api/account/${ACCOUNT}/data-quality?${WINDOW}`);

for (const factory of STORES) {
  describe(`agent activity (${factory.name})`, () => {
    let h: Harness;
    before(async () => {
      h = await harness(factory);
    });
    after(() => h.close());

    test('the worked example of metrics.md §1, record for record', async () => {
      const res = await h.ingest([
        {
          id: 'e1',
          type: 'agent.login',
          time: '2026-03-30T09:00:00Z',
          agentId: 7,
          sessionId: 555,
          employeeId: 'E7',
          loginName: 'ann',
          userName: 'Ann',
          groupId: 3,
        },
        { id: 'e2', type: 'agent.status', time: '2026-03-30T12:00:00Z', agentId: 7, status: 'AWAY', reasonId: 12, reasonText: 'Lunch' },
        { id: 'e3', type: 'agent.status', time: '2026-03-30T12:30:00Z', agentId: 7, status: 'ONLINE', reasonId: 12 },
        { id: 'e4', type: 'agent.logout', time: '2026-03-30T17:00:00Z', agentId: 7 },
      ]);
      assert.deepEqual(res, { status: 200, body: { accepted: 4, duplicates: 0 } });
      const { status, body } = await v2(h, '&agentId=7');
      assert.equal(status, 200);
      const agent = { agentId: 7, employeeId: 'E7', agentLoginName: 'ann', agentUserName: 'Ann', agentGroupId: 3 };
      assert.deepEqual(body.stateChanges, [
        {
          ...agent,
          time: '2026-03-30T09:00:00.000Z',
          sessionId: 555,
          sequenceNumber: -1,
          statusType: 3,
          statusSubType: 0,
          prevStatusChangeTime: null,
        },
        {
          ...agent,
          time: '2026-03-30T09:00:00.000Z',
          sessionId: 555,
          sequenceNumber: 1,
          statusType: 1,
          statusSubType: 2,
          prevStatusChangeTime: null,
        },
        {
          ...agent,
          time: '2026-03-30T12:00:00.000Z',
          sessionId: 555,
          sequenceNumber: 2,
          statusType: 1,
          statusSubType: 4,
          statusReasonId: 12,
          statusReasonText: 'Lunch',
          prevStatusChangeTime: '2026-03-30T09:00:00.000Z',
        },
        {
          ...agent,
          time: '2026-03-30T12:30:00.000Z',
          sessionId: 555,
          sequenceNumber: 3,
          statusType: 1,
          statusSubType: 2,
          prevStatusChangeTime: '2026-03-30T12:00:00.000Z',
        },
        {
          ...agent,
          time: '2026-03-30T17:00:00.000Z',
          sessionId: 555,
          sequenceNumber: 4,
          statusType: 4,
          statusSubType: 0,
          prevStatusChangeTime: null,
        },
      ]);
      // No reason keys at all on non-AWAY records, even when the event carried a reason.
      assert.equal('statusReasonId' in body.stateChanges[3], false);
    });

    test('AWAY without a reason carries −1 and null; initial status from the login', async () => {
      await h.ingest([
        { id: 'a1', type: 'agent.login', time: at('08:00:00'), agentId: 8, status: 'AWAY' },
        { id: 'a2', type: 'agent.status', time: at('08:10:00'), agentId: 8, status: 'BACK_SOON' },
        { id: 'a3', type: 'agent.status', time: at('08:20:00'), agentId: 8, status: 'BACK_SOON' },
      ]);
      const { body } = await v2(h, '&agentId=8');
      const [login, initial, backSoon, again] = body.stateChanges;
      assert.equal(login.statusType, 3);
      assert.deepEqual([initial.statusSubType, initial.statusReasonId, initial.statusReasonText], [4, -1, null]);
      assert.equal(initial.sessionId, deriveSessionId(ACCOUNT, 8, at('08:00:00'), 'a1'));
      assert.equal(login.sessionId, initial.sessionId, 'the real sessionId on every record, also the first two');
      // A status record even when the status did not change.
      assert.deepEqual([backSoon.sequenceNumber, again.sequenceNumber, again.prevStatusChangeTime], [2, 3, '2026-03-30T08:10:00.000Z']);
    });

    test('status without a session opens an implicit session; OFFLINE without one yields nothing', async () => {
      await h.ingest([
        { id: 'i1', type: 'agent.status', time: at('07:00:00'), agentId: 9, status: 'OFFLINE' },
        { id: 'i2', type: 'agent.status', time: at('07:05:00'), agentId: 9, status: 'BACK_SOON' },
        { id: 'i3', type: 'agent.status', time: at('07:06:00'), agentId: 9, status: 'ONLINE' },
        { id: 'i4', type: 'agent.logout', time: at('07:07:00'), agentId: 9 },
        { id: 'i5', type: 'agent.logout', time: at('07:08:00'), agentId: 9 },
      ]);
      const { body } = await v2(h, '&agentId=9');
      const sessionId = deriveSessionId(ACCOUNT, 9, at('07:05:00'), 'i2');
      assert.deepEqual(
        body.stateChanges.map((r: any) => [
          r.time.slice(11, 19),
          r.sequenceNumber,
          r.statusType,
          r.statusSubType,
          r.sessionId,
          r.prevStatusChangeTime,
        ]),
        [
          ['07:05:00', 1, 1, 3, sessionId, null],
          ['07:06:00', 2, 1, 2, sessionId, '2026-03-30T07:05:00.000Z'],
          ['07:07:00', 3, 4, 0, sessionId, null],
        ],
      );
      const items = (await quality(h)).body.items.filter((i: any) => i.agentId === 9);
      assert.deepEqual(items, [
        { kind: 'offlineWithoutSession', eventId: 'i1', time: '2026-03-30T07:00:00.000Z', agentId: 9 },
        { kind: 'statusWithoutSession', eventId: 'i2', time: '2026-03-30T07:05:00.000Z', agentId: 9 },
        { kind: 'logoutWithoutSession', eventId: 'i5', time: '2026-03-30T07:08:00.000Z', agentId: 9 },
      ]);
    });

    test('login while a session is open closes it without a logout record', async () => {
      await h.ingest([
        { id: 'l1', type: 'agent.login', time: at('06:00:00'), agentId: 10, sessionId: 1 },
        { id: 'l2', type: 'agent.status', time: at('06:30:00'), agentId: 10, status: 'AWAY', reasonId: 3 },
        { id: 'l3', type: 'agent.login', time: at('07:00:00'), agentId: 10, sessionId: 1 },
        { id: 'l4', type: 'agent.logout', time: at('08:00:00'), agentId: 10 },
      ]);
      const { body } = await v2(h, '&agentId=10');
      assert.deepEqual(
        body.stateChanges.map((r: any) => [r.time.slice(11, 19), r.sessionId, r.sequenceNumber, r.statusType]),
        [
          ['06:00:00', 1, -1, 3],
          ['06:00:00', 1, 1, 1],
          ['06:30:00', 1, 2, 1],
          ['07:00:00', 1, -1, 3],
          ['07:00:00', 1, 1, 1],
          ['08:00:00', 1, 2, 4],
        ],
      );
      const items = (await quality(h)).body.items.filter((i: any) => i.agentId === 10);
      assert.deepEqual(items, [{ kind: 'loginWhileSessionOpen', eventId: 'l3', time: '2026-03-30T07:00:00.000Z', agentId: 10 }]);
    });

    test('ignored segment events and blurs out of focus are listed as data quality', async () => {
      await h.ingest([
        { id: 's1', type: 'segment.start', time: at('10:00:00'), agentId: 11, conversationId: 'c1', skillId: 1 },
        { id: 's2', type: 'segment.start', time: at('10:01:00'), agentId: 11, conversationId: 'c1', skillId: 1 },
        { id: 's3', type: 'segment.end', time: at('10:02:00'), agentId: 11, conversationId: 'c1', endReason: 'closedByAgent' },
        { id: 's4', type: 'segment.end', time: at('10:03:00'), agentId: 11, conversationId: 'c1', endReason: 'closedByAgent' },
        { id: 's5', type: 'workspace.focus', time: at('10:04:00'), agentId: 11, conversationId: 'c1' },
        { id: 's6', type: 'workspace.blur', time: at('10:05:00'), agentId: 11, conversationId: 'c2' },
      ]);
      const items = (await quality(h)).body.items.filter((i: any) => i.agentId === 11);
      assert.deepEqual(
        items.map((i: any) => [i.kind, i.eventId, i.conversationId]),
        [
          ['segmentStartWhileOpen', 's2', 'c1'],
          ['segmentEndWithoutStart', 's4', 'c1'],
          ['blurNotInFocus', 's6', 'c2'],
        ],
      );
    });

    test('profile fields as of each record, also a write later at the same millisecond; filters match them', async () => {
      await h.ingest([
        { id: 'p1', type: 'agent.login', time: at('05:00:00'), agentId: 12, employeeId: 'OLD', groupId: 4 },
        { id: 'p2', type: 'agent.profile', time: at('05:00:00'), agentId: 12, employeeId: 'NEW' },
        { id: 'p3', type: 'agent.status', time: at('05:10:00'), agentId: 12, status: 'BACK_SOON' },
        { id: 'p4', type: 'agent.profile', time: at('05:20:00'), agentId: 12, groupId: 5 },
        { id: 'p5', type: 'agent.logout', time: at('05:30:00'), agentId: 12 },
      ]);
      const { body } = await v2(h, '&agentId=12');
      assert.deepEqual(
        body.stateChanges.map((r: any) => [r.employeeId, r.agentGroupId]),
        [
          ['NEW', 4],
          ['NEW', 4],
          ['NEW', 4],
          ['NEW', 5],
        ],
      );
      assert.equal((await v2(h, '&groupId=5')).body.stateChanges.length, 1);
      assert.equal((await v2(h, '&empId=NEW')).body.stateChanges.length, 4);
      assert.equal((await v2(h, '&empId=OLD')).body.stateChanges.length, 0);
    });

    test('a late event is placed where it belongs and later records are renumbered', async () => {
      await h.ingest([
        { id: 'late1', type: 'agent.login', time: at('13:00:00'), agentId: 13, sessionId: 77 },
        { id: 'late3', type: 'agent.status', time: at('13:20:00'), agentId: 13, status: 'ONLINE' },
        { id: 'late4', type: 'agent.logout', time: at('13:30:00'), agentId: 13 },
      ]);
      await h.ingest([{ id: 'late2', type: 'agent.status', time: at('13:10:00'), agentId: 13, status: 'AWAY', reasonText: 'Coffee' }]);
      const { body } = await v2(h, '&agentId=13');
      assert.deepEqual(
        body.stateChanges.map((r: any) => [
          r.time.slice(11, 19),
          r.sequenceNumber,
          r.statusReasonText,
          r.prevStatusChangeTime?.slice(11, 19) ?? null,
        ]),
        [
          ['13:00:00', -1, undefined, null],
          ['13:00:00', 1, undefined, null],
          ['13:10:00', 2, 'Coffee', '13:00:00'],
          ['13:20:00', 3, undefined, '13:10:00'],
          ['13:30:00', 4, undefined, null],
        ],
      );
    });

    test('v1 groups by agent with the profile as of the last record, and never drops a record', async () => {
      const events = [{ id: 'v1-login', type: 'agent.login', time: at('01:00:00'), agentId: 20, groupId: 1 }];
      for (let i = 0; i < 300; i++)
        events.push({
          id: `v1-s${i}`,
          type: 'agent.status',
          time: at('01:00:00') + (i + 1) * 1000,
          agentId: 20,
          status: i % 2 ? 'ONLINE' : 'BACK_SOON',
        } as never);
      events.push({ id: 'v1-prof', type: 'agent.profile', time: at('02:00:00'), agentId: 20, groupId: 2 } as never);
      events.push({ id: 'v1-out', type: 'agent.logout', time: at('02:00:00'), agentId: 20 } as never);
      await h.ingest(events);
      const { body } = await h.get(`/api/v2/account/${ACCOUNT}/status-changes?v=1&${WINDOW}&agentId=20`);
      assert.equal(body._metadata.count, 1);
      const [agent] = body.agentsInfo;
      assert.equal(agent.agentId, 20);
      assert.equal(agent.agentGroupId, 2);
      assert.equal(agent.statusChangeHistory.length, 303);
      assert.equal('agentId' in agent.statusChangeHistory[0], false);
      assert.deepEqual(agent.statusChangeHistory.at(-1).sequenceNumber, 302);
    });

    test('records are ordered by (time, agentId, sessionId, sequenceNumber)', async () => {
      const { body } = await v2(h, '&limit=5000');
      const keys = body.stateChanges.map((r: any) => [Date.parse(r.time), r.agentId, r.sessionId, r.sequenceNumber]);
      const sorted = [...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3]);
      assert.deepEqual(keys, sorted);
      assert.equal(DAY0, Date.parse('2026-03-30T00:00:00Z'));
    });
  });
}
