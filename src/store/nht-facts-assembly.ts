/**
 * Turns the rows a store read for an NHT window into the facts domain/nht.ts computes from.
 * Both backends read the same rows (their SQL differs) and assemble them here.
 */
import type { NhtFacts } from '../domain/nht.js';
import type { SessionRow, WorkloadMessageRow, WorkloadProfileRow, WorkloadSegmentRow } from './row-mappings.js';

/** A `conversation.queued` event as read from the events table. */
export interface QueuedRow {
  conversation_id: string;
  skill_id: number;
  time: number;
  event_id: string;
}

export interface NhtRows {
  sessions: readonly SessionRow[];
  /** segments touching the window's hours */
  segments: readonly WorkloadSegmentRow[];
  /** every segment of the conversations that start one in the window (for queue waits) */
  conversationSegments: readonly WorkloadSegmentRow[];
  countedMessages: readonly WorkloadMessageRow[];
  /** queued events in the window and of the conversations above; may overlap */
  queued: readonly QueuedRow[];
  profile: readonly WorkloadProfileRow[];
}

/** The agents whose profile writes the facts need: those with a session or a segment in the window. */
export function agentsOf(rows: Pick<NhtRows, 'sessions' | 'segments'>): number[] {
  return [...new Set([...rows.sessions.map((s) => s.agentId), ...rows.segments.map((s) => s.agentId)])];
}

/** The conversations whose queue history the facts need: those starting a segment at or after `from`. */
export function startingConversationsOf(segments: readonly WorkloadSegmentRow[], from: number): string[] {
  return [...new Set(segments.filter((s) => s.start >= from).map((s) => s.conversationId))];
}

export function assembleNhtFacts(rows: NhtRows): NhtFacts {
  const queued = new Map<string, NhtFacts['queued'][number]>();
  for (const q of rows.queued)
    queued.set(q.event_id, { conversationId: q.conversation_id, skillId: q.skill_id, time: q.time, eventId: q.event_id });
  const starts = new Map([...rows.segments, ...rows.conversationSegments].map((s) => [s.segmentId, s]));
  return {
    sessions: rows.sessions.map((s) => ({ agentId: s.agentId, start: s.start, end: s.end })),
    segments: rows.segments.map((s) => ({ segmentId: s.segmentId, agentId: s.agentId, skillId: s.skillId, start: s.start, end: s.end })),
    countedMessages: rows.countedMessages.map((m) => ({ agentId: m.agentId, time: m.time, skillId: m.skillId, segmentId: m.segmentId })),
    queued: [...queued.values()],
    segmentStarts: [...starts.values()].map((s) => ({
      conversationId: s.conversationId,
      skillId: s.skillId,
      time: s.start,
      eventId: s.startEventId,
    })),
    maxSlots: rows.profile
      .filter((p) => p.maxSlots !== undefined)
      .map((p) => ({ agentId: p.agentId, time: p.time, value: p.maxSlots, rank: p.rank, eventId: p.eventId })),
    profileSkills: rows.profile
      .filter((p) => p.skills !== undefined)
      .map((p) => ({ agentId: p.agentId, time: p.time, skills: p.skills as number[], rank: p.rank, eventId: p.eventId })),
  };
}
