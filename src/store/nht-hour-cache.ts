/**
 * The NHT hour cache: a computed hour (domain/nht.ts `NhtHour`) depends only on the facts that
 * touch it, so a store keeps it and answers any later window, interval or zone with the same
 * UTC hours from it instead of re-reading every session, segment and counted message.
 *
 * Validity, exact for snapshots: every account version records `nht_from`, the earliest instant
 * whose NHT inputs it may have changed. An ingest: its earliest new event, since the state
 * machines are causal (an event changes derived facts at its time and later only) — unless a
 * late event replayed an agent from a blank state, which after retention can rewrite earlier
 * rows. That and anything else (settings, rebuild, retention): NULL, meaning everything. An hour
 * [s, s + 1 h) computed at version C answers version V when no version between them, (C, V] or
 * (V, C], has `nht_from` < s + 1 h. A version whose row was collected cannot be checked, so an
 * hour cached before the oldest kept version is recomputed (a store's collection first moves
 * the still-valid hours forward; see the stores' nht-hour-cache.ts `collect`).
 *
 * Only regular hours are cached: 60 minutes made of the four UTC quarter-hours, which is every
 * hour of every zone whose offset is a whole multiple of 15 minutes, except around a DST change
 * of an odd size. Those are computed on each request.
 */
import type { Bucket } from '../domain/intervals.js';
import { HOUR_MS, QUARTER_HOUR_MS } from '../domain/intervals.js';
import type { HourlyFields, NhtHour, NhtHourSkill, QuarterSums } from '../domain/nht.js';
import { computeNhtHours, quartersByHour } from '../domain/nht.js';
import type { Store } from './store.js';

/** `nht_from` meaning "every instant" (NULL in the table); below any event time. */
export const NHT_CHANGED_EVERYWHERE = Number.MIN_SAFE_INTEGER;

/** Missing hours are computed a day at a time, so a cold week never holds a week of facts in memory. */
const MAX_HOURS_PER_READ = 24;

/** A cached hour row as a store reads it. */
export interface CachedHourRow {
  hourStart: number;
  version: number;
  body: string;
}

/** True when the hour is 60 minutes of the four UTC quarter-hours: the same for every zone. */
export function isCacheableHour(hour: Bucket, quarters: readonly Bucket[]): boolean {
  if (hour.end - hour.start !== HOUR_MS || hour.start % QUARTER_HOUR_MS !== 0 || quarters.length !== 4) return false;
  return quarters.every((q, i) => q.start === hour.start + i * QUARTER_HOUR_MS && q.end === q.start + QUARTER_HOUR_MS);
}

// ---------------------------------------------------------------------------------------------
// Codec: a compact JSON array per hour

type QuarterJson = 0 | [number, number, number, number, number];
type HourlyJson = 0 | [number, number, number, number, number];
type SkillJson = [number, HourlyJson, ...QuarterJson[]];

/** A cacheable hour as text: { a: active skills, s: [[skillId, hourly | 0, q0 | 0, … q3 | 0]] }. */
export function encodeNhtHour(hour: NhtHour): string {
  const skills: SkillJson[] = [];
  for (const [skillId, skill] of [...hour.skills].sort(([a], [b]) => a - b)) {
    const h = skill.hourly;
    const hourly: HourlyJson = h ? [h.avgAvailableLoad, h.messagesSent, h.handledSegments, h.avgSegmentWorkTime, h.netHandleTime] : 0;
    const quarters = skill.quarters.map(
      (q): QuarterJson => (q ? [q.arrivals, q.queueWaitMs, q.queueWaits, q.segmentMs, q.segmentsEnded] : 0),
    );
    skills.push([skillId, hourly, ...quarters]);
  }
  return JSON.stringify({ a: hour.activeSkills, s: skills });
}

