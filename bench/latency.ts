/**
 * The read rows on the imported store (spec/operations.md): for a 1,000-record `status-changes`
 * v2 page, a 500-segment `agent-segments` page and a 7-day × 10-skill hourly NHT, the throughput
 * at 32 clients and p50/p99 at a fixed offered rate, against `wfm serve`.
 *
 * Each throughput is compared with a floor measured in the same run, in process, from data read
 * from the store once: building the same response body and JSON.stringify-ing it in a loop (for
 * NHT, building includes computeNht over the facts, the route's own computation).
 */

import { pageLinks } from '../src/api/paging.js';
import { segmentView } from '../src/api/routes/handle-time.js';
import { timeframeOf } from '../src/api/routes/shared.js';
import { computeNht } from '../src/domain/nht.js';
import type { ActivityRecord } from '../src/domain/records.js';
import { formatUtcMillis } from '../src/domain/time.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store, TimeWindow } from '../src/store/store.js';
import { ACCOUNT } from './import.js';
import { cycle, fixedRate, type Latency, serviceTime, throughput, timedGet } from './load.js';
import { nowMs, progress } from './machine.js';
import { limitRow, missingRow, plainRow, type Row, ratioRow } from './report.js';
import { bearerToken, startServer } from './server.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const BASE = 'http://127.0.0.1';
/** Stands in for a signed `asOf` mark in the floors' links (a real one is about this long). */
const SNAPSHOT_MARK = 'x'.repeat(120);

export interface ReadOptions {
  db: string;
  /** first instant of the data set; the data set spans `hours` */
  startMs: number;
  hours: number;
  skills: number;
  events: number;
  /** seconds of each throughput and fixed-rate run */
  seconds: number;
  scratch: string;
}

interface QuerySpec {
  label: string;
  unit: string;
  paths: string[];
  /** the offered rate of the latency rows, per second */
  rate: number;
  /** spec/operations.md: throughput ≥ this × floor */
  minRatio?: number;
  /** spec/operations.md: p99 ≤ this (ms) at `rate` */
  p99Limit?: number;
  floorNote: string;
  floor: () => number;
  /** what a correct answer looks like (null when it is one) */
  check: (body: Record<string, unknown>) => string | null;
}

/**
 * Calls `build` (returning the response text) in a loop: after a warm-up, three runs of
 * ~`seconds` / 3 each (at least one call each); the best rate, as a floor is the best case.
 */
function loopRate(build: () => string, seconds: number): number {
  let sink = 0;
  const run = (s: number): number => {
    const started = nowMs();
    let n = 0;
    do {
      sink += build().length;
      n++;
    } while (nowMs() - started < s * 1000);
    return n / ((nowMs() - started) / 1000);
  };
  run(0.5);
  const rate = Math.max(run(seconds / 3), run(seconds / 3), run(seconds / 3));
  if (sink === 0) throw new Error('empty responses');
  return rate;
}

