/**
 * The call-log import: voice call logs into the same validated, idempotent batch write as every
 * other ingest path (spec/operations.md "Call logs"), so voice and messaging metrics come from
 * one engine.
 *
 * Files are streamed line by line, never held whole, in passes:
 * 1. read every row once: report skipped and partial rows, derive agent ids, and keep each
 *    agent's first service start and last service end per local day (one entry per agent-day);
 * 2. then, for each run of consecutive row dates holding at most `rowsPerPass` rows, read the
 *    files again, keep only those dates' rows, add the login sessions that begin or end on them,
 *    sort by the event order and write in batches. Logs are rarely in time order (the Anonymous
 *    Bank files run by VRU line, then date); writing in time order lets the store continue each
 *    agent's state instead of replaying it for every batch.
 *
 * A bad row never stops the rest: it is reported (`onRow`) with its line and reason and counted.
 * An event whose id is already stored with other content (a conflict) is reported and left out;
 * the rest of its batch is written.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { WfmEvent } from '../domain/events.js';
import { compareEvents } from '../domain/events.js';
import { DAY_MS, isKnownTimeZone } from '../domain/intervals.js';
import { WfmError } from '../errors.js';
import { ingestBatch } from '../ingest/ingest-batch.js';
import type { Store } from '../store/store.js';
import { AgentDirectory } from './agent-ids.js';
import { AgentDays, type AgentSession, callEvents, sessionEvents } from './call-events.js';
import type { CallLogFormat, CallRecord, RowIssue } from './call-log-format.js';
import { localDateOf } from './local-time.js';

export interface CallImportOptions {
  store: Store;
  accountId: string;
  /** read in this order; a run's agent sessions span all its files */
  files: readonly string[];
  format: CallLogFormat;
  /** IANA zone of the log's clock times */
  timeZone: string;
  now: () => number;
  /** events per all-or-nothing batch (default 10,000) */
  batchSize?: number;
  /** rows held in memory per pass (default 20,000; a single date with more rows is one pass) */
  rowsPerPass?: number;
  /** agent ids (e.g. preloaded from an earlier mapping); it receives every name of the run */
  agents?: AgentDirectory;
  /** every skipped or partial row, and every event refused by the store */
  onRow?: (report: RowReport) => void;
  onBatch?: (stats: CallImportStats) => void;
}

export interface RowReport {
  file: string;
  /** 1-based line in the file (the header is line 1); 0 for a login session */
  line: number;
  /** skipped: no event; partial: imported without its segment; refused: an event the store refused */
  kind: 'skipped' | 'partial' | 'refused';
  code: string;
  message: string;
}

export interface CallImportStats {
  /** data lines read (blank lines and headers excluded) */
  rows: number;
  /** rows that gave their events, in full or in part */
  imported: number;
  /** rows imported without their segment (counted in `imported` too) */
  partial: number;
  /** rows that gave no event because they cannot be imported */
  skipped: number;
  /** rows of calls that ended in the VRU: imported, no event (not an arrival) */
  endedInVru: number;
  arrivals: number;
  services: number;
  agents: number;
  sessions: number;
  /** events sent to the store */
  events: number;
  accepted: number;
  duplicates: number;
  /** events the store refused (an id stored with other content) */
  refused: number;
  /** skipped and partial rows and refused events, by reason code */
  issues: Record<string, number>;
}

interface Interpreted {
  call: CallRecord;
  /** the service's agent, when the call has a service with a usable agent id */
  agentId?: number;
  partial: RowIssue[];
}

interface Tagged {
  event: WfmEvent;
  file: string;
  line: number;
}

/**
 * Imports call logs; resolves with the summary once every event is written.
 * Throws WfmError for a problem with the run itself (unknown zone, unreadable file, a header of
 * another format), never for a bad row.
 */
