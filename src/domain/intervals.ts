/**
 * Half-open intervals [start, end) on integer epoch milliseconds, and clock-aligned buckets
 * in an IANA time zone (spec/metrics.md §3, engineering.md "Half-open intervals").
 *
 * Nothing here reads the process time zone: local times come from Intl with an explicit
 * `timeZone`, and UTC arithmetic uses only `Date.UTC` / `toISOString`.
 */

/** A half-open interval [start, end) in epoch ms. */
export interface Bucket {
  start: number;
  end: number;
}

export const MINUTE_MS = 60_000;
export const QUARTER_HOUR_MS = 15 * MINUTE_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export type IntervalMinutes = 15 | 30 | 60;

/**
 * Length of [a, b) ∩ [c, d), 0 when they do not meet. `Infinity` works as an open end.
 *
 * @example overlapLength(0, 10, 5, 20) // 5
 */
export function overlapLength(a: number, b: number, c: number, d: number): number {
  const len = Math.min(b, d) - Math.max(a, c);
  return Math.max(len, 0);
}

/**
 * True when [a, b) and [c, d) share at least one instant (empty intervals share none).
 *
 * @example intervalsOverlap(0, 10, 10, 20) // false: half-open
 */
export function intervalsOverlap(a: number, b: number, c: number, d: number): boolean {
  return a < d && c < b && a < b && c < d;
}

/**
 * True when start ≤ t < end.
 *
 * @example contains(0, 10, 10) // false
 */
export function contains(start: number, end: number, t: number): boolean {
  return start <= t && t < end;
}

/**
 * Index of the bucket of a sorted, contiguous list that contains t, or -1. Buckets are nearly
 * uniform (DST days differ by an hour), so an interpolated guess is a step or two away.
 *
 * @example bucketIndexOf([{ start: 0, end: 5 }, { start: 5, end: 9 }], 5) // 1
 */
export function bucketIndexOf(buckets: readonly Bucket[], t: number): number {
  const n = buckets.length;
  const first = buckets[0];
  const last = buckets[n - 1];
  if (!first || !last || t < first.start || t >= last.end) return -1;
  let i = Math.min(n - 1, Math.floor(((t - first.start) / (last.end - first.start)) * n));
  while (t < (buckets[i] as Bucket).start) i--;
  while (t >= (buckets[i] as Bucket).end) i++;
  return t >= (buckets[i] as Bucket).start ? i : -1; // t in a gap of a non-contiguous list
}

/**
 * Index of the first bucket whose end is after t (the first that can meet [t, …)), or
 * `buckets.length` when none.
 *
 * @example firstBucketEndingAfter([{ start: 0, end: 5 }, { start: 5, end: 9 }], 5) // 1
 */
export function firstBucketEndingAfter(buckets: readonly Bucket[], t: number): number {
  let lo = 0;
  let hi = buckets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((buckets[mid] as Bucket).end <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------------
// Zone offsets

/** Thrown for a zone Intl does not know or an offset that is not a multiple of 15 minutes. */
export class ZoneError extends RangeError {
  override name = 'ZoneError';
}

/** Formatters are costly to build; one per zone. `null` marks a zone Intl rejected. */
const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      // en-US with h23 gives a stable "MM/DD/YYYY, HH:mm:ss" that is cheap to parse
      // (format() is ~3× faster than formatToParts()).
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      f = null;
    }
    formatters.set(timeZone, f);
  }
  if (f === null) throw new ZoneError(`unknown time zone "${timeZone}"`);
  return f;
}

/** True when Intl knows the zone (IANA names and their aliases, case-insensitive). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

const LOCAL_RE = /^(\d{2})\/(\d{2})\/(\d{1,6}), (\d{2}):(\d{2}):(\d{2})$/;

/** Epoch ms of a wall-clock reading taken as UTC (years below 100 handled, unlike Date.UTC). */
function utcOfWallClock(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime();
}

