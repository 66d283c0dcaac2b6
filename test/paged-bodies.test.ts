/**
 * The paged list bodies (status-changes v1 and v2, agent-segments) are written as bytes
 * directly (src/api/json-writer.ts). They must be exactly JSON.stringify of the documented
 * object form, built here from the store's own answer: same keys in the same order, same
 * escaping, same dates.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { segmentView } from '../src/api/routes/handle-time.js';
import type { ActivityRecord } from '../src/domain/records.js';
import { formatUtcMillis } from '../src/domain/time.js';
import { simulate } from '../src/sim/simulate.js';
import { ACCOUNT, at, DAY0, type Harness, harness, STORES } from './support/harness.js';

const DAY = 86_400_000;
const WINDOW = { from: DAY0, to: DAY0 + DAY };
const WINDOW_QUERY = 'from=2026-03-30T00:00:00Z&to=2026-03-31T00:00:00Z';

/** Free text a writer could get wrong: quotes, backslashes, control characters, U+0000, non-ASCII, astral. */
const TRICKY_EVENTS = [
  {
    id: 't-login',
    type: 'agent.login',
    time: at('06:00:00'),
    agentId: 901,
    employeeId: 'E"9\\01',
    loginName: 'a\u0000b\n\t"q"',
    userName: 'Zoë 🙂 李雷 \u2028\u001f\u007f',
    groupId: 7,
  },
  { id: 't-away', type: 'agent.status', time: at('06:10:00'), agentId: 901, status: 'AWAY', reasonId: 4, reasonText: '\u0000lunch\r\n🍜' },
  // A new profile mid-session: the records after it show it (the writer must not repeat the old one).
  { id: 't-rename', type: 'agent.profile', time: at('06:15:00'), agentId: 901, userName: 'Renamed "R"', groupId: 8 },
  { id: 't-away-bare', type: 'agent.status', time: at('06:20:00'), agentId: 901, status: 'AWAY' },
  { id: 't-back', type: 'agent.status', time: at('06:30:00'), agentId: 901, status: 'ONLINE' },
  { id: 't-logout', type: 'agent.logout', time: at('07:00:00'), agentId: 901 },
];

/** The object form of a v2 record (status-changes.ts agentFields then changeFields). */
function agentView(r: ActivityRecord) {
  return {
    agentId: r.agentId,
    employeeId: r.employeeId,
    agentLoginName: r.agentLoginName,
    agentUserName: r.agentUserName,
    agentGroupId: r.agentGroupId,
  };
}

function changeView(r: ActivityRecord) {
  const view: Record<string, unknown> = {
    time: formatUtcMillis(r.time),
    sessionId: r.sessionId,
    sequenceNumber: r.sequenceNumber,
    statusType: r.statusType,
    statusSubType: r.statusSubType,
  };
  if (r.statusReasonId !== undefined) {
    view.statusReasonId = r.statusReasonId;
    view.statusReasonText = r.statusReasonText ?? null;
  }
  view.prevStatusChangeTime = r.prevStatusChangeTime === null ? null : formatUtcMillis(r.prevStatusChangeTime);
  return view;
}

for (const factory of STORES) {
  describe(`paged bodies are JSON.stringify of their object form (${factory.name})`, () => {
    let h: Harness;
    let version: number;
    before(async () => {
      h = await harness(factory);
      const events = [...simulate({ seed: 7, agents: 12, hours: 24, start: DAY0 }), ...TRICKY_EVENTS];
      for (let i = 0; i < events.length; i += 2000) assert.equal((await h.ingest(events.slice(i, i + 2000))).status, 200);
      version = (await h.store.accountVersion(ACCOUNT)).version;
    });
    after(() => h.close());

    test('status-changes v2, on every page of a walk', async () => {
      const limit = 50;
      const whole = await h.store.statusChanges(ACCOUNT, version, WINDOW, { kind: 'none' }, { offset: 0, limit: 100_000 });
      assert.ok(whole.count > 2 * limit, `several pages (${whole.count} records)`);
      assert.ok(
        whole.items.some((r) => r.statusReasonId !== undefined && r.statusReasonText === null),
        'an AWAY record without a reason text',
      );
      for (let offset = 0; offset < whole.count + limit; offset += limit) {
        const res = await h.get(`/api/v2/account/${ACCOUNT}/status-changes?v=2&${WINDOW_QUERY}&limit=${limit}&offset=${offset}`);
        assert.equal(res.status, 200, res.raw);
        assert.match(res.raw, /^{"_metadata":{"count":/);
        const expected = {
          _metadata: res.body._metadata,
          timeframe: res.body.timeframe,
          stateChanges: whole.items.slice(offset, offset + limit).map((r) => ({ ...agentView(r), ...changeView(r) })),
        };
        assert.equal(res.raw, JSON.stringify(expected), `offset ${offset}`);
      }
    });

    test('status-changes v1', async () => {
      const page = { offset: 2, limit: 5 };
      const groups = await h.store.statusChangesByAgent(ACCOUNT, version, WINDOW, { kind: 'none' }, page);
      const res = await h.get(`/api/v2/account/${ACCOUNT}/status-changes?${WINDOW_QUERY}&limit=${page.limit}&offset=${page.offset}`);
      assert.equal(res.status, 200, res.raw);
      const expected = {
        _metadata: res.body._metadata,
        timeframe: res.body.timeframe,
        agentsInfo: groups.items.map(({ agentId, records }) => {
          const last = records[records.length - 1] as ActivityRecord;
          return { ...agentView({ ...last, agentId }), statusChangeHistory: records.map(changeView) };
        }),
      };
      assert.equal(res.raw, JSON.stringify(expected));
      const tricky = await h.get(`/api/v2/account/${ACCOUNT}/status-changes?${WINDOW_QUERY}&agentId=901`);
      assert.equal(tricky.body.agentsInfo[0].agentUserName, 'Renamed "R"', 'v1 shows the agent as of its last record');
      assert.equal(tricky.raw, JSON.stringify(tricky.body));
      const renamed = await h.get(`/api/v2/account/${ACCOUNT}/status-changes?v=2&${WINDOW_QUERY}&agentId=901`);
      assert.deepEqual(
        renamed.body.stateChanges.map((r: { agentUserName: string }) => r.agentUserName),
        [
          'Zoë 🙂 李雷 \u2028\u001f\u007f',
          'Zoë 🙂 李雷 \u2028\u001f\u007f',
          'Zoë 🙂 李雷 \u2028\u001f\u007f',
          'Renamed "R"',
          'Renamed "R"',
          'Renamed "R"',
        ],
      );
    });

    test('agent-segments, in the default order and another', async () => {
      for (const sort of [undefined, 'endTime', '-conversationId']) {
        const query = {
          window: WINDOW,
          filters: {},
          sort:
            sort === undefined
              ? { field: 'endTime' as const, descending: true }
              : sort === 'endTime'
                ? { field: 'endTime' as const, descending: false }
                : { field: 'conversationId' as const, descending: true },
          page: { offset: 20, limit: 40 },
        };
        const page = await h.store.segments(ACCOUNT, version, query);
        assert.equal(page.items.length, 40);
        const res = await h.get(`/api/account/${ACCOUNT}/agent-segments?${WINDOW_QUERY}&limit=40&offset=20${sort ? `&sort=${sort}` : ''}`);
        assert.equal(res.status, 200, res.raw);
        const expected = { timeframe: res.body.timeframe, segments: page.items.map(segmentView), pagination: res.body.pagination };
        assert.equal(res.raw, JSON.stringify(expected), `sort ${sort}`);
      }
    });
  });
}
