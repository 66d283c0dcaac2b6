/**
 * An independent reading of the Anonymous Bank call log (Anonymous Bank call-center data,
 * Technion SEE lab (I. Guedj & A. Mandelbaum)) and direct computations of what the engine should
 * answer for it. It shares no code with src/calls/ or the engine, so a mistake cannot hide in
 * both: it reads the whole file at once, uses the fixed offset of Asia/Jerusalem in January and
 * February 1999 (+02:00: Israel's 1999 summer time ran from 2 April to 3 September) instead of a
 * zone database, and computes each metric straight from its definition in spec/metrics.md.
 */
import { readFileSync } from 'node:fs';

export const JERUSALEM_WINTER_OFFSET_MS = 2 * 3600_000;
const HOUR = 3600_000;

/** The documented skill id of each call type (README, src/calls/anonymous-bank.ts). */
export const SKILL_BY_TYPE: Readonly<Record<string, number>> = { PS: 1, PE: 2, IN: 3, NE: 4, NW: 5, TT: 6 };

export interface OracleService {
  server: string;
  start: number;
  end: number;
}

export interface OracleCall {
  conversationId: string;
  skillId: number;
  /** the row's date as written, YYMMDD */
  date: string;
  /** vru_exit as seconds after midnight (clock reading) */
  vruExitSeconds: number;
  /** the ser_time column */
  serTimeSeconds: number;
  queuedAt?: number;
  service?: OracleService;
}

export interface OracleFile {
  dataRows: number;
  phantom: number;
  unknownType: number;
  malformed: number;
  /** AGENT rows that give an arrival but no service */
  noServer: number;
  noServiceStart: number;
  calls: OracleCall[];
}

function seconds(clock: string): number {
  const [h, m, s] = clock.split(':').map(Number) as [number, number, number];
  return h * 3600 + m * 60 + s;
}

/** Reads a file of the format with the rules of spec/operations.md "Call logs", in +02:00. */
export function readAnonymousBank(path: string | URL): OracleFile {
  const lines = readFileSync(path, 'latin1').split(/\r?\n/);
  const out: OracleFile = { dataRows: 0, phantom: 0, unknownType: 0, malformed: 0, noServer: 0, noServiceStart: 0, calls: [] };
  for (const [i, line] of lines.entries()) {
    if (i === 0 || line === '') continue; // the header, the end
    out.dataRows++;
    const f = line.split('\t');
    if (f.length !== 17) {
      out.malformed++;
      continue;
    }
    const [vruLine, callId, , , type, date, vruEntry, vruExit, , qStart, , qTime, outcome, serStart, serExit, serTime, server] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (outcome === 'PHANTOM') {
      out.phantom++;
      continue;
    }
    const skillId = SKILL_BY_TYPE[type];
    if (skillId === undefined) {
      out.unknownType++;
      continue;
    }
    const dayStartUtc =
      Date.UTC(1900 + Number(date.slice(0, 2)), Number(date.slice(2, 4)) - 1, Number(date.slice(4, 6))) - JERUSALEM_WINTER_OFFSET_MS;
    const entry = seconds(vruEntry);
    const at = (clock: string): number => {
      const s = seconds(clock);
      return dayStartUtc + (entry - s > 12 * 3600 ? 24 * HOUR : 0) + s * 1000;
    };
    const queued = qStart !== '0:00:00' || Number(qTime) > 0;
    const hasServiceStart = serStart !== '0:00:00' || Number(serTime) > 0;
    const call: OracleCall = {
      conversationId: `${date}-${vruLine}-${callId}`,
      skillId,
      date,
      vruExitSeconds: seconds(vruExit),
      serTimeSeconds: Number(serTime),
    };
    if (queued || outcome === 'AGENT') {
      const entered = at(queued ? qStart : vruExit);
      call.queuedAt = hasServiceStart ? Math.min(entered, at(serStart)) : entered;
    }
    if (outcome === 'AGENT') {
      if (server === 'NO_SERVER') out.noServer++;
      if (!hasServiceStart) out.noServiceStart++;
      if (server !== 'NO_SERVER' && hasServiceStart) call.service = { server, start: at(serStart), end: at(serExit) };
    }
    out.calls.push(call);
  }
  return out;
}

/** The local (+02:00) calendar date `YYYY-MM-DD` of an instant. */
export const localDate = (t: number): string => new Date(t + JERUSALEM_WINTER_OFFSET_MS).toISOString().slice(0, 10);

export interface FocusFacts {
  /** ms the service held its agent's focus: from its start until it ended or a later service took the focus */
  inFocusMillis: number;
  /** another service of the same name starts inside it, it starts inside another, or both start together */
  overlaps: boolean;
  /** another service of the name took the focus at or before its end, so its blur finds it not in focus */
  focusTakenBeforeEnd: boolean;
}

/**
 * Focus per service, by conversation id. One name holds one focus: each service takes it at its
 * start; services starting at the same instant take it in the byte order of their focus event
 * ids (`<conversationId>:focus`), so the last of them keeps it.
 */
