/**
 * `wfm report`: a summary of one account over a window of whole local hours, any length, per
 * skill — segments, arrivals, mean handle and in-focus time, NHT and load over the window, and
 * the busiest hours.
 *
 * What "over the window" means (the README's "wfm report"):
 * - `segments`, `avgHandleTime`, `avgInFocusTime`: the closed segments ending in [from, to)
 *   (the `agent-segments` selection), their mean `totalHandleTimeMillis` and `inFocusTimeMillis`.
 * - `arrivals`: `conversation.queued` events in [from, to) (Σ of the hourly `arrivals`).
 * - `netHandleTime` = Σ_H Σ_A W_A,S ÷ Σ_H handledSegments_S(H) over the window's hours H
 *   (spec/metrics.md §3): all the work attributed to S in those hours over the segment-hours
 *   handled. A segment handled in k hours counts k times, as in the hourly rows, so where every
 *   hour with work handled a segment it is the handled-weighted mean of the hourly NHT; the work
 *   of hours that handled none (hourly NHT −1) still counts.
 * - `avgAvailableLoad` = Σ_H Σ W_A ÷ Σ_H Σ logged-in time, over the agents each hour's
 *   `avgAvailableLoad` counts for S: the time-weighted mean load over their logged-in time.
 * - busiest hours: the local hours with the most arrivals of S (ties: the earlier first), with
 *   the hourly `arrivals`, `handledSegments` and `netHandleTime` of the NHT API.
 * Everything is exact until the one rounding: durations in seconds to 2 decimals, load to 4;
 * −1 when undefined, like the API.
 *
 * Memory stays bounded: the NHT facts are read and computed per piece of at most 7 days of whole
 * local hours, and the segments are streamed; only per-skill sums and top-N lists are kept.
 * Every read is as of one version of the account, so ingest running meanwhile does not show.
 */
import type { Bucket } from '../domain/intervals.js';
import { bucketIndexOf, bucketsOverlapping, DAY_MS, formatNhtTimestamp, zoneOffsetProblem } from '../domain/intervals.js';
import type { NhtQuery } from '../domain/nht.js';
import { defaultSkillIds, nhtHourlyDetail } from '../domain/nht.js';
import { WfmError } from '../errors.js';
import type { Store } from '../store/store.js';
import { ExactSum, meanSeconds, ratio4, seconds } from './exact.js';

/** The longest piece of the window whose NHT facts are read and computed at once. */
export const CHUNK_MS = 7 * DAY_MS;

export interface ReportQuery {
  accountId: string;
  fromMs: number;
  toMs: number;
  /** IANA zone of the hours; UTC when absent */
  timeZone?: string;
  /** the skills to report; default every skill active in the window's hours (as the NHT API) */
  skillIds?: number[];
  /** busiest hours per skill (0: none) */
  top: number;
}

export interface BusiestHour {
  /** the local hour's start, RFC 3339 with the zone's offset */
  timestamp: string;
  epochTimestamp: number;
  arrivals: number;
  handledSegments: number;
  /** the hour's NHT (s), as the NHT API answers it; −1 when no segment was handled */
  netHandleTime: number;
}

export interface SkillReport {
  skillId: number;
  /** closed segments ending in the window */
  segments: number;
  /** queue entries in the window */
  arrivals: number;
  /** mean totalHandleTimeMillis of those segments, in s; −1 when none */
  avgHandleTime: number;
  /** mean inFocusTimeMillis of those segments, in s; −1 when none */
  avgInFocusTime: number;
  /** Σ attributed work ÷ Σ handled segments over the window's hours, in s; −1 when none handled */
  netHandleTime: number;
  /** Σ over the window's hours of the hourly handledSegments */
  handledSegments: number;
  /** counted agent messages in the window */
  messagesSent: number;
  /** Σ attributed work over the window's hours, in s */
  workTime: number;
  /** time-weighted mean load over the logged-in time of the skill's agents; −1 when none */
  avgAvailableLoad: number;
  busiestHours: BusiestHour[];
}

export interface WindowReport {
  accountId: string;
  /** the account version every figure is read as of */
  version: number;
  timeframe: { from: string; to: string; fromMillis: number; toMillis: number; timeZone: string; hours: number };
  skills: SkillReport[];
}

export interface ReportProgress {
  /** the piece just computed (1-based) */
  piece: number;
  /** the end of the hours computed so far */
  doneUntil: number;
}

/** The hour bucket that starts at t in the zone, or undefined when t is not a local hour start. */
function hourStartingAt(t: number, timeZone: string | undefined): Bucket | undefined {
  const [hour] = bucketsOverlapping(t, t + 1, 60, timeZone);
  return hour && hour.start === t ? hour : undefined;
}

function zoneName(timeZone: string | undefined): string {
  return timeZone ?? 'UTC';
}

