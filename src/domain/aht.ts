/**
 * Actual handle time (spec/metrics.md §2): handle-time units per closed agent segment.
 *
 * Pure and deterministic: the result is a function of the pair's events (in the total order of
 * spec/events.md) and the idle-timeout setting. One pass over the pair's events drives a small
 * state machine (focus of A, pending of C, A's streak, the idle clock, the open segment).
 */
import type { AgentActivityOutput } from './activity.js';
import { advanceAgentActivity, initialAgentActivityState } from './activity.js';
import type { ProfileFields, SegmentEndEvent, SegmentEndReason, SegmentStartEvent, WfmEvent } from './events.js';
import { agentOf, compareEvents, conversationOf, profileFieldsOf } from './events.js';
import { applyProfileWrites } from './profile.js';
import type { DataQualityKind, Profile } from './records.js';
import { DEFAULT_PROFILE } from './records.js';
import { segmentIdOf, trackSegments } from './segments.js';

export type UnitStartReason = 'segmentStart' | 'focus' | 'consumerMessage' | 'agentMessage' | 'activity';
export type UnitEndReason = 'agentMessage' | 'blur' | 'segmentEnd' | 'logout' | 'idleTimeout';

/** One handle-time unit (HTU): a span inside [s, e] with A's focus on C and (pending or streak). */
export interface HandleTimeUnit {
  sequence: number;
  startReason: UnitStartReason;
  endReason: UnitEndReason;
  startTimestamp: number;
  endTimestamp: number;
  handleTimeMillis: number;
}

/** One closed segment of agent A on conversation C with its handle time. */
export interface SegmentHandleTime {
  segmentId: string;
  conversationId: string;
  agentId: number;
  skillId: number;
  start: number;
  end: number;
  endReason: SegmentEndReason;
  /** the agent's profile as of the segment end (every write at or before `end`) */
  employeeId: string;
  groupId: number;
  units: HandleTimeUnit[];
  totalHandleTimeMillis: number;
  inFocusTimeMillis: number;
}

export interface AhtSettings {
  /** 0 = off */
  idleTimeoutMillis: number;
}

/**
 * The agent-level ignored events (`blurNotInFocus`, `offlineWithoutSession`) among the events
 * given, when the caller already knows them (a store keeps them as data-quality rows). Then
 * `events` need only hold the events naming A or C in the span of the pair's segments, plus
 * what sets A's focus before it and A's profile writes.
 */
export interface KnownIgnoredEvents {
  ignoredEventIds: ReadonlySet<string>;
}

/**
 * All CLOSED segments of one (agent, conversation) pair, in start order, with their units.
 *
 * `events` must be sorted in the total order (compareEvents) and contain every event naming the
 * agent (agentId) or the conversation (conversationId). One more thing is needed to be exact:
 * whether another agent's `workspace.blur` of C is ignored (`blurNotInFocus`, no activity)
 * depends on that agent's focus, so `events` must also hold the `workspace.focus`,
 * `workspace.blur` and `agent.logout` events of every agent that blurs C
 * ({@link selectPairEvents} picks exactly this set). Other events may be present and change
 * nothing; repeats of an id (adjacent once sorted) are applied once.
 *
 * @example
 * computePairHandleTimes(7, 'c1', [consumerMsg, start, focus, agentMsg, end], { idleTimeoutMillis: 0 })
 * // [{ segmentId: 'c1:7:…', units: [{ sequence: 1, startReason: 'focus', endReason: 'agentMessage', … }], … }]
 */
