/**
 * Validation on real data: January and February 1999 of the Anonymous Bank call center
 * (Anonymous Bank call-center data, Technion SEE lab (I. Guedj & A. Mandelbaum); see
 * shared/data/anonymous-bank-1999/README.md) imported through the call-log importer, then read
 * back THROUGH THE PUBLIC API and compared with direct computations over the same rows made by
 * an independent reader (support/anonymous-bank-oracle.ts), which shares no code with the
 * importer or the engine.
 *
 * The files live beside the project (`../shared/data/…`, as in CI's fresh clone); when they are
 * missing the test fails, it never skips.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ANONYMOUS_BANK } from '../src/calls/anonymous-bank.js';
import { type CallImportStats, importCallLogs, type RowReport } from '../src/calls/import-calls.js';
import {
  arrivalsByHour,
  describe as describeValues,
  focusFacts,
  isRegularWeekday,
  localDate,
  nhtByHour,
  type OracleCall,
  type OracleFile,
  readAnonymousBank,
  servicesOverlappingPrevious,
} from './support/anonymous-bank-oracle.js';
import { ACCOUNT, type Harness, harness, walkPages } from './support/harness.js';

// dist/test/real-data.test.js → ../../ is the project root; shared/ sits beside it.
const DATA_DIR = new URL('../../../shared/data/anonymous-bank-1999/', import.meta.url);
const MONTHS = ['january', 'february'] as const;
const TZ = 'Asia/Jerusalem';
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** 1999-01-01T00:00+02:00 and 1999-03-02T00:00+02:00: every service of both files ends in between */
const FIRST = Date.UTC(1999, 0, 1) - 2 * HOUR;
const LAST = Date.UTC(1999, 2, 2) - 2 * HOUR;
const SKILLS = [1, 2, 3, 4, 5, 6];

interface ApiSegment {
  segmentId: string;
  conversationId: string;
  agentId: number;
  skillId: number;
  startTimeL: number;
  endTimeL: number;
  endReason: string;
  totalHandleTimeMillis: number;
  inFocusTimeMillis: number;
}

interface ApiInterval {
  epochTimestamp: number;
  arrivals: number;
  totalAgentSegmentDuration: number;
  avgAvailableLoad: number;
  messagesSent: number;
  handledSegments: number;
  avgSegmentWorkTime: number;
  netHandleTime: number;
}

/** [from, to) windows of at most 7 days covering both months. */
function weeks(): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let t = FIRST; t < LAST; t += WEEK) out.push([t, Math.min(t + WEEK, LAST)]);
  return out;
}

/** First mismatches, for a readable failure. */
function expectNone(what: string, mismatches: string[]): void {
  assert.equal(mismatches.length, 0, `${mismatches.length} ${what} mismatch(es), e.g.\n${mismatches.slice(0, 12).join('\n')}`);
}

