import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Bucket, IntervalMinutes } from '../src/domain/intervals.js';
import {
  bucketIndexOf,
  bucketsOverlapping,
  contains,
  firstBucketEndingAfter,
  formatNhtTimestamp,
  hourOf,
  intervalsOverlap,
  isKnownTimeZone,
  overlapLength,
  zoneOffsetMs,
  zoneOffsetProblem,
} from '../src/domain/intervals.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (s: string): number => Date.parse(s);
const stamps = (buckets: Bucket[], tz: string | undefined): string[] => buckets.map((b) => formatNhtTimestamp(b.start, tz));
const lengthsInMinutes = (buckets: Bucket[]): number[] => buckets.map((b) => (b.end - b.start) / MIN);

describe('half-open interval helpers', () => {
  it('overlapLength is the length of [a,b) ∩ [c,d), 0 when disjoint or touching', () => {
    assert.equal(overlapLength(0, 10, 5, 20), 5);
    assert.equal(overlapLength(0, 10, 10, 20), 0);
    assert.equal(overlapLength(0, 10, 20, 30), 0);
    assert.equal(overlapLength(0, 10, 2, 3), 1);
    assert.equal(overlapLength(5, Number.POSITIVE_INFINITY, 0, 10), 5);
  });

  it('intervalsOverlap and contains follow half-open semantics', () => {
    assert.equal(intervalsOverlap(0, 10, 9, 20), true);
    assert.equal(intervalsOverlap(0, 10, 10, 20), false);
    assert.equal(intervalsOverlap(5, 5, 0, 10), false, 'an empty interval meets nothing');
    assert.equal(contains(0, 10, 0), true);
    assert.equal(contains(0, 10, 10), false);
  });

  it('overlapLength is symmetric and bounded by both lengths (property)', () => {
    const iv = fc.tuple(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 1e6 })).map(([s, len]) => [s, s + len] as const);
    fc.assert(
      fc.property(iv, iv, ([a, b], [c, d]) => {
        const len = overlapLength(a, b, c, d);
        assert.equal(len, overlapLength(c, d, a, b));
        assert.ok(len >= 0 && len <= b - a && len <= d - c);
        assert.equal(len > 0, intervalsOverlap(a, b, c, d));
      }),
    );
  });

  it('bucketIndexOf and firstBucketEndingAfter search contiguous buckets', () => {
    const bs = [
      { start: 0, end: 5 },
      { start: 5, end: 9 },
      { start: 9, end: 20 },
    ];
    assert.deepEqual(
      [-1, 0, 4, 5, 19, 20].map((t) => bucketIndexOf(bs, t)),
      [-1, 0, 0, 1, 2, -1],
    );
    assert.deepEqual(
      [-1, 0, 5, 19, 20].map((t) => firstBucketEndingAfter(bs, t)),
      [0, 0, 1, 2, 3],
    );
    const uneven = [
      { start: 0, end: 1 },
      { start: 1, end: 100 },
      { start: 100, end: 101 },
      { start: 200, end: 201 },
    ];
    assert.deepEqual(
      [0, 1, 99, 100, 150, 200, 201].map((t) => bucketIndexOf(uneven, t)),
      [0, 1, 1, 2, -1, 3, -1],
    );
  });
});

