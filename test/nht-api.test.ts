/** spec/api.md "Net Handle Time" through the HTTP API, and the store's facts against the reference derivation. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { NhtInterval } from '../src/domain/nht.js';
import { computeNht } from '../src/domain/nht.js';
import { nhtFactsFromEvents } from '../src/domain/nht-facts.js';
import { simulate } from '../src/sim/simulate.js';
import { contiguousBatches } from './support/batches.js';
import { ACCOUNT, at, DAY0, type Harness, harness, STORES, walkPages } from './support/harness.js';

const BASE = 'http://wfm.test';
const PATH = `/operations/api/account/${ACCOUNT}/nht`;
const HOUR = 3600_000;
const DAY = 24 * HOUR;

async function post(h: Harness, body: unknown, options: { account?: string; query?: string } = {}) {
  const account = options.account ?? ACCOUNT;
  const res = await h.app.inject({
    method: 'POST',
    url: `/operations/api/account/${account}/nht${options.query ?? ''}`,
    headers: { authorization: `Bearer ${await h.token(['read'], account)}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  return { status: res.statusCode, body: res.json() };
}

/** A metrics entry with the "nothing happened" values, overridden by `values`. */
function interval(timestamp: string, epochTimestamp: number, values: Partial<NhtInterval> = {}): NhtInterval {
  return {
    timestamp,
    epochTimestamp,
    arrivals: 0,
    avgTimeInQueue: -1,
    totalAgentSegmentDuration: 0,
    avgAgentSegmentDuration: -1,
    avgAvailableLoad: -1,
    messagesSent: 0,
    handledSegments: 0,
    avgSegmentWorkTime: -1,
    netHandleTime: -1,
    ...values,
  };
}

const hrefs = (body: any): Record<string, string> =>
  Object.fromEntries((body._metadata.references as Array<{ rel: string; href: string }>).map((r) => [r.rel, r.href]));

const causeFields = (body: any): string[] => (body.causes as Array<{ field?: string }>).map((c) => c.field ?? '').sort();

/** The worked example of metrics.md §3 (agent 1, skill 1), with two queue entries before the starts. */
const WORKED_EXAMPLE = [
  { id: 'w01', type: 'agent.login', time: '2026-03-30T09:00:00Z', agentId: 1, maxSlots: 2 },
  { id: 'w02', type: 'conversation.queued', time: '2026-03-30T09:00:00Z', conversationId: 'c1', skillId: 1, reason: 'new' },
  { id: 'w03', type: 'segment.start', time: '2026-03-30T09:00:00Z', conversationId: 'c1', agentId: 1, skillId: 1 },
  { id: 'w04', type: 'message', time: '2026-03-30T09:10:00Z', conversationId: 'c1', from: 'agent', agentId: 1 },
  { id: 'w05', type: 'message', time: '2026-03-30T09:15:00Z', conversationId: 'c1', from: 'consumer' },
  { id: 'w06', type: 'message', time: '2026-03-30T09:20:00Z', conversationId: 'c1', from: 'agent', agentId: 1 },
  { id: 'w07', type: 'conversation.queued', time: '2026-03-30T09:20:00Z', conversationId: 'c2', skillId: 1, reason: 'new' },
  { id: 'w08', type: 'segment.start', time: '2026-03-30T09:30:00Z', conversationId: 'c2', agentId: 1, skillId: 1 },
  { id: 'w09', type: 'message', time: '2026-03-30T09:40:00Z', conversationId: 'c1', from: 'agent', agentId: 1 },
  { id: 'w10', type: 'message', time: '2026-03-30T09:45:00Z', conversationId: 'c2', from: 'agent', agentId: 1 },
  // At 10:00 the ends come before the logout (type rank), so both segments run to the end of the session.
  { id: 'w11', type: 'agent.logout', time: '2026-03-30T10:00:00Z', agentId: 1 },
  { id: 'w12', type: 'segment.end', time: '2026-03-30T10:00:00Z', conversationId: 'c1', agentId: 1, endReason: 'closedByAgent' },
  { id: 'w13', type: 'segment.end', time: '2026-03-30T10:00:00Z', conversationId: 'c2', agentId: 1, endReason: 'closedByConsumer' },
];