export function computePairHandleTimes(
  agentId: number,
  conversationId: string,
  events: readonly WfmEvent[],
  settings: AhtSettings,
  known?: KnownIgnoredEvents,
): SegmentHandleTime[] {
  const all = dedupeSorted(events);
  const pair: Pair = { agentId, conversationId };
  const pairEvents = all.filter((e) => namesPair(e, pair));
  const ignored = known
    ? new Set([...trackSegments(pairEvents).ignoredEventIds, ...known.ignoredEventIds])
    : ignoredEventIds(pair, all, pairEvents);
  const timeline = new PairTimeline(pair, settings.idleTimeoutMillis, {
    ignored,
    streakAfter: streakAfterOwnMessages(pair, pairEvents),
    profileWrites: profileWritesOf(agentId, pairEvents),
  });
  for (const e of pairEvents) timeline.step(e);
  return timeline.closed;
}

/**
 * The events {@link computePairHandleTimes} needs for one pair, picked from an account's
 * events (kept in the given order): those naming A or C, and the focus-changing events
 * (focus, blur, logout) of every agent that blurs C.
 *
 * @example selectPairEvents(7, 'c1', accountEvents)
 */
export function selectPairEvents(agentId: number, conversationId: string, events: readonly WfmEvent[]): WfmEvent[] {
  const pair: Pair = { agentId, conversationId };
  const blurring = blurringAgents(conversationId, events);
  return events.filter((e) => namesPair(e, pair) || (changesFocus(e) && blurring.has(e.agentId)));
}

/**
 * Every closed segment of an account, computed pair by pair (a reference rebuild and a test
 * helper). `events` may come in any order; the result is ordered by (start, conversationId by
 * byte, agentId).
 *
 * @example computeAllHandleTimes(accountEvents, { idleTimeoutMillis: 300000 }).length
 */
export function computeAllHandleTimes(events: readonly WfmEvent[], settings: AhtSettings): SegmentHandleTime[] {
  const sorted = dedupeSorted([...events].sort(compareEvents));
  const index = indexEvents(sorted);
  const results: SegmentHandleTime[] = [];
  for (const { agentId, conversationId } of pairsWithSegments(sorted)) {
    const subset = index.select(agentId, conversationId);
    results.push(...computePairHandleTimes(agentId, conversationId, subset, settings));
  }
  return results.sort(compareSegmentResults);
}

// ---------------------------------------------------------------------------------------------
// The per-pair state machine

interface Pair {
  agentId: number;
  conversationId: string;
}

interface TimelineInputs {
  /** events the spec ignores: they change no state and are no activity */
  ignored: ReadonlySet<string>;
  /** per message of A in C: does a streak run from it to A's next message in C? */
  streakAfter: ReadonlyMap<string, boolean>;
  /** A's profile writes in the total order */
  profileWrites: readonly ProfileWrite[];
}

interface ProfileWrite {
  time: number;
  writes: ProfileFields;
}

interface OpenSegment {
  start: SegmentStartEvent;
  units: HandleTimeUnit[];
  inFocusMillis: number;
  /** when A's focus last moved onto C within this segment (meaningful while focused on C) */
  focusSince: number;
}

interface OpenUnit {
  start: number;
  reason: UnitStartReason;
}

class PairTimeline {
  readonly closed: SegmentHandleTime[] = [];
  private focus: string | null = null;
  private pending = false;
  private streak = false;
  /** time of the latest activity event (L of the idle rule) */
  private lastActivity = Number.NEGATIVE_INFINITY;
  private segment: OpenSegment | null = null;
  private unit: OpenUnit | null = null;
  private profile: Profile = DEFAULT_PROFILE;
  private profileCursor = 0;

  constructor(
    private readonly pair: Pair,
    private readonly idleTimeoutMillis: number,
    private readonly inputs: TimelineInputs,
  ) {}

  /** Apply one event of the pair (in the total order). */
  step(e: WfmEvent): void {
    this.expireIdleUnit(e.time);
    if (this.isActivity(e)) this.lastActivity = e.time;
    // Every message of A in C ends the unit, even when the condition still holds after it.
    if (this.isOwnMessage(e)) this.endUnit(e.time, 'agentMessage');
    this.apply(e);
    const holds = this.conditionHolds(e.time);
    if (this.unit && !holds) this.endUnit(e.time, endReasonOf(e));
    else if (!this.unit && holds) this.unit = { start: e.time, reason: this.startReasonOf(e) };
  }