describe('UTC buckets (no zone)', () => {
  it('returns every bucket overlapping [from, to), whole buckets', () => {
    const b = bucketsOverlapping(iso('2026-03-30T09:10:00Z'), iso('2026-03-30T09:20:00Z'), 15);
    assert.deepEqual(stamps(b, undefined), ['2026-03-30T09:00', '2026-03-30T09:15']);
    assert.deepEqual(lengthsInMinutes(b), [15, 15]);
  });

  it('to on a boundary excludes the bucket starting there; from on a boundary starts there', () => {
    const b = bucketsOverlapping(iso('2026-03-30T09:00:00Z'), iso('2026-03-30T11:00:00Z'), 60);
    assert.deepEqual(stamps(b, undefined), ['2026-03-30T09:00', '2026-03-30T10:00']);
    assert.equal(bucketsOverlapping(iso('2026-03-30T09:30:00Z'), iso('2026-03-30T10:00:00.001Z'), 30).length, 2);
  });

  it('an empty window has no bucket', () => {
    assert.deepEqual(bucketsOverlapping(1000, 1000, 60), []);
    assert.deepEqual(bucketsOverlapping(2000, 1000, 60), []);
  });

  it('an explicit UTC zone gives the same buckets, with RFC 3339 "+00:00" timestamps', () => {
    const from = iso('2026-03-30T09:10:00Z');
    const to = iso('2026-03-30T10:20:00Z');
    assert.deepEqual(bucketsOverlapping(from, to, 30, 'UTC'), bucketsOverlapping(from, to, 30));
    assert.equal(formatNhtTimestamp(iso('2026-03-30T09:00:00Z'), 'UTC'), '2026-03-30T09:00:00+00:00');
    assert.equal(formatNhtTimestamp(iso('2026-03-30T09:00:00Z'), undefined), '2026-03-30T09:00');
  });
});

describe('half- and quarter-hour zones', () => {
  it('Asia/Kolkata (+05:30): hours start at hh:30 UTC, quarter-hours at every UTC quarter-hour', () => {
    const from = iso('2026-03-30T09:00:00Z'); // 14:30 IST
    const to = iso('2026-03-30T10:00:00Z');
    const hours = bucketsOverlapping(from, to, 60, 'Asia/Kolkata');
    assert.deepEqual(stamps(hours, 'Asia/Kolkata'), ['2026-03-30T14:00:00+05:30', '2026-03-30T15:00:00+05:30']);
    assert.deepEqual(
      hours.map((b) => new Date(b.start).toISOString()),
      ['2026-03-30T08:30:00.000Z', '2026-03-30T09:30:00.000Z'],
    );
    const halves = bucketsOverlapping(from, to, 30, 'Asia/Kolkata');
    assert.deepEqual(stamps(halves, 'Asia/Kolkata'), ['2026-03-30T14:30:00+05:30', '2026-03-30T15:00:00+05:30']);
    const quarters = bucketsOverlapping(from, to, 15, 'Asia/Kolkata');
    assert.deepEqual(lengthsInMinutes(quarters), [15, 15, 15, 15]);
    assert.equal(formatNhtTimestamp(iso('2026-03-30T03:30:00Z'), 'Asia/Kolkata'), '2026-03-30T09:00:00+05:30');
  });

  it('Asia/Kathmandu (+05:45): hours start at hh:15 UTC, half-hours at :15 and :45', () => {
    const from = iso('2026-03-30T09:00:00Z'); // 14:45 NPT
    const to = iso('2026-03-30T10:00:00Z');
    const hours = bucketsOverlapping(from, to, 60, 'Asia/Kathmandu');
    assert.deepEqual(stamps(hours, 'Asia/Kathmandu'), ['2026-03-30T14:00:00+05:45', '2026-03-30T15:00:00+05:45']);
    assert.deepEqual(
      hours.map((b) => new Date(b.start).toISOString()),
      ['2026-03-30T08:15:00.000Z', '2026-03-30T09:15:00.000Z'],
    );
    const halves = bucketsOverlapping(from, to, 30, 'Asia/Kathmandu');
    assert.deepEqual(
      halves.map((b) => new Date(b.start).toISOString().slice(11, 16)),
      ['08:45', '09:15', '09:45'],
    );
  });

  it('hourOf gives the local hour containing a sub-hour bucket', () => {
    const q = { start: iso('2026-03-30T09:45:00Z'), end: iso('2026-03-30T10:00:00Z') };
    assert.deepEqual(hourOf(q, 'Asia/Kathmandu'), { start: iso('2026-03-30T09:15:00Z'), end: iso('2026-03-30T10:15:00Z') });
    assert.deepEqual(hourOf(q, 'Asia/Kolkata'), { start: iso('2026-03-30T09:30:00Z'), end: iso('2026-03-30T10:30:00Z') });
    assert.deepEqual(hourOf(q), { start: iso('2026-03-30T09:00:00Z'), end: iso('2026-03-30T10:00:00Z') });
  });
});