/** An instant as RFC 3339 with the zone's offset (`+00:00` for UTC). */
export function formatLocal(t: number, timeZone: string | undefined): string {
  return formatNhtTimestamp(t, zoneName(timeZone));
}

/**
 * Why the window cannot be reported, or null: from < to, a usable zone, and both ends at the
 * start of a local hour (the hourly metrics cover whole hours).
 *
 * @example windowProblems(Date.UTC(2026, 2, 30, 9, 10), Date.UTC(2026, 2, 30, 10), undefined)
 *   // ['--from 2026-03-30T09:10:00+00:00 is not the start of a local hour in UTC: …']
 */
export function windowProblems(fromMs: number, toMs: number, timeZone: string | undefined): string[] {
  if (!(fromMs < toMs)) return [`--from must be before --to (got ${formatLocal(fromMs, undefined)} … ${formatLocal(toMs, undefined)})`];
  if (timeZone !== undefined) {
    const problem = zoneOffsetProblem(fromMs, toMs, timeZone);
    if (problem !== null) return [`--tz: ${problem}`];
  }
  const problems: string[] = [];
  for (const [flag, t] of [
    ['--from', fromMs],
    ['--to', toMs],
  ] as const) {
    if (hourStartingAt(t, timeZone) !== undefined) continue;
    const [around] = bucketsOverlapping(t, t + 1, 60, timeZone);
    const hint = around ? ` (e.g. ${formatLocal(around.start, timeZone)} or ${formatLocal(around.end, timeZone)})` : '';
    problems.push(
      `${flag} ${formatLocal(t, timeZone)} is not the start of a local hour in ${zoneName(timeZone)}: the report covers whole hours${hint}`,
    );
  }
  return problems;
}

/**
 * The window's local hours in pieces of at most 7 days, in order.
 *
 * @example [...hourPieces(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 16), undefined)].map((p) => p.length) // [168, 168, 24]
 */
export function* hourPieces(fromMs: number, toMs: number, timeZone: string | undefined): Generator<Bucket[]> {
  let start = fromMs;
  while (start < toMs) {
    const limit = Math.min(toMs, start + CHUNK_MS);
    const hours = bucketsOverlapping(start, limit, 60, timeZone);
    while (hours.length > 1 && (hours[hours.length - 1] as Bucket).end > limit) hours.pop();
    const last = hours[hours.length - 1];
    if (!last || last.end <= start) throw new Error(`no whole local hour after ${start}`);
    yield hours;
    start = last.end;
  }
}

/** Per-skill sums over the window. */
interface SkillAcc {
  segments: number;
  handleMs: number;
  focusMs: number;
  arrivals: number;
  handledSegments: number;
  messagesSent: number;
  work: ExactSum;
  memberWork: ExactSum;
  memberLoggedInMs: number;
  busiest: BusiestHour[];
}

function newSkillAcc(): SkillAcc {
  return {
    segments: 0,
    handleMs: 0,
    focusMs: 0,
    arrivals: 0,
    handledSegments: 0,
    messagesSent: 0,
    work: new ExactSum(),
    memberWork: new ExactSum(),
    memberLoggedInMs: 0,
    busiest: [],
  };
}

/** Per-skill sums of one hour. */
interface HourAcc {
  arrivals: number;
  handledSegments: number;
  work: ExactSum;
}

/** Keeps the top `n` hours by arrivals; hours arrive in time order, so a tie keeps the earlier one. */
function offerBusiest(list: BusiestHour[], hour: BusiestHour, n: number): void {
  if (n === 0 || hour.arrivals === 0) return;
  if (list.length === n && (list[n - 1] as BusiestHour).arrivals >= hour.arrivals) return;
  let i = list.length;
  while (i > 0 && (list[i - 1] as BusiestHour).arrivals < hour.arrivals) i--;
  list.splice(i, 0, hour);
  if (list.length > n) list.pop();
}

/**
 * Computes the report. Throws a WfmError (bad request) for a window {@link windowProblems}
 * rejects and (not found) for an account without any stored event.
 */
