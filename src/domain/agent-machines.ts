import type { AgentActivityState, SessionSpan } from './activity.js';
import { advanceAgentActivity, initialAgentActivityState } from './activity.js';
import type { AgentWorkloadState, WorkloadProfileWrite } from './agent-workload.js';
import { advanceAgentWorkload, initialAgentWorkloadState } from './agent-workload.js';
import type { WfmEvent } from './events.js';
import type { ActivityRecord, DataQualityItem } from './records.js';
import type { CountedMessage, SegmentSpan } from './segments.js';

/** Both per-agent machines' states: the activity machine's and the workload machine's. */
export interface AgentMachineState {
  activity: AgentActivityState;
  workload: AgentWorkloadState;
}

export function initialAgentMachineState(): AgentMachineState {
  return { activity: initialAgentActivityState(), workload: initialAgentWorkloadState() };
}

/**
 * Both machines' state before the first event of millisecond `time`, a millisecond that opens
 * with a login (a session start). It stays exact while no event earlier than `time` arrives, so
 * a late event at or after `time` can restart both machines there instead of at the agent's
 * first event.
 */
export interface AgentCheckpoint {
  time: number;
  state: AgentMachineState;
}

/**
 * One agent's two machines fed in order, with what they produced since the start state: both
 * machines advance in runs cut where a millisecond opens with a login, and the state at each cut
 * is kept as a checkpoint. Cutting between milliseconds changes no output (a profile "as of t"
 * sees every write at t, and all of t's events fall in one run), so the outputs equal one
 * advance over all the events.
 *
 * @example
 * const m = new AgentMachines('acme', 7, initialAgentMachineState());
 * m.feed([login, status, logout, login2]);
 * m.checkpoints.map((c) => c.time) // [login.time, login2.time]
 */
export class AgentMachines {
  private readonly out = {
    records: [] as ActivityRecord[],
    issues: [] as DataQualityItem[],
    sessions: [] as SessionSpan[],
    countedMessages: [] as CountedMessage[],
    profileWrites: [] as WorkloadProfileWrite[],
    checkpoints: [] as AgentCheckpoint[],
    /** by id: the latest version of each */
    segments: new Map<string, SegmentSpan>(),
  };
  private state: AgentMachineState;
  /** where in `sessions` the session open after the last run is */
  private openSession: number | null = null;
  private run: WfmEvent[] = [];
  private lastTime: number;

  constructor(
    private readonly accountId: string,
    private readonly agentId: number,
    start: AgentMachineState,
  ) {
    this.state = start;
    this.lastTime = start.activity.lastKey?.time ?? Number.NEGATIVE_INFINITY;
  }

  /** Feeds events sorted in the total order, all after every event fed or applied before. */
  feed(events: readonly WfmEvent[]): void {
    for (const e of events) {
      // A login sorts first in its millisecond: when it opens a new one, the state before it is a checkpoint.
      if (e.type === 'agent.login' && e.time > this.lastTime) {
        this.advance();
        this.out.checkpoints.push({ time: e.time, state: this.state });
      }
      this.run.push(e);
      this.lastTime = e.time;
    }
  }

  // What the machines produced from every event fed (each getter first applies the pending run).

  /** The state after every event fed. */
  get current(): AgentMachineState {
    this.advance();
    return this.state;
  }

  get records(): ActivityRecord[] {
    this.advance();
    return this.out.records;
  }

  get issues(): DataQualityItem[] {
    this.advance();
    return this.out.issues;
  }

  /** Sessions open at the start or opened since, in order (the last may still be open). */
  get sessions(): SessionSpan[] {
    this.advance();
    return this.out.sessions;
  }

  /** Segments opened or closed since the start state (those still open have end null). */
  get segments(): SegmentSpan[] {
    this.advance();
    return [...this.out.segments.values()];
  }

  get countedMessages(): CountedMessage[] {
    this.advance();
    return this.out.countedMessages;
  }

  get profileWrites(): WorkloadProfileWrite[] {
    this.advance();
    return this.out.profileWrites;
  }

  /** The state before each millisecond fed that opens with a login, in time order. */
  get checkpoints(): AgentCheckpoint[] {
    return this.out.checkpoints;
  }

  private advance(): void {
    if (this.run.length === 0) return;
    const before = this.state;
    const activity = advanceAgentActivity(this.accountId, this.agentId, before.activity, this.run);
    const workload = advanceAgentWorkload(this.agentId, before.workload, this.run);
    this.run = [];
    const out = this.out;
    out.records.push(...activity.records);
    out.issues.push(...activity.issues, ...workload.issues);
    // A session carried in from the previous run comes first: it updates its own entry.
    let first = 0;
    if (before.activity.session !== null && this.openSession !== null) {
      out.sessions[this.openSession] = activity.sessions[0] as SessionSpan;
      first = 1;
    }
    for (let i = first; i < activity.sessions.length; i++) out.sessions.push(activity.sessions[i] as SessionSpan);
    this.openSession = activity.state.session === null ? null : out.sessions.length - 1;
    for (const s of workload.segments) out.segments.set(s.segmentId, s);
    out.countedMessages.push(...workload.countedMessages);
    out.profileWrites.push(...workload.profileWrites);
    this.state = { activity: activity.state, workload: workload.state };
  }
}

/**
 * Whether two states make both machines answer every later event alike: equal in all but the
 * last event's key (which only tells what counts as late).
 *
 * @example sameMachineState(restarted.current, storedCheckpoint.state)
 */
export function sameMachineState(a: AgentMachineState, b: AgentMachineState): boolean {
  const essence = (s: AgentMachineState) => canonicalJson({ ...s, activity: { ...s.activity, lastKey: null } });
  return essence(a) === essence(b);
}

/** JSON with object keys sorted (undefined members dropped), so equal values give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
