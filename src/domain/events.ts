/**
 * The ingest contract's event types (spec/events.md), after validation and normalisation:
 * `time` is always integer epoch milliseconds and `accountId` is gone (it is not part of an
 * event's identity; the account travels beside the event).
 */

export const AGENT_STATUSES = ['ONLINE', 'BACK_SOON', 'AWAY', 'OFFLINE'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const QUEUE_REASONS = ['new', 'transfer', 'backToQueue'] as const;
export type QueueReason = (typeof QUEUE_REASONS)[number];

export const SEGMENT_END_REASONS = [
  'closedByConsumer',
  'closedByAgent',
  'closedBySystem',
  'agentTransfer',
  'skillTransfer',
  'backToQueue',
  'other',
] as const;
export type SegmentEndReason = (typeof SEGMENT_END_REASONS)[number];

export const MESSAGE_SOURCES = ['consumer', 'agent', 'bot', 'system'] as const;
export type MessageSource = (typeof MESSAGE_SOURCES)[number];

/** Profile fields may ride on `agent.login` or `agent.profile`; each keeps its latest value. */
export interface ProfileFields {
  employeeId?: string;
  loginName?: string;
  userName?: string;
  groupId?: number;
  maxSlots?: number;
  skills?: number[];
}
export const PROFILE_FIELD_NAMES = ['employeeId', 'loginName', 'userName', 'groupId', 'maxSlots', 'skills'] as const;
export type ProfileFieldName = (typeof PROFILE_FIELD_NAMES)[number];

interface Envelope {
  id: string;
  time: number;
}

export interface AgentLoginEvent extends Envelope, ProfileFields {
  type: 'agent.login';
  agentId: number;
  sessionId?: number;
  status?: AgentStatus;
  reasonId?: number;
  reasonText?: string;
}
export interface AgentStatusEvent extends Envelope {
  type: 'agent.status';
  agentId: number;
  status: AgentStatus;
  reasonId?: number;
  reasonText?: string;
}
export interface AgentLogoutEvent extends Envelope {
  type: 'agent.logout';
  agentId: number;
}
export interface AgentProfileEvent extends Envelope, ProfileFields {
  type: 'agent.profile';
  agentId: number;
}
export interface ConversationQueuedEvent extends Envelope {
  type: 'conversation.queued';
  conversationId: string;
  skillId: number;
  reason: QueueReason;
}
export interface SegmentStartEvent extends Envelope {
  type: 'segment.start';
  conversationId: string;
  agentId: number;
  skillId: number;
}
export interface SegmentEndEvent extends Envelope {
  type: 'segment.end';
  conversationId: string;
  agentId: number;
  endReason: SegmentEndReason;
}
export interface MessageEvent extends Envelope {
  type: 'message';
  conversationId: string;
  from: MessageSource;
  /** present when and only when `from` is `agent` */
  agentId?: number;
}
export interface WorkspaceFocusEvent extends Envelope {
  type: 'workspace.focus';
  agentId: number;
  conversationId: string;
}
export interface WorkspaceBlurEvent extends Envelope {
  type: 'workspace.blur';
  agentId: number;
  conversationId: string;
}

export type WfmEvent =
  | AgentLoginEvent
  | AgentStatusEvent
  | AgentLogoutEvent
  | AgentProfileEvent
  | ConversationQueuedEvent
  | SegmentStartEvent
  | SegmentEndEvent
  | MessageEvent
  | WorkspaceFocusEvent
  | WorkspaceBlurEvent;

export type EventType = WfmEvent['type'];

/** Rank of each type among events at the same millisecond (spec/events.md "Order", rule 2). */
export const TYPE_RANK: Readonly<Record<EventType, number>> = {
  'agent.login': 0,
  'agent.profile': 1,
  'agent.status': 2,
  'conversation.queued': 3,
  'segment.start': 4,
  'workspace.focus': 5,
  message: 6,
  'workspace.blur': 7,
  'segment.end': 8,
  'agent.logout': 9,
};
export const EVENT_TYPES = Object.keys(TYPE_RANK) as EventType[];

/** The position of an event in the account's total order. */
export interface EventKey {
  time: number;
  rank: number;
  id: string;
}

export function eventKey(e: WfmEvent): EventKey {
  return { time: e.time, rank: TYPE_RANK[e.type], id: e.id };
}

/**
 * Total order of events (time, type rank, id by byte). Ids are visible ASCII, so JavaScript's
 * UTF-16 comparison equals byte order.
 *
 * @example [b, a].sort(compareEvents)
 */
export function compareKeys(a: EventKey, b: EventKey): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  if (a.rank !== b.rank) return a.rank - b.rank;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function compareEvents(a: WfmEvent, b: WfmEvent): number {
  return compareKeys(eventKey(a), eventKey(b));
}

/** The agent an event is about, for per-agent state machines (a human agent message counts). */
export function agentOf(e: WfmEvent): number | undefined {
  return 'agentId' in e ? e.agentId : undefined;
}

/** The conversation an event is about. */
export function conversationOf(e: WfmEvent): string | undefined {
  return 'conversationId' in e ? e.conversationId : undefined;
}

export function profileFieldsOf(e: WfmEvent): ProfileFields | undefined {
  if (e.type !== 'agent.login' && e.type !== 'agent.profile') return undefined;
  const p: ProfileFields = {};
  let any = false;
  for (const f of PROFILE_FIELD_NAMES) {
    if (e[f] !== undefined) {
      (p as Record<string, unknown>)[f] = e[f];
      any = true;
    }
  }
  return any ? p : undefined;
}
