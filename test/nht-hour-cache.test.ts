/**
 * The NHT hour cache (src/store/nht-hour-cache.ts) never changes an answer: after every batch,
 * in any arrival order, and for snapshots older or newer than the cached hours, the API equals
 * computeNht over the reference facts of exactly the events the snapshot holds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { WfmEvent } from '../src/domain/events.js';
import { computeNht } from '../src/domain/nht.js';
import { nhtFactsFromEvents } from '../src/domain/nht-facts.js';
import { simulate } from '../src/sim/simulate.js';
import { contiguousBatches } from './support/batches.js';
import { DAY0, type Harness, harness, STORES } from './support/harness.js';

const HOUR = 3600_000;
const SIM_START = DAY0 + 7 * HOUR;
const SIM_HOURS = 6;

interface Query {
  fromMs: number;
  toMs: number;
  interval: 15 | 30 | 60;
  tz: string | undefined;
}

const queryArb = fc.record({
  // Windows that share hours, so later reads meet hours cached by earlier ones.
  fromHour: fc.integer({ min: -1, max: SIM_HOURS - 1 }),
  hours: fc.integer({ min: 1, max: SIM_HOURS + 1 }),
  interval: fc.constantFrom<15 | 30 | 60>(15, 30, 60),
  tz: fc.constantFrom(undefined, 'UTC', 'Asia/Kolkata', 'America/St_Johns', 'Asia/Kathmandu'),
});

function toQuery(q: { fromHour: number; hours: number; interval: 15 | 30 | 60; tz: string | undefined }): Query {
  const fromMs = SIM_START + q.fromHour * HOUR;
  return { fromMs, toMs: fromMs + q.hours * HOUR, interval: q.interval, tz: q.tz };
}

function urlOf(account: string, q: Query): string {
  const params = new URLSearchParams({
    fromMillis: String(q.fromMs),
    toMillis: String(q.toMs),
    interval: String(q.interval),
    limit: '100',
  });
  if (q.tz !== undefined) params.set('tz', q.tz);
  return `/operations/api/account/${account}/nht?${params}`;
}

async function expected(h: Harness, account: string, events: readonly WfmEvent[], q: Query) {
  const settings = await h.store.settings(account);
  return computeNht(nhtFactsFromEvents(account, events), {
    fromMs: q.fromMs,
    toMs: q.toMs,
    intervalMinutes: q.interval,
    defaultMaxSlots: settings.defaultMaxSlots,
    ...(q.tz === undefined ? {} : { timeZone: q.tz }),
  });
}

function linkOf(body: { _metadata: { references: Array<{ rel: string; href: string }> } }, rel: string): string {
  const link = body._metadata.references.find((r) => r.rel === rel);
  assert.ok(link, `a ${rel} link`);
  return link.href;
}

for (const factory of STORES) {
  describe(`NHT hour cache (${factory.name})`, () => {
    let h: Harness;
    before(async () => {
      h = await harness(factory);
    });
    after(() => h.close());
    let run = 0;

    test('answers equal the reference after every batch, in any arrival order, also through old snapshots (fast-check)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
            cuts: fc.uniqueArray(fc.integer({ min: 1, max: 9_999 }), { minLength: 1, maxLength: 6 }),
            order: fc.array(fc.nat(), { minLength: 7, maxLength: 7 }),
            queries: fc.array(queryArb, { minLength: 7, maxLength: 7 }),
          }),
          async ({ seed, cuts, order, queries }) => {
            const account = `cache${++run}`;
            const token = await h.token(['read'], account);
            const headers = { authorization: `Bearer ${token}` };
            const events = [...simulate({ seed, agents: 5, hours: SIM_HOURS, start: SIM_START })];
            // Batches in a shuffled order: late arrivals land before, inside and after cached hours.
            const batches = contiguousBatches(events, cuts)
              .map((batch, i) => ({ batch, key: order[i % order.length] as number }))
              .sort((a, b) => a.key - b.key)
              .map((b) => b.batch);
            const stored: WfmEvent[] = [];
            const earlier: Array<{ link: string; body: unknown }> = [];
            for (const [i, batch] of batches.entries()) {
              const res = await h.ingest(batch, account);
              assert.equal(res.status, 200, JSON.stringify(res.body));
              stored.push(...batch);
              // Twice: the first read may compute and cache, the second reads the cache.
              const q = toQuery(queries[i % queries.length] as Parameters<typeof toQuery>[0]);
              const want = await expected(h, account, stored, q);
              for (let k = 0; k < 2; k++) {
                const got = await h.app.inject({ method: 'GET', url: urlOf(account, q), headers });
                assert.equal(got.statusCode, 200, got.body);
                assert.deepEqual(got.json().skillInfo, want, `batch ${i}, read ${k}, ${JSON.stringify(q)}`);
                if (k === 0) earlier.push({ link: linkOf(got.json(), 'first'), body: got.json().skillInfo });
              }
            }
            // Old snapshots, read after newer hours were cached, still see their own version.
            for (const { link, body } of earlier) {
              const url = new URL(link);
              const got = await h.app.inject({ method: 'GET', url: `${url.pathname}${url.search}`, headers });
              assert.equal(got.statusCode, 200, got.body);
              assert.deepEqual(got.json().skillInfo, body, link);
            }
          },
        ),
        { numRuns: 12 },
      );
    });

    test('hours cached before collected versions are moved forward or recomputed, never answered stale', async () => {
      // Snapshots live 1 s here, and the clock moves 2 s per batch (tokens stay valid).
      const h = await harness(factory, { snapshotTtlMs: 1000 });
      const account = `collect${++run}`;
      const events = [...simulate({ seed: 7, agents: 4, hours: SIM_HOURS, start: SIM_START })];
      // 140 batches cross two collections (every 64 versions); the clock passes the snapshot TTL
      // between them, so each collection drops versions that cached hours were computed at.
      const size = Math.ceil(events.length / 140);
      const whole: Query = { fromMs: SIM_START, toMs: SIM_START + SIM_HOURS * HOUR, interval: 60, tz: undefined };
      const early: Query = { fromMs: SIM_START, toMs: SIM_START + 2 * HOUR, interval: 15, tz: 'Asia/Kolkata' };
      for (let i = 0, batch = 0; i < events.length; i += size, batch++) {
        const res = await h.ingest(events.slice(i, i + size), account);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        h.clock.now += 2000;
        if (batch % 9 !== 0) continue;
        const headers = { authorization: `Bearer ${await h.token(['read'], account)}` };
        for (const q of [whole, early]) {
          const got = await h.app.inject({ method: 'GET', url: urlOf(account, q), headers });
          assert.equal(got.statusCode, 200, got.body);
          assert.deepEqual(got.json().skillInfo, await expected(h, account, events.slice(0, i + size), q), `batch ${batch}`);
        }
      }
      await h.close();
    });
  });
}