export function focusFacts(calls: readonly OracleCall[]): Map<string, FocusFacts> {
  const byServer = new Map<string, Array<{ id: string; s: OracleService }>>();
  for (const c of calls) {
    if (!c.service) continue;
    const list = byServer.get(c.service.server) ?? [];
    list.push({ id: c.conversationId, s: c.service });
    byServer.set(c.service.server, list);
  }
  const facts = new Map<string, FocusFacts>();
  for (const list of byServer.values()) {
    const focusId = (x: { id: string }) => `${x.id}:focus`;
    list.sort((a, b) => a.s.start - b.s.start || (focusId(a) < focusId(b) ? -1 : focusId(a) > focusId(b) ? 1 : 0));
    for (const [k, x] of list.entries()) {
      const next = list[k + 1];
      const focusEnd = next ? Math.min(x.s.end, next.s.start) : x.s.end;
      facts.set(x.id, {
        inFocusMillis: Math.max(0, focusEnd - x.s.start),
        overlaps: false,
        // at one millisecond a focus ranks before a blur
        focusTakenBeforeEnd: next !== undefined && next.s.start <= x.s.end,
      });
    }
    // Quadratic within a name only over services near each other in start order.
    for (let a = 0; a < list.length; a++) {
      const x = list[a] as { id: string; s: OracleService };
      for (let b = a + 1; b < list.length; b++) {
        const y = list[b] as { id: string; s: OracleService };
        if (y.s.start > x.s.end) break;
        const overlap = y.s.start === x.s.start || (x.s.start < y.s.start && y.s.start < x.s.end);
        if (overlap) {
          (facts.get(x.id) as FocusFacts).overlaps = true;
          (facts.get(y.id) as FocusFacts).overlaps = true;
        }
      }
    }
  }
  return facts;
}

/**
 * The README's overlap count: services that start before the end of the previous service of
 * the same name, services ordered by (start, end).
 */
export function servicesOverlappingPrevious(calls: readonly OracleCall[]): number {
  const byServer = new Map<string, OracleService[]>();
  for (const c of calls) {
    if (!c.service) continue;
    const list = byServer.get(c.service.server) ?? [];
    list.push(c.service);
    byServer.set(c.service.server, list);
  }
  let n = 0;
  for (const list of byServer.values()) {
    list.sort((a, b) => a.start - b.start || a.end - b.end);
    for (let i = 1; i < list.length; i++) if ((list[i] as OracleService).start < (list[i - 1] as OracleService).end) n++;
  }
  return n;
}

/** Hour buckets: local hours of +02:00 start at whole UTC hours. */
export const hourOf = (t: number): number => Math.floor(t / HOUR) * HOUR;