function activityView(r: ActivityRecord): Record<string, unknown> {
  // as src/api/routes/status-changes.ts agentView + changeView
  const view: Record<string, unknown> = {
    agentId: r.agentId,
    employeeId: r.employeeId,
    agentLoginName: r.agentLoginName,
    agentUserName: r.agentUserName,
    agentGroupId: r.agentGroupId,
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

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const links = (path: string, query: string, offset: number, limit: number, count: number) =>
  pageLinks(BASE, path, new URLSearchParams(query), { offset, limit }, count, SNAPSHOT_MARK);

/** Pages cycled through per list (spread over the window), so the floors and the load read the same pages at any size. */
const MAX_PAGES = 20;

/** Offsets of up to MAX_PAGES full pages of a paged list, spread evenly over it. */
function fullPageOffsets(count: number, limit: number, what: string): number[] {
  const pages = Math.floor(count / limit);
  if (pages === 0) throw new Error(`the window holds ${count} ${what}, fewer than one page of ${limit}`);
  const n = Math.min(pages, MAX_PAGES);
  return Array.from({ length: n }, (_, i) => Math.floor((i * pages) / n) * limit);
}

async function statusChangesSpec(store: Store, version: number, day: TimeWindow, seconds: number): Promise<QuerySpec> {
  const path = `/api/v2/account/${ACCOUNT}/status-changes`;
  const query = `v=2&from=${iso(day.from)}&to=${iso(day.to)}&limit=1000`;
  const { count } = await store.statusChanges(ACCOUNT, version, day, { kind: 'none' }, { offset: 0, limit: 1 });
  const offsets = fullPageOffsets(count, 1000, 'activity records');
  const pages = await Promise.all(
    offsets.map(async (offset) => ({
      offset,
      page: await store.statusChanges(ACCOUNT, version, day, { kind: 'none' }, { offset, limit: 1000 }),
    })),
  );
  const next = cycle(pages);
  return {
    label: 'status-changes v2, 1,000-record page',
    unit: 'pages/s',
    paths: offsets.map((o) => `${path}?${query}&offset=${o}`),
    rate: 100,
    minRatio: 0.5,
    p99Limit: 50,
    floorNote: `floor: build + JSON.stringify the same ${offsets.length} pages in process`,
    check: (b) => ((b.stateChanges as unknown[]).length === 1000 ? null : 'not a 1,000-record page'),
    floor: () =>
      loopRate(() => {
        const { offset, page } = next();
        return JSON.stringify({
          _metadata: { count: page.count, references: links(path, query, offset, 1000, page.count) },
          timeframe: timeframeOf(day),
          stateChanges: page.items.map(activityView),
        });
      }, seconds / 2),
  };
}

async function segmentsSpec(store: Store, version: number, day: TimeWindow, seconds: number): Promise<QuerySpec> {
  const path = `/api/account/${ACCOUNT}/agent-segments`;
  const query = `from=${iso(day.from)}&to=${iso(day.to)}&limit=500`;
  const segmentQuery = (offset: number, limit: number) => ({
    window: day,
    filters: {},
    sort: { field: 'endTime' as const, descending: true },
    page: { offset, limit },
  });
  const { count } = await store.segments(ACCOUNT, version, segmentQuery(0, 1));
  const offsets = fullPageOffsets(count, 500, 'segments');
  const pages = await Promise.all(
    offsets.map(async (offset) => ({ offset, page: await store.segments(ACCOUNT, version, segmentQuery(offset, 500)) })),
  );
  const next = cycle(pages);
  return {
    label: 'agent-segments, 500-segment page',
    unit: 'pages/s',
    paths: offsets.map((o) => `${path}?${query}&offset=${o}`),
    rate: 100,
    floorNote: `floor: build + JSON.stringify the same ${offsets.length} pages in process; operations.md sets no target`,
    check: (b) => ((b.segments as unknown[]).length === 500 ? null : 'not a 500-segment page'),
    floor: () =>
      loopRate(() => {
        const { offset, page } = next();
        return JSON.stringify({
          timeframe: timeframeOf(day),
          segments: page.items.map(segmentView),
          pagination: { count: page.count, references: links(path, query, offset, 500, page.count) },
        });
      }, seconds / 2),
  };
}

async function nhtSpec(store: Store, version: number, week: TimeWindow, skills: number, seconds: number): Promise<QuerySpec> {
  const path = `/operations/api/account/${ACCOUNT}/nht`;
  const skillIds = Array.from({ length: skills }, (_, i) => i + 1);
  const date = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  const query = `v=2&fromDate=${date(week.from)}&toDate=${date(week.to)}&interval=60&skillIds=${skillIds.join(',')}`;
  const facts = await store.nhtFacts(ACCOUNT, version, week);
  const { defaultMaxSlots } = await store.settings(ACCOUNT);
  return {
    label: `NHT, ${Math.round((week.to - week.from) / DAY)} days × ${skills} skills, hourly`,
    unit: 'requests/s',
    paths: [`${path}?${query}`],
    rate: 20,
    p99Limit: 50,
    floorNote: 'floor: computeNht over the same facts + JSON.stringify in process; operations.md sets no throughput target',
    check: (b) => {
      const info = b.skillInfo as Array<{ metricsByIntervals: unknown[] }>;
      const buckets = Math.round((week.to - week.from) / HOUR);
      return info.length === skills && info[0]?.metricsByIntervals.length === buckets ? null : 'unexpected NHT shape';
    },
    floor: () =>
      loopRate(() => {
        const rows = computeNht(facts, { fromMs: week.from, toMs: week.to, intervalMinutes: 60, defaultMaxSlots, skillIds });
        return JSON.stringify({
          _metadata: { count: skillIds.length, references: links(path, query, 0, 10, skillIds.length) },
          timeframe: { fromDate: date(week.from), toDate: date(week.to), fromMillis: week.from, toMillis: week.to },
          interval: 60,
          skillInfo: rows,
        });
      }, seconds / 2),
  };
}

/** One GET answered 200 with a full page (the load runs then only count 2xx). */
async function checkPath(url: string, headers: Record<string, string>, expect: (body: Record<string, unknown>) => string | null) {
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  const problem = expect(JSON.parse(text) as Record<string, unknown>);
  if (problem) throw new Error(`GET ${url}: ${problem}`);
}

export async function readRows(options: ReadOptions): Promise<Row[]> {
  const { db, startMs, hours, skills, seconds } = options;
  // The floors run first, in this process, while no server competes for the CPU.
  const store = new SqliteStore({ file: db, snapshotTtlMs: 3_600_000 });
  const specs: QuerySpec[] = [];
  const floors: number[] = [];
  try {
    const { version } = await store.accountVersion(ACCOUNT);
    const middleDay = Math.floor(hours / 24 / 2);
    const day = { from: startMs + middleDay * DAY, to: startMs + (middleDay + 1) * DAY };
    const week = { from: startMs, to: startMs + Math.min(hours * HOUR, 7 * DAY) };
    specs.push(await statusChangesSpec(store, version, day, seconds));
    specs.push(await segmentsSpec(store, version, day, seconds));
    specs.push(await nhtSpec(store, version, week, skills, seconds));
    for (const spec of specs) {
      progress(`floor of ${spec.label}…`);
      floors.push(spec.floor());
    }
  } finally {
    await store.close();
  }

  const rows: Row[] = [];
  let token: string | undefined;
  // A fresh server for each load run: SIGKILL after it drops whatever an overload left queued.
  const withServer = async <T>(fn: (url: string, headers: Record<string, string>) => Promise<T>): Promise<T> => {
    const server = await startServer(db);
    try {
      token ??= await bearerToken(db, server.url, 'read', `${options.scratch}/client.rss`);
      return await fn(server.url, { authorization: `Bearer ${token}` });
    } finally {
      await server.stop('SIGKILL');
    }
  };
  const loadRows = async (spec: QuerySpec, floor: number): Promise<Row[]> => {
    const out: Row[] = [];
    const unit = spec.unit.replace('/s', '');
    progress(`${spec.label}: one request, then throughput at 32 clients…`);
    const { first, service, t } = await withServer(async (url, headers) => {
      const started = nowMs();
      await checkPath(`${url}${spec.paths[0]}`, headers, spec.check);
      const first = nowMs() - started;
      const service = await serviceTime(url, spec.paths, headers);
      // At least ~5 answers per run, however slow one answer is.
      const window = Math.max(seconds, Math.ceil((5 * service) / 1000));
      return { first, service, t: await throughput(url, cycle(spec.paths), headers, 32, window) };
    });
    // The first answer after the import is the cold one (NHT computes and keeps the week's hours then).
    out.push(plainRow(`${spec.label}: first request after the import`, first, 'ms', 'a fresh server on the imported store'));
    out.push(
      ratioRow(
        `${spec.label}: throughput, 32 clients`,
        t.perSecond,
        spec.unit,
        floor,
        spec.minRatio,
        `${spec.floorNote}; ${t.requests} answers in ${t.seconds} s`,
      ),
    );
    progress(`${spec.label}: latency at ${spec.rate} ${unit}/s offered…`);
    const l: Latency = await withServer(async (url, headers) => {
      await timedGet(`${url}${spec.paths[0]}`, headers);
      return fixedRate(url, cycle(spec.paths), headers, spec.rate, seconds, seconds);
    });
    const at = `at ${spec.rate} ${unit}/s offered`;
    const bound = l.lowerBound
      ? `lower bound: ${l.requests - l.answered} of ${l.requests} requests unanswered ${seconds} s after the last was sent; `
      : '';
    const note =
      `${bound}open loop, ${l.requests} requests over ${seconds} s, ${l.answeredPerSecond.toFixed(1)} answers/s; ` +
      `one request alone ${service.toFixed(1)} ms`;
    out.push(plainRow(`${spec.label}: p50 ${at}`, l.p50, 'ms', l.lowerBound ? 'lower bound (see p99)' : undefined));
    out.push(
      spec.p99Limit === undefined
        ? plainRow(`${spec.label}: p99 ${at}`, l.p99, 'ms', `${note}; operations.md sets no target`)
        : limitRow(`${spec.label}: p99 ${at}`, l.p99, 'ms', spec.p99Limit, note),
    );
    return out;
  };
  for (const [i, spec] of specs.entries()) {
    try {
      rows.push(...(await loadRows(spec, floors[i] as number)));
    } catch (err) {
      const why = ((err as Error).message ?? String(err)).split('\n')[0] as string;
      rows.push(missingRow(`${spec.label}: throughput, 32 clients`, spec.unit, why));
      const limit = spec.p99Limit === undefined ? undefined : `≤ ${spec.p99Limit} ms`;
      rows.push(missingRow(`${spec.label}: p99 at ${spec.rate}/s offered`, 'ms', why, limit));
    }
  }
  return rows;
}
