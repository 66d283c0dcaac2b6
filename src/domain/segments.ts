import type { SegmentEndReason, WfmEvent } from './events.js';
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
 *
 * @example trackSegments([start, agentMessage, end]).segments[0].end // end.time
 */
export function trackSegments(events: readonly WfmEvent[]): SegmentTracking {
  const open = new Map<string, SegmentSpan>();
  const segments: SegmentSpan[] = [];
  const countedMessages: CountedMessage[] = [];
  const issues: DataQualityItem[] = [];
  const ignoredEventIds = new Set<string>();
  const pairKey = (c: string, a: number): string => `${a}\u0000${c}`;

  for (const e of events) {
    if (e.type === 'segment.start') {
      const key = pairKey(e.conversationId, e.agentId);
      if (open.has(key)) {
        issues.push({ kind: 'segmentStartWhileOpen', eventId: e.id, time: e.time, agentId: e.agentId, conversationId: e.conversationId });
        ignoredEventIds.add(e.id);
        continue;
      }
      const span: SegmentSpan = {
        segmentId: segmentIdOf(e.conversationId, e.agentId, e.time),
        conversationId: e.conversationId,
        agentId: e.agentId,
        skillId: e.skillId,
        start: e.time,
        end: null,
        endReason: null,
        startEventId: e.id,
        endEventId: null,
      };
      open.set(key, span);
      segments.push(span);
    } else if (e.type === 'segment.end') {
      const key = pairKey(e.conversationId, e.agentId);
      const span = open.get(key);
      if (!span) {
        issues.push({ kind: 'segmentEndWithoutStart', eventId: e.id, time: e.time, agentId: e.agentId, conversationId: e.conversationId });
        ignoredEventIds.add(e.id);
        continue;
      }
      span.end = e.time;
      span.endReason = e.endReason;
      span.endEventId = e.id;
      open.delete(key);
    } else if (e.type === 'message' && e.from === 'agent' && e.agentId !== undefined) {
      const span = open.get(pairKey(e.conversationId, e.agentId));
      if (span) {
        countedMessages.push({
          eventId: e.id,
          time: e.time,
          agentId: e.agentId,
          conversationId: e.conversationId,
          skillId: span.skillId,
          segmentId: span.segmentId,
        });
      }
    }
  }
  return { segments, countedMessages, issues, ignoredEventIds };
}
