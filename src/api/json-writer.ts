/**
 * JSON bodies of the large paged answers, written straight into UTF-8 bytes. A page of 1,000
 * records built as objects and passed to JSON.stringify costs an object per record, a string
 * for every date, and then an extra pass to encode the text; here each value goes to the
 * buffer once. The bytes are exactly those of JSON.stringify of the same values encoded as
 * UTF-8 (tests compare bodies byte for byte, and both stores must answer identically).
 */
import { formatUtcMillis } from '../domain/time.js';

const DAY_MS = 86_400_000;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZERO = 0x30;

/** 'YYYY-MM-DDT' of recently seen UTC days, as bytes: the records of one page fall on a few days. */
const dayPrefixes = new Map<number, Uint8Array>();
const MAX_CACHED_DAYS = 1024;

function dayPrefix(day: number): Uint8Array {
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    if (dayPrefixes.size >= MAX_CACHED_DAYS) dayPrefixes.clear();
    // formatUtcMillis checks the range: every instant of a valid day is valid.
    prefix = Buffer.from(formatUtcMillis(day * DAY_MS).slice(0, 11), 'latin1');
    dayPrefixes.set(day, prefix);
  }
  return prefix;
}

/** The bytes of the constant texts given to {@link JsonWriter.raw}. */
const rawBytes = new Map<string, Uint8Array>();

/** One buffer per process: a body is written synchronously, then copied out. */
const SCRATCH_BYTES = 256 * 1024;
/** A buffer grown for a rare huge body (a long v1 page) is kept only up to this size. */
const MAX_KEPT_BYTES = 4 * 1024 * 1024;
let scratch: Buffer = Buffer.allocUnsafe(SCRATCH_BYTES);

/**
 * Writes one JSON value into bytes. `write` must be synchronous (the buffer is shared).
 *
 * @example
 * writeJson((w) => w.raw('{"n":').integer(1).raw(',"at":').time(0).raw('}'));
 * // the bytes of '{"n":1,"at":"1970-01-01T00:00:00.000Z"}'
 */
export function writeJson(write: (w: JsonWriter) => void): Buffer {
  const writer = new JsonWriter(scratch);
  write(writer);
  const body = Buffer.from(writer.buffer.subarray(0, writer.length));
  scratch = writer.buffer.length <= MAX_KEPT_BYTES ? writer.buffer : Buffer.allocUnsafe(SCRATCH_BYTES);
  return body;
}

export class JsonWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(buffer: Buffer) {
    this.buf = buffer;
  }

  get buffer(): Buffer {
    return this.buf;
  }

  get length(): number {
    return this.pos;
  }

  /** JSON syntax and keys: constant ASCII text that needs no escaping, written as it is. */
  raw(text: string): this {
    let bytes = rawBytes.get(text);
    if (bytes === undefined) {
      bytes = Buffer.from(text, 'latin1');
      rawBytes.set(text, bytes);
    }
    return this.bytes(bytes);
  }

  /** Bytes written before (see {@link since}). */
  bytes(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  /** A copy of what was written from `start` (a {@link length} taken before) on. */
  since(start: number): Uint8Array {
    return Uint8Array.prototype.slice.call(this.buf, start, this.pos);
  }

  /** A safe integer, as JSON.stringify writes it. */
  integer(value: number): this {
    if (!Number.isSafeInteger(value)) return this.value(value);
    this.reserve(17);
    const buf = this.buf;
    let n = value;
    if (n < 0) {
      buf[this.pos++] = 0x2d;
      n = -n;
    }
    if (n < 10) {
      buf[this.pos++] = ZERO + n;
      return this;
    }
    let digits = 0;
    for (let m = n; m >= 1; m = Math.floor(m / 10)) digits++;
    let end = this.pos + digits;
    this.pos = end;
    while (n >= 1) {
      const next = Math.floor(n / 10);
      buf[--end] = ZERO + (n - next * 10);
      n = next;
    }
    return this;
  }

  /** A string literal with JSON.stringify's escaping. */
  string(text: string): this {
    const n = text.length;
    this.reserve(n + 2);
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    buf[pos++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      // Control characters, quote and backslash are escaped, anything past ASCII takes more than a byte.
      if (c < 0x20 || c === QUOTE || c === BACKSLASH || c > 0x7e) {
        this.pos = start;
        return this.value(text);
      }
      buf[pos++] = c;
    }
    buf[pos++] = QUOTE;
    this.pos = pos;
    return this;
  }

  stringOrNull(text: string | null): this {
    return text === null ? this.raw('null') : this.string(text);
  }

  /** An epoch-ms instant as a string literal: the text of formatUtcMillis (RFC 3339 UTC, milliseconds). */
  time(ms: number): this {
    if (!Number.isInteger(ms)) formatUtcMillis(ms); // throws its RangeError
    const day = Math.floor(ms / DAY_MS);
    const prefix = dayPrefix(day);
    let rest = ms - day * DAY_MS;
    const hours = Math.floor(rest / 3_600_000);
    rest -= hours * 3_600_000;
    const minutes = Math.floor(rest / 60_000);
    rest -= minutes * 60_000;
    const seconds = Math.floor(rest / 1000);
    rest -= seconds * 1000;
    this.reserve(26);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = QUOTE;
    buf.set(prefix, pos);
    pos += prefix.length;
    pos = twoDigits(buf, pos, hours);
    buf[pos++] = 0x3a;
    pos = twoDigits(buf, pos, minutes);
    buf[pos++] = 0x3a;
    pos = twoDigits(buf, pos, seconds);
    buf[pos++] = 0x2e;
    const tens = Math.floor(rest / 10);
    buf[pos++] = ZERO + Math.floor(tens / 10);
    buf[pos++] = ZERO + (tens % 10);
    buf[pos++] = ZERO + (rest % 10);
    buf[pos++] = 0x5a;
    buf[pos++] = QUOTE;
    this.pos = pos;
    return this;
  }

  timeOrNull(ms: number | null): this {
    return ms === null ? this.raw('null') : this.time(ms);
  }

  /** Any JSON value, through JSON.stringify (for the small parts of a body). */
  value(value: unknown): this {
    const text = JSON.stringify(value);
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.reserve(text.length * 3);
    this.pos += this.buf.write(text, this.pos, 'utf8');
    return this;
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}

function twoDigits(buf: Buffer, pos: number, value: number): number {
  const tens = Math.floor(value / 10);
  buf[pos] = ZERO + tens;
  buf[pos + 1] = ZERO + (value - tens * 10);
  return pos + 2;
}