export function decodeNhtHour(hourStart: number, body: string): NhtHour {
  const json = JSON.parse(body) as { a: number[]; s: SkillJson[] };
  const quarters = [0, 1, 2, 3].map((i) => ({ start: hourStart + i * QUARTER_HOUR_MS, end: hourStart + (i + 1) * QUARTER_HOUR_MS }));
  const skills = new Map<number, NhtHourSkill>();
  for (const [skillId, h, ...qs] of json.s) {
    const hourly: HourlyFields | undefined = h
      ? { avgAvailableLoad: h[0], messagesSent: h[1], handledSegments: h[2], avgSegmentWorkTime: h[3], netHandleTime: h[4] }
      : undefined;
    skills.set(skillId, {
      hourly,
      quarters: qs.map((q): QuarterSums | undefined =>
        q ? { arrivals: q[0], queueWaitMs: q[1], queueWaits: q[2], segmentMs: q[3], segmentsEnded: q[4] } : undefined,
      ),
    });
  }
  return { start: hourStart, end: hourStart + HOUR_MS, quarters, skills, activeSkills: json.a };
}

// ---------------------------------------------------------------------------------------------
// Validity

/** A version range to look up: min `nht_from` over versions in (lo, hi]. */
export interface VersionRange {
  computedAt: number;
  lo: number;
  hi: number;
}

/** The ranges between each distinct version the rows were computed at and the read's version. */
export function versionRanges(rows: readonly CachedHourRow[], version: number): VersionRange[] {
  const versions = new Set(rows.map((r) => r.version));
  versions.delete(version);
  return [...versions].map((computedAt) => ({ computedAt, lo: Math.min(computedAt, version), hi: Math.max(computedAt, version) }));
}

/**
 * The cached rows that answer `version`, decoded. `oldest` is the oldest version whose
 * `nht_from` is kept and `changedFrom` the min `nht_from` per range of {@link versionRanges}
 * (null: nothing changed), both read in one consistent snapshot of the store.
 */
export function validHours(
  rows: readonly CachedHourRow[],
  version: number,
  oldest: number,
  changedFrom: ReadonlyMap<number, number | null>,
): Map<number, NhtHour> {
  const out = new Map<number, NhtHour>();
  for (const row of rows) {
    let from: number | null = null;
    if (row.version !== version) {
      // Versions in between that were collected cannot be checked.
      if (Math.min(row.version, version) + 1 < oldest) continue;
      // A range the store did not answer counts as changed everywhere: never fail open.
      const changed = changedFrom.get(row.version);
      from = changed === undefined ? NHT_CHANGED_EVERYWHERE : changed;
    }
    if (from === null || from >= row.hourStart + HOUR_MS) out.set(row.hourStart, decodeNhtHour(row.hourStart, row.body));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading hours: cached where valid, computed from the facts elsewhere

/**
 * The NHT hours of a plan (contiguous 60-minute buckets and their 15-minute buckets), as of a
 * version: valid cached hours as they are; every run of other hours (up to a day) computed from
 * one read of its facts, and the cacheable ones among them kept for later reads.
 */
export async function nhtHoursOf(
  store: Store,
  accountId: string,
  version: number,
  plan: { hours: readonly Bucket[]; quarters: readonly Bucket[] },
  defaultMaxSlots: number,
): Promise<NhtHour[]> {
  const quartersOf = quartersByHour(plan.hours, plan.quarters);
  const cacheable = plan.hours.map((h, i) => isCacheableHour(h, quartersOf[i] as Bucket[]));
  const cached = await store.cachedNhtHours(
    accountId,
    version,
    plan.hours.filter((_, i) => cacheable[i]).map((h) => h.start),
  );
  const out: Array<NhtHour | undefined> = plan.hours.map((h, i) => (cacheable[i] ? cached.get(h.start) : undefined));
  const computed: NhtHour[] = [];
  for (let i = 0; i < out.length; ) {
    if (out[i]) {
      i++;
      continue;
    }
    let j = i;
    while (j < out.length && j - i < MAX_HOURS_PER_READ && !out[j]) j++;
    const hours = plan.hours.slice(i, j);
    const window = { from: (hours[0] as Bucket).start, to: (hours[hours.length - 1] as Bucket).end };
    const facts = await store.nhtFacts(accountId, version, window);
    const run = computeNhtHours(facts, hours, quartersOf.slice(i, j).flat(), defaultMaxSlots);
    run.forEach((hour, k) => {
      out[i + k] = hour;
      if (cacheable[i + k]) computed.push(hour);
    });
    i = j;
  }
  if (computed.length > 0) await store.cacheNhtHours(accountId, version, computed);
  return out as NhtHour[];
}