  /** The unit ends at L + timeout when no activity came before that instant. */
  private expireIdleUnit(now: number): void {
    if (this.unit && this.idleTimeoutMillis > 0 && now >= this.lastActivity + this.idleTimeoutMillis) {
      this.endUnit(this.lastActivity + this.idleTimeoutMillis, 'idleTimeout');
    }
  }

  private conditionHolds(now: number): boolean {
    const idle = this.idleTimeoutMillis > 0 && now >= this.lastActivity + this.idleTimeoutMillis;
    return this.segment !== null && this.focus === this.pair.conversationId && (this.pending || this.streak) && !idle;
  }

  private apply(e: WfmEvent): void {
    if (this.inputs.ignored.has(e.id)) return;
    switch (e.type) {
      case 'segment.start':
        if (this.isPairEvent(e)) this.openSegment(e);
        break;
      case 'segment.end':
        if (this.isPairEvent(e)) this.closeSegment(e);
        break;
      case 'workspace.focus':
        if (e.agentId === this.pair.agentId) this.setFocus(e.conversationId, e.time);
        break;
      case 'workspace.blur':
        if (e.agentId === this.pair.agentId && this.focus === e.conversationId) this.setFocus(null, e.time);
        break;
      case 'agent.logout':
        if (e.agentId === this.pair.agentId) this.setFocus(null, e.time);
        break;
      case 'message':
        if (e.conversationId === this.pair.conversationId) this.applyMessage(e);
        break;
      default:
        break;
    }
  }

  private applyMessage(e: WfmEvent & { type: 'message' }): void {
    // Bot and system messages change no state.
    if (e.from === 'consumer') this.pending = true;
    if (e.from === 'agent') this.pending = false;
    if (this.isOwnMessage(e)) this.streak = this.inputs.streakAfter.get(e.id) ?? false;
  }

  private setFocus(next: string | null, now: number): void {
    const c = this.pair.conversationId;
    if (this.segment && this.focus === c && next !== c) this.segment.inFocusMillis += now - this.segment.focusSince;
    if (this.segment && this.focus !== c && next === c) this.segment.focusSince = now;
    this.focus = next;
  }

  private openSegment(start: SegmentStartEvent): void {
    this.segment = { start, units: [], inFocusMillis: 0, focusSince: start.time };
  }

  private closeSegment(end: SegmentEndEvent): void {
    const seg = this.segment;
    if (!seg) return; // cannot happen: trackSegments ignores ends without an open segment
    this.endUnit(end.time, 'segmentEnd');
    if (this.focus === this.pair.conversationId) seg.inFocusMillis += end.time - seg.focusSince;
    const profile = this.profileAsOf(end.time);
    this.closed.push({
      segmentId: segmentIdOf(this.pair.conversationId, this.pair.agentId, seg.start.time),
      conversationId: this.pair.conversationId,
      agentId: this.pair.agentId,
      skillId: seg.start.skillId,
      start: seg.start.time,
      end: end.time,
      endReason: end.endReason,
      employeeId: profile.employeeId,
      groupId: profile.groupId,
      units: seg.units,
      totalHandleTimeMillis: seg.units.reduce((sum, u) => sum + u.handleTimeMillis, 0),
      inFocusTimeMillis: seg.inFocusMillis,
    });
    this.segment = null;
  }

  /** Close the open unit; a 0 ms unit is dropped and takes no sequence number. */
  private endUnit(end: number, reason: UnitEndReason): void {
    const unit = this.unit;
    this.unit = null;
    if (!unit || !this.segment || end <= unit.start) return;
    const units = this.segment.units;
    units.push({
      sequence: units.length + 1,
      startReason: unit.reason,
      endReason: reason,
      startTimestamp: unit.start,
      endTimestamp: end,
      handleTimeMillis: end - unit.start,
    });
  }

