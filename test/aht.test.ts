import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { advanceAgentActivity, initialAgentActivityState } from '../src/domain/activity.js';
import type { HandleTimeUnit, SegmentHandleTime, UnitEndReason, UnitStartReason } from '../src/domain/aht.js';
import { computeAllHandleTimes, computePairHandleTimes, selectPairEvents } from '../src/domain/aht.js';
import type { AgentStatus, MessageSource, SegmentEndReason, WfmEvent } from '../src/domain/events.js';
import { agentOf, compareEvents, conversationOf } from '../src/domain/events.js';
import type { SegmentSpan } from '../src/domain/segments.js';
import { trackSegments } from '../src/domain/segments.js';

// ---------------------------------------------------------------------------------------------
// Builders

const DAY = Date.UTC(2026, 2, 30);
const MIN = 60_000;
/** '10:01' or '10:01:30' on the test day, in epoch ms */
function at(clock: string): number {
  const [h = 0, m = 0, s = 0] = clock.split(':').map(Number);
  return DAY + ((h * 60 + m) * 60 + s) * 1000;
}

let counter = 0;
const nextId = (): string => `ev-${String(++counter).padStart(5, '0')}`;

const A = 7;
const B = 8;
const C = 'conv-1';
const C2 = 'conv-2';

const ev = {
  login: (agentId: number, time: number, extra: Partial<{ employeeId: string; groupId: number }> = {}): WfmEvent => ({
    id: nextId(),
    type: 'agent.login',
    time,
    agentId,
    ...extra,
  }),
  logout: (agentId: number, time: number): WfmEvent => ({ id: nextId(), type: 'agent.logout', time, agentId }),
  status: (agentId: number, time: number, status: AgentStatus = 'ONLINE'): WfmEvent => ({
    id: nextId(),
    type: 'agent.status',
    time,
    agentId,
    status,
  }),
  profile: (agentId: number, time: number, fields: { employeeId?: string; groupId?: number }, id = nextId()): WfmEvent => ({
    id,
    type: 'agent.profile',
    time,
    agentId,
    ...fields,
  }),
  start: (conversationId: string, agentId: number, time: number, skillId = 1): WfmEvent => ({
    id: nextId(),
    type: 'segment.start',
    time,
    conversationId,
    agentId,
    skillId,
  }),
  end: (conversationId: string, agentId: number, time: number, endReason: SegmentEndReason = 'closedByAgent'): WfmEvent => ({
    id: nextId(),
    type: 'segment.end',
    time,
    conversationId,
    agentId,
    endReason,
  }),
  consumer: (conversationId: string, time: number): WfmEvent => ({ id: nextId(), type: 'message', time, conversationId, from: 'consumer' }),
  agent: (conversationId: string, agentId: number, time: number): WfmEvent => ({
    id: nextId(),
    type: 'message',
    time,
    conversationId,
    from: 'agent',
    agentId,
  }),
  bot: (conversationId: string, time: number): WfmEvent => ({ id: nextId(), type: 'message', time, conversationId, from: 'bot' }),
  focus: (agentId: number, conversationId: string, time: number): WfmEvent => ({
    id: nextId(),
    type: 'workspace.focus',
    time,
    agentId,
    conversationId,
  }),
  blur: (agentId: number, conversationId: string, time: number): WfmEvent => ({
    id: nextId(),
    type: 'workspace.blur',
    time,
    agentId,
    conversationId,
  }),
};

function sorted(events: readonly WfmEvent[]): WfmEvent[] {
  return [...events].sort(compareEvents);
}

function run(events: readonly WfmEvent[], idleTimeoutMillis = 0, agentId = A, conversationId = C): SegmentHandleTime[] {
  return computePairHandleTimes(agentId, conversationId, sorted(events), { idleTimeoutMillis });
}

/** The single segment of the run. */
function only(events: readonly WfmEvent[], idleTimeoutMillis = 0): SegmentHandleTime {
  const result = run(events, idleTimeoutMillis);
  assert.equal(result.length, 1, 'exactly one closed segment');
  return result[0] as SegmentHandleTime;
}

function unit(sequence: number, startReason: UnitStartReason, endReason: UnitEndReason, from: string, to: string): HandleTimeUnit {
  const startTimestamp = at(from);
  const endTimestamp = at(to);
  return { sequence, startReason, endReason, startTimestamp, endTimestamp, handleTimeMillis: endTimestamp - startTimestamp };
}

