/**
 * What both backends do when an agent's new events are late: restart the agent's machines at
 * the latest checkpoint at or before the earliest new event, run them until they reach a later
 * checkpoint in the state stored there (from then on nothing can differ), and replace only the
 * agent's derived rows of that window. The pure parts live here: the window's rows and the
 * (agent, conversation) pairs whose handle time the new events can change.
 */
import type { AgentMachineState, AgentMachines } from '../domain/agent-machines.js';
import type { WfmEvent } from '../domain/events.js';
import type { ActivityRecord, DataQualityItem } from '../domain/records.js';
import type { SegmentSpan } from '../domain/segments.js';
import {
  endOrOpen,
  OPEN_END,
  type SessionRow,
  type WorkloadMessageRow,
  type WorkloadProfileRow,
  type WorkloadSegmentRow,
} from './row-mappings.js';

/** The start of a window that begins before the agent's first event. */
export const NO_START = Number.MIN_SAFE_INTEGER;
/** The end of a window that runs past the agent's last event (open spans end at OPEN_END). */
export const NO_END = OPEN_END + 1;

/**
 * One agent's derived rows in the window [from, to): rows of an instant (records, data-quality
 * items, counted messages, profile writes) whose time is in it, and spans (sessions, workload
 * segments) whose end is in it (open spans end at OPEN_END). `to` is a checkpoint the machines
 * reached in the stored state, or NO_END; spans open there are outside the window, as their end
 * lies beyond it.
 */
export interface AgentWindow {
  agentId: number;
  from: number;
  to: number;
  /** no span ending in the window starts before this (spans open at `from` may start earlier) */
  spanFrom: number;
  records: ActivityRecord[];
  issues: DataQualityItem[];
  sessions: SessionRow[];
  segments: WorkloadSegmentRow[];
  messages: WorkloadMessageRow[];
  profile: WorkloadProfileRow[];
  /** every segment of the agent open at some point of the window (end null: open at its end) */
  spans: SegmentSpan[];
}

/** The rows of machines that ran from `start` (the state at `from`) up to `to`. */
export function agentWindow(machines: AgentMachines, agentId: number, start: AgentMachineState, from: number, to: number): AgentWindow {
  const inWindow = (end: number | null) => endOrOpen(end) >= from && endOrOpen(end) < to;
  const spans = new Map(start.workload.open.map((s) => [s.segmentId, s]));
  for (const s of machines.segments) spans.set(s.segmentId, s);
  let spanFrom = from;
  for (const s of start.workload.open) spanFrom = Math.min(spanFrom, s.start);
  const openSession = start.activity.session;
  if (openSession) spanFrom = Math.min(spanFrom, openSession.start);
  return {
    agentId,
    from,
    to,
    spanFrom,
    records: machines.records,
    issues: machines.issues,
    sessions: machines.sessions.filter((s) => inWindow(s.end)).map((s) => ({ agentId, ...s })),
    segments: [...spans.values()].filter((s) => inWindow(s.end)),
    messages: machines.countedMessages,
    profile: machines.profileWrites.map((p) => ({ agentId, ...p })),
    spans: [...spans.values()],
  };
}

/**
 * The conversations of the agent's segments whose handle time the window's new events can
 * change, besides those the events name (spec/metrics.md §2): the segments around each new
 * event (idle activity) and around each data-quality item that appeared or went (an ignored
 * event is no activity), and, after a new focus change or a new write of the profile fields a
 * segment reports, every later segment of the window. Segments outside the window cannot
 * change: before it nothing changed, and at its end the machines (focus and profile included)
 * are back in their stored state. A segment still open has no handle time yet, unless the
 * window ends at a checkpoint (it may have closed after it).
 */
export function handleTimeConversations(
  window: AgentWindow,
  fresh: readonly WfmEvent[],
  changedIssues: readonly DataQualityItem[],
): Set<string> {
  const closedOrBeyond = window.spans.filter((s) => s.end !== null || window.to !== NO_END);
  const end = (s: SegmentSpan) => s.end ?? Number.POSITIVE_INFINITY;
  const conversations = new Set<string>();
  const around = (t: number) => {
    for (const s of closedOrBeyond) if (s.start <= t && t <= end(s)) conversations.add(s.conversationId);
  };
  const from = (t: number) => {
    for (const s of closedOrBeyond) if (t <= end(s)) conversations.add(s.conversationId);
  };
  for (const e of fresh) {
    around(e.time);
    if (e.type === 'workspace.focus' || e.type === 'workspace.blur' || e.type === 'agent.logout') from(e.time);
    if ((e.type === 'agent.login' || e.type === 'agent.profile') && (e.employeeId !== undefined || e.groupId !== undefined)) from(e.time);
  }
  for (const i of changedIssues) around(i.time);
  return conversations;
}
