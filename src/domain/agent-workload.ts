import type { WfmEvent } from './events.js';
import { TYPE_RANK } from './events.js';
import type { DataQualityItem } from './records.js';
import type { CountedMessage, SegmentSpan } from './segments.js';
import { segmentIdOf } from './segments.js';

/**
 * The per-agent workload machine: an agent's segments (every segment event names its agent),
 * the messages that count for NHT (an agent message while the agent holds a segment on that
 * conversation), and the profile writes NHT reads (`maxSlots`, `skills`). Like the activity
 * machine it can continue from a saved state when new events all come later.
 */
export interface AgentWorkloadState {
  /** open segments, by conversation id */
  open: SegmentSpan[];
}

export function initialAgentWorkloadState(): AgentWorkloadState {
  return { open: [] };
}

/** A write of `maxSlots` and/or `skills`, with its place in the total order. */
export interface WorkloadProfileWrite {
  time: number;
  rank: number;
  eventId: string;
  maxSlots?: number;
  skills?: number[];
}

export interface AgentWorkloadOutput {
  state: AgentWorkloadState;
  /** segments opened or closed during this call (those still open have end null) */
  segments: SegmentSpan[];
  countedMessages: CountedMessage[];
  profileWrites: WorkloadProfileWrite[];
  /** `segmentStartWhileOpen` and `segmentEndWithoutStart` */
  issues: DataQualityItem[];
}

/**
 * Applies one agent's events (sorted, all after the state's last event).
 *
 * @example advanceAgentWorkload(7, initialAgentWorkloadState(), [start, agentMessage, end]).segments[0].end
 */
export function advanceAgentWorkload(agentId: number, state: AgentWorkloadState, events: readonly WfmEvent[]): AgentWorkloadOutput {
  const open = new Map(state.open.map((s) => [s.conversationId, { ...s }]));
  const touched = new Map<string, SegmentSpan>();
  const countedMessages: CountedMessage[] = [];
  const profileWrites: WorkloadProfileWrite[] = [];
  const issues: DataQualityItem[] = [];
  const issue = (e: WfmEvent & { conversationId: string }, kind: DataQualityItem['kind']): void => {
    issues.push({ kind, eventId: e.id, time: e.time, agentId, conversationId: e.conversationId });
  };

  for (const e of events) {
    switch (e.type) {
      case 'segment.start': {
        if (open.has(e.conversationId)) {
          issue(e, 'segmentStartWhileOpen');
          break;
        }
        const span: SegmentSpan = {
          segmentId: segmentIdOf(e.conversationId, agentId, e.time),
          conversationId: e.conversationId,
          agentId,
          skillId: e.skillId,
          start: e.time,
          end: null,
          endReason: null,
          startEventId: e.id,
          endEventId: null,
        };
        open.set(e.conversationId, span);
        touched.set(span.segmentId, span);
        break;
      }
      case 'segment.end': {
        const span = open.get(e.conversationId);
        if (!span) {
          issue(e, 'segmentEndWithoutStart');
          break;
        }
        span.end = e.time;
        span.endReason = e.endReason;
        span.endEventId = e.id;
        open.delete(e.conversationId);
        touched.set(span.segmentId, span);
        break;
      }
      case 'message': {
        const span = e.from === 'agent' ? open.get(e.conversationId) : undefined;
        if (span) {
          countedMessages.push({
            eventId: e.id,
            time: e.time,
            agentId,
            conversationId: e.conversationId,
            skillId: span.skillId,
            segmentId: span.segmentId,
          });
        }
        break;
      }
      case 'agent.login':
      case 'agent.profile': {
        if (e.maxSlots === undefined && e.skills === undefined) break;
        const write: WorkloadProfileWrite = { time: e.time, rank: TYPE_RANK[e.type], eventId: e.id };
        if (e.maxSlots !== undefined) write.maxSlots = e.maxSlots;
        if (e.skills !== undefined) write.skills = [...e.skills];
        profileWrites.push(write);
        break;
      }
      default:
        break;
    }
  }
  const openList = [...open.values()].sort((a, b) =>
    a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0,
  );
  return { state: { open: openList }, segments: [...touched.values()], countedMessages, profileWrites, issues };
}