/** Units as compact tuples for readable assertions. */
function shape(s: SegmentHandleTime): string[] {
  const clock = (t: number): string => new Date(t).toISOString().slice(11, 19);
  return s.units.map((u) => `${u.sequence} ${u.startReason}@${clock(u.startTimestamp)}-${u.endReason}@${clock(u.endTimestamp)}`);
}

// ---------------------------------------------------------------------------------------------
// The worked examples of metrics.md §2

describe('metrics.md §2 worked examples', () => {
  it('example 1: focus, streak, blur, refocus (360000 / 900000)', () => {
    const start = ev.start(C, A, at('10:00'), 5);
    const result = run([
      ev.consumer(C, at('09:59')),
      start,
      ev.focus(A, C, at('10:01')),
      ev.agent(C, A, at('10:03')),
      ev.agent(C, A, at('10:05')),
      ev.blur(A, C, at('10:06')),
      ev.consumer(C, at('10:08')),
      ev.focus(A, C, at('10:10')),
      ev.agent(C, A, at('10:12')),
      ev.end(C, A, at('10:20'), 'closedByConsumer'),
    ]);
    assert.deepEqual(result, [
      {
        segmentId: `${C}:${A}:${at('10:00')}`,
        conversationId: C,
        agentId: A,
        skillId: 5,
        start: at('10:00'),
        end: at('10:20'),
        endReason: 'closedByConsumer',
        employeeId: '',
        groupId: -1,
        units: [
          unit(1, 'focus', 'agentMessage', '10:01', '10:03'),
          unit(2, 'agentMessage', 'agentMessage', '10:03', '10:05'),
          unit(3, 'focus', 'agentMessage', '10:10', '10:12'),
        ],
        totalHandleTimeMillis: 360000,
        inFocusTimeMillis: 900000,
      },
    ]);
  });

  it('example 2: idle timeout 300000 (420000 / 1740000)', () => {
    const s = only(
      [
        ev.consumer(C, at('09:59')),
        ev.start(C, A, at('10:00')),
        ev.focus(A, C, at('10:01')),
        ev.consumer(C, at('10:20')),
        ev.agent(C, A, at('10:22')),
        ev.end(C, A, at('10:30')),
      ],
      300000,
    );
    assert.deepEqual(s.units, [
      unit(1, 'focus', 'idleTimeout', '10:01', '10:06'),
      unit(2, 'consumerMessage', 'agentMessage', '10:20', '10:22'),
    ]);
    assert.equal(s.totalHandleTimeMillis, 420000);
    assert.equal(s.inFocusTimeMillis, 1740000);
  });
});

// ---------------------------------------------------------------------------------------------
// Targeted cases

describe('streaks', () => {
  it('a streak that began before the segment counts from s; one running past e counts up to e', () => {
    const s = only([
      ev.focus(A, C, at('09:57')),
      ev.agent(C, A, at('09:58')),
      ev.start(C, A, at('10:00')),
      ev.agent(C, A, at('10:02')),
      ev.agent(C, A, at('10:08')),
      ev.end(C, A, at('10:10')),
      ev.agent(C, A, at('10:15')),
    ]);
    assert.deepEqual(shape(s), [
      '1 segmentStart@10:00:00-agentMessage@10:02:00',
      '2 agentMessage@10:02:00-agentMessage@10:08:00',
      '3 agentMessage@10:08:00-segmentEnd@10:10:00',
    ]);
    assert.equal(s.totalHandleTimeMillis, 10 * MIN);
  });

  it('a consumer message after e breaks the look-ahead streak, so nothing counts after the last own message', () => {
    const s = only([
      ev.focus(A, C, at('09:57')),
      ev.start(C, A, at('10:00')),
      ev.agent(C, A, at('10:08')),
      ev.end(C, A, at('10:10')),
      ev.consumer(C, at('10:12')),
      ev.agent(C, A, at('10:15')),
    ]);
    assert.deepEqual(s.units, []);
    assert.equal(s.inFocusTimeMillis, 10 * MIN);
  });

  it('a consumer message inside a would-be streak: nothing until it, then a consumerMessage unit', () => {
    const s = only([
      ev.focus(A, C, at('09:57')),
      ev.start(C, A, at('10:00')),
      ev.agent(C, A, at('10:01')),
      ev.consumer(C, at('10:04')),
      ev.agent(C, A, at('10:06')),
      ev.end(C, A, at('10:10')),
    ]);
    assert.deepEqual(shape(s), ['1 consumerMessage@10:04:00-agentMessage@10:06:00']);
  });

  it("another agent's message does not break A's streak", () => {
    const s = only([
      ev.focus(A, C, at('09:57')),
      ev.start(C, A, at('10:00')),
      ev.agent(C, A, at('10:01')),
      ev.agent(C, B, at('10:02')),
      ev.agent(C, A, at('10:03')),
      ev.end(C, A, at('10:10')),
    ]);
    assert.deepEqual(shape(s), ['1 agentMessage@10:01:00-agentMessage@10:03:00']);
  });
});

