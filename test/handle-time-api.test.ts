/** spec/metrics.md §2 and the AHT endpoints of spec/api.md, through app.inject(). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { computeAllHandleTimes } from '../src/domain/aht.js';
import type { WfmEvent } from '../src/domain/events.js';
import { simulate } from '../src/sim/simulate.js';
import { ACCOUNT, at, type Harness, harness, STORES } from './support/harness.js';

const WINDOW = 'from=2026-03-30T00:00:00Z&to=2026-03-31T00:00:00Z';
const segments = (h: Harness, q = '') => h.get(`/api/account/${ACCOUNT}/agent-segments?${WINDOW}${q}`);

/** metrics.md §2, first worked example: segment 10:00–10:20 of agent 5 on c-ex1. */
function example1(conversationId = 'c-ex1', agentId = 5): unknown[] {
  const base = { conversationId };
  return [
    { id: `${conversationId}-m0`, type: 'message', time: at('09:59:00'), ...base, from: 'consumer' },
    { id: `${conversationId}-s`, type: 'segment.start', time: at('10:00:00'), ...base, agentId, skillId: 3 },
    { id: `${conversationId}-f1`, type: 'workspace.focus', time: at('10:01:00'), ...base, agentId },
    { id: `${conversationId}-a1`, type: 'message', time: at('10:03:00'), ...base, from: 'agent', agentId },
    { id: `${conversationId}-a2`, type: 'message', time: at('10:05:00'), ...base, from: 'agent', agentId },
    { id: `${conversationId}-b1`, type: 'workspace.blur', time: at('10:06:00'), ...base, agentId },
    { id: `${conversationId}-m1`, type: 'message', time: at('10:08:00'), ...base, from: 'consumer' },
    { id: `${conversationId}-f2`, type: 'workspace.focus', time: at('10:10:00'), ...base, agentId },
    { id: `${conversationId}-a3`, type: 'message', time: at('10:12:00'), ...base, from: 'agent', agentId },
    { id: `${conversationId}-e`, type: 'segment.end', time: at('10:20:00'), ...base, agentId, endReason: 'closedByAgent' },
  ];
}