function computeOffset(t: number, timeZone: string): number {
  const text = formatterFor(timeZone).format(t);
  const m = LOCAL_RE.exec(text);
  if (!m) throw new ZoneError(`cannot read the local time of ${timeZone} at ${t} ("${text}")`);
  const [, mo, d, y, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  // Intl reads whole seconds, so compare with t truncated to its second.
  return utcOfWallClock(y, mo, d, h, mi, s) - Math.floor(t / 1000) * 1000;
}

/** Offsets at UTC quarter-hours, per zone: buckets and timestamps ask for the same instants. */
const offsetCache = new Map<string, Map<number, number>>();
const OFFSET_CACHE_LIMIT = 200_000;

/**
 * The zone's UTC offset (local − UTC, in ms) at instant t. Throws ZoneError for an unknown zone.
 *
 * @example zoneOffsetMs(Date.UTC(2026, 2, 30), 'Asia/Kolkata') // 19800000 (+05:30)
 */
export function zoneOffsetMs(t: number, timeZone: string): number {
  if (t % QUARTER_HOUR_MS !== 0) return computeOffset(t, timeZone);
  let cache = offsetCache.get(timeZone);
  if (!cache) {
    formatterFor(timeZone); // do not cache anything for an unknown zone
    cache = new Map();
    offsetCache.set(timeZone, cache);
  }
  let off = cache.get(t);
  if (off === undefined) {
    if (cache.size >= OFFSET_CACHE_LIMIT) cache.clear();
    off = computeOffset(t, timeZone);
    cache.set(t, off);
  }
  return off;
}

function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const abs = Math.abs(offsetMs);
  const h = Math.floor(abs / HOUR_MS);
  const m = Math.floor((abs % HOUR_MS) / MINUTE_MS);
  const s = Math.floor((abs % MINUTE_MS) / 1000);
  const hhmm = `${sign}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
  return s === 0 ? hhmm : `${hhmm}:${String(s).padStart(2, '0')}`;
}

function offsetProblemAt(t: number, timeZone: string): string | null {
  const off = zoneOffsetMs(t, timeZone);
  if (off % QUARTER_HOUR_MS === 0) return null;
  return (
    `the UTC offset of time zone ${timeZone} at ${new Date(t).toISOString()} is ${formatOffset(off)}, ` +
    'not a whole multiple of 15 minutes'
  );
}

function floorTo(t: number, step: number): number {
  return Math.floor(t / step) * step;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

// ---------------------------------------------------------------------------------------------
// Buckets

/**
 * Is the UTC quarter-hour q a bucket boundary: does its local time sit a whole multiple of
 * I minutes past local midnight? I divides 1440, so that is "local ms ≡ 0 mod I minutes".
 */
function isBoundary(q: number, periodMs: number, timeZone: string): boolean {
  const problem = offsetProblemAt(q, timeZone);
  if (problem !== null) throw new ZoneError(problem);
  return mod(q + zoneOffsetMs(q, timeZone), periodMs) === 0;
}

/** No real zone has a bucket longer than a few hours; stop a runaway search well beyond. */
const MAX_SEARCH_MS = 2 * DAY_MS;

/**
 * Every bucket of I minutes in the zone that overlaps [fromMs, toMs), in time order and
 * contiguous (each end is the next start). Boundaries are the instants whose local time is a
 * whole multiple of I minutes past local midnight, so a DST day has 23 or 25 hourly buckets
 * and a +05:30 zone's hours start at hh:30 UTC. Without a zone, UTC. Throws ZoneError for an
 * unknown zone or an offset that is not a multiple of 15 minutes (see {@link zoneOffsetProblem}).
 *
 * @example bucketsOverlapping(Date.UTC(2026, 2, 30, 9, 10), Date.UTC(2026, 2, 30, 9, 20), 15)
 *   // [{ start: 09:00Z, end: 09:15Z }, { start: 09:15Z, end: 09:30Z }]
 */
export function bucketsOverlapping(fromMs: number, toMs: number, intervalMinutes: IntervalMinutes, timeZone?: string): Bucket[] {
  if (!(fromMs < toMs)) return [];
  const period = intervalMinutes * MINUTE_MS;
  if (timeZone === undefined) return utcBuckets(fromMs, toMs, period);

  // Every offset in use is a multiple of 15 min, so every boundary is a UTC quarter-hour.
  let first = floorTo(fromMs, QUARTER_HOUR_MS);
  while (!isBoundary(first, period, timeZone)) {
    first -= QUARTER_HOUR_MS;
    if (fromMs - first > MAX_SEARCH_MS) throw new ZoneError(`no bucket boundary found in ${timeZone} before ${fromMs}`);
  }
  const buckets: Bucket[] = [];
  let start = first;
  for (let q = first + QUARTER_HOUR_MS; start < toMs; q += QUARTER_HOUR_MS) {
    if (q - start > MAX_SEARCH_MS) throw new ZoneError(`no bucket boundary found in ${timeZone} after ${start}`);
    if (isBoundary(q, period, timeZone)) {
      buckets.push({ start, end: q });
      start = q;
    }
  }
  return buckets;
}

function utcBuckets(fromMs: number, toMs: number, period: number): Bucket[] {
  const buckets: Bucket[] = [];
  for (let s = floorTo(fromMs, period); s < toMs; s += period) buckets.push({ start: s, end: s + period });
  return buckets;
}

/**
 * The 60-minute bucket containing a 15- or 30-minute bucket (hour boundaries are also
 * sub-hour boundaries, so it always exists).
 *
 * @example hourOf({ start: Date.UTC(2026, 2, 30, 9, 15), end: Date.UTC(2026, 2, 30, 9, 30) })
 *   // { start: 09:00Z, end: 10:00Z }
 */
export function hourOf(bucket: Bucket, timeZone?: string): Bucket {
  const [hour] = bucketsOverlapping(bucket.start, bucket.start + 1, 60, timeZone);
  if (!hour) throw new ZoneError('no hour bucket'); // unreachable: [s, s + 1) is not empty
  return hour;
}

/**
 * Why the zone cannot be used for buckets over [fromMs, toMs), or null when it can: unknown
 * zone, or a UTC offset that is not a whole multiple of 15 minutes anywhere in the window or
 * in the hours that the window's buckets extend over (e.g. a pre-standard-time LMT offset).
 * The API answers 400 with this message.
 *
 * @example zoneOffsetProblem(Date.UTC(1880, 0, 1), Date.UTC(1880, 0, 2), 'Asia/Kolkata')
 *   // 'the UTC offset of time zone Asia/Kolkata at 1880-01-01T00:00:00.000Z is +05:53:20, …'
 */
export function zoneOffsetProblem(fromMs: number, toMs: number, timeZone: string): string | null {
  if (!isKnownTimeZone(timeZone)) return `unknown time zone "${timeZone}"`;
  try {
    // Offsets hold for months or years, so sampling both ends and every quarter-hour between
    // sees every offset of the window.
    const samples = [fromMs, Math.max(fromMs, toMs - 1)];
    for (let q = floorTo(fromMs, QUARTER_HOUR_MS) + QUARTER_HOUR_MS; q < toMs; q += QUARTER_HOUR_MS) samples.push(q);
    for (const t of samples) {
      const problem = offsetProblemAt(t, timeZone);
      if (problem !== null) return problem;
    }
    // The hour buckets reach past the window's ends; they throw on a bad offset there.
    bucketsOverlapping(fromMs, toMs, 60, timeZone);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting

/**
 * An NHT bucket's `timestamp` (spec/api.md): `YYYY-MM-DDTHH:mm` in UTC without a zone (the
 * reference's form), else RFC 3339 local time with seconds and the zone's offset, so the
 * repeated hour of a DST change stays unambiguous.
 *
 * @example formatNhtTimestamp(Date.UTC(2026, 2, 30, 3, 30), 'Asia/Kolkata') // '2026-03-30T09:00:00+05:30'
 * @example formatNhtTimestamp(Date.UTC(2026, 2, 30, 9), undefined)         // '2026-03-30T09:00'
 */
export function formatNhtTimestamp(ms: number, timeZone: string | undefined): string {
  if (timeZone === undefined) return new Date(ms).toISOString().slice(0, 16);
  const off = zoneOffsetMs(ms, timeZone);
  // Shifting by the offset and reading the result as UTC gives the local wall clock.
  return new Date(ms + off).toISOString().slice(0, 19) + formatOffset(off);
}