describe('Anonymous Bank 1999 (January, February) through the call-log import and the public API', () => {
  let h: Harness;
  const files = new Map<string, OracleFile>();
  const stats = new Map<string, CallImportStats>();
  const reports = new Map<string, RowReport[]>();
  let calls: OracleCall[] = [];
  let segments: ApiSegment[] = [];
  const intervals = new Map<string, ApiInterval>();
  let importMillis = 0;
  let readMillis = 0;

  before(async () => {
    for (const m of MONTHS) {
      const url = new URL(`${m}.txt`, DATA_DIR);
      assert.ok(existsSync(url), `the data file ${fileURLToPath(url)} is missing (shared/ must sit beside the project)`);
      files.set(m, readAnonymousBank(url));
    }
    calls = [...files.values()].flatMap((f) => f.calls);
    h = await harness();
    const started = Date.now();
    for (const m of MONTHS) {
      const list: RowReport[] = [];
      reports.set(m, list);
      stats.set(
        m,
        await importCallLogs({
          store: h.store,
          accountId: ACCOUNT,
          files: [fileURLToPath(new URL(`${m}.txt`, DATA_DIR))],
          format: ANONYMOUS_BANK,
          timeZone: TZ,
          now: () => h.clock.now,
          onRow: (r) => list.push(r),
        }),
      );
    }
    importMillis = Date.now() - started;
    const reading = Date.now();

    for (const [from, to] of weeks()) {
      const page = (await walkPages(
        h,
        `/api/account/${ACCOUNT}/agent-segments?fromMillis=${from}&toMillis=${to}&limit=500`,
        (body) => body.segments,
      )) as ApiSegment[];
      segments.push(...page);
      const res = await h.get(
        `/operations/api/account/${ACCOUNT}/nht?fromMillis=${from}&toMillis=${to}&interval=60&tz=${encodeURIComponent(TZ)}&skillIds=${SKILLS.join(',')}&limit=10`,
      );
      assert.equal(res.status, 200, res.raw);
      for (const skill of res.body.skillInfo as Array<{ skillId: number; metricsByIntervals: ApiInterval[] }>) {
        for (const b of skill.metricsByIntervals) intervals.set(`${skill.skillId}|${b.epochTimestamp}`, b);
      }
    }
    segments = [...new Map(segments.map((s) => [s.segmentId, s])).values()];
    readMillis = Date.now() - reading;
  });
  after(() => h?.close());

  test('the import reads every row: counts and reported rows match the file', () => {
    for (const m of MONTHS) {
      const f = files.get(m) as OracleFile;
      const s = stats.get(m) as CallImportStats;
      const served = f.calls.filter((c) => c.service).length;
      assert.equal(s.rows, f.dataRows, `${m}: rows`);
      assert.equal(s.skipped, f.phantom + f.unknownType + f.malformed, `${m}: skipped`);
      assert.equal(s.issues.phantom ?? 0, f.phantom, `${m}: PHANTOM rows`);
      assert.equal(s.issues.unknownCallType ?? 0, f.unknownType, `${m}: unknown call types`);
      assert.equal(s.issues.noServer ?? 0, f.noServer, `${m}: AGENT rows with NO_SERVER`);
      assert.equal(s.issues.noServiceStart ?? 0, f.noServiceStart, `${m}: AGENT rows without ser_start`);
      assert.equal(s.arrivals, f.calls.filter((c) => c.queuedAt !== undefined).length, `${m}: arrivals`);
      assert.equal(s.services, served, `${m}: services`);
      assert.equal(s.refused, 0, `${m}: refused events`);
      assert.equal(s.accepted, s.events, `${m}: every event new`);
      const rows = reports.get(m) as RowReport[];
      assert.equal(rows.filter((r) => r.kind === 'skipped').length, s.skipped, `${m}: one report per skipped row`);
      assert.ok(
        rows.every((r) => r.line >= 2),
        `${m}: reports carry data line numbers`,
      );
    }
    // The README's counts for these exact bytes.
    assert.deepEqual([files.get('january')?.dataRows, files.get('february')?.dataRows], [31_599, 33_344]);
    assert.deepEqual([stats.get('january')?.issues.phantom, stats.get('february')?.issues.phantom], [240, 278]);
    assert.equal(stats.get('january')?.issues.unknownCallType, 2, 'January has two rows of type AA');
    assert.equal(stats.get('january')?.issues.malformed, undefined);
    console.log(
      `imported both months in ${(importMillis / 1000).toFixed(1)} s: ${[...stats.values()].map((s) => s.events).join(' + ')} events; ` +
        `read back through the API in ${(readMillis / 1000).toFixed(1)} s`,
    );
  });

  test('(a) AHT per call type and month equals service time, the later of overlapping services taking the focus', () => {
    const facts = focusFacts(calls);
    const byConversation = new Map(segments.map((s) => [s.conversationId, s]));
    const served = calls.filter((c) => c.service);
    assert.equal(segments.length, served.length, 'one segment per service');
    const expected = new Map<string, { n: number; total: number; focus: number }>();
    const actual = new Map<string, { n: number; total: number; focus: number }>();
    const add = (map: typeof expected, key: string, total: number, focus: number) => {
      const v = map.get(key) ?? { n: 0, total: 0, focus: 0 };
      map.set(key, { n: v.n + 1, total: v.total + total, focus: v.focus + focus });
    };
    const mismatches: string[] = [];
    let overlapping = 0;
    for (const c of served) {
      const svc = c.service as NonNullable<OracleCall['service']>;
      const f = facts.get(c.conversationId) as { inFocusMillis: number; overlaps: boolean };
      add(expected, `${c.skillId}|${localDate(svc.start).slice(0, 7)}`, f.inFocusMillis, f.inFocusMillis);
      const s = byConversation.get(c.conversationId);
      if (!s) {
        mismatches.push(`${c.conversationId}: no segment`);
        continue;
      }
      if (s.startTimeL !== svc.start || s.endTimeL !== svc.end || s.skillId !== c.skillId || s.endReason !== 'closedByConsumer') {
        mismatches.push(`${c.conversationId}: segment ${JSON.stringify(s)} vs ${JSON.stringify(svc)}`);
      }
      if (s.endTimeL - s.startTimeL !== c.serTimeSeconds * 1000) mismatches.push(`${c.conversationId}: length ≠ ser_time`);
      if (f.overlaps) overlapping++;
      else if (s.totalHandleTimeMillis !== c.serTimeSeconds * 1000 || s.inFocusTimeMillis !== c.serTimeSeconds * 1000) {
        mismatches.push(
          `${c.conversationId}: overlaps nothing, AHT ${s.totalHandleTimeMillis} / ${s.inFocusTimeMillis} ≠ ser_time ${c.serTimeSeconds}`,
        );
      }
      if (s.totalHandleTimeMillis !== f.inFocusMillis || s.inFocusTimeMillis !== f.inFocusMillis) {
        mismatches.push(`${c.conversationId}: AHT ${s.totalHandleTimeMillis} / ${s.inFocusTimeMillis}, expected ${f.inFocusMillis}`);
      }
    }
    for (const s of segments)
      add(actual, `${s.skillId}|${localDate(s.startTimeL).slice(0, 7)}`, s.totalHandleTimeMillis, s.inFocusTimeMillis);
    expectNone('segment', mismatches);
    assert.deepEqual(
      [...actual.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
      [...expected.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    // The README counts 202 / 262 services starting inside the previous service of the same name.
    const readmeOverlaps = MONTHS.map((m) => servicesOverlappingPrevious((files.get(m) as OracleFile).calls));
    assert.deepEqual(readmeOverlaps, [202, 262]);
    const shortened = served.filter((c) => (facts.get(c.conversationId)?.inFocusMillis ?? 0) < c.serTimeSeconds * 1000).length;
    assert.ok(shortened > 0 && shortened <= overlapping);
    const table = [...expected.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}: n ${v.n}, AHT sum ${v.total} ms, mean ${(v.total / v.n / 1000).toFixed(1)} s`);
    console.log(
      `AHT by skill|month (all equal to the direct computation):\n  ${table.join('\n  ')}\n  services in an overlap: ${overlapping}, whose handle time a later service cut short: ${shortened}; README overlaps ${readmeOverlaps.join(' / ')}`,
    );
  });

  test('(b) hourly arrivals per skill equal a direct count of queue entries', () => {
    const expected = arrivalsByHour(calls);
    const mismatches: string[] = [];
    let buckets = 0;
    let total = 0;
    for (let hour = FIRST; hour < LAST; hour += HOUR) {
      for (const skill of SKILLS) {
        const b = intervals.get(`${skill}|${hour}`);
        const want = expected.get(`${skill}|${hour}`) ?? 0;
        buckets++;
        total += b?.arrivals ?? 0;
        if (b?.arrivals !== want) mismatches.push(`skill ${skill} ${new Date(hour).toISOString()}: ${b?.arrivals} ≠ ${want}`);
      }
    }
    expectNone('arrivals', mismatches);
    assert.equal(total, calls.filter((c) => c.queuedAt !== undefined).length);
    console.log(`arrivals: ${buckets} skill-hours, ${total} queue entries, all equal`);
  });

  test('(c) NHT per skill and hour equals metrics.md §3 computed from the file, every hour of both months', () => {
    const hours: number[] = [];
    for (let t = FIRST; t < LAST; t += HOUR) hours.push(t);
    const expected = nhtByHour(calls, hours, SKILLS);
    const mismatches: string[] = [];
    let handledHours = 0;
    const round = (v: number) => Math.round(v * 100);
    for (const hour of hours) {
      for (const skill of SKILLS) {
        const b = intervals.get(`${skill}|${hour}`);
        const e = expected.get(`${skill}|${hour}`);
        if (!b || !e) {
          mismatches.push(`skill ${skill} ${new Date(hour).toISOString()}: missing`);
          continue;
        }
        if (e.handledSegments > 0) handledHours++;
        const got = [
          round(b.netHandleTime),
          b.handledSegments,
          b.messagesSent,
          round(b.avgSegmentWorkTime),
          round(b.totalAgentSegmentDuration),
          b.avgAvailableLoad,
        ];
        const want = [e.nhtHundredths, e.handledSegments, e.messagesSent, e.nhtHundredths, e.segmentDurationHundredths, e.avgAvailableLoad];
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          mismatches.push(
            `skill ${skill} ${new Date(hour).toISOString()}: [nht×100, handled, sent, work×100, duration×100, load] ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`,
          );
        }
      }
    }
    expectNone('NHT', mismatches);
    assert.ok(handledHours > 2000, `skill-hours with handled segments: ${handledHours}`);
    console.log(`NHT: ${hours.length} hours × ${SKILLS.length} skills, ${handledHours} with handled segments, all equal`);
  });

  test("(d) the README's weekday service-time figures for the rows an importer keeps, from the API's segments", () => {
    const byConversation = new Map(segments.map((s) => [s.conversationId, s]));
    const figures: Record<string, ReturnType<typeof describeValues>> = {};
    for (const m of MONTHS) {
      const seconds: number[] = [];
      for (const c of (files.get(m) as OracleFile).calls) {
        if (!c.service || !isRegularWeekday(c.date) || c.vruExitSeconds < 7 * 3600) continue;
        if (!(c.serTimeSeconds > 0 && c.serTimeSeconds <= 3600)) continue;
        const s = byConversation.get(c.conversationId) as ApiSegment;
        seconds.push((s.endTimeL - s.startTimeL) / 1000);
      }
      figures[m] = describeValues(seconds);
    }
    const show = (d: ReturnType<typeof describeValues>) => [d.n, d.mean.toFixed(1), d.sd.toFixed(1), d.median];
    assert.deepEqual(show(figures.january as ReturnType<typeof describeValues>), [23_506, '187.0', '225.2', 116]);
    assert.deepEqual(show(figures.february as ReturnType<typeof describeValues>), [24_362, '179.8', '216.5', 109]);
    console.log(
      `weekday service times (n / mean / SD / median): Jan ${show(figures.january as never).join(' / ')}; Feb ${show(figures.february as never).join(' / ')}`,
    );
  });

  test('data quality: only the blurs of services whose focus a later service took, nothing about sessions', async () => {
    const items: Array<{ kind: string; eventId: string }> = [];
    for (const [from, to] of weeks()) {
      const iso = (t: number) => new Date(t).toISOString();
      const page = await walkPages(
        h,
        `/api/account/${ACCOUNT}/data-quality?from=${iso(from)}&to=${iso(to)}&limit=5000`,
        (body) => body.items,
      );
      items.push(...(page as typeof items));
    }
    const facts = focusFacts(calls);
    const expected = [...facts.entries()].filter(([, f]) => f.focusTakenBeforeEnd).map(([id]) => `${id}:blur`);
    assert.deepEqual([...new Set(items.map((i) => i.kind))], expected.length > 0 ? ['blurNotInFocus'] : []);
    assert.deepEqual(items.map((i) => i.eventId).sort(), expected.sort());
    console.log(`data quality: ${items.length} blurNotInFocus (services whose focus a later service of the same name took), nothing else`);
  });

  test('a second import of a month adds nothing: every event is a duplicate', async () => {
    const again = await importCallLogs({
      store: h.store,
      accountId: ACCOUNT,
      files: [fileURLToPath(new URL('february.txt', DATA_DIR))],
      format: ANONYMOUS_BANK,
      timeZone: TZ,
      now: () => h.clock.now,
    });
    const first = stats.get('february') as CallImportStats;
    assert.equal(again.accepted, 0);
    assert.equal(again.duplicates, first.events);
    assert.equal(again.refused, 0);
  });

  test("sanity against the README's picture: served share, weekday peak arrivals, concurrent services", () => {
    for (const m of MONTHS) {
      const f = files.get(m) as OracleFile;
      const asked = f.calls.filter((c) => c.queuedAt !== undefined).length;
      const servedShare = f.calls.filter((c) => c.service).length / asked;
      assert.ok(servedShare > 0.75 && servedShare < 0.95, `${m}: served share ${servedShare}`);
    }
    // Weekday (Sun–Thu) arrivals per hour of day, averaged over the days, from the API's buckets.
    const perHourOfDay = new Map<number, number[]>();
    for (const [key, b] of intervals) {
      const local = new Date(Number(key.split('|')[1]) + 2 * HOUR);
      if (local.getUTCDay() > 4) continue;
      const list = perHourOfDay.get(local.getUTCHours()) ?? [];
      list.push(b.arrivals);
      perHourOfDay.set(local.getUTCHours(), list);
    }
    const mean = (hour: number) => {
      const list = perHourOfDay.get(hour) ?? [];
      return (list.reduce((a, b) => a + b, 0) * SKILLS.length) / list.length;
    };
    const peakHour = [...perHourOfDay.keys()].reduce((a, b) => (mean(b) > mean(a) ? b : a));
    assert.ok(peakHour >= 9 && peakHour <= 17 && mean(peakHour) > 90 && mean(peakHour) < 160, `peak ${mean(peakHour)} at ${peakHour}:00`);
    // At most 12 calls in service at once (README: 12 / 11), from the API's segments.
    const edges = segments.flatMap((s) => [
      [s.startTimeL, 1],
      [s.endTimeL, -1],
    ]) as Array<[number, number]>;
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let open = 0;
    let most = 0;
    for (const [, d] of edges) most = Math.max(most, (open += d));
    assert.equal(most, 12);
    console.log(`weekday peak: ${mean(peakHour).toFixed(1)} arrivals/hour at ${peakHour}:00; at most ${most} calls in service at once`);
  });
});
