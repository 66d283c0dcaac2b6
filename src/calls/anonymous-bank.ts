/**
 * The "Anonymous Bank" call log (Technion SEE lab, I. Guedj & A. Mandelbaum; see
 * shared/data/anonymous-bank-1999/README.md): one tab-separated row per call, 17 columns, a
 * header row, CRLF or LF line ends, clock times `H:MM:SS` without a date and without a leading
 * zero. Mapping (spec/operations.md "Call logs"):
 *
 * - times are local in the import's zone on the row's `date`; a column whose clock time is more
 *   than 12 h earlier than `vru_entry` is on the next day (smaller differences are clock skew);
 * - `conversationId` = `<date>-<vru+line>-<call_id>` (`call_id` alone repeats);
 * - the call asked for an agent when it queued (`q_start` given) or was served (`AGENT`); it is
 *   queued at `q_start`, or at `vru_exit` when it did not queue, but never after `ser_start`;
 *   a call that ended in the VRU asked for nobody and gives no event;
 * - an `AGENT` row with a `server` name and a `ser_start` is one service from `ser_start` to
 *   `ser_exit`; without either it gives the arrival only (reported as partial);
 * - `PHANTOM` rows, unknown call types and malformed rows are skipped (reported).
 *
 * Quirks read as found in the 1999 files: CRLF or LF, `H:MM:SS` without a leading zero,
 * `vru_exit` a few seconds before `vru_entry` (clock skew, negative `vru_time`), services crossing
 * midnight, `customer_id` (unused) sometimes in a spreadsheet's scientific notation (`6.02E+11`),
 * rows with spaces instead of tabs (reported as malformed).
 *
 * `0:00:00` in `q_start` / `ser_start` means "did not queue" / "not served", as the format
 * documents — unless `q_time` / `ser_time` is positive: then the call really queued or was
 * served at midnight (February 1999 has such a row: `q_start` 0:00:00, `q_exit` 0:00:27,
 * `q_time` 27).
 *
 * Call types and their skill ids (stable: a change would make re-imports conflict): PS 1, PE 2, IN 3, NE 4,
 * NW 5, TT 6.
 */
import type { CallLogFormat, CallRecord, CallTypeSkill, RowIssue, RowResult } from './call-log-format.js';
import type { CalendarDate } from './local-time.js';
import { isoDate, localInstantMs, wallClockMs } from './local-time.js';

export const ANONYMOUS_BANK_COLUMNS = [
  'vru+line',
  'call_id',
  'customer_id',
  'priority',
  'type',
  'date',
  'vru_entry',
  'vru_exit',
  'vru_time',
  'q_start',
  'q_exit',
  'q_time',
  'outcome',
  'ser_start',
  'ser_exit',
  'ser_time',
  'server',
] as const;
type Column = (typeof ANONYMOUS_BANK_COLUMNS)[number];
const COLUMN_INDEX = Object.fromEntries(ANONYMOUS_BANK_COLUMNS.map((c, i) => [c, i])) as Record<Column, number>;

export const ANONYMOUS_BANK_SKILLS: readonly CallTypeSkill[] = [
  { code: 'PS', skillId: 1, description: 'regular' },
  { code: 'PE', skillId: 2, description: 'regular, in English' },
  { code: 'IN', skillId: 3, description: 'internet support' },
  { code: 'NE', skillId: 4, description: 'stock trading' },
  { code: 'NW', skillId: 5, description: 'new or prospective customer' },
  { code: 'TT', skillId: 6, description: 'call-back put on hold' },
];

const SKILL_OF = new Map(ANONYMOUS_BANK_SKILLS.map((s) => [s.code, s.skillId]));
const NO_SERVER = 'NO_SERVER';
const OUTCOMES = new Set(['AGENT', 'HANG', 'PHANTOM']);
/** A later column more than this much earlier than `vru_entry` is on the next day. */
const NEXT_DAY_THRESHOLD_S = 12 * 3600;

const TIME_RE = /^(\d{1,2}):(\d{1,2}):(\d{1,2})$/;
const DATE_RE = /^(\d{2})(\d{2})(\d{2})$/;
const VRU_LINE_RE = /^[A-Za-z0-9]{1,16}$/;
const CALL_ID_RE = /^\d{1,18}$/;
const CUSTOMER_ID_RE = /^\d{1,20}(\.\d{1,20})?([Ee][+-]?\d{1,3})?$/;
const INTEGER_RE = /^-?\d{1,15}$/;
const TYPE_RE = /^[A-Za-z0-9]{1,8}$/;
const VISIBLE_NAME_RE = /^[^\p{Cc}]{1,256}$/u;

/** Seconds after midnight of `H:MM:SS` (hour 0–23), or undefined. */
function clockSeconds(text: string): number | undefined {
  const m = TIME_RE.exec(text);
  if (!m) return undefined;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const s = Number(m[3]);
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return (h * 60 + mi) * 60 + s;
}

/** Rows of one file share a few dozen dates: parse each once. */
const dateCache = new Map<string, { date: CalendarDate; day: string } | null>();

/** `YYMMDD` → a calendar date and its `YYYY-MM-DD`, or undefined. */
function rowDate(text: string): { date: CalendarDate; day: string } | undefined {
  let d = dateCache.get(text);
  if (d === undefined) {
    const date = calendarDate(text);
    d = date ? { date, day: isoDate(date) } : null;
    if (dateCache.size > 100_000) dateCache.clear();
    dateCache.set(text, d);
  }
  return d ?? undefined;
}