/** The buckets of one local day [local midnight, next local midnight). */
function localDay(fromIso: string, toIso: string, interval: IntervalMinutes, tz: string): Bucket[] {
  return bucketsOverlapping(iso(fromIso), iso(toIso), interval, tz);
}

describe('daylight-saving days', () => {
  it('Europe/Berlin spring-forward day has 23 hourly and 92 quarter-hour buckets; 02:00 does not exist', () => {
    const hours = localDay('2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z', 60, 'Europe/Berlin');
    assert.equal(hours.length, 23);
    assert.ok(lengthsInMinutes(hours).every((m) => m === 60));
    const s = stamps(hours, 'Europe/Berlin');
    assert.deepEqual(s.slice(0, 3), ['2026-03-29T00:00:00+01:00', '2026-03-29T01:00:00+01:00', '2026-03-29T03:00:00+02:00']);
    assert.equal(localDay('2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z', 15, 'Europe/Berlin').length, 92);
  });

  it('Europe/Berlin fall-back day has 25 hourly buckets; the repeated 02:00 differs by offset', () => {
    const hours = localDay('2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z', 60, 'Europe/Berlin');
    assert.equal(hours.length, 25);
    const s = stamps(hours, 'Europe/Berlin');
    assert.deepEqual(s.slice(2, 4), ['2026-10-25T02:00:00+02:00', '2026-10-25T02:00:00+01:00']);
    assert.equal(localDay('2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z', 30, 'Europe/Berlin').length, 50);
  });

  it('America/New_York has 23- and 25-hour days with negative offsets', () => {
    assert.equal(localDay('2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z', 60, 'America/New_York').length, 23);
    const fall = localDay('2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z', 60, 'America/New_York');
    assert.equal(fall.length, 25);
    assert.deepEqual(stamps(fall, 'America/New_York').slice(1, 3), ['2026-11-01T01:00:00-04:00', '2026-11-01T01:00:00-05:00']);
  });

  it('America/Sao_Paulo 2018 DST began at midnight: the day starts at 01:00 and has 23 hours', () => {
    const hours = localDay('2018-11-04T03:00:00Z', '2018-11-05T02:00:00Z', 60, 'America/Sao_Paulo');
    assert.equal(hours.length, 23);
    assert.equal(formatNhtTimestamp((hours[0] as Bucket).start, 'America/Sao_Paulo'), '2018-11-04T01:00:00-02:00');
    const before = bucketsOverlapping(iso('2018-11-04T02:30:00Z'), iso('2018-11-04T02:31:00Z'), 60, 'America/Sao_Paulo');
    assert.deepEqual(stamps(before, 'America/Sao_Paulo'), ['2018-11-03T23:00:00-03:00']);
    assert.deepEqual(lengthsInMinutes(before), [60]);
  });

  it('America/Sao_Paulo 2019 DST ended at midnight: 23:00 repeats, the day has 25 hours', () => {
    const hours = localDay('2019-02-16T02:00:00Z', '2019-02-17T03:00:00Z', 60, 'America/Sao_Paulo');
    assert.equal(hours.length, 25);
    assert.deepEqual(stamps(hours, 'America/Sao_Paulo').slice(-2), ['2019-02-16T23:00:00-02:00', '2019-02-16T23:00:00-03:00']);
  });

  it('Australia/Lord_Howe (30-minute DST shift): the hour spanning the change is 90 minutes long', () => {
    // 2026-04-05 02:00 +11:00 → 01:30 +10:30: local 01:00 lasts until the next 02:00, 90 min later.
    const hours = bucketsOverlapping(iso('2026-04-04T14:00:00Z'), iso('2026-04-04T14:01:00Z'), 60, 'Australia/Lord_Howe');
    assert.deepEqual(stamps(hours, 'Australia/Lord_Howe'), ['2026-04-05T01:00:00+11:00']);
    assert.deepEqual(lengthsInMinutes(hours), [90]);
  });
});

