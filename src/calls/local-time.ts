/**
 * Local wall-clock readings of a call log → epoch milliseconds, in an explicit IANA zone
 * (spec/operations.md "Call logs", times). Nothing here reads the process time zone.
 */
import { DAY_MS, zoneOffsetMs } from '../domain/intervals.js';

/** A calendar date as written in a log (month 1–12). */
export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** Epoch ms of the wall-clock reading taken as if it were UTC (handles day overflow). */
export function wallClockMs(date: CalendarDate, dayOffset: number, secondOfDay: number): number {
  return Date.UTC(date.year, date.month - 1, date.day + dayOffset) + secondOfDay * 1000;
}

/** `YYYY-MM-DD` of a date, `dayOffset` days later. */
export function isoDate(date: CalendarDate, dayOffset = 0): string {
  return new Date(Date.UTC(date.year, date.month - 1, date.day + dayOffset)).toISOString().slice(0, 10);
}

/**
 * Per zone and UTC day of a wall reading: the one offset in force from two days before to three
 * days after, or null when it changes there (then every reading takes the exact path). Offsets
 * at UTC quarter-hours are cached by zoneOffsetMs, so this costs two lookups per day.
 */
const steadyOffsets = new Map<string, Map<number, number | null>>();

function steadyOffset(wall: number, timeZone: string): number | null {
  let perDay = steadyOffsets.get(timeZone);
  if (!perDay) {
    perDay = new Map();
    steadyOffsets.set(timeZone, perDay);
  }
  const day = Math.floor(wall / DAY_MS);
  let off = perDay.get(day);
  if (off === undefined) {
    const before = zoneOffsetMs((day - 2) * DAY_MS, timeZone);
    const after = zoneOffsetMs((day + 3) * DAY_MS, timeZone);
    off = before === after ? before : null;
    if (perDay.size > 10_000) perDay.clear();
    perDay.set(day, off);
  }
  return off;
}

/**
 * The instant at which the zone's clocks showed `wall` (a wall-clock reading expressed as UTC
 * epoch ms, see {@link wallClockMs}). A reading that happened twice (clocks set back) takes the
 * earlier offset, i.e. the earlier instant; a reading that never happened (clocks set forward)
 * is shifted forward by the gap, i.e. read with the offset in force before the change.
 * Throws ZoneError for an unknown zone.
 *
 * @example localInstantMs(wallClockMs({ year: 1999, month: 1, day: 1 }, 0, 3600), 'Asia/Jerusalem')
 *   // 915145200000 = 1998-12-31T23:00:00Z (+02:00)
 */
export function localInstantMs(wall: number, timeZone: string): number {
  const steady = steadyOffset(wall, timeZone);
  if (steady !== null) return wall - steady;
  // An offset change near this reading: at most one in ±1 day in every real zone.
  const before = zoneOffsetMs(wall - DAY_MS, timeZone);
  const after = zoneOffsetMs(wall + DAY_MS, timeZone);
  let best: number | undefined;
  for (const off of before === after ? [before] : [before, after]) {
    const t = wall - off;
    if (zoneOffsetMs(t, timeZone) === off && (best === undefined || t < best)) best = t;
  }
  return best ?? wall - before;
}

/**
 * The local calendar date (`YYYY-MM-DD`) of an instant in the zone.
 *
 * @example localDateOf(Date.UTC(1999, 0, 1, 22, 30), 'Asia/Jerusalem') // '1999-01-02'
 */
export function localDateOf(t: number, timeZone: string): string {
  return new Date(t + zoneOffsetMs(t, timeZone)).toISOString().slice(0, 10);
}