/** `YYMMDD` → a calendar date (years 50–99 are 19xx, 00–49 are 20xx), or undefined. */
function calendarDate(text: string): CalendarDate | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const yy = Number(m[1]);
  const date = { year: yy >= 50 ? 1900 + yy : 2000 + yy, month: Number(m[2]), day: Number(m[3]) };
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
  if (check.getUTCMonth() !== date.month - 1 || check.getUTCDate() !== date.day) return undefined;
  return date;
}

const skip = (code: string, message: string): RowResult => ({ ok: false, issue: { code, message } });
const malformed = (message: string): RowResult => skip('malformed', message);

function isHeaderName(field: string): boolean {
  const f = field
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase();
  return f === 'vru+line' || f === 'vru.line' || f === 'vru_line';
}

export const ANONYMOUS_BANK: CallLogFormat = {
  name: 'anonymous-bank',
  description: 'Anonymous Bank call-center log (Technion SEE lab): 17 tab-separated columns with a header',
  skills: ANONYMOUS_BANK_SKILLS,

  classifyFirstLine(line: string): 'header' | 'data' {
    const fields = line.replace(/\r$/, '').split('\t');
    if (!isHeaderName(fields[0] ?? '')) return 'data';
    const names = fields.map((f) => f.trim().toLowerCase());
    const expected = ANONYMOUS_BANK_COLUMNS.slice(1);
    if (names.length !== ANONYMOUS_BANK_COLUMNS.length || expected.some((c, i) => names[i + 1] !== c)) {
      throw new Error(`not an anonymous-bank header: expected the columns ${ANONYMOUS_BANK_COLUMNS.join(', ')}`);
    }
    return 'header';
  },

  parseRow(line: string, timeZone: string): RowResult {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    const raw = text.split('\t');
    if (raw.length !== ANONYMOUS_BANK_COLUMNS.length) {
      const hint = raw.length < ANONYMOUS_BANK_COLUMNS.length && / /.test(text.trim()) ? ' (fields separated by spaces?)' : '';
      return malformed(`expected ${ANONYMOUS_BANK_COLUMNS.length} tab-separated fields, found ${raw.length}${hint}`);
    }
    const f = raw.map((s) => s.trim());
    const col = (name: Column): string => f[COLUMN_INDEX[name]] as string;
    const bad = (name: Column, what: string): RowResult => malformed(`${name} "${col(name)}" is not ${what}`);

    const vruLine = col('vru+line');
    if (!VRU_LINE_RE.test(vruLine)) return bad('vru+line', 'a VRU line id (letters and digits)');
    const callId = col('call_id');
    if (!CALL_ID_RE.test(callId)) return bad('call_id', 'a number');
    // customer_id is not used; some rows carry it in a spreadsheet's scientific notation (6.02E+11).
    if (!CUSTOMER_ID_RE.test(col('customer_id'))) return bad('customer_id', 'a number');
    for (const name of ['priority', 'vru_time', 'q_time', 'ser_time'] as const) {
      if (!INTEGER_RE.test(col(name))) return bad(name, 'an integer');
    }
    const type = col('type');
    if (!TYPE_RE.test(type)) return bad('type', 'a call type');
    const dated = rowDate(col('date'));
    if (!dated) return bad('date', 'a date YYMMDD');
    const date = dated.date;
    const clock: Record<string, number> = {};
    for (const name of ['vru_entry', 'vru_exit', 'q_start', 'q_exit', 'ser_start', 'ser_exit'] as const) {
      const s = clockSeconds(col(name));
      if (s === undefined) return bad(name, 'a time H:MM:SS');
      clock[name] = s;
    }
    const outcome = col('outcome');
    if (!OUTCOMES.has(outcome)) return bad('outcome', 'AGENT, HANG or PHANTOM');
    const server = col('server');
    if (!VISIBLE_NAME_RE.test(server)) return bad('server', 'an agent name (1–256 characters) or NO_SERVER');

    if (outcome === 'PHANTOM') return skip('phantom', 'PHANTOM row (a virtual call, to be ignored)');
    const skillId = SKILL_OF.get(type);
    if (skillId === undefined) return skip('unknownCallType', `unknown call type "${type}"`);

    const entry = clock.vru_entry as number;
    const instant = (name: Column): number => {
      const s = clock[name] as number;
      return localInstantMs(wallClockMs(date, entry - s > NEXT_DAY_THRESHOLD_S ? 1 : 0, s), timeZone);
    };
    const queued = clock.q_start !== 0 || Number(col('q_time')) > 0;
    const serviceStarted = clock.ser_start !== 0 || Number(col('ser_time')) > 0;
    const served = outcome === 'AGENT';
    const call: CallRecord = {
      conversationId: `${col('date')}-${vruLine}-${callId}`,
      day: dated.day,
      skillId,
      partial: [],
    };
    if (!queued && !served) return { ok: true, call }; // ended in the VRU: asked for no agent

    let queuedAt = instant(queued ? 'q_start' : 'vru_exit');
    if (serviceStarted) queuedAt = Math.min(queuedAt, instant('ser_start'));
    call.queuedAt = queuedAt;
    if (!served) return { ok: true, call };

    const missing: RowIssue[] = [];
    if (server === NO_SERVER) missing.push({ code: 'noServer', message: 'AGENT row with server NO_SERVER: arrival only, no segment' });
    if (!serviceStarted) missing.push({ code: 'noServiceStart', message: 'AGENT row with ser_start 0:00:00: arrival only, no segment' });
    if (missing.length === 0) {
      const start = instant('ser_start');
      const end = instant('ser_exit');
      if (end < start) {
        missing.push({ code: 'serviceEndsBeforeStart', message: 'ser_exit is before ser_start: arrival only, no segment' });
      } else {
        call.service = { agentName: server, start, end };
      }
    }
    call.partial = missing;
    return { ok: true, call };
  },
};