for (const factory of STORES) {
  describe(`actual handle time API (${factory.name})`, () => {
    let h: Harness;
    before(async () => {
      h = await harness(factory);
    });
    after(() => h.close());

    test('worked example 1: units, engaged 360000 ms, in focus 900000 ms', async () => {
      assert.equal((await h.ingest(example1())).status, 200);
      const { status, body } = await segments(h, '&ConversationId=c-ex1');
      assert.equal(status, 200);
      assert.equal(body.pagination.count, 1);
      const [s] = body.segments;
      assert.deepEqual(s, {
        segmentId: `c-ex1:5:${at('10:00:00')}`,
        conversationId: 'c-ex1',
        agentId: 5,
        employeeId: '',
        skillId: 3,
        groupId: -1,
        startTime: '2026-03-30T10:00:00.000Z',
        startTimeL: at('10:00:00'),
        endTime: '2026-03-30T10:20:00.000Z',
        endTimeL: at('10:20:00'),
        endReason: 'closedByAgent',
        totalHandleTimeMillis: 360000,
        inFocusTimeMillis: 900000,
      });
      const units = await h.get(`/api/account/${ACCOUNT}/agent-segments/${encodeURIComponent(s.segmentId)}/handle-time-units`);
      assert.equal(units.status, 200);
      assert.deepEqual(
        units.body.units.map((u: any) => [u.sequence, u.startReason, u.endReason, u.handleTimeMillis]),
        [
          [1, 'focus', 'agentMessage', 120000],
          [2, 'agentMessage', 'agentMessage', 120000],
          [3, 'focus', 'agentMessage', 120000],
        ],
      );
      assert.equal(units.body.units[0].startTimestamp, at('10:01:00'));
    });

    test('the breakdown streams every unit as NDJSON, by (end, segmentId, sequence)', async () => {
      const res = await h.app.inject({
        url: `/api/account/${ACCOUNT}/agent-segments/breakdown?${WINDOW}`,
        headers: { authorization: `Bearer ${await h.token(['read'])}` },
      });
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'] as string, /ndjson/);
      const lines = res.body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((l) => [l.segmentId.split(':')[0], l.sequence]),
        [
          ['c-ex1', 1],
          ['c-ex1', 2],
          ['c-ex1', 3],
        ],
      );
    });

    test('a late event recomputes the segment it touches', async () => {
      // A consumer message at 10:14 that arrives late: the agent is focused, so a unit runs 10:14–10:20.
      await h.ingest([{ id: 'c-ex1-late', type: 'message', time: at('10:14:00'), conversationId: 'c-ex1', from: 'consumer' }]);
      const { body } = await segments(h, '&ConversationId=c-ex1');
      assert.equal(body.segments[0].totalHandleTimeMillis, 360000 + 360000);
    });

    test('settings: idle timeout applies to past data (worked example 2), GET/PUT need admin', async () => {
      const c = 'c-ex2';
      await h.ingest([
        { id: `${c}-m0`, type: 'message', time: at('09:59:00'), conversationId: c, from: 'consumer' },
        { id: `${c}-s`, type: 'segment.start', time: at('10:00:00'), conversationId: c, agentId: 6, skillId: 3 },
        { id: `${c}-f`, type: 'workspace.focus', time: at('10:01:00'), conversationId: c, agentId: 6 },
        { id: `${c}-m1`, type: 'message', time: at('10:20:00'), conversationId: c, from: 'consumer' },
        { id: `${c}-a1`, type: 'message', time: at('10:22:00'), conversationId: c, from: 'agent', agentId: 6 },
        { id: `${c}-e`, type: 'segment.end', time: at('10:30:00'), conversationId: c, agentId: 6, endReason: 'closedByConsumer' },
      ]);
      const before = (await segments(h, `&ConversationId=${c}`)).body.segments[0];
      assert.equal(before.totalHandleTimeMillis, 21 * 60000, 'without a timeout the focus from 10:01 to 10:22 counts');
      const url = `/api/account/${ACCOUNT}/settings`;
      assert.equal((await h.get(url, ['read'])).status, 403);
      assert.deepEqual((await h.get(url, ['admin'])).body, { defaultMaxSlots: 4, idleTimeoutMillis: 0 });
      const put = await h.app.inject({
        method: 'PUT',
        url,
        headers: { authorization: `Bearer ${await h.token(['admin'])}` },
        payload: { idleTimeoutMillis: 300000 },
      });
      assert.deepEqual([put.statusCode, put.json()], [200, { defaultMaxSlots: 4, idleTimeoutMillis: 300000 }]);
      const afterPut = (await segments(h, `&ConversationId=${c}`)).body.segments[0];
      assert.deepEqual([afterPut.totalHandleTimeMillis, afterPut.inFocusTimeMillis], [420000, 1740000]);
      const units = await h.get(`/api/account/${ACCOUNT}/agent-segments/${encodeURIComponent(afterPut.segmentId)}/handle-time-units`);
      assert.deepEqual(
        units.body.units.map((u: any) => [u.startReason, u.endReason, u.handleTimeMillis]),
        [
          ['focus', 'idleTimeout', 300000],
          ['consumerMessage', 'agentMessage', 120000],
        ],
      );
      const bad = await h.app.inject({
        method: 'PUT',
        url,
        headers: { authorization: `Bearer ${await h.token(['admin'])}` },
        payload: { idleTimeoutMillis: -1, extra: 1 },
      });
      assert.equal(bad.statusCode, 400);
      const empty = await h.app.inject({
        method: 'PUT',
        url,
        headers: { authorization: `Bearer ${await h.token(['admin'])}` },
        payload: {},
      });
      assert.equal(empty.statusCode, 400);
      // Back to no timeout for the other tests.
      await h.app.inject({
        method: 'PUT',
        url,
        headers: { authorization: `Bearer ${await h.token(['admin'])}` },
        payload: { idleTimeoutMillis: 0 },
      });
    });

    test('a snapshot taken before a settings change expires (410)', async () => {
      const first = await segments(h);
      const asOf = new URL(first.body.pagination.references[0].href).searchParams.get('asOf') as string;
      await h.app.inject({
        method: 'PUT',
        url: `/api/account/${ACCOUNT}/settings`,
        headers: { authorization: `Bearer ${await h.token(['admin'])}` },
        payload: { defaultMaxSlots: 3 },
      });
      assert.equal((await segments(h, `&asOf=${asOf}`)).status, 410);
    });

    test('filters, sort (fields and the reference aliases) and paging', async () => {
      await h.ingest(example1('c-ex3', 7));
      await h.ingest(example1('c-ex4', 8));
      const ids = async (q: string) => (await segments(h, q)).body.segments.map((s: any) => s.conversationId);
      assert.deepEqual(await ids('&sort=conversationId'), ['c-ex1', 'c-ex2', 'c-ex3', 'c-ex4']);
      assert.deepEqual(await ids('&sort=-Conversation'), ['c-ex4', 'c-ex3', 'c-ex2', 'c-ex1']);
      assert.deepEqual(await ids('&sort=-agentId'), ['c-ex4', 'c-ex3', 'c-ex2', 'c-ex1']);
      assert.deepEqual(await ids('&AgentId=7'), ['c-ex3']);
      assert.deepEqual(await ids('&SkillId=3&AgentId=8'), ['c-ex4']);
      assert.deepEqual(await ids('&GroupId=-1&EmployeeId=&sort=Agent'), ['c-ex1', 'c-ex2', 'c-ex3', 'c-ex4']);
      // Default -endTime, ties by segmentId ascending: c-ex1, c-ex3, c-ex4 end at 10:20; c-ex2 at 10:30.
      assert.deepEqual(await ids(''), ['c-ex2', 'c-ex1', 'c-ex3', 'c-ex4']);
      const page = await segments(h, '&limit=3&offset=0&sort=startTime');
      assert.deepEqual(
        page.body.pagination.references.map((r: any) => r.rel),
        ['self', 'first', 'next', 'last'],
      );
      const millis = await h.get(`/api/account/${ACCOUNT}/agent-segments?fromMillis=${at('00:00:00')}&toMillis=${at('23:00:00')}`);
      assert.equal(millis.body.pagination.count, 4);
    });

    test('bad parameters and unknown segments', async () => {
      const causes = async (q: string) => {
        const res = await h.get(`/api/account/${ACCOUNT}/agent-segments?${q}`);
        assert.equal(res.status, 400, q);
        return res.body.causes.map((c: any) => c.field);
      };
      assert.deepEqual(await causes(`${WINDOW}&fromMillis=1`), ['fromMillis']);
      assert.deepEqual(await causes('fromMillis=1'), ['toMillis']);
      assert.deepEqual(await causes('from=2026-03-01T00:00:00Z&to=2026-03-09T00:00:00Z'), ['to']);
      assert.deepEqual(await causes(`${WINDOW}&sort=size`), ['sort']);
      assert.deepEqual(await causes(`${WINDOW}&limit=501`), ['limit']);
      assert.deepEqual(await causes(`${WINDOW}&AgentId=0`), ['AgentId']);
      const missing = await h.get(`/api/account/${ACCOUNT}/agent-segments/${encodeURIComponent('nope:1:2')}/handle-time-units`);
      assert.equal(missing.status, 404);
      await h.ingest([{ id: 'open-s', type: 'segment.start', time: at('11:00:00'), conversationId: 'c-open', agentId: 9, skillId: 1 }]);
      const open = await h.get(
        `/api/account/${ACCOUNT}/agent-segments/${encodeURIComponent(`c-open:9:${at('11:00:00')}`)}/handle-time-units`,
      );
      assert.equal(open.status, 404, 'an open segment has no handle time yet');
      assert.equal((await h.get(`/api/account/${ACCOUNT}/agent-segments?${WINDOW}`, ['ingest'])).status, 403);
    });
  });

  describe(`AHT store equals the reference engine (${factory.name})`, () => {
    test('any batching of a simulated stream gives the reference answer (fast-check)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 1000 }),
          fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 6 }),
          fc.boolean(),
          async (seed, cuts, shuffle) => {
            const events = [...simulate({ seed, agents: 4, hours: 3, start: at('08:00:00') })];
            const h = await harness(factory);
            try {
              const order = shuffle ? [...events].sort((a, b) => hash(a.id, seed) - hash(b.id, seed)) : events;
              let i = 0;
              for (const cut of [...cuts, order.length]) {
                const batch = order.slice(i, i + cut);
                i += cut;
                if (batch.length) assert.equal((await h.ingest(batch)).status, 200);
                if (i >= order.length) break;
              }
              const expected = computeAllHandleTimes(events as WfmEvent[], { idleTimeoutMillis: 0 })
                .map((s) => [s.segmentId, s.totalHandleTimeMillis, s.inFocusTimeMillis, s.units.length, s.employeeId, s.groupId])
                .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
              const res = await h.get(`/api/account/${ACCOUNT}/agent-segments?${WINDOW}&limit=500&sort=startTime`);
              const actual = res.body.segments
                .map((s: any) => [s.segmentId, s.totalHandleTimeMillis, s.inFocusTimeMillis, null, s.employeeId, s.groupId])
                .sort((a: any, b: any) => String(a[0]).localeCompare(String(b[0])));
              assert.deepEqual(
                actual.map((r: unknown[]) => [r[0], r[1], r[2], r[4], r[5]]),
                expected.map((r) => [r[0], r[1], r[2], r[4], r[5]]),
              );
            } finally {
              await h.close();
            }
          },
        ),
        { numRuns: 12 },
      );
    });
  });
}

function hash(id: string, seed: number): number {
  let x = seed | 0;
  for (let i = 0; i < id.length; i++) x = Math.imul(x ^ id.charCodeAt(i), 2654435761);
  return x >>> 0;
}
