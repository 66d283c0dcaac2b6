import { advanceAgentWorkload, initialAgentWorkloadState } from './agent-workload.js';
import type { SegmentEndReason, WfmEvent } from './events.js';
import { agentOf } from './events.js';
import type { DataQualityItem } from './records.js';

/** One agent segment: from `segment.start` to the `segment.end` of the same (conversation, agent). */
export interface SegmentSpan {
  /** `<conversationId>:<agentId>:<start epoch ms>` */
  segmentId: string;
  conversationId: string;
  agentId: number;
  skillId: number;
  start: number;
  /** null while open */
  end: number | null;
  endReason: SegmentEndReason | null;
  startEventId: string;
  endEventId: string | null;
}

/** An agent message by A in C while A has an open segment on C (spec/metrics.md §3). */
export interface CountedMessage {
  eventId: string;
  time: number;
  agentId: number;
  conversationId: string;
  skillId: number;
  segmentId: string;
}

export function segmentIdOf(conversationId: string, agentId: number, start: number): string {
  return `${conversationId}:${agentId}:${start}`;
}

export interface SegmentTracking {
  segments: SegmentSpan[];
  countedMessages: CountedMessage[];
  /** `segmentStartWhileOpen` and `segmentEndWithoutStart`: ignored events, in no metric */
  issues: DataQualityItem[];
  /** ids of the events the rules ignore (they count as no activity either) */
  ignoredEventIds: Set<string>;
}

/**
 * Track segments per (conversation, agent) over events sorted in the total order. A second
 * start for an open pair and an end with no open segment are ignored (data-quality cases).
 * Works on any event subset that holds all segment and message events of the pairs concerned.
 * Each agent's events run through the same machine the stores use (agent-workload.ts).
 *
 * @example trackSegments([start, agentMessage, end]).segments[0].end // end.time
 */
export function trackSegments(events: readonly WfmEvent[]): SegmentTracking {
  const byAgent = new Map<number, WfmEvent[]>();
  for (const e of events) {
    if (e.type !== 'segment.start' && e.type !== 'segment.end' && e.type !== 'message') continue;
    const agentId = agentOf(e);
    if (agentId === undefined) continue;
    const list = byAgent.get(agentId);
    if (list) list.push(e);
    else byAgent.set(agentId, [e]);
  }
  const tracking: SegmentTracking = { segments: [], countedMessages: [], issues: [], ignoredEventIds: new Set() };
  for (const [agentId, agentEvents] of byAgent) {
    const out = advanceAgentWorkload(agentId, initialAgentWorkloadState(), agentEvents);
    tracking.segments.push(...out.segments);
    tracking.countedMessages.push(...out.countedMessages);
    tracking.issues.push(...out.issues);
    for (const issue of out.issues) tracking.ignoredEventIds.add(issue.eventId);
  }
  tracking.segments.sort((a, b) => a.start - b.start || (a.segmentId < b.segmentId ? -1 : a.segmentId > b.segmentId ? 1 : 0));
  return tracking;
}
