/** src/api/json-writer.ts: the bytes of JSON.stringify, written directly. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { writeJson } from '../src/api/json-writer.js';
import { formatUtcMillis } from '../src/domain/time.js';

const MIN_MS = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const MAX_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

const stringifiedBytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

describe('writeJson', () => {
  it('writes strings as JSON.stringify does: escapes, non-ASCII, astral and lone surrogates', () => {
    const samples = [
      '',
      'plain',
      'a"b\\c',
      '\u0000\u0001\b\f\n\r\t\u001f',
      '\u007f',
      'Zoë',
      '李雷',
      'x😀',
      '\ud800',
      'x\udc00y',
      '\u2028\u2029',
    ];
    for (const s of samples)
      assert.deepEqual(
        writeJson((w) => w.string(s)),
        stringifiedBytes(s),
        JSON.stringify(s),
      );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        assert.deepEqual(
          writeJson((w) => w.string(s)),
          stringifiedBytes(s),
        );
      }),
    );
    assert.deepEqual(
      writeJson((w) => w.stringOrNull(null)),
      Buffer.from('null'),
    );
  });

  it('writes numbers as JSON.stringify does', () => {
    const samples = [
      0,
      -0,
      1,
      9,
      10,
      99,
      100,
      -1,
      -10,
      1774828930916,
      -62_167_219_200_000,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
    ];
    for (const n of [...samples, 2 ** 53, 1e21, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.deepEqual(
        writeJson((w) => w.integer(n)),
        stringifiedBytes(n),
        String(n),
      );
    }
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        assert.deepEqual(
          writeJson((w) => w.integer(n)),
          stringifiedBytes(n),
        );
      }),
    );
  });

  it('writes instants as formatUtcMillis does, and refuses what it refuses', () => {
    for (const ms of [MIN_MS, MAX_MS, 0, -1, 86_399_999, 86_400_000, 1774828930916, Date.UTC(2024, 1, 29, 23, 59, 59, 999)]) {
      assert.deepEqual(
        writeJson((w) => w.time(ms)),
        stringifiedBytes(formatUtcMillis(ms)),
        String(ms),
      );
    }
    fc.assert(
      fc.property(fc.integer({ min: MIN_MS, max: MAX_MS }), (ms) => {
        assert.deepEqual(
          writeJson((w) => w.time(ms)),
          stringifiedBytes(formatUtcMillis(ms)),
        );
      }),
    );
    for (const bad of [MIN_MS - 1, MAX_MS + 1, 0.5, Number.NaN]) {
      assert.throws(() => writeJson((w) => w.time(bad)), RangeError, String(bad));
    }
    assert.deepEqual(
      writeJson((w) => w.timeOrNull(null)),
      Buffer.from('null'),
    );
  });

  it('composes a body larger than its buffer', () => {
    const records = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `agent ${i} ✓`, at: 1774828800000 + i * 1001 }));
    const body = writeJson((w) => {
      w.raw('{"records":[');
      records.forEach((r, i) => {
        w.raw(i > 0 ? ',{"id":' : '{"id":')
          .integer(r.id)
          .raw(',"name":')
          .string(r.name)
          .raw(',"at":')
          .time(r.at)
          .raw('}');
      });
      w.raw('],"meta":').value({ count: records.length }).raw('}');
    });
    const expected = { records: records.map((r) => ({ ...r, at: formatUtcMillis(r.at) })), meta: { count: records.length } };
    assert.deepEqual(body, stringifiedBytes(expected));
  });
});