describe('pending, focus and logout', () => {
  it("another agent's message clearing pending ends the unit with agentMessage", () => {
    const s = only([
      ev.consumer(C, at('09:59')),
      ev.focus(A, C, at('09:59:30')),
      ev.start(C, A, at('10:00')),
      ev.agent(C, B, at('10:04')),
      ev.consumer(C, at('10:06')),
      ev.end(C, A, at('10:10')),
    ]);
    assert.deepEqual(shape(s), ['1 segmentStart@10:00:00-agentMessage@10:04:00', '2 consumerMessage@10:06:00-segmentEnd@10:10:00']);
  });

  it('bot and system messages change neither pending nor anything else', () => {
    const system: WfmEvent = { id: nextId(), type: 'message', time: at('10:05'), conversationId: C, from: 'system' };
    const s = only([ev.focus(A, C, at('09:59')), ev.start(C, A, at('10:00')), ev.bot(C, at('10:02')), system, ev.end(C, A, at('10:10'))]);
    assert.deepEqual(s.units, []);
  });

  it('a logout ends the unit (logout); a new login does not restore focus; a new focus does', () => {
    const s = only([
      ev.login(A, at('09:00')),
      ev.consumer(C, at('09:59')),
      ev.focus(A, C, at('10:01')),
      ev.start(C, A, at('10:00')),
      ev.logout(A, at('10:05')),
      ev.login(A, at('10:06')),
      ev.focus(A, C, at('10:07')),
      ev.end(C, A, at('10:10')),
    ]);
    assert.deepEqual(shape(s), ['1 focus@10:01:00-logout@10:05:00', '2 focus@10:07:00-segmentEnd@10:10:00']);
    assert.equal(s.inFocusTimeMillis, 7 * MIN);
  });

  it('a logout without a session clears focus too; the segment survives the logout', () => {
    const s = only([
      ev.consumer(C, at('09:59')),
      ev.focus(A, C, at('09:59')),
      ev.start(C, A, at('10:00')),
      ev.logout(A, at('10:02')),
      ev.end(C, A, at('10:10')),
    ]);
    assert.deepEqual(shape(s), ['1 segmentStart@10:00:00-logout@10:02:00']);
    assert.equal(s.end, at('10:10'));
  });

  it('focusing another conversation ends the unit with blur; a blur of another conversation does nothing', () => {
    const s = only([
      ev.consumer(C, at('09:59')),
      ev.start(C, A, at('10:00')),
      ev.focus(A, C, at('10:01')),
      ev.blur(A, C2, at('10:02')),
      ev.focus(A, C2, at('10:03')),
      ev.focus(A, C, at('10:05')),
      ev.blur(A, C, at('10:06')),
      ev.end(C, A, at('10:10')),
    ]);
    assert.deepEqual(shape(s), ['1 focus@10:01:00-blur@10:03:00', '2 focus@10:05:00-blur@10:06:00']);
    assert.equal(s.inFocusTimeMillis, 3 * MIN);
  });

  it('0 ms units are not reported and take no sequence number', () => {
    const t = at('10:02');
    const s = only([
      ev.consumer(C, at('09:59')),
      ev.start(C, A, at('10:00')),
      ev.focus(A, C, t),
      ev.blur(A, C, t),
      ev.focus(A, C, at('10:04')),
      ev.end(C, A, at('10:05')),
    ]);
    assert.deepEqual(shape(s), ['1 focus@10:04:00-segmentEnd@10:05:00']);
  });
});