/** Queue entries per `${skillId}|${hour start}`. */
export function arrivalsByHour(calls: readonly OracleCall[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of calls) {
    if (c.queuedAt === undefined) continue;
    const key = `${c.skillId}|${hourOf(c.queuedAt)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** An exact non-negative rational of BigInts. */
class Ratio {
  constructor(
    readonly num: bigint,
    readonly den: bigint,
  ) {}
  static of(n: number | bigint, d: number | bigint = 1n): Ratio {
    return new Ratio(BigInt(n), BigInt(d));
  }
  add(o: Ratio): Ratio {
    const num = this.num * o.den + o.num * this.den;
    const den = this.den * o.den;
    const g = gcd(num, den);
    return new Ratio(num / g, den / g);
  }
  /** ms ÷ divisor as seconds rounded half away from zero to 2 decimals */
  toHundredthsOfSecond(divisor: number): number {
    const den = this.den * BigInt(divisor) * 10n;
    return Number((2n * this.num + den) / (2n * den));
  }
  /** this ÷ other rounded half away from zero to 4 decimals */
  ratioTo4(other: Ratio): number {
    const num = this.num * other.den * 10_000n;
    const den = this.den * other.num;
    return Number((2n * num + den) / (2n * den)) / 10_000;
  }
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}

export interface HourlyNht {
  /** netHandleTime × 100 (−100 when no handled segment) */
  nhtHundredths: number;
  handledSegments: number;
  messagesSent: number;
  /** totalAgentSegmentDuration × 100: (e − s) of the skill's segments ending in the hour */
  segmentDurationHundredths: number;
  /** avgAvailableLoad (4 decimals), −1 when the relevant agents have no logged-in time */
  avgAvailableLoad: number;
}

const overlap = (a: number, b: number, c: number, d: number): number => Math.max(0, Math.min(b, d) - Math.max(a, c));

/** Merges [start, end] intervals that overlap or touch. */
function union(intervals: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...intervals].sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/**
 * metrics.md §3 for voice, per `${skillId}|${hour start}` over the given hours: an agent's load
 * is 1 while it serves (maxSlots 1) and 0 otherwise; each service has one agent message, at its
 * end, which counts for the service's skill; an agent is logged in from its first service start
 * to its last service end of each local day (by service start), days that meet being one span.
 */
export function nhtByHour(calls: readonly OracleCall[], hours: readonly number[], skills: readonly number[]): Map<string, HourlyNht> {
  type Served = OracleCall & { service: OracleService };
  const services = calls.filter((c): c is Served => c.service !== undefined);
  // Logged-in spans per name: one per local day of service start, days that meet merged.
  const loggedIn = new Map<string, Array<[number, number]>>();
  const days = new Map<string, Map<string, [number, number]>>();
  for (const c of services) {
    const perDay = days.get(c.service.server) ?? new Map<string, [number, number]>();
    days.set(c.service.server, perDay);
    const d = localDate(c.service.start);
    const span = perDay.get(d);
    if (!span) perDay.set(d, [c.service.start, c.service.end]);
    else {
      span[0] = Math.min(span[0], c.service.start);
      span[1] = Math.max(span[1], c.service.end);
    }
  }
  for (const [server, perDay] of days) loggedIn.set(server, union([...perDay.values()]));
  // The services meeting each hour: [start, end] ∩ [h, h + 1 h) ≠ ∅.
  const byHour = new Map<number, Served[]>();
  for (const c of services) {
    for (let h = hourOf(c.service.start); h <= hourOf(c.service.end); h += HOUR) {
      const list = byHour.get(h) ?? [];
      list.push(c);
      byHour.set(h, list);
    }
  }

  const result = new Map<string, HourlyNht>();
  for (const h of hours) {
    const hEnd = h + HOUR;
    const work = new Map<number, Ratio>(skills.map((s) => [s, Ratio.of(0)]));
    const handled = new Map<number, number>();
    const duration = new Map<number, number>();
    const relevantBusy = new Map<number, number>();
    const relevantLoggedIn = new Map<number, number>();
    const byServer = new Map<string, Served[]>();
    for (const c of byHour.get(h) ?? []) {
      const list = byServer.get(c.service.server) ?? [];
      list.push(c);
      byServer.set(c.service.server, list);
      const { start, end } = c.service;
      if (end >= h && end < hEnd) {
        handled.set(c.skillId, (handled.get(c.skillId) ?? 0) + 1);
        duration.set(c.skillId, (duration.get(c.skillId) ?? 0) + (end - start));
      }
    }
    for (const [server, list] of byServer) {
      // load 1 while serving: the busy time is the union of the services inside the hour
      const clipped = list
        .map((c) => [Math.max(c.service.start, h), Math.min(c.service.end, hEnd)] as [number, number])
        .filter(([s, e]) => e > s);
      const w = union(clipped).reduce((sum, [s, e]) => sum + (e - s), 0);
      const loggedInMs = (loggedIn.get(server) ?? []).reduce((sum, [s, e]) => sum + overlap(s, e, h, hEnd), 0);
      const messages = new Map<number, number>();
      const share = new Map<number, number>();
      const touched = new Set<number>();
      for (const c of list) {
        const { start, end } = c.service;
        if (end >= h && end < hEnd) messages.set(c.skillId, (messages.get(c.skillId) ?? 0) + 1);
        share.set(c.skillId, (share.get(c.skillId) ?? 0) + overlap(start, end, h, hEnd));
        if ((start < hEnd && end > h) || (start === end && start >= h && start < hEnd)) touched.add(c.skillId);
      }
      for (const s of touched) {
        relevantBusy.set(s, (relevantBusy.get(s) ?? 0) + w);
        relevantLoggedIn.set(s, (relevantLoggedIn.get(s) ?? 0) + loggedInMs);
      }
      if (w === 0) continue;
      const totalMessages = [...messages.values()].reduce((a, b) => a + b, 0);
      const totalShare = [...share.values()].reduce((a, b) => a + b, 0);
      for (const s of skills) {
        const part =
          totalMessages > 0 ? Ratio.of(w * (messages.get(s) ?? 0), totalMessages) : Ratio.of(w * (share.get(s) ?? 0), totalShare);
        work.set(s, (work.get(s) as Ratio).add(part));
      }
    }
    for (const s of skills) {
      const n = handled.get(s) ?? 0;
      const li = relevantLoggedIn.get(s) ?? 0;
      result.set(`${s}|${h}`, {
        nhtHundredths: n === 0 ? -100 : (work.get(s) as Ratio).toHundredthsOfSecond(n),
        handledSegments: n,
        messagesSent: n,
        segmentDurationHundredths: Ratio.of(duration.get(s) ?? 0).toHundredthsOfSecond(1),
        avgAvailableLoad: li === 0 ? -1 : Ratio.of(relevantBusy.get(s) ?? 0).ratioTo4(Ratio.of(li)),
      });
    }
  }
  return result;
}

/** n, mean, population SD and median of a list of numbers. */
export function describe(values: readonly number[]): { n: number; mean: number; sd: number; median: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const sorted = [...values].sort((a, b) => a - b);
  const median = n % 2 === 1 ? (sorted[(n - 1) / 2] as number) : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
  return { n, mean, sd, median };
}

/** Sun–Thu by the row's date (the center's regular weekdays). */
export function isRegularWeekday(date: string): boolean {
  const d = new Date(Date.UTC(1900 + Number(date.slice(0, 2)), Number(date.slice(2, 4)) - 1, Number(date.slice(4, 6))));
  return d.getUTCDay() <= 4; // 0 Sunday … 4 Thursday
}