const HOURLY = { avgAvailableLoad: 0.75, messagesSent: 4, handledSegments: 2, avgSegmentWorkTime: 675, netHandleTime: 1350 };
const NINE = `fromDate=2026-03-30T09:00:00&toDate=2026-03-30T10:00:00`;

for (const factory of STORES) {
  describe(`net handle time API (${factory.name})`, () => {
    let h: Harness;
    before(async () => {
      h = await harness(factory);
      const res = await h.ingest(WORKED_EXAMPLE);
      assert.deepEqual(res, { status: 200, body: { accepted: WORKED_EXAMPLE.length, duplicates: 0 } });
    });
    after(() => h.close());

    test('the worked example at interval 60: every field, the timeframe and the envelope', async () => {
      const { status, body } = await h.get(`${PATH}?${NINE}&skillIds=1`);
      assert.equal(status, 200);
      assert.deepEqual(body.timeframe, {
        fromDate: '2026-03-30T09:00:00',
        toDate: '2026-03-30T10:00:00',
        fromMillis: at('09:00:00'),
        toMillis: at('10:00:00'),
      });
      assert.equal(body.interval, 60);
      assert.equal(body._metadata.count, 1);
      assert.deepEqual(body.skillInfo, [
        {
          skillId: 1,
          metricsByIntervals: [interval('2026-03-30T09:00', at('09:00:00'), { ...HOURLY, arrivals: 2, avgTimeInQueue: 300 })],
        },
      ]);
      assert.deepEqual(Object.keys(body), ['_metadata', 'timeframe', 'interval', 'skillInfo']);
    });

    test('segments ending at 10:00 report their duration in the 10:00 bucket; nothing hourly there', async () => {
      const { body } = await h.get(`${PATH}?fromDate=2026-03-30T09:00:00&toDate=2026-03-30T11:00:00`);
      assert.deepEqual(body.skillInfo[0].metricsByIntervals, [
        interval('2026-03-30T09:00', at('09:00:00'), { ...HOURLY, arrivals: 2, avgTimeInQueue: 300 }),
        interval('2026-03-30T10:00', at('10:00:00'), { totalAgentSegmentDuration: 5400, avgAgentSegmentDuration: 2700 }),
      ]);
    });

    test('the worked example at interval 15: bucket fields per bucket, hourly fields repeated', async () => {
      const { status, body } = await h.get(`${PATH}?${NINE}&interval=15&skillIds=1`);
      assert.equal(status, 200);
      assert.equal(body.interval, 15);
      assert.deepEqual(body.skillInfo[0].metricsByIntervals, [
        interval('2026-03-30T09:00', at('09:00:00'), { ...HOURLY, arrivals: 1, avgTimeInQueue: 0 }),
        interval('2026-03-30T09:15', at('09:15:00'), { ...HOURLY, arrivals: 1 }),
        interval('2026-03-30T09:30', at('09:30:00'), { ...HOURLY, avgTimeInQueue: 600 }),
        interval('2026-03-30T09:45', at('09:45:00'), HOURLY),
      ]);
    });

    test('POST with the same parameters as a JSON body gives the same answer', async () => {
      const get = await h.get(`${PATH}?${NINE}&interval=15&skillIds=1`);
      const asNumbers = await post(h, { fromMillis: at('09:00:00'), toMillis: at('10:00:00'), interval: 15, skillIds: [1] });
      const asStrings = await post(h, {
        fromMillis: String(at('09:00:00')),
        toMillis: String(at('10:00:00')),
        interval: '15',
        skillIds: '1',
        v: 2,
      });
      const asDates = await post(h, { fromDate: '2026-03-30T09:00:00', toDate: '2026-03-30T10:00:00', interval: 15, skillIds: '1' });
      for (const res of [asNumbers, asStrings, asDates]) {
        assert.equal(res.status, 200);
        assert.deepEqual(res.body.skillInfo, get.body.skillInfo);
        assert.deepEqual(res.body.timeframe, get.body.timeframe);
        assert.equal(res.body.interval, 15);
      }
    });

    test('fromMillis/toMillis: the timeframe echoes the requested window, buckets cover it', async () => {
      const from = at('09:10:00') + 5;
      const { status, body } = await h.get(`${PATH}?fromMillis=${from}&toMillis=${at('09:40:00')}&interval=30`);
      assert.equal(status, 200);
      assert.deepEqual(body.timeframe, {
        fromDate: '2026-03-30T09:10:00',
        toDate: '2026-03-30T09:40:00',
        fromMillis: from,
        toMillis: at('09:40:00'),
      });
      assert.deepEqual(
        body.skillInfo[0].metricsByIntervals.map((m: NhtInterval) => [m.timestamp, m.epochTimestamp, m.netHandleTime]),
        [
          ['2026-03-30T09:00', at('09:00:00'), 1350],
          ['2026-03-30T09:30', at('09:30:00'), 1350],
        ],
      );
    });

    test('tz=Asia/Kolkata: local hours start at hh:30 UTC, timestamps carry +05:30', async () => {
      const { status, body } = await h.get(`${PATH}?${NINE}&tz=Asia/Kolkata`);
      assert.equal(status, 200);
      assert.deepEqual(body.timeframe.fromDate, '2026-03-30T09:00:00', 'the timeframe stays UTC');
      assert.deepEqual(body.skillInfo, [
        {
          skillId: 1,
          metricsByIntervals: [
            // [08:30, 09:30) UTC: logged in 09:00–09:30 at load ½, two messages on c1
            interval('2026-03-30T14:00:00+05:30', at('08:30:00'), {
              arrivals: 2,
              avgTimeInQueue: 0,
              avgAvailableLoad: 0.5,
              messagesSent: 2,
              handledSegments: 1,
              avgSegmentWorkTime: 450,
              netHandleTime: 900,
            }),
            // [09:30, 10:30) UTC: logged in 09:30–10:00 at load 1, one message on each; both end at 10:00
            interval('2026-03-30T15:00:00+05:30', at('09:30:00'), {
              avgTimeInQueue: 600,
              totalAgentSegmentDuration: 5400,
              avgAgentSegmentDuration: 2700,
              avgAvailableLoad: 1,
              messagesSent: 2,
              handledSegments: 2,
              avgSegmentWorkTime: 900,
              netHandleTime: 900,
            }),
          ],
        },
      ]);
    });

    test('an explicit tz=UTC gives RFC 3339 timestamps with +00:00', async () => {
      const { body } = await h.get(`${PATH}?${NINE}&interval=30&tz=UTC`);
      assert.deepEqual(
        body.skillInfo[0].metricsByIntervals.map((m: NhtInterval) => m.timestamp),
        ['2026-03-30T09:00:00+00:00', '2026-03-30T09:30:00+00:00'],
      );
    });

    test('a skill asked for without data gets rows of 0 / −1; skills by id, repeats once', async () => {
      const { status, body } = await h.get(`${PATH}?${NINE}&interval=30&skillIds=99,1,99`);
      assert.equal(status, 200);
      assert.equal(body._metadata.count, 2);
      assert.deepEqual(
        body.skillInfo.map((s: any) => s.skillId),
        [1, 99],
      );
      assert.deepEqual(body.skillInfo[1].metricsByIntervals, [
        interval('2026-03-30T09:00', at('09:00:00')),
        interval('2026-03-30T09:30', at('09:30:00')),
      ]);
      const viaPost = await post(h, { fromDate: '2026-03-30T09:00:00', toDate: '2026-03-30T10:00:00', interval: 30, skillIds: [99, 1] });
      assert.deepEqual(viaPost.body.skillInfo, body.skillInfo);
    });

    test('the default skill set: activity in the hours of the window', async () => {
      const d = DAY0 - 2 * DAY; // 2026-03-28
      const res = await h.ingest([
        { id: 'd01', type: 'agent.login', time: at('09:00:00', d), agentId: 2 },
        { id: 'd02', type: 'segment.start', time: at('10:00:00', d), conversationId: 'd-open', agentId: 2, skillId: 6 },
        { id: 'd03', type: 'segment.start', time: at('10:00:00', d), conversationId: 'd-done', agentId: 2, skillId: 7 },
        { id: 'd04', type: 'segment.end', time: at('11:00:00', d), conversationId: 'd-done', agentId: 2, endReason: 'closedByAgent' },
        { id: 'd05', type: 'segment.start', time: at('11:00:00', d), conversationId: 'd-edge', agentId: 2, skillId: 8 },
        { id: 'd06', type: 'segment.end', time: at('12:00:00', d), conversationId: 'd-edge', agentId: 2, endReason: 'closedByAgent' },
        // before the window but in its first hour: counts
        { id: 'd07', type: 'conversation.queued', time: at('12:05:00', d), conversationId: 'd-q', skillId: 5, reason: 'new' },
        // after the window's last hour: does not
        { id: 'd08', type: 'conversation.queued', time: at('13:00:00', d), conversationId: 'd-late', skillId: 9, reason: 'new' },
        { id: 'd09', type: 'segment.end', time: at('20:00:00', d), conversationId: 'd-open', agentId: 2, endReason: 'closedByAgent' },
        { id: 'd10', type: 'agent.logout', time: at('21:00:00', d), agentId: 2 },
      ]);
      assert.equal(res.status, 200);
      const { status, body } = await h.get(`${PATH}?fromDate=2026-03-28T12:15:00&toDate=2026-03-28T12:45:00&interval=15`);
      assert.equal(status, 200);
      assert.deepEqual(
        body.skillInfo.map((s: any) => s.skillId),
        [5, 6, 8],
      );
      assert.equal(body._metadata.count, 3);
      // The open segment of skill 6 makes the agent count for its load.
      const skill6 = body.skillInfo[1].metricsByIntervals;
      assert.deepEqual(
        skill6.map((m: NhtInterval) => [m.timestamp, m.avgAvailableLoad]),
        [
          ['2026-03-28T12:15', 0.25],
          ['2026-03-28T12:30', 0.25],
        ],
      );
      const none = await h.get(`${PATH}?fromDate=2026-03-28T15:00:00&toDate=2026-03-28T16:00:00&skillIds=`);
      assert.equal(none.status, 400, 'an empty skill list is not "every skill"');
      const empty = await h.get(`${PATH}?fromDate=2026-03-26T15:00:00&toDate=2026-03-26T16:00:00`);
      assert.equal(empty.status, 200);
      assert.deepEqual([empty.body._metadata.count, empty.body.skillInfo], [0, []]);
    });

    test('paging by skill: count, links, every skill once; POST links are GET URLs', async () => {
      const d = DAY0 - 3 * DAY; // 2026-03-27
      const queued = Array.from({ length: 25 }, (_, i) => ({
        id: `p${String(i).padStart(2, '0')}`,
        type: 'conversation.queued',
        time: at('10:00:00', d) + i * 1000,
        conversationId: `p-${i}`,
        skillId: i + 1,
        reason: 'new',
      }));
      assert.equal((await h.ingest(queued)).status, 200);
      const window = 'fromDate=2026-03-27T10:00:00&toDate=2026-03-27T11:00:00';

      const first = await h.get(`${PATH}?${window}&source=wfm_tool`);
      assert.equal(first.status, 200);
      assert.equal(first.body._metadata.count, 25);
      assert.deepEqual(
        first.body.skillInfo.map((s: any) => s.skillId),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      const links = hrefs(first.body);
      assert.deepEqual(Object.keys(links).sort(), ['first', 'last', 'next', 'self']);
      const next = new URL(links.next as string);
      assert.equal(`${next.origin}${next.pathname}`, `${BASE}${PATH}`);
      assert.deepEqual([...next.searchParams.keys()].sort(), ['asOf', 'fromDate', 'limit', 'offset', 'source', 'toDate']);
      assert.deepEqual([next.searchParams.get('offset'), next.searchParams.get('limit')], ['10', '10']);
      assert.equal(new URL(links.last as string).searchParams.get('offset'), '20');
      assert.equal(new URL(links.first as string).searchParams.get('offset'), '0');

      const all = await walkPages(h, `${PATH}?${window}`, (b) => b.skillInfo);
      assert.deepEqual(
        all.map((s: any) => s.skillId),
        Array.from({ length: 25 }, (_, i) => i + 1),
      );

      const middle = await h.get(`${PATH}?${window}&offset=10&limit=10`);
      assert.equal(new URL(hrefs(middle.body).previous as string).searchParams.get('offset'), '0');
      const past = await h.get(`${PATH}?${window}&offset=30&limit=10`);
      assert.deepEqual([past.status, past.body._metadata.count, past.body.skillInfo], [200, 25, []]);

      // POST: the links carry the body's parameters as query parameters, lists comma-separated.
      const viaPost = await post(h, {
        fromDate: '2026-03-27T10:00:00',
        toDate: '2026-03-27T11:00:00',
        interval: 30,
        skillIds: [3, 1, 2],
        limit: 2,
      });
      assert.equal(viaPost.status, 200);
      assert.equal(viaPost.body._metadata.count, 3);
      const postNext = new URL(hrefs(viaPost.body).next as string);
      assert.equal(postNext.pathname, PATH);
      assert.deepEqual(Object.fromEntries([...postNext.searchParams].filter(([k]) => k !== 'asOf')), {
        fromDate: '2026-03-27T10:00:00',
        toDate: '2026-03-27T11:00:00',
        interval: '30',
        skillIds: '3,1,2',
        offset: '2',
        limit: '2',
      });
      const followed = await h.get(postNext.href.replace(BASE, ''));
      assert.equal(followed.status, 200);
      assert.deepEqual(
        followed.body.skillInfo.map((s: any) => s.skillId),
        [3],
      );
      assert.equal(followed.body.interval, 30);
    });

    test('a page answers from its asOf snapshot while events arrive', async () => {
      const d = DAY0 - 4 * DAY; // 2026-03-26
      const window = 'fromDate=2026-03-26T10:00:00&toDate=2026-03-26T11:00:00';
      const queue = (i: number) => ({
        id: `s${i}`,
        type: 'conversation.queued',
        time: at('10:00:00', d) + i,
        conversationId: `s-${i}`,
        skillId: 100 + i,
        reason: 'new',
      });
      await h.ingest([queue(1), queue(2), queue(3)]);
      const first = await h.get(`${PATH}?${window}&limit=2`);
      assert.equal(first.body._metadata.count, 3);
      await h.ingest([queue(0)]); // a skill sorting before every other
      const next = await h.get((hrefs(first.body).next as string).replace(BASE, ''));
      assert.deepEqual(
        next.body.skillInfo.map((s: any) => s.skillId),
        [103],
      );
      const fresh = await h.get(`${PATH}?${window}&limit=2`);
      assert.equal(fresh.body._metadata.count, 4);
      // An hour later the mark has expired: 410, start again from first.
      h.clock.now += 3600_001;
      try {
        // (a token minted now: the earlier ones have expired too)
        const expired = await h.get((hrefs(first.body).next as string).replace(BASE, ''), ['admin', 'read']);
        assert.equal(expired.status, 410);
        assert.match(expired.body.message, /first/);
      } finally {
        h.clock.now -= 3600_001;
      }
    });

    describe('400: every bad parameter is a cause', () => {
      const cases: Array<[string, string, string[]]> = [
        ['v=3', `v=3&${NINE}`, ['v']],
        ['no window', '', ['fromDate', 'toDate']],
        ['no window, only an interval', 'interval=15', ['fromDate', 'toDate']],
        ['both forms', `${NINE}&fromMillis=1&toMillis=2`, ['fromMillis']],
        ['only fromDate', 'fromDate=2026-03-30T09:00:00', ['toDate']],
        ['only toMillis', `toMillis=${at('10:00:00')}`, ['fromMillis']],
        ['a date with Z', 'fromDate=2026-03-30T09:00:00Z&toDate=2026-03-30T10:00:00', ['fromDate']],
        ['a date with an offset', 'fromDate=2026-03-30T09:00:00&toDate=2026-03-30T10:00:00%2B01:00', ['toDate']],
        ['a date without seconds', 'fromDate=2026-03-30T09:00&toDate=2026-03-30T10:00:00', ['fromDate']],
        ['a date with milliseconds', 'fromDate=2026-03-30T09:00:00.000&toDate=2026-03-30T10:00:00', ['fromDate']],
        ['a date with a space', 'fromDate=2026-03-30%2009:00:00&toDate=2026-03-30T10:00:00', ['fromDate']],
        ['an impossible date', 'fromDate=2026-02-30T09:00:00&toDate=2026-03-30T10:00:00', ['fromDate']],
        ['millis not a number', `fromMillis=abc&toMillis=${at('10:00:00')}`, ['fromMillis']],
        ['millis not an integer', `fromMillis=1.5&toMillis=${at('10:00:00')}`, ['fromMillis']],
        ['from = to', 'fromDate=2026-03-30T09:00:00&toDate=2026-03-30T09:00:00', ['fromDate']],
        ['from > to', `fromMillis=${at('10:00:00')}&toMillis=${at('09:00:00')}`, ['fromMillis']],
        ['more than 7 days', 'fromDate=2026-03-20T09:00:00&toDate=2026-03-27T09:00:01', ['toDate']],
        ['interval 20', `${NINE}&interval=20`, ['interval']],
        ['interval text', `${NINE}&interval=hour`, ['interval']],
        ['an unknown zone', `${NINE}&tz=Mars/Olympus_Mons`, ['tz']],
        ['an unknown zone, no window', 'tz=Mars/Olympus_Mons', ['fromDate', 'toDate', 'tz']],
        ['an offset not a multiple of 15 minutes', 'fromDate=1880-01-01T00:00:00&toDate=1880-01-02T00:00:00&tz=Asia/Kolkata', ['tz']],
        ['skillIds text', `${NINE}&skillIds=a,b`, ['skillIds']],
        ['skillIds zero', `${NINE}&skillIds=0`, ['skillIds']],
        ['skillIds negative', `${NINE}&skillIds=-1`, ['skillIds']],
        ['skillIds with a hole', `${NINE}&skillIds=1,,2`, ['skillIds']],
        ['skillIds fractional', `${NINE}&skillIds=1.5`, ['skillIds']],
        ['negative offset', `${NINE}&offset=-1`, ['offset']],
        ['limit 0', `${NINE}&limit=0`, ['limit']],
        ['limit 101', `${NINE}&limit=101`, ['limit']],
        ['limit text', `${NINE}&limit=ten`, ['limit']],
        ['source too long', `${NINE}&source=${'a'.repeat(21)}`, ['source']],
        ['source with a dash', `${NINE}&source=my-tool`, ['source']],
        ['a forged asOf', `${NINE}&asOf=1.2.x`, ['asOf']],
        [
          'everything at once',
          'v=3&fromDate=2026-03-30&toDate=2026-03-30T10:00:00&interval=20&tz=Nope/Nope&skillIds=x&offset=-2&limit=0&source=a-b&asOf=zz',
          ['asOf', 'fromDate', 'interval', 'limit', 'offset', 'skillIds', 'source', 'tz', 'v'],
        ],
      ];
      for (const [name, query, fields] of cases) {
        test(name, async () => {
          const { status, body } = await h.get(`${PATH}?${query}`);
          assert.equal(status, 400, JSON.stringify(body));
          assert.deepEqual(causeFields(body), fields, JSON.stringify(body));
          for (const c of body.causes) assert.ok(typeof c.message === 'string' && c.message.length > 0);
        });
      }

      test('v=1 points to v2, also with other problems', async () => {
        const alone = await h.get(`${PATH}?v=1&${NINE}`);
        assert.equal(alone.status, 400);
        assert.match(alone.body.message, /v2/);
        assert.deepEqual(causeFields(alone.body), ['v']);
        const withOthers = await h.get(`${PATH}?v=1&interval=7`);
        assert.match(withOthers.body.message, /v2/);
        assert.deepEqual(causeFields(withOthers.body), ['fromDate', 'interval', 'toDate', 'v']);
        const viaPost = await post(h, { v: 1, fromDate: '2026-03-30T09:00:00', toDate: '2026-03-30T10:00:00' });
        assert.equal(viaPost.status, 400);
        assert.match(viaPost.body.message, /v2/);
      });

      test('POST: bad body fields, each a cause', async () => {
        const res = await post(h, { fromMillis: 'abc', toMillis: at('10:00:00'), interval: '20', skillIds: [1, 'x'], limit: 1000, tz: 5 });
        assert.equal(res.status, 400);
        // tz 5 becomes "5" (numbers as strings), an unknown zone
        assert.deepEqual(causeFields(res.body), ['fromMillis', 'interval', 'limit', 'skillIds', 'tz']);
        const both = await post(h, { fromDate: '2026-03-30T09:00:00', toDate: '2026-03-30T10:00:00', fromMillis: 1 });
        assert.deepEqual(causeFields(both.body), ['fromMillis']);
        const missing = await post(h, {});
        assert.deepEqual(causeFields(missing.body), ['fromDate', 'toDate']);
        const badQuerySource = await post(
          h,
          { fromDate: '2026-03-30T09:00:00', toDate: '2026-03-30T10:00:00', skillIds: 'x' },
          { query: '?source=a-b' },
        );
        assert.deepEqual(causeFields(badQuerySource.body), ['skillIds', 'source']);
        const skillsZero = await post(h, { fromDate: '2026-03-30T09:00:00', toDate: '2026-03-30T10:00:00', skillIds: [0] });
        assert.deepEqual(causeFields(skillsZero.body), ['skillIds']);
      });

      test('POST: a body that is not an object', async () => {
        const res = await post(h, [1, 2]);
        assert.equal(res.status, 400);
        const none = await h.app.inject({
          method: 'POST',
          url: PATH,
          headers: { authorization: `Bearer ${await h.token(['read'])}` },
        });
        assert.equal(none.statusCode, 400);
      });
    });

    test('POST: source in the query or the body', async () => {
      const body = { fromDate: '2026-03-30T09:00:00', toDate: '2026-03-30T10:00:00', skillIds: '1', limit: 1 };
      const inQuery = await post(h, body, { query: '?source=from_query' });
      assert.equal(inQuery.status, 200);
      assert.equal(new URL(hrefs(inQuery.body).self as string).searchParams.get('source'), 'from_query');
      const inBody = await post(h, { ...body, source: 'from_body' });
      assert.equal(new URL(hrefs(inBody.body).self as string).searchParams.get('source'), 'from_body');
    });

    test('401 without a token, 403 for another account or without read', async () => {
      const url = `${PATH}?${NINE}`;
      const none = await h.app.inject({ method: 'GET', url });
      assert.equal(none.statusCode, 401);
      const nonePost = await h.app.inject({ method: 'POST', url: PATH, payload: { fromDate: 'x' } });
      assert.equal(nonePost.statusCode, 401, 'auth before validation');
      const other = await h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${await h.token(['read'], 'other')}` } });
      assert.equal(other.statusCode, 403);
      const noRead = await h.get(url, ['ingest', 'admin']);
      assert.equal(noRead.status, 403);
      assert.match(noRead.body.message, /read/);
      const noReadPost = await h.app.inject({
        method: 'POST',
        url: PATH,
        headers: { authorization: `Bearer ${await h.token(['ingest'])}` },
        payload: { fromDate: '2026-03-30T09:00:00', toDate: '2026-03-30T10:00:00' },
      });
      assert.equal(noReadPost.statusCode, 403);
    });

    test('documented in OpenAPI: GET and POST with parameters, body and bearer security', async () => {
      const openapi = (await h.app.inject({ url: '/openapi.json' })).json();
      const path = openapi.paths['/operations/api/account/{accountId}/nht'];
      assert.ok(path?.get && path.post);
      for (const op of [path.get, path.post]) {
        assert.deepEqual(op.tags, ['net handle time']);
        assert.deepEqual(op.security, [{ bearer: [] }]);
        assert.ok(op.summary);
      }
      const names = path.get.parameters.map((p: any) => p.name).sort();
      for (const n of [
        'fromDate',
        'toDate',
        'fromMillis',
        'toMillis',
        'interval',
        'tz',
        'skillIds',
        'offset',
        'limit',
        'source',
        'asOf',
        'v',
      ]) {
        assert.ok(names.includes(n), n);
      }
      const bodySchema = path.post.requestBody.content['application/json'].schema;
      assert.ok(bodySchema.properties.skillIds && bodySchema.properties.fromMillis);
    });
  });

  describe(`net handle time API matches the reference derivation (${factory.name})`, () => {
    let h: Harness;
    before(async () => {
      h = await harness(factory);
    });
    after(() => h.close());

    const SIM_START = DAY0 + 7 * HOUR;
    let run = 0;

    test('store facts → API answer equals computeNht(nhtFactsFromEvents(events)) (fast-check)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
            cuts: fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { maxLength: 6 }),
            reversed: fc.boolean(),
            fromOffset: fc.integer({ min: -30 * 60_000, max: 6 * HOUR }),
            span: fc.integer({ min: 1, max: 7 * HOUR }),
            interval: fc.constantFrom(15, 30, 60),
            tz: fc.constantFrom(undefined, 'UTC', 'Asia/Kolkata', 'America/St_Johns', 'Asia/Kathmandu'),
          }),
          async ({ seed, cuts, reversed, fromOffset, span, interval, tz }) => {
            const account = `prop${++run}`;
            const events = [...simulate({ seed, agents: 6, hours: 6, start: SIM_START })];
            // Contiguous batches, in time order or the newest first (late arrivals).
            const batches = contiguousBatches(events, cuts);
            if (reversed) batches.reverse();
            for (const batch of batches) {
              const res = await h.ingest(batch, account);
              assert.equal(res.status, 200, JSON.stringify(res.body));
            }

            const fromMs = SIM_START + fromOffset;
            const toMs = fromMs + span;
            const params = new URLSearchParams({
              fromMillis: String(fromMs),
              toMillis: String(toMs),
              interval: String(interval),
              limit: '100',
            });
            if (tz !== undefined) params.set('tz', tz);
            const res = await h.app.inject({
              method: 'GET',
              url: `/operations/api/account/${account}/nht?${params}`,
              headers: { authorization: `Bearer ${await h.token(['read'], account)}` },
            });
            assert.equal(res.statusCode, 200, res.body);
            const body = res.json();
            const settings = await h.store.settings(account);
            const expected = computeNht(nhtFactsFromEvents(account, events), {
              fromMs,
              toMs,
              intervalMinutes: interval as 15 | 30 | 60,
              defaultMaxSlots: settings.defaultMaxSlots,
              ...(tz === undefined ? {} : { timeZone: tz }),
            });
            assert.equal(body._metadata.count, expected.length);
            assert.deepEqual(body.skillInfo, expected);
          },
        ),
        { numRuns: 20 },
      );
    });
  });
}
