import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatUtcMillis, parseRfc3339, RFC3339_PATTERN } from '../src/domain/time.js';

const MIN_MS = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const MAX_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

function ms(s: string): number {
  const r = parseRfc3339(s);
  assert.equal(typeof r, 'number', `${s} should parse, got ${String(r)}`);
  return r as number;
}

function rejected(s: string): string {
  const r = parseRfc3339(s);
  assert.equal(typeof r, 'string', `${s} should be rejected, got ${String(r)}`);
  return r as string;
}

describe('parseRfc3339', () => {
  it('parses Z times', () => {
    assert.equal(ms('2026-03-30T09:00:00Z'), Date.UTC(2026, 2, 30, 9));
    assert.equal(ms('1970-01-01T00:00:00Z'), 0);
    assert.equal(ms('2026-03-30T09:15:02.120Z'), Date.UTC(2026, 2, 30, 9, 15, 2, 120));
  });

  it('applies numeric offsets', () => {
    assert.equal(ms('2026-03-30T09:15:02.120+05:30'), Date.UTC(2026, 2, 30, 3, 45, 2, 120));
    assert.equal(ms('2026-03-30T01:15:02.120-08:00'), Date.UTC(2026, 2, 30, 9, 15, 2, 120));
    assert.equal(ms('2026-03-30T09:15:02-00:00'), Date.UTC(2026, 2, 30, 9, 15, 2));
    assert.equal(ms('2026-03-30T09:15:02+00:00'), Date.UTC(2026, 2, 30, 9, 15, 2));
    assert.equal(ms('2026-03-31T08:59:00+23:59'), Date.UTC(2026, 2, 30, 9, 0));
    assert.equal(ms('1970-01-01T05:30:00+05:30'), 0);
  });

  it('accepts T and Z in either case', () => {
    const expected = Date.UTC(2026, 2, 30, 9);
    assert.equal(ms('2026-03-30t09:00:00z'), expected);
    assert.equal(ms('2026-03-30t09:00:00Z'), expected);
    assert.equal(ms('2026-03-30T09:00:00z'), expected);
    assert.equal(ms('2026-03-30t14:30:00+05:30'), expected);
  });

  it('takes any number of fraction digits and truncates beyond milliseconds', () => {
    const base = Date.UTC(2026, 2, 30, 9, 15, 2);
    assert.equal(ms('2026-03-30T09:15:02.1Z'), base + 100);
    assert.equal(ms('2026-03-30T09:15:02.12Z'), base + 120);
    assert.equal(ms('2026-03-30T09:15:02.123Z'), base + 123);
    assert.equal(ms('2026-03-30T09:15:02.123999999Z'), base + 123);
    assert.equal(ms('2026-03-30T09:15:02.999999999Z'), base + 999);
    assert.equal(ms('2026-03-30T09:15:02.000000001Z'), base);
    assert.equal(ms(`2026-03-30T09:15:02.${'9'.repeat(40)}Z`), base + 999);
  });

  it('rejects second 60', () => {
    assert.match(rejected('2016-12-31T23:59:60Z'), /second/);
    assert.match(rejected('2026-03-30T09:15:60.000+01:00'), /second/);
  });

  it('validates the calendar', () => {
    assert.match(rejected('2025-02-29T00:00:00Z'), /day 29/);
    assert.equal(ms('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
    assert.equal(ms('2000-02-29T00:00:00Z'), Date.UTC(2000, 1, 29));
    rejected('1900-02-29T00:00:00Z');
    rejected('2026-04-31T00:00:00Z');
    rejected('2026-02-30T00:00:00Z');
    assert.match(rejected('2026-00-10T00:00:00Z'), /month/);
    assert.match(rejected('2026-13-10T00:00:00Z'), /month/);
    assert.match(rejected('2026-03-00T00:00:00Z'), /day/);
    rejected('2026-03-32T00:00:00Z');
    assert.match(rejected('2026-03-30T24:00:00Z'), /hour/);
    assert.match(rejected('2026-03-30T09:60:00Z'), /minute/);
    assert.match(rejected('2026-03-30T09:00:00+24:00'), /offset hours/);
    assert.match(rejected('2026-03-30T09:00:00+05:60'), /offset minutes/);
  });

  it('rejects anything but the strict syntax', () => {
    for (const s of [
      '',
      '2026-03-30',
      '2026-03-30T09:00Z',
      '2026-03-30T09:00:00',
      '2026-03-30 09:00:00Z',
      '2026-03-30T09:00:00.Z',
      '2026-03-30T09:00:00+0530',
      '2026-03-30T09:00:00+05',
      '2026-3-30T09:00:00Z',
      '26-03-30T09:00:00Z',
      '+002026-03-30T09:00:00Z',
      '2026-03-30T09:00:00Z ',
      ' 2026-03-30T09:00:00Z',
      '2026-03-30T09:00:00ZZ',
      '2026-03-30T09:00:00,5Z',
      '２０２６-03-30T09:00:00Z',
      'Mon, 30 Mar 2026 09:00:00 GMT',
      '1774861200000',
    ]) {
      assert.match(rejected(s), /RFC 3339/, s);
    }
  });

  it('handles years 0000–9999, including two-digit years that Date.UTC would shift', () => {
    assert.equal(ms('0000-01-01T00:00:00Z'), MIN_MS);
    assert.equal(ms('0050-06-15T12:00:00Z'), new Date('0050-06-15T12:00:00Z').getTime());
    assert.equal(ms('0000-02-29T00:00:00Z'), new Date('0000-02-29T00:00:00Z').getTime()); // year 0 is a leap year
    rejected('0100-02-29T00:00:00Z');
    assert.equal(ms('9999-12-31T23:59:59.999Z'), MAX_MS);
    assert.equal(ms('1969-12-31T23:59:59.999Z'), -1);
  });

  it('agrees with Date for every valid UTC date-time (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_MS, max: MAX_MS }), (t) => {
        const iso = new Date(t).toISOString();
        assert.equal(parseRfc3339(iso), t);
        assert.equal(parseRfc3339(iso.replace('T', 't').replace('Z', 'z')), t);
      }),
    );
  });

  it('gives the same instant for every offset (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }),
        fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
        (t, offsetMinutes) => {
          const local = formatUtcMillis(t + offsetMinutes * 60_000).slice(0, -1);
          const a = Math.abs(offsetMinutes);
          const off = `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
          assert.equal(parseRfc3339(local + off), t);
        },
      ),
    );
  });

  it('exports the syntax pattern that the parser uses', () => {
    const re = new RegExp(RFC3339_PATTERN);
    assert.ok(re.test('2026-03-30t09:15:02.120+05:30'));
    assert.ok(!re.test('2026-03-30T09:15:02.120+0530'));
  });
});

describe('formatUtcMillis', () => {
  it('formats RFC 3339 UTC with exactly three fraction digits', () => {
    assert.equal(formatUtcMillis(Date.UTC(2026, 2, 30, 9)), '2026-03-30T09:00:00.000Z');
    assert.equal(formatUtcMillis(0), '1970-01-01T00:00:00.000Z');
    assert.equal(formatUtcMillis(Date.UTC(2026, 2, 30, 9, 15, 2, 7)), '2026-03-30T09:15:02.007Z');
    assert.equal(formatUtcMillis(-1), '1969-12-31T23:59:59.999Z');
    assert.equal(formatUtcMillis(MIN_MS), '0000-01-01T00:00:00.000Z');
    assert.equal(formatUtcMillis(MAX_MS), '9999-12-31T23:59:59.999Z');
  });

  it('throws outside years 0000–9999 and for non-integers', () => {
    assert.throws(() => formatUtcMillis(MAX_MS + 1), RangeError);
    assert.throws(() => formatUtcMillis(MIN_MS - 1), RangeError);
    assert.throws(() => formatUtcMillis(1.5), RangeError);
    assert.throws(() => formatUtcMillis(Number.NaN), RangeError);
  });

  it('round-trips with parseRfc3339 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_MS, max: MAX_MS }), (t) => {
        const s = formatUtcMillis(t);
        assert.match(s, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        assert.equal(parseRfc3339(s), t);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(2100, 0, 1) }), (t) => {
        assert.equal(parseRfc3339(formatUtcMillis(t)), t);
      }),
    );
  });
});
