/**
 * What both stores do between reading a chunk of (agent, conversation) pairs' inputs and
 * writing their AHT rows: each input is read once per chunk (a conversation's events once for
 * all its agents, an agent's events once over the union of its pairs' spans), then each pair
 * picks its own part here and runs the pure engine (domain/aht.ts).
 *
 * A pair depends on: its conversation's events; its agent's events over the span of the
 * pair's closed segments; the agent's focus changes back to its last focus or logout before
 * that span; the agent's profile writes up to the span's end; and the ignored events the agent
 * machine already listed as data-quality rows.
 */
import type { SegmentHandleTime } from '../domain/aht.js';
import { computePairHandleTimes } from '../domain/aht.js';
import type { WfmEvent } from '../domain/events.js';
import { agentOf, conversationOf, TYPE_RANK } from '../domain/events.js';
import { trackSegments } from '../domain/segments.js';

export interface Pair {
  agentId: number;
  conversationId: string;
}

/** A stored event with its place in the total order, so ordering needs no lookups. */
export interface StoredEvent {
  event: WfmEvent;
  time: number;
  rank: number;
  id: string;
}

const FOCUS_RANKS = new Set([TYPE_RANK['workspace.focus'], TYPE_RANK['agent.logout']]);
const FOCUS_CHANGE_RANKS = new Set([TYPE_RANK['workspace.focus'], TYPE_RANK['workspace.blur'], TYPE_RANK['agent.logout']]);
const PROFILE_RANKS = new Set([TYPE_RANK['agent.login'], TYPE_RANK['agent.profile']]);
const SEGMENT_RANKS = new Set([TYPE_RANK['segment.start'], TYPE_RANK['segment.end']]);

/** The ranks whose latest event before a span sets the agent's focus there (for the SQL of the stores). */
export const FOCUS_SETTING_RANKS: readonly number[] = [...FOCUS_RANKS];

/** The total order of spec/events.md: time, type rank, id by byte (ids are visible ASCII). */
export function compareStored(a: StoredEvent, b: StoredEvent): number {
  if (a.time !== b.time) return a.time - b.time;
  if (a.rank !== b.rank) return a.rank - b.rank;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A stored body (canonical JSON) decoded. */
export function storedEvent(body: string): StoredEvent {
  const event = JSON.parse(body) as WfmEvent;
  return { event, time: event.time, rank: TYPE_RANK[event.type], id: event.id };
}

/** An event of the batch being written, as {@link storedEvent} would decode it from its stored body. */
export function freshEvent(event: WfmEvent): StoredEvent {
  return { event, time: event.time, rank: TYPE_RANK[event.type], id: event.id };
}

/**
 * The batch's own events by conversation and by agent, each list in the total order. A store
 * reads from its tables only the events that came before them (see {@link withFresh}).
 */
export interface FreshEvents {
  byConversation: Map<string, StoredEvent[]>;
  byAgent: Map<number, StoredEvent[]>;
}

export function freshEvents(events: readonly WfmEvent[]): FreshEvents {
  const fresh: FreshEvents = { byConversation: new Map(), byAgent: new Map() };
  for (const e of events) {
    const s = freshEvent(e);
    const c = conversationOf(e);
    if (c !== undefined) pushTo(fresh.byConversation, c, s);
    const a = agentOf(e);
    if (a !== undefined) pushTo(fresh.byAgent, a, s);
  }
  for (const list of fresh.byConversation.values()) list.sort(compareStored);
  for (const list of fresh.byAgent.values()) list.sort(compareStored);
  return fresh;
}

/**
 * The stored events of a key (a conversation, or an agent over a time range) without reading
 * back what the batch itself just wrote. With `fresh` the batch's events of that key (sorted)
 * from time `m` = the first one's time on: when the store holds exactly as many events of the
 * key from `m` on, those are the fresh ones (they are stored, and ids are unique), so only the
 * events before `m` are read. Otherwise (a late batch: stored events interleave) all are read.
 */
export function withFresh(
  fresh: readonly StoredEvent[],
  countFrom: (m: number) => number,
  readBefore: (m: number) => StoredEvent[],
  readAll: () => StoredEvent[],
): StoredEvent[] {
  const first = fresh[0];
  if (first === undefined || countFrom(first.time) !== fresh.length) return readAll();
  const before = readBefore(first.time);
  return before.length === 0 ? [...fresh] : [...before, ...fresh];
}

/** A conversation's events in the total order, with its segments tracked once for all its agents. */
export interface ConversationInputs {
  events: StoredEvent[];
  segments: ReturnType<typeof trackSegments>['segments'];
}

export function conversationInputs(events: StoredEvent[]): ConversationInputs {
  return { events, segments: trackSegments(events.map((s) => s.event)).segments };
}

/** The agents with segment events in the conversation: its pairs. */
export function agentsWithSegments(conversation: ConversationInputs): Set<number> {
  const agents = new Set<number>();
  for (const s of conversation.events) if (SEGMENT_RANKS.has(s.rank)) agents.add((s.event as { agentId: number }).agentId);
  return agents;
}

/** A pair with closed segments and the span they cover. */
export interface PairSpan {
  pair: Pair;
  from: number;
  to: number;
}

/** The span of the pair's closed segments, or undefined when it has none. */
export function pairSpan(pair: Pair, conversation: ConversationInputs): PairSpan | undefined {
  let from: number | undefined;
  let to: number | undefined;
  for (const s of conversation.segments) {
    if (s.agentId !== pair.agentId || s.end === null) continue;
    from ??= s.start;
    to = s.end;
  }
  return from === undefined || to === undefined ? undefined : { pair, from, to };
}

/** The range of an agent's events its spans need read: from `start` (see below) to `hi`. */
export function agentRange(spans: readonly PairSpan[]): { lo: number; hi: number } {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const s of spans) {
    lo = Math.min(lo, s.from);
    hi = Math.max(hi, s.to);
  }
  return { lo, hi };
}

