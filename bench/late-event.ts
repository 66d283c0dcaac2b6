/**
 * The cost of one late event (spec/operations.md): the time to ingest one event placed in the
 * past of an agent's history, on the imported store, ÷ the time to rebuild that agent's day.
 *
 * For each of a few agents logged in on the middle day of the data set:
 *   - late events (ingested one per batch through ingestBatch, the path of every ingest):
 *     an `agent.status` AWAY in the middle of the agent's first session that day (touches a
 *     session), and a consumer `message` inside one of its segments (touches a conversation);
 *   - the agent's day: its events of that UTC day and the agent-less events of the conversations
 *     it had segments in, ingested into a fresh SQLite store; the reference is `store.rebuild`
 *     there (the replay `wfm rebuild` runs, over exactly that day), median of 5 after a warm-up.
 * The first agent only warms up; the rows are medians over the others.
 *
 * The agent's events are read from the store's `events` table (a read-only connection): the
 * benchmark knows the SQLite schema, the store's API has no per-agent read.
 */
import Database from 'better-sqlite3';
import type { WfmEvent } from '../src/domain/events.js';
import { TYPE_RANK } from '../src/domain/events.js';
import { ingestBatch } from '../src/ingest/ingest-batch.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { removeDb } from './floors.js';
import { ACCOUNT } from './import.js';
import { median, nowMs, progress } from './machine.js';
import { costRatioRow, type Row } from './report.js';

const DAY = 86_400_000;

interface Subject {
  agentId: number;
  dayEvents: unknown[];
  lateStatus: WfmEvent;
  lateMessage: WfmEvent | undefined;
}

function subjects(db: string, day: { from: number; to: number }, count: number): Subject[] {
  const raw = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const loggedIn = raw
      .prepare(
        'SELECT DISTINCT agent_id FROM events WHERE account_id = ? AND agent_id IS NOT NULL AND rank = ? AND time >= ? AND time < ? ORDER BY agent_id',
      )
      .pluck()
      .all(ACCOUNT, TYPE_RANK['agent.login'], day.from, day.to) as number[];
    if (loggedIn.length === 0) throw new Error('no agent logs in on the middle day');
    const step = Math.max(1, Math.floor(loggedIn.length / count));
    const chosen = loggedIn.filter((_, i) => i % step === 0).slice(0, count);
    const agentDay = raw
      .prepare('SELECT body FROM events WHERE account_id = ? AND agent_id = ? AND time >= ? AND time < ? ORDER BY time, rank, event_id')
      .pluck();
    const conversation = raw
      .prepare('SELECT body FROM events WHERE account_id = ? AND conversation_id = ? AND agent_id IS NULL ORDER BY time, rank, event_id')
      .pluck();
    return chosen.map((agentId) => {
      const events = (agentDay.all(ACCOUNT, agentId, day.from, day.to) as string[]).map((b) => JSON.parse(b) as WfmEvent);
      const login = events.find((e) => e.type === 'agent.login') as WfmEvent;
      const logout = events.find((e) => e.type === 'agent.logout' && e.time > login.time);
      const sessionEnd = logout?.time ?? Math.min(login.time + 3_600_000, day.to - 1);
      const conversations = new Set<string>();
      for (const e of events) if (e.type === 'segment.start') conversations.add(e.conversationId);
      const others: WfmEvent[] = [];
      for (const c of conversations) for (const b of conversation.all(ACCOUNT, c) as string[]) others.push(JSON.parse(b) as WfmEvent);
      // A segment of the session with room for a message inside it.
      let lateMessage: WfmEvent | undefined;
      for (const start of events) {
        if (start.type !== 'segment.start' || start.time <= login.time) continue;
        const end = events.find((e) => e.type === 'segment.end' && e.conversationId === start.conversationId && e.time > start.time);
        if (end && end.time - start.time > 2) {
          const time = Math.floor((start.time + end.time) / 2);
          lateMessage = {
            id: `bench-late-message-${agentId}`,
            type: 'message',
            time,
            conversationId: start.conversationId,
            from: 'consumer',
          };
          break;
        }
      }
      return {
        agentId,
        dayEvents: [...events, ...others],
        lateStatus: {
          id: `bench-late-status-${agentId}`,
          type: 'agent.status',
          time: Math.floor((login.time + sessionEnd) / 2),
          agentId,
          status: 'AWAY',
          reasonId: 2,
          reasonText: 'Break',
        },
        lateMessage,
      };
    });
  } finally {
    raw.close();
  }
}

async function timeIngest(store: SqliteStore, event: WfmEvent): Promise<number> {
  const started = nowMs();
  const result = await ingestBatch(store, ACCOUNT, [event], Date.now());
  const ms = nowMs() - started;
  if (result.accepted !== 1) throw new Error(`late event ${event.id} not accepted: ${JSON.stringify(result)}`);
  return ms;
}

/** Median ms of `store.rebuild` over a fresh store holding only the agent's day. */
async function dayRebuildMs(subject: Subject, file: string): Promise<number> {
  removeDb(file);
  const store = new SqliteStore({ file, snapshotTtlMs: 3_600_000 });
  try {
    await ingestBatch(store, ACCOUNT, subject.dayEvents, Date.now());
    await store.rebuild(ACCOUNT);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = nowMs();
      await store.rebuild(ACCOUNT);
      times.push(nowMs() - started);
    }
    return median(times);
  } finally {
    await store.close();
    removeDb(file);
  }
}

export async function lateEventRows(options: {
  db: string;
  startMs: number;
  hours: number;
  events: number;
  scratch: string;
}): Promise<Row[]> {
  const middleDay = Math.floor(options.hours / 24 / 2);
  const day = { from: options.startMs + middleDay * DAY, to: options.startMs + (middleDay + 1) * DAY };
  const chosen = subjects(options.db, day, 6);
  progress(`late events: ${chosen.length} agents (the first warms up), day ${middleDay + 1} of ${Math.ceil(options.hours / 24)}…`);
  const rebuild: number[] = [];
  for (const s of chosen) rebuild.push(await dayRebuildMs(s, `${options.scratch}/agent-day.db`));
  const status: number[] = [];
  const message: number[] = [];
  const store = new SqliteStore({ file: options.db, snapshotTtlMs: 3_600_000 });
  try {
    for (const s of chosen) {
      status.push(await timeIngest(store, s.lateStatus));
      message.push(s.lateMessage ? await timeIngest(store, s.lateMessage) : Number.NaN);
    }
  } finally {
    await store.close();
  }
  const measured = (xs: number[]) => xs.slice(1).filter((x) => !Number.isNaN(x));
  const floor = median(measured(rebuild));
  const n = chosen.length - 1;
  const dayEvents = median(chosen.slice(1).map((s) => s.dayEvents.length));
  const note = `median of ${n} agents; floor = rebuild of that agent's day (~${Math.round(dayEvents)} events) in a fresh store`;
  const size = `${(options.events / 1e6).toFixed(1)} M-event store`;
  return [
    costRatioRow(`one late event: agent.status inside a session (SQLite, ${size})`, median(measured(status)), 'ms', floor, 1, note),
    costRatioRow(`one late event: consumer message inside a segment (SQLite, ${size})`, median(measured(message)), 'ms', floor, 1, note),
  ];
}
