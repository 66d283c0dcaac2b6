/**
 * Reads the NHT facts of a window (already widened to whole hours) from the materialised
 * workload tables, as of a version. The pure computation is domain/nht.ts.
 */
import type Database from 'better-sqlite3';
import { TYPE_RANK } from '../../domain/events.js';
import type { NhtFacts } from '../../domain/nht.js';
import type { TimeWindow } from '../store.js';
import type { DerivedTables } from './tables.js';

const QUEUED_RANK = TYPE_RANK['conversation.queued'];

export function readNhtFacts(
  db: Database.Database,
  tables: DerivedTables,
  accountId: string,
  version: number,
  window: TimeWindow,
): NhtFacts {
  const span = { account: accountId, from: window.from, to: window.to };
  const sessions = tables.sessions.visible('account_id = @account AND end_time > @from AND start_time < @to', span, version);
  // A segment that ends at the hour start still reports its duration there (s = e counts too).
  const segments = tables.workloadSegments.visible('account_id = @account AND end_time >= @from AND start_time < @to', span, version);
  const countedMessages = tables.messages.visible('account_id = @account AND time >= @from AND time < @to', span, version);

  // Queue waits need each conversation that starts a segment in the span, back to its previous start.
  const startingConversations = [...new Set(segments.filter((s) => s.start >= window.from).map((s) => s.conversationId))];
  const conversationSegments = startingConversations.length
    ? tables.workloadSegments.visible(
        'account_id = @account AND conversation_id IN (SELECT value FROM json_each(@conversations))',
        { account: accountId, conversations: JSON.stringify(startingConversations) },
        version,
      )
    : [];
  type QueuedRow = { conversation_id: string; skill_id: number; time: number; event_id: string };
  const queuedInSpan = db
    .prepare(
      `SELECT conversation_id, skill_id, time, event_id FROM events
       WHERE account_id = @account AND rank = ${QUEUED_RANK} AND time >= @from AND time < @to AND version <= @version`,
    )
    .all({ ...span, version }) as QueuedRow[];
  const queuedOfStarting = startingConversations.length
    ? (db
        .prepare(
          `SELECT conversation_id, skill_id, time, event_id FROM events
           WHERE account_id = @account AND conversation_id IN (SELECT value FROM json_each(@conversations))
             AND rank = ${QUEUED_RANK} AND time < @to AND version <= @version`,
        )
        .all({ account: accountId, conversations: JSON.stringify(startingConversations), to: window.to, version }) as QueuedRow[])
    : [];
  const queued = new Map<string, NhtFacts['queued'][number]>();
  for (const q of [...queuedInSpan, ...queuedOfStarting]) {
    queued.set(q.event_id, { conversationId: q.conversation_id, skillId: q.skill_id, time: q.time, eventId: q.event_id });
  }

  const agents = [...new Set([...sessions.map((s) => s.agentId), ...segments.map((s) => s.agentId)])];
  const profile = agents.length
    ? tables.profile.visible(
        'account_id = @account AND agent_id IN (SELECT value FROM json_each(@agents)) AND time < @to',
        { account: accountId, agents: JSON.stringify(agents), to: window.to },
        version,
      )
    : [];

  return {
    sessions: sessions.map((s) => ({ agentId: s.agentId, start: s.start, end: s.end })),
    segments: segments.map((s) => ({ segmentId: s.segmentId, agentId: s.agentId, skillId: s.skillId, start: s.start, end: s.end })),
    countedMessages: countedMessages.map((m) => ({ agentId: m.agentId, time: m.time, skillId: m.skillId, segmentId: m.segmentId })),
    queued: [...queued.values()],
    segmentStarts: [...new Map([...segments, ...conversationSegments].map((s) => [s.segmentId, s])).values()].map((s) => ({
      conversationId: s.conversationId,
      skillId: s.skillId,
      time: s.start,
      eventId: s.startEventId,
    })),
    maxSlots: profile
      .filter((p) => p.maxSlots !== undefined)
      .map((p) => ({ agentId: p.agentId, time: p.time, value: p.maxSlots, rank: p.rank, eventId: p.eventId })),
    profileSkills: profile
      .filter((p) => p.skills !== undefined)
      .map((p) => ({ agentId: p.agentId, time: p.time, skills: p.skills as number[], rank: p.rank, eventId: p.eventId })),
  };
}