/**
 * One agent's inputs for a chunk of its pairs. `events` must hold every event of the agent
 * in [start, hi] in the total order, where `start` is the time of its last focus or logout
 * before `lo` (or `lo` when it has none): then each pair finds its own last one in memory.
 */
export interface AgentInputs {
  events: StoredEvent[];
  /** its profile writes before `start`, in the total order */
  earlierProfileWrites: StoredEvent[];
  /** data-quality rows of ignored agent events (blurNotInFocus, offlineWithoutSession) in [start, hi] */
  ignored: ReadonlyArray<{ eventId: string; time: number }>;
}

/** The closed segments of one pair with their handle time, from the chunk's inputs. */
export function computePair(
  span: PairSpan,
  conversation: ConversationInputs,
  agent: AgentInputs,
  ignoredOfConversation: Iterable<string>,
  idleTimeoutMillis: number,
): SegmentHandleTime[] {
  const { pair, from, to } = span;
  let focusSince = from;
  for (const s of agent.events) {
    if (s.time >= from) break;
    if (FOCUS_RANKS.has(s.rank)) focusSince = s.time;
  }
  const picked: StoredEvent[] = [];
  for (const s of agent.earlierProfileWrites) if (s.time <= to) picked.push(s);
  for (const s of agent.events) {
    if (s.time > to) break;
    const inSpan = s.time >= from;
    const focusBefore = !inSpan && s.time >= focusSince && FOCUS_CHANGE_RANKS.has(s.rank);
    if (inSpan || focusBefore || PROFILE_RANKS.has(s.rank)) picked.push(s);
  }
  const ignoredEventIds = new Set<string>(ignoredOfConversation);
  for (const i of agent.ignored) if (i.time >= focusSince && i.time <= to) ignoredEventIds.add(i.eventId);
  const events = mergeSorted(conversation.events, picked);
  return computePairHandleTimes(pair.agentId, pair.conversationId, events, { idleTimeoutMillis }, { ignoredEventIds });
}

/** Two lists sorted in the total order, merged; an event in both is kept once. */
function mergeSorted(a: readonly StoredEvent[], b: readonly StoredEvent[]): WfmEvent[] {
  const out: WfmEvent[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as StoredEvent;
    const y = b[j] as StoredEvent;
    const order = compareStored(x, y);
    if (order <= 0) {
      out.push(x.event);
      i++;
      if (order === 0) j++;
    } else {
      out.push(y.event);
      j++;
    }
  }
  for (; i < a.length; i++) out.push((a[i] as StoredEvent).event);
  for (; j < b.length; j++) out.push((b[j] as StoredEvent).event);
  return out;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