  /** Segments close in time order, so the profile only ever moves forward. */
  private profileAsOf(time: number): Profile {
    const writes = this.inputs.profileWrites;
    for (let w = writes[this.profileCursor]; w !== undefined && w.time <= time; w = writes[++this.profileCursor]) {
      this.profile = applyProfileWrites(this.profile, w.writes);
    }
    return this.profile;
  }

  /** The start reason that fits the event; `activity` only after an idle timeout. */
  private startReasonOf(e: WfmEvent): UnitStartReason {
    const { agentId, conversationId } = this.pair;
    if (e.type === 'segment.start' && this.isPairEvent(e)) return 'segmentStart';
    if (e.type === 'workspace.focus' && e.agentId === agentId && e.conversationId === conversationId) return 'focus';
    if (e.type === 'message' && e.from === 'consumer' && e.conversationId === conversationId) return 'consumerMessage';
    if (this.isOwnMessage(e)) return 'agentMessage';
    // e.g. another agent's message, or A's status change, after an idle timeout
    return 'activity';
  }

  private isActivity(e: WfmEvent): boolean {
    if (e.type === 'message' && (e.from === 'bot' || e.from === 'system')) return false;
    return !this.inputs.ignored.has(e.id) && namesPair(e, this.pair);
  }

  private isOwnMessage(e: WfmEvent): boolean {
    return isOwnMessage(e, this.pair);
  }

  private isPairEvent(e: SegmentStartEvent | SegmentEndEvent): boolean {
    return e.agentId === this.pair.agentId && e.conversationId === this.pair.conversationId;
  }
}

/** Only these events can make the condition stop holding (idle and segment end aside). */
function endReasonOf(e: WfmEvent): UnitEndReason {
  switch (e.type) {
    case 'message':
      return 'agentMessage'; // another agent's message clearing pending
    case 'workspace.focus':
    case 'workspace.blur':
      return 'blur';
    case 'agent.logout':
      return 'logout';
    case 'segment.end':
      return 'segmentEnd';
    default:
      throw new Error(`internal: a ${e.type} event cannot end a handle-time unit`);
  }
}

// ---------------------------------------------------------------------------------------------
// Pre-computation over the pair's events

function namesPair(e: WfmEvent, pair: Pair): boolean {
  return agentOf(e) === pair.agentId || conversationOf(e) === pair.conversationId;
}

function isOwnMessage(e: WfmEvent, pair: Pair): boolean {
  return e.type === 'message' && e.from === 'agent' && e.agentId === pair.agentId && e.conversationId === pair.conversationId;
}

function changesFocus(e: WfmEvent): e is WfmEvent & { type: 'workspace.focus' | 'workspace.blur' | 'agent.logout' } {
  return e.type === 'workspace.focus' || e.type === 'workspace.blur' || e.type === 'agent.logout';
}

function blurringAgents(conversationId: string, events: readonly WfmEvent[]): Set<number> {
  const agents = new Set<number>();
  for (const e of events) if (e.type === 'workspace.blur' && e.conversationId === conversationId) agents.add(e.agentId);
  return agents;
}

/** A sorted list holds repeats of an id next to each other; keep the first. */
function dedupeSorted(events: readonly WfmEvent[]): WfmEvent[] {
  const out: WfmEvent[] = [];
  for (const e of events) if (out.at(-1)?.id !== e.id) out.push(e);
  return out;
}

const IGNORED_AGENT_ISSUES: ReadonlySet<DataQualityKind> = new Set(['blurNotInFocus', 'offlineWithoutSession']);

/**
 * The ignored events that could name A or C: segment events by the segment rules (the pair
 * events hold every segment event of A and of C), and A's or a C-blurring agent's events by
 * the agent state machine, the same code that lists them as data-quality cases.
 */