export async function importCallLogs(options: CallImportOptions): Promise<CallImportStats> {
  const { store, accountId, format, timeZone } = options;
  if (!isKnownTimeZone(timeZone)) throw new WfmError('WFM_ERR_BAD_REQUEST', `unknown time zone "${timeZone}"`);
  const batchSize = options.batchSize ?? 10_000;
  const rowsPerPass = options.rowsPerPass ?? 20_000;
  const agents = options.agents ?? new AgentDirectory();
  // One clock reading for the whole run, so every pass judges every row alike.
  const nowMs = options.now();
  const latest = nowMs + DAY_MS;
  const stats: CallImportStats = {
    rows: 0,
    imported: 0,
    partial: 0,
    skipped: 0,
    endedInVru: 0,
    arrivals: 0,
    services: 0,
    agents: 0,
    sessions: 0,
    events: 0,
    accepted: 0,
    duplicates: 0,
    refused: 0,
    issues: {},
  };
  const count = (code: string): void => {
    stats.issues[code] = (stats.issues[code] ?? 0) + 1;
  };

  /** The same answer for a line in every pass. */
  const interpret = (text: string): Interpreted | RowIssue => {
    const parsed = format.parseRow(text, timeZone);
    if (!parsed.ok) return parsed.issue;
    const call = parsed.call;
    const times = [call.queuedAt, call.service?.start, call.service?.end].filter((t): t is number => t !== undefined);
    if (times.some((t) => !(t >= 0 && t <= latest))) {
      return { code: 'timeOutOfRange', message: 'a time lies before 1970 or more than 24 hours after now' };
    }
    const partial = [...call.partial];
    if (!call.service) return { call, partial };
    const id = agents.idOf(call.service.agentName);
    if (!id.ok) {
      partial.push({ code: 'agentIdCollision', message: `${id.message}; arrival only, no segment` });
      return { call, partial };
    }
    return { call, agentId: id.agentId, partial };
  };

  // Pass 1: reports, agent ids, agent-days, rows per date.
  const agentDays = new AgentDays();
  const rowsPerDay = new Map<string, number>();
  const agentIds = new Set<number>();
  for (const file of options.files) {
    for await (const { text, line } of dataLines(file, format)) {
      stats.rows++;
      const r = interpret(text);
      if (!('call' in r)) {
        stats.skipped++;
        count(r.code);
        options.onRow?.({ file, line, kind: 'skipped', code: r.code, message: r.message });
        continue;
      }
      stats.imported++;
      if (r.partial.length > 0) {
        stats.partial++;
        for (const p of r.partial) {
          count(p.code);
          options.onRow?.({ file, line, kind: 'partial', code: p.code, message: p.message });
        }
      }
      const { call, agentId } = r;
      if (call.queuedAt === undefined && !call.service) {
        stats.endedInVru++;
        continue;
      }
      if (call.queuedAt !== undefined) stats.arrivals++;
      if (call.service && agentId !== undefined) {
        stats.services++;
        agentIds.add(agentId);
        agentDays.add(agentId, call.service.agentName, localDateOf(call.service.start, timeZone), call.service.start, call.service.end);
      }
      rowsPerDay.set(call.day, (rowsPerDay.get(call.day) ?? 0) + 1);
    }
  }
  stats.agents = agentIds.size;

  // Plan the passes: runs of consecutive dates, each session's login and logout with the run
  // of its day (or the nearest run before it).
  const days = [...rowsPerDay.keys()].sort();
  const passes: Array<{ days: Set<string>; sessions: Tagged[] }> = [];
  let rowsInPass = 0;
  for (const day of days) {
    const n = rowsPerDay.get(day) as number;
    const last = passes[passes.length - 1];
    if (!last || rowsInPass + n > rowsPerPass) {
      passes.push({ days: new Set([day]), sessions: [] });
      rowsInPass = n;
    } else {
      last.days.add(day);
      rowsInPass += n;
    }
  }
  const passStarts = passes.map((p) => [...p.days][0] as string);
  const passOf = (day: string): number => {
    let i = 0;
    while (i + 1 < passStarts.length && (passStarts[i + 1] as string) <= day) i++;
    return i;
  };
  const sessions: AgentSession[] = agentDays.sessions();
  stats.sessions = sessions.length;
  for (const s of sessions) {
    const [login, logout] = sessionEvents(s) as [WfmEvent, WfmEvent];
    const where = { file: `(session of agent ${s.agentId} "${s.name}" from ${s.firstDay})`, line: 0 };
    passes[passOf(s.firstDay)]?.sessions.push({ event: login, ...where });
    passes[passOf(s.lastDay)]?.sessions.push({ event: logout, ...where });
  }

  const write = async (tagged: Tagged[]): Promise<void> => {
    let pending = tagged;
    while (pending.length > 0) {
      try {
        const result = await ingestBatch(
          store,
          accountId,
          pending.map((t) => t.event),
          nowMs,
        );
        stats.events += pending.length;
        stats.accepted += result.accepted;
        stats.duplicates += result.duplicates;
        break;
      } catch (err) {
        if (!(err instanceof WfmError) || err.causes.length === 0 || err.causes.some((c) => c.index === undefined)) throw err;
        const bad = new Set<number>();
        for (const c of err.causes) {
          const t = pending[c.index as number];
          if (!t) continue;
          const code = err.code === 'WFM_ERR_CONFLICT' ? 'conflict' : 'invalidEvent';
          if (!bad.has(c.index as number)) {
            stats.refused++;
            count(code);
          }
          bad.add(c.index as number);
          options.onRow?.({ file: t.file, line: t.line, kind: 'refused', code, message: `event ${t.event.id}: ${c.message}` });
        }
        pending = pending.filter((_, i) => !bad.has(i));
      }
    }
  };

  // Passes 2…: each run of dates in event order.
  for (const pass of passes) {
    const tagged: Tagged[] = [...pass.sessions];
    for (const file of options.files) {
      for await (const { text, line } of dataLines(file, format)) {
        const r = interpret(text);
        if (!('call' in r) || !pass.days.has(r.call.day)) continue;
        for (const event of callEvents(r.call, r.agentId)) tagged.push({ event, file, line });
      }
    }
    tagged.sort((a, b) => compareEvents(a.event, b.event));
    for (let i = 0; i < tagged.length; i += batchSize) {
      await write(tagged.slice(i, i + batchSize));
      options.onBatch?.(stats);
    }
  }
  return stats;
}

/** The data lines of a file with their 1-based line numbers: blank lines and the header left out. */
async function* dataLines(file: string, format: CallLogFormat): AsyncGenerator<{ text: string; line: number }> {
  const input = createReadStream(file);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  let first = true;
  try {
    for await (const raw of lines) {
      line++;
      const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (text.trim() === '') continue;
      if (first) {
        first = false;
        if (format.classifyFirstLine(text) === 'header') continue;
      }
      yield { text, line };
    }
  } catch (err) {
    if (err instanceof WfmError) throw err;
    throw new WfmError('WFM_ERR_BAD_REQUEST', `cannot read ${file}: ${(err as Error).message}`);
  } finally {
    lines.close();
    input.destroy();
  }
}