export async function buildWindowReport(store: Store, query: ReportQuery, onProgress?: (p: ReportProgress) => void): Promise<WindowReport> {
  const { accountId, fromMs, toMs, timeZone, top } = query;
  const problems = windowProblems(fromMs, toMs, timeZone);
  if (problems.length > 0) throw new WfmError('WFM_ERR_BAD_REQUEST', problems.join('; '));
  if (!Number.isSafeInteger(top) || top < 0) throw new WfmError('WFM_ERR_BAD_REQUEST', `--top must be an integer ≥ 0 (got ${top})`);

  const { version } = await store.accountVersion(accountId);
  if (version === 0) throw new WfmError('WFM_ERR_NOT_FOUND', `account "${accountId}" has no stored events`);
  const { defaultMaxSlots } = await store.settings(accountId);

  const accs = new Map<number, SkillAcc>();
  const acc = (skillId: number): SkillAcc => {
    let a = accs.get(skillId);
    if (!a) accs.set(skillId, (a = newSkillAcc()));
    return a;
  };
  const active = new Set<number>();

  let hourCount = 0;
  let piece = 0;
  for (const hours of hourPieces(fromMs, toMs, timeZone)) {
    const first = hours[0] as Bucket;
    const last = hours[hours.length - 1] as Bucket;
    hourCount += hours.length;
    const facts = await store.nhtFacts(accountId, version, { from: first.start, to: last.end });
    const nhtQuery: NhtQuery = {
      fromMs: first.start,
      toMs: last.end,
      intervalMinutes: 60,
      defaultMaxSlots,
      ...(timeZone === undefined ? {} : { timeZone }),
    };
    if (!query.skillIds) for (const s of defaultSkillIds(facts, nhtQuery)) active.add(s);

    const detail = nhtHourlyDetail(facts, nhtQuery);
    const perHour: Array<Map<number, HourAcc>> = hours.map(() => new Map());
    const hourAcc = (h: number, skillId: number): HourAcc => {
      const row = perHour[h] as Map<number, HourAcc>;
      let a = row.get(skillId);
      if (!a) row.set(skillId, (a = { arrivals: 0, handledSegments: 0, work: new ExactSum() }));
      return a;
    };
    for (const q of facts.queued) {
      const h = bucketIndexOf(hours, q.time);
      if (h >= 0) hourAcc(h, q.skillId).arrivals++;
    }
    detail.agents.forEach((agents, h) => {
      for (const a of agents.values()) {
        for (const [skillId, count] of a.messages) acc(skillId).messagesSent += count;
        for (const [skillId, count] of a.handledSegments) hourAcc(h, skillId).handledSegments += count;
        for (const [skillId, w] of a.attributed) hourAcc(h, skillId).work.addRatio(w);
        if (a.loggedInMs === 0) continue;
        for (const skillId of a.memberSkills) {
          const s = acc(skillId);
          s.memberWork.addRatio(a.work);
          s.memberLoggedInMs += a.loggedInMs;
        }
      }
    });
    perHour.forEach((row, h) => {
      const hour = hours[h] as Bucket;
      for (const [skillId, x] of row) {
        const s = acc(skillId);
        s.arrivals += x.arrivals;
        s.handledSegments += x.handledSegments;
        s.work.addSum(x.work);
        if (top > 0 && x.arrivals > 0) {
          const candidate = (): BusiestHour => ({
            timestamp: formatLocal(hour.start, timeZone),
            epochTimestamp: hour.start,
            arrivals: x.arrivals,
            handledSegments: x.handledSegments,
            netHandleTime: meanSeconds(x.work.value(), x.handledSegments),
          });
          const worst = s.busiest[top - 1];
          if (!worst || worst.arrivals < x.arrivals) offerBusiest(s.busiest, candidate(), top);
        }
      }
    });
    onProgress?.({ piece: ++piece, doneUntil: last.end });
  }

  for await (const g of store.segmentsEndingIn(accountId, version, { from: fromMs, to: toMs })) {
    const s = acc(g.skillId);
    s.segments++;
    s.handleMs += g.totalHandleTimeMillis;
    s.focusMs += g.inFocusTimeMillis;
    if (!query.skillIds) active.add(g.skillId);
  }

  const skillIds = query.skillIds ? [...new Set(query.skillIds)] : [...active];
  skillIds.sort((a, b) => a - b);
  return {
    accountId,
    version,
    timeframe: {
      from: formatLocal(fromMs, timeZone),
      to: formatLocal(toMs, timeZone),
      fromMillis: fromMs,
      toMillis: toMs,
      timeZone: zoneName(timeZone),
      hours: hourCount,
    },
    skills: skillIds.map((skillId) => skillReport(skillId, accs.get(skillId) ?? newSkillAcc())),
  };
}

function skillReport(skillId: number, a: SkillAcc): SkillReport {
  const work = a.work.value();
  return {
    skillId,
    segments: a.segments,
    arrivals: a.arrivals,
    avgHandleTime: meanSeconds({ n: BigInt(a.handleMs), d: 1n }, a.segments),
    avgInFocusTime: meanSeconds({ n: BigInt(a.focusMs), d: 1n }, a.segments),
    netHandleTime: meanSeconds(work, a.handledSegments),
    handledSegments: a.handledSegments,
    messagesSent: a.messagesSent,
    workTime: seconds(work),
    avgAvailableLoad: ratio4(a.memberWork.value(), a.memberLoggedInMs),
    busiestHours: a.busiest,
  };
}