function ignoredEventIds(pair: Pair, all: readonly WfmEvent[], pairEvents: readonly WfmEvent[]): Set<string> {
  const ignored = new Set(trackSegments(pairEvents).ignoredEventIds);
  const agents = blurringAgents(pair.conversationId, pairEvents).add(pair.agentId);
  for (const agentId of agents) {
    const own = all.filter((e) => agentOf(e) === agentId);
    // The account id only feeds derived session ids, which play no part here.
    const out: AgentActivityOutput = advanceAgentActivity('', agentId, initialAgentActivityState(), own);
    for (const issue of out.issues) if (IGNORED_AGENT_ISSUES.has(issue.kind)) ignored.add(issue.eventId);
  }
  return ignored;
}

/**
 * Look-ahead for streaks, walking C's messages backwards: a streak follows a message of A when
 * A's next message in C comes with no consumer message in between (wherever the segment ends).
 */
function streakAfterOwnMessages(pair: Pair, pairEvents: readonly WfmEvent[]): Map<string, boolean> {
  const streakAfter = new Map<string, boolean>();
  let ownNextWithoutConsumer = false;
  for (let i = pairEvents.length - 1; i >= 0; i--) {
    const e = pairEvents[i] as WfmEvent;
    if (e.type !== 'message' || e.conversationId !== pair.conversationId) continue;
    if (e.from === 'consumer') ownNextWithoutConsumer = false;
    if (isOwnMessage(e, pair)) {
      streakAfter.set(e.id, ownNextWithoutConsumer);
      ownNextWithoutConsumer = true;
    }
  }
  return streakAfter;
}

function profileWritesOf(agentId: number, pairEvents: readonly WfmEvent[]): ProfileWrite[] {
  const writes: ProfileWrite[] = [];
  for (const e of pairEvents) {
    const fields = agentOf(e) === agentId ? profileFieldsOf(e) : undefined;
    if (fields) writes.push({ time: e.time, writes: fields });
  }
  return writes;
}

// ---------------------------------------------------------------------------------------------
// Account-wide helpers for computeAllHandleTimes

function pairsWithSegments(events: readonly WfmEvent[]): Pair[] {
  const seen = new Map<string, Pair>();
  for (const e of events) {
    if (e.type !== 'segment.start') continue;
    const key = `${e.agentId}\u0000${e.conversationId}`;
    if (!seen.has(key)) seen.set(key, { agentId: e.agentId, conversationId: e.conversationId });
  }
  return [...seen.values()];
}

/** Per-agent and per-conversation lists, so each pair's subset costs its own size, not the account's. */
function indexEvents(sorted: readonly WfmEvent[]): { select(agentId: number, conversationId: string): WfmEvent[] } {
  const byAgent = new Map<number, WfmEvent[]>();
  const byConversation = new Map<string, WfmEvent[]>();
  const push = <K>(map: Map<K, WfmEvent[]>, key: K | undefined, e: WfmEvent): void => {
    if (key === undefined) return;
    const list = map.get(key);
    if (list) list.push(e);
    else map.set(key, [e]);
  };
  for (const e of sorted) {
    push(byAgent, agentOf(e), e);
    push(byConversation, conversationOf(e), e);
  }
  return {
    select(agentId, conversationId) {
      const ofConversation = byConversation.get(conversationId) ?? [];
      const others = [...blurringAgents(conversationId, ofConversation)].filter((a) => a !== agentId);
      const focusOfOthers = others.flatMap((a) => (byAgent.get(a) ?? []).filter(changesFocus));
      const merged = [...(byAgent.get(agentId) ?? []), ...ofConversation, ...focusOfOthers];
      return dedupeSorted(merged.sort(compareEvents));
    },
  };
}

function compareSegmentResults(a: SegmentHandleTime, b: SegmentHandleTime): number {
  if (a.start !== b.start) return a.start - b.start;
  if (a.conversationId !== b.conversationId) return a.conversationId < b.conversationId ? -1 : 1;
  return a.agentId - b.agentId;
}