describe('zoneOffsetProblem', () => {
  it('rejects an unknown zone', () => {
    assert.match(zoneOffsetProblem(0, HOUR, 'Mars/Olympus_Mons') ?? '', /unknown time zone "Mars\/Olympus_Mons"/);
    assert.equal(isKnownTimeZone('Mars/Olympus_Mons'), false);
    assert.throws(() => bucketsOverlapping(0, HOUR, 60, 'Mars/Olympus_Mons'), /unknown time zone/);
  });

  it('rejects a pre-1900 window in a zone whose local mean time is not a 15-minute multiple', () => {
    const from = iso('1880-01-01T00:00:00Z');
    assert.match(zoneOffsetProblem(from, from + 24 * HOUR, 'Europe/Berlin') ?? '', /\+00:53:28, not a whole multiple of 15 minutes/);
    assert.match(zoneOffsetProblem(from, from + 24 * HOUR, 'Asia/Kolkata') ?? '', /not a whole multiple of 15 minutes/);
    assert.throws(() => bucketsOverlapping(from, from + HOUR, 60, 'Europe/Berlin'), /not a whole multiple/);
  });

  it('accepts modern windows in half- and quarter-hour zones and in UTC', () => {
    const from = iso('2026-03-30T00:00:00Z');
    for (const tz of ['UTC', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/Sao_Paulo', 'Europe/Berlin', 'Australia/Lord_Howe']) {
      assert.equal(zoneOffsetProblem(from, from + 7 * 24 * HOUR, tz), null, tz);
    }
  });

  it('zoneOffsetMs reads offsets without the process zone', () => {
    assert.equal(zoneOffsetMs(iso('2026-03-30T00:00:00Z'), 'Asia/Kathmandu'), (5 * 60 + 45) * MIN);
    assert.equal(zoneOffsetMs(iso('2026-01-15T12:34:56.789Z'), 'America/New_York'), -5 * HOUR);
  });
});

const ZONES = ['UTC', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/Sao_Paulo', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'];

describe('bucket properties', () => {
  const arbWindow = fc.record({
    from: fc.integer({ min: iso('2015-01-01T00:00:00Z'), max: iso('2030-01-01T00:00:00Z') }),
    span: fc.integer({ min: 1, max: 3 * 24 * HOUR }),
    interval: fc.constantFrom<IntervalMinutes>(15, 30, 60),
    tz: fc.constantFrom(...ZONES),
  });

  it('buckets are contiguous, cover the window, start on local multiples of I, and nest in hours', () => {
    fc.assert(
      fc.property(arbWindow, ({ from, span, interval, tz }) => {
        const to = from + span;
        const buckets = bucketsOverlapping(from, to, interval, tz);
        const first = buckets[0] as Bucket;
        const last = buckets[buckets.length - 1] as Bucket;
        assert.ok(first.start <= from && from < first.end);
        assert.ok(last.start < to && to <= last.end);
        for (let i = 1; i < buckets.length; i++) assert.equal((buckets[i - 1] as Bucket).end, (buckets[i] as Bucket).start);
        for (const b of buckets) {
          const minuteOfDay =
            Number(formatNhtTimestamp(b.start, tz).slice(11, 13)) * 60 + Number(formatNhtTimestamp(b.start, tz).slice(14, 16));
          assert.equal(minuteOfDay % interval, 0);
          assert.ok(b.end - b.start >= 15 * MIN && b.end - b.start <= (interval + 60) * MIN);
          const h = hourOf(b, tz);
          assert.ok(h.start <= b.start && b.end <= h.end);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a zone without DST gives buckets of exactly I minutes', () => {
    fc.assert(
      fc.property(arbWindow, ({ from, span, interval }) => {
        for (const tz of ['Asia/Kolkata', 'Asia/Kathmandu']) {
          assert.ok(lengthsInMinutes(bucketsOverlapping(from, from + span, interval, tz)).every((m) => m === interval));
        }
      }),
      { numRuns: 50 },
    );
  });
});