describe('idle timeout', () => {
  const T = 2 * MIN;

  it('a unit expires at L + timeout; the next activity restarts it with `activity`', () => {
    const s = only(
      [
        ev.focus(A, C, at('09:50')),
        ev.start(C, A, at('10:00')),
        ev.agent(C, A, at('10:01')),
        ev.agent(C, B, at('10:04')), // names C: activity; A's streak still holds
        ev.agent(C, A, at('10:10')),
        ev.end(C, A, at('10:12')),
      ],
      T,
    );
    assert.deepEqual(shape(s), ['1 agentMessage@10:01:00-idleTimeout@10:03:00', '2 activity@10:04:00-idleTimeout@10:06:00']);
    assert.equal(s.inFocusTimeMillis, 12 * MIN);
  });

  it('an event exactly at L + timeout comes too late: the unit ends and a new one starts at that instant', () => {
    const s = only(
      [
        ev.consumer(C, at('09:59')),
        ev.focus(A, C, at('09:59')),
        ev.start(C, A, at('10:00')),
        ev.status(A, at('10:02'), 'AWAY'),
        ev.end(C, A, at('10:03')),
      ],
      T,
    );
    assert.deepEqual(shape(s), ['1 segmentStart@10:00:00-idleTimeout@10:02:00', '2 activity@10:02:00-segmentEnd@10:03:00']);
  });

  it('an activity before the deadline keeps the unit running', () => {
    const s = only(
      [
        ev.consumer(C, at('09:59')),
        ev.focus(A, C, at('09:59')),
        ev.start(C, A, at('10:00')),
        ev.status(A, at('10:01:59')),
        ev.focus(A, C2, at('10:03')),
        ev.end(C, A, at('10:05')),
      ],
      T,
    );
    assert.deepEqual(shape(s), ['1 segmentStart@10:00:00-blur@10:03:00']);
  });

  it('restart reasons fit the event: focus, consumerMessage, agentMessage', () => {
    const s = only(
      [
        ev.consumer(C, at('09:59')),
        ev.focus(A, C, at('09:59')),
        ev.start(C, A, at('10:00')),
        ev.focus(A, C, at('10:05')), // already focused: fits `focus`
        ev.consumer(C, at('10:10')),
        ev.agent(C, A, at('10:15')),
        ev.agent(C, A, at('10:20')),
        ev.end(C, A, at('10:21')),
      ],
      T,
    );
    assert.deepEqual(shape(s), [
      '1 segmentStart@10:00:00-idleTimeout@10:02:00',
      '2 focus@10:05:00-idleTimeout@10:07:00',
      '3 consumerMessage@10:10:00-idleTimeout@10:12:00',
      '4 agentMessage@10:15:00-idleTimeout@10:17:00',
    ]);
  });

  it("another agent's focus on C after a timeout restarts with `activity`, not `focus`", () => {
    const s = only(
      [
        ev.consumer(C, at('09:59')),
        ev.focus(A, C, at('09:59')),
        ev.start(C, A, at('10:00')),
        ev.focus(B, C, at('10:05')),
        ev.end(C, A, at('10:06')),
      ],
      T,
    );
    assert.deepEqual(shape(s), ['1 segmentStart@10:00:00-idleTimeout@10:02:00', '2 activity@10:05:00-segmentEnd@10:06:00']);
  });

  it('ignored events, bot messages and events of others elsewhere are no activity', () => {
    const events = [
      ev.focus(A, C, at('09:50')),
      ev.start(C, A, at('10:00')),
      ev.agent(C, A, at('10:01')),
      ev.blur(A, C2, at('10:04')), // blurNotInFocus
      ev.bot(C, at('10:05')),
      ev.status(A, at('10:06'), 'OFFLINE'), // offlineWithoutSession
      ev.start(C, A, at('10:07')), // segmentStartWhileOpen
      ev.end(C, B, at('10:08')), // segmentEndWithoutStart (names C)
      ev.agent(C2, B, at('10:09')), // names neither A nor C
      ev.agent(C, A, at('10:10')),
      ev.end(C, A, at('10:12')),
    ];
    const s = only(events, T);
    assert.deepEqual(shape(s), ['1 agentMessage@10:01:00-idleTimeout@10:03:00']);
    assert.equal(s.start, at('10:00'));
  });

  it("another agent's blur of C is activity only when that agent was focused on C", () => {
    const base = [
      ev.focus(A, C, at('09:50')),
      ev.start(C, A, at('10:00')),
      ev.agent(C, A, at('10:01')),
      ev.focus(B, C, at('10:00:30')),
      ev.agent(C, A, at('10:10')),
      ev.end(C, A, at('10:12')),
    ];
    const valid = only([...base, ev.blur(B, C, at('10:05'))], T);
    assert.deepEqual(shape(valid), ['1 agentMessage@10:01:00-idleTimeout@10:03:00', '2 activity@10:05:00-idleTimeout@10:07:00']);
    // B moved to another conversation first (an event naming neither A nor C): the blur is ignored.
    const moved = [...base, ev.focus(B, C2, at('10:04')), ev.blur(B, C, at('10:05'))];
    assert.deepEqual(shape(only(moved, T)), ['1 agentMessage@10:01:00-idleTimeout@10:03:00']);
    assert.deepEqual(run(selectPairEvents(A, C, sorted(moved)), T), run(moved, T));
  });

  it('idleTimeoutMillis 0 turns the rule off', () => {
    const s = only([ev.consumer(C, at('09:59')), ev.focus(A, C, at('09:59')), ev.start(C, A, at('10:00')), ev.end(C, A, at('12:00'))]);
    assert.deepEqual(shape(s), ['1 segmentStart@10:00:00-segmentEnd@12:00:00']);
  });
});

