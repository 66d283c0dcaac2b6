/**
 * Strict RFC 3339 time handling for the ingest contract (spec/events.md, envelope `time`).
 * Pure functions, no `Date.parse` leniency.
 */

/**
 * The accepted date-time syntax: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, with `T` and `Z`
 * in either case and any number of fraction digits. Ranges (month, day, hour, …) are checked
 * by {@link parseRfc3339}, not by the pattern. Also published as the JSON Schema `pattern` of
 * string times, so the two cannot drift.
 */
export const RFC3339_PATTERN =
  '^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\\.([0-9]+))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))$';

const RFC3339 = new RegExp(RFC3339_PATTERN);

const MS_PER_MINUTE = 60_000;
/** 400 Gregorian years are exactly 146,097 days: the calendar repeats with that period. */
const MS_PER_400_YEARS = 146_097 * 86_400_000;
/** Bounds of years 0000–9999 in epoch ms. */
const MIN_MS = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const MAX_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

const FORMAT_MESSAGE = 'must be an RFC 3339 date-time such as 2026-03-30T09:15:02.120Z or 2026-03-30T14:45:02.120+05:30';

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Parses a strict RFC 3339 date-time into epoch milliseconds.
 *
 * Accepts `Z` or a numeric offset, `T`/`Z` in either case and any number of fraction digits
 * (digits beyond milliseconds are truncated, not rounded). Rejects second 60, impossible
 * calendar dates (Feb 29 outside leap years, month 13, …) and offsets beyond ±23:59.
 *
 * @returns epoch ms, or an error message (a string) saying what is expected
 * @example
 * parseRfc3339('2026-03-30T09:15:02.120+05:30'); // 1774842302120
 * parseRfc3339('2026-03-30t03:45:02.1209999z');  // 1774842302120
 * parseRfc3339('2016-12-31T23:59:60Z');          // 'second must be 00–59 (leap second 60 is not accepted)'
 */
export function parseRfc3339(s: string): number | string {
  const m = RFC3339.exec(s);
  if (m === null) return FORMAT_MESSAGE;
  const year = +(m[1] as string);
  const month = +(m[2] as string);
  const day = +(m[3] as string);
  const hour = +(m[4] as string);
  const minute = +(m[5] as string);
  const second = +(m[6] as string);
  const frac = m[7];
  if (month < 1 || month > 12) return 'month must be 01–12';
  if (day < 1 || day > 31) return 'day must be 01–31';
  if (day > daysInMonth(year, month)) {
    return `day ${m[3] as string} does not exist in ${m[1] as string}-${m[2] as string}`;
  }
  if (hour > 23) return 'hour must be 00–23';
  if (minute > 59) return 'minute must be 00–59';
  if (second > 59) return 'second must be 00–59 (leap second 60 is not accepted)';
  let offsetMs = 0;
  if (m[8] === undefined) {
    const oh = +(m[10] as string);
    const om = +(m[11] as string);
    if (oh > 23) return 'offset hours must be 00–23';
    if (om > 59) return 'offset minutes must be 00–59';
    offsetMs = (oh * 60 + om) * MS_PER_MINUTE;
    if (m[9] === '-') offsetMs = -offsetMs;
  }
  let millis = 0;
  if (frac !== undefined) {
    millis = frac.length >= 3 ? +frac.slice(0, 3) : frac.length === 2 ? +frac * 10 : +frac * 100;
  }
  // Date.UTC maps years 0–99 to 1900–1999; shifting by one 400-year cycle avoids that and
  // is exact because the Gregorian calendar repeats every 400 years.
  const local = Date.UTC(year + 400, month - 1, day, hour, minute, second, millis) - MS_PER_400_YEARS;
  // a local time ahead of UTC (+05:30) is the UTC instant plus the offset
  return local - offsetMs;
}

/**
 * Formats epoch milliseconds as RFC 3339 UTC with exactly three fraction digits.
 * Throws a RangeError outside years 0000–9999 or for a non-integer.
 *
 * @example
 * formatUtcMillis(1774861200000); // '2026-03-30T09:00:00.000Z'
 * parseRfc3339(formatUtcMillis(ms)) === ms; // for every integer ms in range
 */
export function formatUtcMillis(ms: number): string {
  if (!Number.isInteger(ms) || ms < MIN_MS || ms > MAX_MS) {
    throw new RangeError(`formatUtcMillis: ${ms} is not an integer epoch ms within years 0000–9999`);
  }
  // toISOString uses exactly YYYY-MM-DDTHH:mm:ss.sssZ for years 0000–9999
  return new Date(ms).toISOString();
}