describe('segments, profiles and ordering', () => {
  it('a second start while open and an end without start are ignored', () => {
    const result = run([
      ev.end(C, A, at('09:55')),
      ev.start(C, A, at('10:00')),
      ev.start(C, A, at('10:05')),
      ev.end(C, A, at('10:10')),
      ev.end(C, A, at('10:15')),
    ]);
    assert.deepEqual(
      result.map((s) => [s.segmentId, s.start, s.end]),
      [[`${C}:${A}:${at('10:00')}`, at('10:00'), at('10:10')]],
    );
  });

  it('open segments are not reported', () => {
    assert.deepEqual(run([ev.start(C, A, at('10:00')), ev.focus(A, C, at('10:01'))]), []);
  });

  it('employeeId and groupId are the profile as of e, including writes at e', () => {
    const e = at('10:10');
    const s = only([
      ev.login(A, at('09:00'), { employeeId: 'E1', groupId: 3 }),
      ev.start(C, A, at('10:00')),
      ev.profile(A, e, { employeeId: 'E2' }, 'p-b'),
      ev.profile(A, e, { employeeId: 'E3' }, 'p-a'), // ranked before p-b: p-b wins
      ev.end(C, A, e),
      ev.profile(A, at('10:11'), { groupId: 9 }),
    ]);
    assert.equal(s.employeeId, 'E2');
    assert.equal(s.groupId, 3);
  });

  it('several segments of one pair over time, each with its own units and profile', () => {
    const result = run([
      ev.profile(A, at('09:00'), { employeeId: 'E1' }),
      ev.consumer(C, at('09:59')),
      ev.focus(A, C, at('09:59')),
      ev.start(C, A, at('10:00'), 1),
      ev.agent(C, A, at('10:02')),
      ev.end(C, A, at('10:05'), 'agentTransfer'),
      ev.consumer(C, at('10:06')),
      ev.profile(A, at('10:15'), { employeeId: 'E2' }),
      ev.start(C, A, at('10:20'), 2),
      ev.agent(C, A, at('10:21')),
      ev.end(C, A, at('10:30')),
    ]);
    assert.deepEqual(
      result.map((s) => [s.skillId, s.endReason, s.employeeId, shape(s), s.inFocusTimeMillis]),
      [
        [1, 'agentTransfer', 'E1', ['1 segmentStart@10:00:00-agentMessage@10:02:00'], 5 * MIN],
        [2, 'closedByAgent', 'E2', ['1 segmentStart@10:20:00-agentMessage@10:21:00'], 10 * MIN],
      ],
    );
  });

  it('equal ms: a focus or consumer message at s comes after the start', () => {
    const focused = only([
      ev.consumer(C, at('09:59')),
      ev.start(C, A, at('10:00')),
      ev.focus(A, C, at('10:00')),
      ev.end(C, A, at('10:01')),
    ]);
    assert.deepEqual(shape(focused), ['1 focus@10:00:00-segmentEnd@10:01:00']);
    const pendingAtS = only([
      ev.focus(A, C, at('09:59')),
      ev.start(C, A, at('10:00')),
      ev.consumer(C, at('10:00')),
      ev.end(C, A, at('10:01')),
    ]);
    assert.deepEqual(shape(pendingAtS), ['1 consumerMessage@10:00:00-segmentEnd@10:01:00']);
  });

  it('equal ms: a message or blur at e is inside the segment; a logout at e comes after it', () => {
    const base = [ev.consumer(C, at('09:59')), ev.focus(A, C, at('09:59')), ev.start(C, A, at('10:00')), ev.end(C, A, at('10:01'))];
    assert.deepEqual(shape(only([...base, ev.agent(C, A, at('10:01'))])), ['1 segmentStart@10:00:00-agentMessage@10:01:00']);
    assert.deepEqual(shape(only([...base, ev.blur(A, C, at('10:01'))])), ['1 segmentStart@10:00:00-blur@10:01:00']);
    assert.deepEqual(shape(only([...base, ev.logout(A, at('10:01'))])), ['1 segmentStart@10:00:00-segmentEnd@10:01:00']);
  });

  it('events of unrelated agents and conversations change nothing', () => {
    const events = [ev.consumer(C, at('09:59')), ev.focus(A, C, at('09:59')), ev.start(C, A, at('10:00')), ev.end(C, A, at('10:10'))];
    const noise = [
      ev.focus(B, C2, at('10:01')),
      ev.logout(B, at('10:02')),
      ev.consumer(C2, at('10:03')),
      ev.agent(C2, B, at('10:04')),
      ev.start(C2, B, at('10:05')),
    ];
    assert.deepEqual(run([...events, ...noise], 60_000), run(events, 60_000));
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests on generated event streams

/** How often each kind is drawn: enough segments, messages and focus changes to make units. */
const KIND_WEIGHTS = {
  'segment.start': 3,
  'segment.end': 3,
  consumer: 3,
  agent: 4,
  bot: 1,
  'workspace.focus': 3,
  'workspace.blur': 2,
  'agent.login': 1,
  'agent.logout': 1,
  'agent.status': 1,
  'agent.profile': 1,
  'conversation.queued': 1,
} as const;
type Kind = keyof typeof KIND_WEIGHTS;
const KINDS = (Object.entries(KIND_WEIGHTS) as Array<[Kind, number]>).flatMap(([kind, weight]) => Array<Kind>(weight).fill(kind));
const STATUSES: AgentStatus[] = ['ONLINE', 'BACK_SOON', 'AWAY', 'OFFLINE'];

interface RawEvent {
  time: number;
  kind: Kind;
  agent: number;
  conv: number;
  variant: number;
}

const rawEventArb = (agents: number, convs: number): fc.Arbitrary<RawEvent> =>
  fc.record({
    time: fc.integer({ min: 0, max: 80 }),
    kind: fc.constantFrom(...KINDS),
    agent: fc.integer({ min: 1, max: agents }),
    conv: fc.integer({ min: 1, max: convs }),
    variant: fc.integer({ min: 0, max: 3 }),
  });

/** Schema-valid events (possibly inconsistent, as the spec allows) from raw draws. */
function buildEvent(r: RawEvent, id: string, agentOffset = 0): WfmEvent {
  const agentId = r.agent + agentOffset;
  const conversationId = `c${r.conv + agentOffset}`;
  const time = DAY + r.time;
  const from: MessageSource = 'consumer';
  switch (r.kind) {
    case 'segment.start':
      return { id, time, type: 'segment.start', conversationId, agentId, skillId: r.variant + 1 };
    case 'segment.end':
      return { id, time, type: 'segment.end', conversationId, agentId, endReason: r.variant % 2 ? 'closedByAgent' : 'agentTransfer' };
    case 'consumer':
      return { id, time, type: 'message', conversationId, from };
    case 'agent':
      return { id, time, type: 'message', conversationId, from: 'agent', agentId };
    case 'bot':
      return { id, time, type: 'message', conversationId, from: r.variant % 2 ? 'bot' : 'system' };
    case 'workspace.focus':
    case 'workspace.blur':
      return { id, time, type: r.kind, agentId, conversationId };
    case 'agent.login':
      return { id, time, type: 'agent.login', agentId, employeeId: `E${r.variant}` };
    case 'agent.logout':
      return { id, time, type: 'agent.logout', agentId };
    case 'agent.status':
      return { id, time, type: 'agent.status', agentId, status: STATUSES[r.variant] ?? 'ONLINE' };
    case 'agent.profile':
      return { id, time, type: 'agent.profile', agentId, groupId: r.variant };
    case 'conversation.queued':
      return { id, time, type: 'conversation.queued', conversationId, skillId: 1, reason: 'new' };
  }
}

const streamArb = (agentOffset = 0, prefix = 'g'): fc.Arbitrary<WfmEvent[]> =>
  fc
    .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))
    .chain(([agents, convs]) => fc.array(rawEventArb(agents, convs), { minLength: 5, maxLength: 60, size: 'max' }))
    .map((raws) => sorted(raws.map((r, i) => buildEvent(r, `${prefix}${String(i).padStart(3, '0')}`, agentOffset))));

const idleArb = fc.constantFrom(0, 0, 5, 20);
const FC = { numRuns: 300 };

/** Brute force, per millisecond: the state after every event at or before ms t, for t in [s, e). */
function oracle(events: readonly WfmEvent[], seg: SegmentSpan, idle: number): { total: number; inFocus: number } {
  const { agentId: a, conversationId: c } = seg;
  const ignored = new Set(trackSegments(events).ignoredEventIds);
  for (const agent of new Set(events.map(agentOf).filter((x) => x !== undefined))) {
    const own = events.filter((e) => agentOf(e) === agent);
    for (const i of advanceAgentActivity('x', agent, initialAgentActivityState(), own).issues) {
      if (i.kind === 'blurNotInFocus' || i.kind === 'offlineWithoutSession') ignored.add(i.eventId);
    }
  }
  const isActivity = (e: WfmEvent): boolean =>
    (agentOf(e) === a || conversationOf(e) === c) &&
    !ignored.has(e.id) &&
    !(e.type === 'message' && (e.from === 'bot' || e.from === 'system'));
  const talk = events.filter((e) => e.type === 'message' && e.conversationId === c && (e.from === 'consumer' || e.from === 'agent'));
  const ownOrConsumer = talk.filter((e) => e.type === 'message' && (e.from === 'consumer' || e.agentId === a));
  const isOwn = (e: WfmEvent | undefined): boolean => e !== undefined && e.type === 'message' && e.from === 'agent' && e.agentId === a;

  let total = 0;
  let inFocus = 0;
  for (let t = seg.start; t < (seg.end as number); t++) {
    let focus: string | null = null;
    for (const e of events) {
      if (e.time > t || agentOf(e) !== a) continue;
      if (e.type === 'workspace.focus') focus = e.conversationId;
      if (e.type === 'workspace.blur' && focus === e.conversationId) focus = null;
      if (e.type === 'agent.logout') focus = null;
    }
    const lastTalk = talk.filter((e) => e.time <= t).at(-1);
    const pending = lastTalk?.type === 'message' && lastTalk.from === 'consumer';
    const streak = isOwn(ownOrConsumer.filter((e) => e.time <= t).at(-1)) && isOwn(ownOrConsumer.find((e) => e.time > t));
    const lastActivity = Math.max(...events.filter((e) => e.time <= t && isActivity(e)).map((e) => e.time));
    const idleNow = idle > 0 && t >= lastActivity + idle;
    if (focus === c) inFocus++;
    if (focus === c && (pending || streak) && !idleNow) total++;
  }
  return { total, inFocus };
}

function pairsOf(events: readonly WfmEvent[]): Array<[number, string]> {
  const keys = new Set(events.flatMap((e) => (e.type === 'segment.start' ? [`${e.agentId}|${e.conversationId}`] : [])));
  return [...keys].map((k) => {
    const [agent, conv] = k.split('|');
    return [Number(agent), conv as string];
  });
}

describe('properties of generated streams', () => {
  it('units add up, nest inside [s, e], never overlap, are numbered in order and never 0 ms', () => {
    fc.assert(
      fc.property(streamArb(), idleArb, (events, idle) => {
        for (const s of computeAllHandleTimes(events, { idleTimeoutMillis: idle })) {
          assert.equal(
            s.totalHandleTimeMillis,
            s.units.reduce((sum, u) => sum + u.handleTimeMillis, 0),
          );
          assert.ok(s.totalHandleTimeMillis <= s.inFocusTimeMillis && s.inFocusTimeMillis <= s.end - s.start);
          let previousEnd = s.start;
          s.units.forEach((u, i) => {
            assert.equal(u.sequence, i + 1);
            assert.ok(u.startTimestamp >= previousEnd && u.endTimestamp <= s.end);
            assert.equal(u.handleTimeMillis, u.endTimestamp - u.startTimestamp);
            assert.ok(u.handleTimeMillis > 0);
            if (idle === 0) assert.ok(u.endReason !== 'idleTimeout' && u.startReason !== 'activity');
            previousEnd = u.endTimestamp;
          });
        }
      }),
      FC,
    );
  });

  it('totals and in-focus time match a per-millisecond brute force', () => {
    fc.assert(
      fc.property(streamArb(), idleArb, (events, idle) => {
        const results = computeAllHandleTimes(events, { idleTimeoutMillis: idle });
        const closed = trackSegments(events).segments.filter((s) => s.end !== null);
        assert.equal(results.length, closed.length);
        for (const seg of closed) {
          const got = results.find((r) => r.segmentId === seg.segmentId);
          assert.ok(got, seg.segmentId);
          assert.deepEqual({ total: got.totalHandleTimeMillis, inFocus: got.inFocusTimeMillis }, oracle(events, seg, idle));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('an idle timeout only ever removes handle time, never in-focus time', () => {
    fc.assert(
      fc.property(streamArb(), fc.integer({ min: 1, max: 30 }), (events, idle) => {
        const off = computeAllHandleTimes(events, { idleTimeoutMillis: 0 });
        const on = computeAllHandleTimes(events, { idleTimeoutMillis: idle });
        assert.deepEqual(
          on.map((s) => s.inFocusTimeMillis),
          off.map((s) => s.inFocusTimeMillis),
        );
        on.forEach((s, i) => {
          assert.ok(s.totalHandleTimeMillis <= (off[i] as SegmentHandleTime).totalHandleTimeMillis);
        });
      }),
      FC,
    );
  });

  it('any arrival order gives the same result', () => {
    const arb = streamArb().chain((events) =>
      fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }), idleArb),
    );
    fc.assert(
      fc.property(arb, ([events, shuffled, idle]) => {
        const settings = { idleTimeoutMillis: idle };
        assert.deepEqual(computeAllHandleTimes(shuffled, settings), computeAllHandleTimes(events, settings));
        for (const [a, c] of pairsOf(events)) {
          assert.deepEqual(computePairHandleTimes(a, c, sorted(shuffled), settings), computePairHandleTimes(a, c, events, settings));
        }
      }),
      FC,
    );
  });

  it('events of other agents and conversations change nothing', () => {
    fc.assert(
      fc.property(streamArb(), streamArb(10, 'u'), idleArb, (events, unrelated, idle) => {
        const settings = { idleTimeoutMillis: idle };
        const mixed = sorted([...events, ...unrelated]);
        for (const [a, c] of pairsOf(events)) {
          assert.deepEqual(computePairHandleTimes(a, c, mixed, settings), computePairHandleTimes(a, c, events, settings));
        }
        const ownOnly = computeAllHandleTimes(mixed, settings).filter((s) => s.agentId <= 3);
        assert.deepEqual(ownOnly, computeAllHandleTimes(events, settings));
      }),
      FC,
    );
  });

  it('the pair subset chosen by selectPairEvents gives the same result as the whole account', () => {
    fc.assert(
      fc.property(streamArb(), idleArb, (events, idle) => {
        const settings = { idleTimeoutMillis: idle };
        const all = computeAllHandleTimes(events, settings);
        for (const [a, c] of pairsOf(events)) {
          const whole = computePairHandleTimes(a, c, events, settings);
          assert.deepEqual(computePairHandleTimes(a, c, selectPairEvents(a, c, events), settings), whole);
          assert.deepEqual(
            whole,
            all.filter((s) => s.agentId === a && s.conversationId === c),
          );
        }
      }),
      FC,
    );
  });

  it('a duplicated events list gives the same result (repeats of an id count once)', () => {
    fc.assert(
      fc.property(streamArb(), idleArb, (events, idle) => {
        const settings = { idleTimeoutMillis: idle };
        const doubled = sorted([...events, ...events.map((e) => ({ ...e }))]);
        const deduped = [...new Map(doubled.map((e) => [e.id, e])).values()].sort(compareEvents);
        const expected = computeAllHandleTimes(events, settings);
        assert.deepEqual(computeAllHandleTimes(deduped, settings), expected);
        assert.deepEqual(computeAllHandleTimes(doubled, settings), expected);
        for (const [a, c] of pairsOf(events)) {
          assert.deepEqual(computePairHandleTimes(a, c, doubled, settings), computePairHandleTimes(a, c, events, settings));
        }
      }),
      FC,
    );
  });
});
