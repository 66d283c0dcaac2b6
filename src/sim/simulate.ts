/**
 * `wfm simulate`: a deterministic, realistic messaging contact-center span as events
 * (spec/events.md). A discrete-event simulation: agents work shifts (login, breaks, lunch,
 * training, back-soon episodes, logout), conversations arrive per skill as a Poisson process
 * shaped by the hour of day, wait in a per-skill queue, are routed to the least loaded free
 * agent, and run as a dialogue of consumer and agent messages with focus changes, until a
 * close, a transfer or a return to queue.
 *
 * Every internal step is an action in a priority queue keyed by (time, type rank of the event
 * it emits, schedule sequence); an action only ever schedules actions at or after its own key,
 * and event ids are numbered in emission order with a fixed width, so the output comes out in
 * the total order of events.md with bounded memory (the queue holds a few actions per agent
 * and per live conversation).
 */

import {
  type AgentLoginEvent,
  type AgentProfileEvent,
  type AgentStatus,
  type AgentStatusEvent,
  type MessageEvent,
  type QueueReason,
  type SegmentEndReason,
  TYPE_RANK,
  type WfmEvent,
} from '../domain/events.js';

export interface SimulateOptions {
  /** same seed + options → byte-identical output */
  seed: number;
  /** roster size, e.g. 40; agent ids are 1..agents */
  agents: number;
  /** length of the simulated span in hours, e.g. 24 */
  hours: number;
  /** epoch ms of the first instant (e.g. midnight UTC of a day) */
  start: number;
  /** number of skills, default 4 (skill ids 1..skills) */
  skills?: number;
}

const SEC = 1_000;
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Relative arrival intensity per UTC hour of day: quiet night, peaks at 10–11 and 15. */
const HOURLY_DEMAND: readonly number[] = [
  0.1, 0.07, 0.05, 0.04, 0.04, 0.06, 0.14, 0.32, 0.58, 0.84, 1.0, 1.0, 0.84, 0.78, 0.9, 0.96, 0.88, 0.72, 0.56, 0.44, 0.34, 0.26, 0.2, 0.14,
];

/** Shift templates: start (minutes after midnight UTC), weight. The 22:00 shift spans midnight. */
const SHIFT_STARTS: readonly (readonly [number, number])[] = [
  [0 * 60, 2],
  [4 * 60, 3],
  [6 * 60, 4],
  [7 * 60, 9],
  [8 * 60, 14],
  [9 * 60, 15],
  [10 * 60, 11],
  [11 * 60, 5],
  [12 * 60, 3],
  [13 * 60, 5],
  [14 * 60, 8],
  [15 * 60, 8],
  [16 * 60, 5],
  [18 * 60, 3],
  [20 * 60, 1],
  [22 * 60, 4],
];

/** New conversations per roster agent per day (gives ~60 % slot occupancy at the morning peak). */
const CONVERSATIONS_PER_AGENT_DAY = 30;

const FIRST_NAMES = [
  'Ana',
  'Ben',
  'Chloe',
  'David',
  'Elena',
  'Farid',
  'Grace',
  'Hiro',
  'Ines',
  'Jonas',
  'Kofi',
  'Lena',
  'Mateo',
  'Nadia',
  'Omar',
  'Priya',
  'Quinn',
  'Rosa',
  'Sven',
  'Tara',
  'Umar',
  'Vera',
  'Wei',
  'Yara',
  'Zoe',
] as const;
const LAST_NAMES = [
  'Adams',
  'Bauer',
  'Costa',
  'Dubois',
  'Evans',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ito',
  'Jensen',
  'Kowalski',
  'Lopez',
  'Moreau',
  'Nakamura',
  'Okafor',
  'Petrov',
  'Rossi',
  'Silva',
  'Tanaka',
  'Urbina',
  'Varga',
  'Weber',
  'Young',
  'Zhang',
] as const;

const REASON_LUNCH = [1, 'Lunch'] as const;
const REASON_BREAK = [2, 'Break'] as const;
const REASON_TRAINING = [3, 'Training'] as const;
const REASON_MEETING = [4, 'Meeting'] as const;
const REASON_PERSONAL = [5, 'Personal'] as const;
const REASON_COACHING = [6, 'Coaching'] as const;

// ---------------------------------------------------------------------------------------------
// PRNG: mulberry32 over a 32-bit state derived from the seed (FNV-1a of its decimal form, so
// every distinct number is a distinct stream apart from 32-bit hash collisions).

class Rng {
  private s: number;
  constructor(seed: number) {
    const text = String(seed);
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    this.s = h | 0;
  }
  /** uniform in [0, 1) */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** integer in [a, b] */
  int(a: number, b: number): number {
    return a + Math.floor(this.next() * (b - a + 1));
  }
  /** integer milliseconds in [a, b) */
  ms(a: number, b: number): number {
    return Math.floor(a + (b - a) * this.next());
  }
  /** integer milliseconds in [a, b), skewed towards a: the uniform squared (mean a + (b − a)/3) */
  skewed(a: number, b: number): number {
    const u = this.next();
    return Math.floor(a + (b - a) * u * u);
  }
  /** integer milliseconds in [a, b), mildly skewed towards a: u^1.5 (mean a + (b − a)·0.4) */
  mild(a: number, b: number): number {
    const u = this.next();
    return Math.floor(a + (b - a) * u * Math.sqrt(u));
  }
  /** exponential with the given mean */
  exp(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
}

// ---------------------------------------------------------------------------------------------
// Model state

const Kind = {
  Login: 0,
  Profile: 1,
  Plan: 2,
  BackSoonEnd: 3,
  GoAway: 4,
  Return: 5,
  LogoutSeq: 6,
  Arrival: 7,
  Requeue: 8,
  Route: 9,
  Focus: 10,
  AgentMessage: 11,
  AgentMessageAfterLogout: 12,
  ConsumerMessage: 13,
  WaitingMessage: 14,
  BotMessage: 15,
  SystemMessage: 16,
  Abandon: 17,
  Blur: 18,
  BlurOnClose: 19,
  SegmentEnd: 20,
  DrainTimeout: 21,
  Logout: 22,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];

const R_LOGIN = TYPE_RANK['agent.login'];
const R_PROFILE = TYPE_RANK['agent.profile'];
const R_STATUS = TYPE_RANK['agent.status'];
const R_QUEUED = TYPE_RANK['conversation.queued'];
const R_START = TYPE_RANK['segment.start'];
const R_FOCUS = TYPE_RANK['workspace.focus'];
const R_MESSAGE = TYPE_RANK.message;
const R_BLUR = TYPE_RANK['workspace.blur'];
const R_END = TYPE_RANK['segment.end'];
const R_LOGOUT = TYPE_RANK['agent.logout'];

class Action {
  constructor(
    /** time · 16 + rank */
    readonly k: number,
    /** schedule sequence: the tie-breaker */
    readonly q: number,
    readonly kind: Kind,
    readonly agent: Agent | null,
    readonly conv: Conv | null,
    readonly epoch: number,
    readonly x: number,
  ) {}
}

class Heap {
  private readonly a: Action[] = [];
  get size(): number {
    return this.a.length;
  }
  push(v: Action): void {
    const a = this.a;
    let i = a.length;
    a.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pv = a[p] as Action;
      if (pv.k < v.k || (pv.k === v.k && pv.q < v.q)) break;
      a[i] = pv;
      i = p;
    }
    a[i] = v;
  }
  pop(): Action | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    const n = a.length;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let cv = a[c] as Action;
      const r = c + 1;
      if (r < n) {
        const rv = a[r] as Action;
        if (rv.k < cv.k || (rv.k === cv.k && rv.q < cv.q)) {
          c = r;
          cv = rv;
        }
      }
      if (last.k < cv.k || (last.k === cv.k && last.q < cv.q)) break;
      a[i] = cv;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

const Mode = {
  Work: 0,
  /** BACK_SOON while finishing conversations before a break */
  DrainBreak: 1,
  /** BACK_SOON while finishing conversations before the end of the shift */
  DrainEnd: 2,
  /** drained: AWAY or logout is scheduled */
  Leaving: 3,
  Away: 4,
} as const;
type Mode = (typeof Mode)[keyof typeof Mode];

const PlanKind = {
  Away: 0,
  BackSoon: 1,
  End: 2,
} as const;
type PlanKind = (typeof PlanKind)[keyof typeof PlanKind];

interface PlanItem {
  t: number;
  kind: PlanKind;
  dur: number;
  reason: readonly [number, string] | null;
}

class Agent {
  employeeId: string;
  loginName: string;
  userName: string;
  groupId: number;
  maxSlots: number;
  skills: number[];
  readonly hasSkill: Uint8Array;
  readonly availPos: Int32Array;

  loggedIn = false;
  status: AgentStatus = 'OFFLINE';
  mode: Mode = Mode.Work;
  /** conversations whose segment this agent holds */
  readonly open: Conv[] = [];
  /** conversations waiting for this agent's reply, in order */
  tasks: Conv[] = [];
  /** the conversation the agent is replying to (focused / typing) */
  current: Conv | null = null;
  busy = false;
  focus: Conv | null = null;
  taskEpoch = 0;
  drainEpoch = 0;

  // shifts
  readonly shiftStartMin: number;
  readonly shiftLen: number;
  day = -2;
  nextLogin = 0;
  shiftStart = 0;
  shiftEnd = 0;
  plan: PlanItem[] = [];
  planIdx = 0;
  awayItem: PlanItem | null = null;
  sessions = 0;

  constructor(
    readonly id: number,
    rng: Rng,
    nSkills: number,
    nGroups: number,
    shiftStartMin: number,
  ) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    this.employeeId = `E${1000 + id}`;
    this.loginName = `${first.toLowerCase()}.${last.toLowerCase()}${id}`;
    this.userName = `${first} ${last}`;
    this.groupId = 1 + (Math.floor((id - 1) / 10) % nGroups);
    const r = rng.next();
    this.maxSlots = r < 0.1 ? 1 : r < 0.5 ? 2 : r < 0.9 ? 3 : 4;
    const primary = ((id - 1) % nSkills) + 1;
    const skills = [primary];
    const extra = rng.next();
    const want = Math.min(nSkills, extra < 0.45 ? 1 : extra < 0.85 ? 2 : 3);
    while (skills.length < want) {
      const s = rng.int(1, nSkills);
      if (!skills.includes(s)) skills.push(s);
    }
    this.skills = skills.sort((a, b) => a - b);
    this.hasSkill = new Uint8Array(nSkills + 1);
    for (const s of this.skills) this.hasSkill[s] = 1;
    this.availPos = new Int32Array(nSkills + 1).fill(-1);
    this.shiftStartMin = shiftStartMin + rng.pick([0, 0, 0, 15, 30, 45]);
    const len = rng.next();
    this.shiftLen = (len < 0.82 ? 8 : len < 0.94 ? 6 : 10) * HOUR;
  }

  setSkills(skills: number[]): void {
    this.hasSkill.fill(0);
    this.skills = skills;
    for (const s of skills) this.hasSkill[s] = 1;
  }
}

const CState = {
  Queued: 0,
  Active: 1,
  /** between a transfer's segment.end and its conversation.queued */
  Transferring: 2,
  Closed: 3,
  Abandoned: 4,
} as const;
type CState = (typeof CState)[keyof typeof CState];

class Conv {
  state: CState = CState.Queued;
  epoch = 0;
  agent: Agent | null = null;
  excluded: Agent | null = null;
  /** consumer replies still to come in this segment */
  rounds = 0;
  consumerScheduled = false;
  ending = false;
  endReason: SegmentEndReason = 'closedByConsumer';
  requeueReason: QueueReason = 'transfer';
  nextSkill = 0;
  transfers = 0;
  orphan = false;
  /** the routing engine offers the conversation to agents from this instant on */
  readyAt = 0;
  constructor(
    readonly id: string,
    public skill: number,
  ) {}
}

/** FIFO of waiting conversations for one skill; stale entries are skipped. */
class ConvQueue {
  private items: Conv[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(c: Conv): void {
    this.items.push(c);
  }
  peek(): Conv | undefined {
    return this.items[this.head];
  }
  shift(): void {
    this.head++;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

// ---------------------------------------------------------------------------------------------

function validate(o: SimulateOptions): Required<SimulateOptions> {
  const skills = o.skills ?? 4;
  if (!Number.isFinite(o.seed)) throw new RangeError('seed must be a finite number');
  if (!Number.isSafeInteger(o.agents) || o.agents < 0) throw new RangeError('agents must be an integer ≥ 0');
  if (!Number.isFinite(o.hours) || o.hours < 0) throw new RangeError('hours must be a finite number ≥ 0');
  if (!Number.isSafeInteger(o.start) || o.start < 0) throw new RangeError('start must be epoch milliseconds ≥ 0');
  if (!Number.isSafeInteger(skills) || skills < 1 || skills > 10_000) throw new RangeError('skills must be an integer in 1..10000');
  if (o.agents > 9_999_999) throw new RangeError('agents must be below 10,000,000');
  return { seed: o.seed, agents: o.agents, hours: o.hours, start: o.start, skills };
}

class Sim {
  private readonly rng: Rng;
  private readonly tag: string;
  private readonly idPrefix: string;
  private readonly start: number;
  private readonly end: number;
  private readonly dayBase: number;
  private readonly nSkills: number;
  private readonly nGroups: number;
  private readonly heap = new Heap();
  private seq = 0;
  private eventSeq = 0;
  private convSeq = 0;
  private now = 0;
  private curKey = -1;
  private readonly agents: Agent[] = [];
  private readonly avail: Agent[][] = [];
  private readonly waiting: ConvQueue[] = [];
  private readonly routeAt: number[] = [];
  /** arrivals per ms per skill at HOURLY_DEMAND 1.0 */
  private readonly rate: number[] = [];
  /** events emitted by the current action */
  readonly out: WfmEvent[] = [];

  constructor(options: SimulateOptions) {
    const o = validate(options);
    this.rng = new Rng(o.seed);
    this.tag = String(o.seed);
    this.idPrefix = `sim-${this.tag}-`;
    this.start = o.start;
    this.end = o.start + Math.floor(o.hours * HOUR);
    this.dayBase = o.start - (o.start % DAY);
    this.nSkills = o.skills;
    this.nGroups = Math.max(1, Math.ceil(o.agents / 10));
    for (let s = 0; s <= this.nSkills; s++) {
      this.avail.push([]);
      this.waiting.push(new ConvQueue());
      this.routeAt.push(-1);
    }
    const share = new Array<number>(this.nSkills + 1).fill(0);
    // shift templates by stratified sampling (so even a small roster follows the mix), shuffled
    let total = 0;
    for (const [, w] of SHIFT_STARTS) total += w;
    const starts: number[] = [];
    for (let i = 0; i < o.agents; i++) {
      let u = ((i + this.rng.next()) / o.agents) * total;
      let m = 0;
      for (const [start, w] of SHIFT_STARTS) {
        m = start;
        u -= w;
        if (u < 0) break;
      }
      starts.push(m);
    }
    for (let i = starts.length - 1; i > 0; i--) {
      const j = Math.floor(this.rng.next() * (i + 1));
      const t = starts[i] as number;
      starts[i] = starts[j] as number;
      starts[j] = t;
    }
    for (let id = 1; id <= o.agents; id++) {
      const a = new Agent(id, this.rng, this.nSkills, this.nGroups, starts[id - 1] ?? 0);
      this.agents.push(a);
      for (const s of a.skills) share[s] = (share[s] ?? 0) + 1 / a.skills.length;
    }
    let demandSum = 0;
    for (const d of HOURLY_DEMAND) demandSum += d;
    // total conversations per hour at demand 1.0
    const perHour = (o.agents * CONVERSATIONS_PER_AGENT_DAY) / demandSum;
    for (let s = 0; s <= this.nSkills; s++) {
      const fraction = o.agents > 0 ? (share[s] ?? 0) / o.agents : s >= 1 ? 1 / this.nSkills : 0;
      // with no agent at all, still a trickle of arrivals (they will all be abandoned)
      const convPerHour = o.agents > 0 ? perHour * fraction : s >= 1 ? 2 / this.nSkills : 0;
      this.rate.push(convPerHour / HOUR);
    }
    for (const a of this.agents) this.scheduleNextShift(a, this.start - DAY);
    for (let s = 1; s <= this.nSkills; s++) this.scheduleArrival(s, this.start);
  }

  // --- scheduling -----------------------------------------------------------------------------

  private schedule(time: number, rank: number, kind: Kind, agent: Agent | null, conv: Conv | null, epoch = 0, x = 0): void {
    if (time > this.end) return;
    const k = time * 16 + rank;
    if (k < this.curKey) throw new Error(`simulate: action scheduled before the current one (${time}, rank ${rank})`);
    this.heap.push(new Action(k, this.seq++, kind, agent, conv, epoch, x));
  }

  /** Runs the next action; false when the span is over. Events land in `out`. */
  step(): boolean {
    const act = this.heap.pop();
    if (act === undefined) return false;
    const time = Math.floor(act.k / 16);
    if (time > this.end) return false;
    this.now = time;
    this.curKey = act.k;
    this.run(act);
    return true;
  }

  private nextId(): string {
    // fixed width (10 digits), so that byte order of ids is emission order
    if (this.eventSeq >= 10_000_000_000) throw new RangeError('simulate: more than 10^10 events');
    return this.idPrefix + String(10_000_000_000 + this.eventSeq++).slice(1);
  }

  private hourOfDay(t: number): number {
    return Math.floor((t - this.dayBase) / HOUR) % 24;
  }

  // --- emitting ------------------------------------------------------------------------------

  private emitStatus(a: Agent, status: AgentStatus, reason: readonly [number, string] | null, reasonMode = 0): void {
    const e: AgentStatusEvent = { id: this.nextId(), type: 'agent.status', time: this.now, agentId: a.id, status };
    if (reason !== null) {
      // reasonMode: 0 id and text, 1 id only, 2 text only
      if (reasonMode !== 2) e.reasonId = reason[0];
      if (reasonMode !== 1) e.reasonText = reason[1];
    }
    a.status = status;
    this.out.push(e);
  }

  private emitMessage(c: Conv, from: 'consumer' | 'bot' | 'system' | 'agent', agentId: number): void {
    const e: MessageEvent = { id: this.nextId(), type: 'message', time: this.now, conversationId: c.id, from };
    if (from === 'agent') e.agentId = agentId;
    this.out.push(e);
  }

  // --- availability and routing ----------------------------------------------------------------

  private refreshAvail(a: Agent): void {
    const ok = a.loggedIn && a.status === 'ONLINE' && a.mode === Mode.Work && a.open.length < a.maxSlots;
    for (let s = 1; s <= this.nSkills; s++) {
      const want = ok && a.hasSkill[s] === 1;
      const pos = a.availPos[s] ?? -1;
      const list = this.avail[s] as Agent[];
      if (want && pos < 0) {
        a.availPos[s] = list.length;
        list.push(a);
      } else if (!want && pos >= 0) {
        const last = list.pop() as Agent;
        if (last !== a) {
          list[pos] = last;
          last.availPos[s] = pos;
        }
        a.availPos[s] = -1;
      }
    }
  }

  private scheduleRoute(s: number, time: number): void {
    const pending = this.routeAt[s] ?? -1;
    if (pending >= this.now && pending <= time) return;
    this.routeAt[s] = time;
    this.schedule(time, R_START, Kind.Route, null, null, 0, s);
  }

  /** After an agent may have become free: route its skills' waiting conversations. */
  private routeKick(a: Agent): void {
    for (const s of a.skills) {
      if ((this.waiting[s] as ConvQueue).length > 0) this.scheduleRoute(s, this.now + this.rng.ms(1 * SEC, 5 * SEC));
    }
  }

  private pickAgent(s: number, excluded: Agent | null): Agent | null {
    const list = this.avail[s] as Agent[];
    const n = list.length;
    if (n === 0) return null;
    // least loaded of a few sampled candidates (all of them when there are few)
    const tries = Math.min(n, 6);
    let best: Agent | null = null;
    let bestLoad = 2;
    for (let i = 0; i < tries; i++) {
      const a = list[n <= 6 ? i : Math.floor(this.rng.next() * n)] as Agent;
      if (a === excluded) continue;
      const load = a.open.length / a.maxSlots;
      if (load < bestLoad) {
        best = a;
        bestLoad = load;
      }
    }
    if (best === null && n > 6) {
      for (const a of list) if (a !== excluded) return a;
    }
    return best;
  }

  private route(s: number): void {
    if (this.routeAt[s] === this.now) this.routeAt[s] = -1;
    const q = this.waiting[s] as ConvQueue;
    for (;;) {
      const c = q.peek();
      if (c === undefined) return;
      if (c.state !== CState.Queued || c.skill !== s) {
        q.shift();
        continue;
      }
      if (c.readyAt > this.now) {
        this.scheduleRoute(s, c.readyAt);
        return;
      }
      const a = this.pickAgent(s, c.excluded);
      if (a === null) return;
      q.shift();
      this.startSegment(c, a);
    }
  }

  // --- conversations -----------------------------------------------------------------------------

  private scheduleArrival(s: number, from: number): void {
    const perMs = this.rate[s] ?? 0;
    if (perMs <= 0) return;
    let cur = from;
    // piecewise-constant rate per hour of day; memorylessness lets us redraw at each boundary
    while (cur <= this.end) {
      const h = this.hourOfDay(cur);
      const boundary = this.dayBase + (Math.floor((cur - this.dayBase) / HOUR) + 1) * HOUR;
      const gap = this.rng.exp(1 / (perMs * (HOURLY_DEMAND[h] ?? 1)));
      if (cur + gap < boundary) {
        this.schedule(Math.max(from, Math.floor(cur + gap)), R_QUEUED, Kind.Arrival, null, null, 0, s);
        return;
      }
      cur = boundary;
    }
  }

  private patience(c: Conv): number {
    const mean = c.transfers > 0 ? 10 * MIN : 6 * MIN;
    return Math.floor(Math.min(25 * MIN, Math.max(40 * SEC, this.rng.exp(mean))));
  }

  private arrival(s: number): void {
    const c = new Conv(`c-${this.tag}-${++this.convSeq}`, s);
    this.out.push({ id: this.nextId(), type: 'conversation.queued', time: this.now, conversationId: c.id, skillId: s, reason: 'new' });
    this.enqueue(c, false);
    // the consumer's first message, then maybe a bot greeting and an impatient follow-up
    this.schedule(this.now, R_MESSAGE, Kind.WaitingMessage, null, c, c.epoch);
    if (this.rng.chance(0.25)) this.schedule(this.now + this.rng.ms(1 * SEC, 3 * SEC), R_MESSAGE, Kind.BotMessage, null, c);
    if (this.rng.chance(0.3)) this.schedule(this.now + this.rng.ms(30 * SEC, 120 * SEC), R_MESSAGE, Kind.WaitingMessage, null, c, c.epoch);
    this.scheduleArrival(s, this.now);
  }

  private enqueue(c: Conv, systemNote: boolean): void {
    c.state = CState.Queued;
    c.epoch++;
    (this.waiting[c.skill] as ConvQueue).push(c);
    this.schedule(this.now + this.patience(c), R_MESSAGE, Kind.Abandon, null, c, c.epoch);
    c.readyAt = this.now + this.rng.ms(3 * SEC, 30 * SEC);
    this.scheduleRoute(c.skill, c.readyAt);
    if (systemNote) this.schedule(this.now, R_MESSAGE, Kind.SystemMessage, null, c);
  }

  private requeue(c: Conv): void {
    if (c.state !== CState.Transferring) return;
    c.skill = c.nextSkill;
    this.out.push({
      id: this.nextId(),
      type: 'conversation.queued',
      time: this.now,
      conversationId: c.id,
      skillId: c.skill,
      reason: c.requeueReason,
    });
    this.enqueue(c, this.rng.chance(0.6));
  }

  private startSegment(c: Conv, a: Agent): void {
    this.out.push({ id: this.nextId(), type: 'segment.start', time: this.now, conversationId: c.id, agentId: a.id, skillId: c.skill });
    c.state = CState.Active;
    c.epoch++;
    c.agent = a;
    c.ending = false;
    c.consumerScheduled = false;
    c.orphan = false;
    // consumer replies in this segment: geometric, mean ~5 (fewer after a transfer)
    const mean = c.transfers > 0 ? 3 : 5;
    c.rounds = Math.min(25, Math.floor(this.rng.exp(mean)));
    a.open.push(c);
    this.refreshAvail(a);
    this.enqueueTask(a, c);
  }

  /** Segment bookkeeping at its segment.end (already emitted). */
  private closeSegment(c: Conv, a: Agent): void {
    const i = a.open.indexOf(c);
    if (i >= 0) a.open.splice(i, 1);
    const j = a.tasks.indexOf(c);
    if (j >= 0) a.tasks.splice(j, 1);
    c.agent = null;
    c.epoch++;
    if (a.current === c) {
      a.current = null;
      a.busy = false;
      a.taskEpoch++;
    }
    this.refreshAvail(a);
    if (a.loggedIn) {
      this.routeKick(a);
      if (a.mode === Mode.DrainBreak || a.mode === Mode.DrainEnd) {
        if (a.open.length === 0) this.drained(a);
      }
      this.kick(a);
    }
  }

  private endSegment(c: Conv, reason: SegmentEndReason): void {
    const a = c.agent;
    if (a === null) return;
    this.out.push({ id: this.nextId(), type: 'segment.end', time: this.now, conversationId: c.id, agentId: a.id, endReason: reason });
    this.closeSegment(c, a);
    if (reason === 'agentTransfer' || reason === 'skillTransfer' || reason === 'backToQueue') {
      c.state = CState.Transferring;
      c.excluded = a;
      c.transfers++;
      c.requeueReason = reason === 'backToQueue' ? 'backToQueue' : 'transfer';
      c.nextSkill = c.skill;
      if (reason === 'skillTransfer' && this.nSkills > 1) {
        const other = this.rng.int(1, this.nSkills - 1);
        c.nextSkill = other >= c.skill ? other + 1 : other;
      }
      this.schedule(this.now + this.rng.ms(1 * SEC, 4 * SEC), R_QUEUED, Kind.Requeue, null, c);
    } else {
      c.state = CState.Closed;
    }
  }

  /** What the conversation does after the agent's turn. */
  private afterAgentTurn(c: Conv): void {
    if (c.ending || c.consumerScheduled || c.orphan) return;
    const t = this.now;
    if (c.rounds > 0) {
      c.rounds--;
      c.consumerScheduled = true;
      // consumer replies 10 s – 3 min, mostly quick; sometimes a long silence
      const gap = this.rng.chance(0.04) ? this.rng.ms(4 * MIN, 12 * MIN) : this.rng.skewed(10 * SEC, 180 * SEC);
      this.schedule(t + gap, R_MESSAGE, Kind.ConsumerMessage, null, c, c.epoch, 0);
      return;
    }
    c.ending = true;
    const a = c.agent as Agent;
    const r = this.rng.next();
    const canTransfer = c.transfers < 2;
    let endAt: number;
    if (r < 0.47) {
      c.endReason = 'closedByConsumer';
      endAt = t + this.rng.ms(10 * SEC, 90 * SEC);
      if (this.rng.chance(0.65)) {
        // "thanks!" then the consumer closes
        const thanks = t + this.rng.mild(8 * SEC, 60 * SEC);
        this.schedule(thanks, R_MESSAGE, Kind.ConsumerMessage, null, c, c.epoch, 1);
        endAt = thanks + this.rng.ms(3 * SEC, 40 * SEC);
      }
    } else if (r < 0.82 || !canTransfer) {
      c.endReason = 'closedByAgent';
      endAt = t + this.rng.ms(30 * SEC, 4 * MIN);
    } else if (r < 0.88) {
      c.endReason = 'agentTransfer';
      endAt = t + this.rng.ms(5 * SEC, 30 * SEC);
    } else if (r < 0.94) {
      c.endReason = this.nSkills > 1 ? 'skillTransfer' : 'agentTransfer';
      endAt = t + this.rng.ms(5 * SEC, 30 * SEC);
    } else if (r < 0.98) {
      c.endReason = 'closedBySystem';
      endAt = t + this.rng.ms(10 * MIN, 20 * MIN);
      this.schedule(endAt, R_MESSAGE, Kind.SystemMessage, null, c);
    } else {
      c.endReason = 'other';
      endAt = t + this.rng.ms(1 * MIN, 8 * MIN);
    }
    if (this.rng.chance(0.5)) this.schedule(endAt, R_BLUR, Kind.BlurOnClose, a, c, c.epoch);
    this.schedule(endAt, R_END, Kind.SegmentEnd, a, c, c.epoch);
  }

  // --- the agent's reply loop ----------------------------------------------------------------------

  private enqueueTask(a: Agent, c: Conv): void {
    if (!a.loggedIn || c.orphan) return;
    if (a.current === c || a.tasks.includes(c)) return;
    a.tasks.push(c);
    this.kick(a);
  }

  /** If the agent is free, start replying to the next conversation that waits for it. */
  private kick(a: Agent): void {
    if (a.busy || !a.loggedIn) return;
    const c = a.tasks.shift();
    if (c === undefined) return;
    a.busy = true;
    a.current = c;
    a.taskEpoch++;
    if (a.focus === c) {
      this.schedule(this.now + this.typing(), R_MESSAGE, Kind.AgentMessage, a, c, a.taskEpoch);
    } else {
      this.schedule(this.now + this.rng.mild(1 * SEC, 12 * SEC), R_FOCUS, Kind.Focus, a, c, a.taskEpoch);
    }
  }

  private typing(): number {
    return this.rng.skewed(4 * SEC, 110 * SEC);
  }

  private focus(a: Agent, c: Conv, epoch: number): void {
    if (epoch !== a.taskEpoch || a.current !== c || c.agent !== a) return;
    if (a.focus !== c) {
      this.out.push({ id: this.nextId(), type: 'workspace.focus', time: this.now, agentId: a.id, conversationId: c.id });
      a.focus = c;
    }
    // now and then the agent sits on the conversation without answering for many minutes
    const idle = this.rng.chance(0.025) ? this.rng.ms(4 * MIN, 15 * MIN) : 0;
    this.schedule(this.now + this.typing() + idle, R_MESSAGE, Kind.AgentMessage, a, c, a.taskEpoch);
  }

  private agentMessage(a: Agent, c: Conv, epoch: number): void {
    if (epoch !== a.taskEpoch || a.current !== c || c.agent !== a || c.state !== CState.Active) return;
    this.emitMessage(c, 'agent', a.id);
    if (this.rng.chance(0.15)) {
      // a streak: a second agent message before the consumer answers
      this.schedule(this.now + this.rng.mild(5 * SEC, 45 * SEC), R_MESSAGE, Kind.AgentMessage, a, c, a.taskEpoch);
      return;
    }
    this.afterAgentTurn(c);
    a.current = null;
    a.taskEpoch++;
    if (this.rng.chance(0.1)) {
      // the agent leaves the conversation's tab for a moment
      this.schedule(this.now + this.rng.ms(2 * SEC, 20 * SEC), R_BLUR, Kind.Blur, a, c, a.taskEpoch);
    } else {
      a.busy = false;
      this.kick(a);
    }
  }

  private consumerMessage(c: Conv, epoch: number, x: number): void {
    if (c.state !== CState.Active || c.epoch !== epoch) return;
    this.emitMessage(c, 'consumer', 0);
    if (x === 0) c.consumerScheduled = false;
    const a = c.agent as Agent;
    this.enqueueTask(a, c);
    if (x === 0 && !c.orphan && this.rng.chance(0.15)) {
      this.schedule(this.now + this.rng.ms(3 * SEC, 25 * SEC), R_MESSAGE, Kind.ConsumerMessage, null, c, c.epoch, 2);
    }
  }

  // --- agent shifts -------------------------------------------------------------------------------

  private scheduleNextShift(a: Agent, after: number): void {
    for (let d = a.day + 1; ; d++) {
      const s = this.dayBase + d * DAY + a.shiftStartMin * MIN + this.rng.ms(-5 * MIN, 8 * MIN);
      const e = s + a.shiftLen + this.rng.ms(-5 * MIN, 10 * MIN);
      if (s > this.end) return;
      if (e <= this.start + 30 * MIN || s <= after + HOUR) continue;
      if (this.rng.chance(0.03)) continue; // absent that day
      a.day = d;
      a.shiftStart = s;
      a.shiftEnd = e;
      a.nextLogin = Math.max(s, this.start);
      this.schedule(a.nextLogin, R_LOGIN, Kind.Login, a, null);
      return;
    }
  }

  private login(a: Agent): void {
    const t = this.now;
    a.sessions++;
    const e: AgentLoginEvent = { id: this.nextId(), type: 'agent.login', time: t, agentId: a.id };
    if (this.rng.chance(0.9)) e.sessionId = a.id * 100_000 + (a.sessions % 100_000);
    const r = this.rng.next();
    const initial: AgentStatus = r < 0.1 ? 'BACK_SOON' : 'ONLINE';
    if (r < 0.2) e.status = initial;
    if (a.sessions === 1 || this.rng.chance(0.3)) {
      e.employeeId = a.employeeId;
      e.loginName = a.loginName;
      e.userName = a.userName;
      e.groupId = a.groupId;
      e.maxSlots = a.maxSlots;
      e.skills = a.skills.slice();
    }
    this.out.push(e);
    a.loggedIn = true;
    a.status = initial;
    a.mode = Mode.Work;
    a.tasks = [];
    a.busy = false;
    a.current = null;
    a.taskEpoch++;
    a.drainEpoch++;
    this.buildPlan(a);
    this.refreshAvail(a);
    if (initial === 'BACK_SOON') {
      this.schedule(t + this.rng.ms(1 * MIN, 6 * MIN), R_STATUS, Kind.BackSoonEnd, a, null, a.drainEpoch);
    } else {
      this.routeKick(a);
      this.scheduleNextPlan(a);
    }
  }

  private buildPlan(a: Agent): void {
    const rng = this.rng;
    const s = a.shiftStart;
    const len = a.shiftEnd - a.shiftStart;
    const items: PlanItem[] = [];
    const slots: { at: number; dur: number; reason: readonly [number, string] }[] =
      len >= 8 * HOUR - 10 * MIN
        ? [
            { at: 0.25, dur: 15 * MIN, reason: REASON_BREAK },
            { at: 0.5, dur: 30 * MIN, reason: REASON_LUNCH },
            { at: 0.75, dur: 15 * MIN, reason: REASON_BREAK },
          ]
        : [
            { at: 0.33, dur: 15 * MIN, reason: REASON_BREAK },
            { at: 0.66, dur: 15 * MIN, reason: REASON_BREAK },
          ];
    if (rng.chance(0.15)) {
      // a training or a meeting instead of one break
      const i = rng.int(0, slots.length - 1);
      const training = rng.chance(0.5);
      slots[i] = {
        at: slots[i]?.at ?? 0.5,
        dur: training ? rng.ms(45 * MIN, 75 * MIN) : rng.ms(25 * MIN, 45 * MIN),
        reason: training ? REASON_TRAINING : REASON_MEETING,
      };
    }
    for (const slot of slots) {
      items.push({
        t: s + Math.floor(len * slot.at) + rng.ms(-20 * MIN, 20 * MIN),
        kind: PlanKind.Away,
        dur: slot.dur + rng.ms(-2 * MIN, 4 * MIN),
        reason: slot.reason,
      });
    }
    const backSoons = rng.int(0, 2);
    for (let i = 0; i < backSoons; i++) {
      const r = rng.next();
      items.push({
        t: s + rng.ms(30 * MIN, len - 60 * MIN),
        kind: PlanKind.BackSoon,
        dur: rng.ms(2 * MIN, 9 * MIN),
        reason: r < 0.2 ? REASON_PERSONAL : r < 0.3 ? REASON_COACHING : null,
      });
    }
    items.sort((x, y) => x.t - y.t);
    const endAt = Math.max(a.nextLogin + 10 * MIN, a.shiftEnd - rng.ms(0, 10 * MIN));
    items.push({ t: endAt, kind: PlanKind.End, dur: 0, reason: null });
    a.plan = items.filter((it) => it.kind === PlanKind.End || (it.t > a.nextLogin + 5 * MIN && it.t < endAt - 20 * MIN));
    a.planIdx = 0;
  }

  private scheduleNextPlan(a: Agent): void {
    let item = a.plan[a.planIdx];
    const end = a.plan[a.plan.length - 1];
    // a late break that would collide with the end of the shift is skipped
    while (
      item !== undefined &&
      item.kind !== PlanKind.End &&
      end !== undefined &&
      Math.max(item.t, this.now + 10 * MIN) > end.t - 20 * MIN
    ) {
      item = a.plan[++a.planIdx];
    }
    if (item === undefined) return;
    const at = item.kind === PlanKind.End ? Math.max(item.t, this.now + 1 * MIN) : Math.max(item.t, this.now + 10 * MIN);
    this.schedule(at, R_STATUS, Kind.Plan, a, null, a.drainEpoch);
  }

  private plan(a: Agent, epoch: number): void {
    if (epoch !== a.drainEpoch || !a.loggedIn) return;
    const item = a.plan[a.planIdx++];
    if (item === undefined) return;
    if (item.kind === PlanKind.BackSoon) {
      const reasonMode = item.reason !== null && this.rng.chance(0.3) ? 1 : 0;
      this.emitStatus(a, 'BACK_SOON', item.reason, reasonMode);
      this.refreshAvail(a);
      this.schedule(this.now + item.dur, R_STATUS, Kind.BackSoonEnd, a, null, a.drainEpoch);
      return;
    }
    if (item.kind === PlanKind.Away) a.awayItem = item;
    if (a.open.length === 0) {
      a.mode = Mode.Leaving;
      this.refreshAvail(a);
      if (item.kind === PlanKind.Away) this.goAway(a);
      else this.schedule(this.now, R_STATUS, Kind.LogoutSeq, a, null, a.drainEpoch);
      return;
    }
    // stop taking new conversations and finish the open ones first
    a.mode = item.kind === PlanKind.Away ? Mode.DrainBreak : Mode.DrainEnd;
    this.emitStatus(a, 'BACK_SOON', null);
    this.refreshAvail(a);
    const timeout = item.kind === PlanKind.Away ? this.rng.ms(15 * MIN, 25 * MIN) : this.rng.ms(20 * MIN, 30 * MIN);
    this.schedule(this.now + timeout, R_END, Kind.DrainTimeout, a, null, a.drainEpoch);
  }

  private backSoonEnd(a: Agent, epoch: number): void {
    if (epoch !== a.drainEpoch || !a.loggedIn || a.mode !== Mode.Work) return;
    this.emitStatus(a, 'ONLINE', null);
    this.refreshAvail(a);
    this.routeKick(a);
    this.scheduleNextPlan(a);
  }

  /** The last segment closed while draining. */
  private drained(a: Agent): void {
    const before = a.mode;
    a.mode = Mode.Leaving;
    a.drainEpoch++;
    if (before === Mode.DrainBreak) this.schedule(this.now + this.rng.ms(5 * SEC, 40 * SEC), R_STATUS, Kind.GoAway, a, null, a.drainEpoch);
    else this.schedule(this.now + this.rng.ms(5 * SEC, 60 * SEC), R_STATUS, Kind.LogoutSeq, a, null, a.drainEpoch);
  }

  private drainTimeout(a: Agent, epoch: number): void {
    if (epoch !== a.drainEpoch || !a.loggedIn) return;
    const ending = a.mode === Mode.DrainEnd;
    a.mode = Mode.Leaving;
    a.drainEpoch++;
    const held = a.open.slice().sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    if (ending && this.rng.chance(0.3)) {
      // rare: the agent logs out still holding segments; the system closes them later
      for (const c of held) {
        c.orphan = true;
        c.epoch++;
        c.ending = true;
        c.endReason = 'closedBySystem';
        const closeAt = this.now + this.rng.ms(15 * MIN, 45 * MIN);
        if (this.rng.chance(0.6))
          this.schedule(this.now + this.rng.ms(2 * MIN, 10 * MIN), R_MESSAGE, Kind.ConsumerMessage, null, c, c.epoch, 1);
        if (this.rng.chance(0.25))
          this.schedule(this.now + this.rng.ms(3 * MIN, 12 * MIN), R_MESSAGE, Kind.AgentMessageAfterLogout, a, c, c.epoch);
        this.schedule(closeAt, R_MESSAGE, Kind.SystemMessage, null, c);
        this.schedule(closeAt, R_END, Kind.SegmentEnd, a, c, c.epoch);
      }
      a.tasks = [];
      a.current = null;
      a.busy = false;
      a.taskEpoch++;
      this.schedule(this.now + this.rng.ms(5 * SEC, 60 * SEC), R_STATUS, Kind.LogoutSeq, a, null, a.drainEpoch);
      return;
    }
    for (const c of held) this.endSegment(c, 'backToQueue');
    if (ending) this.schedule(this.now + this.rng.ms(5 * SEC, 30 * SEC), R_STATUS, Kind.LogoutSeq, a, null, a.drainEpoch);
    else this.schedule(this.now + this.rng.ms(5 * SEC, 30 * SEC), R_STATUS, Kind.GoAway, a, null, a.drainEpoch);
  }

  private goAway(a: Agent): void {
    const item = a.awayItem;
    if (item === null) return;
    const r = this.rng.next();
    // mostly id and text; sometimes one of them, sometimes no reason at all
    if (r < 0.05) this.emitStatus(a, 'AWAY', null);
    else this.emitStatus(a, 'AWAY', item.reason, r < 0.08 ? 1 : r < 0.1 ? 2 : 0);
    a.mode = Mode.Away;
    this.refreshAvail(a);
    a.drainEpoch++;
    const back = this.now + item.dur;
    if (this.rng.chance(0.12)) this.schedule(back, R_PROFILE, Kind.Profile, a, null, a.drainEpoch);
    this.schedule(back, R_STATUS, Kind.Return, a, null, a.drainEpoch);
  }

  private profileChange(a: Agent, epoch: number): void {
    if (epoch !== a.drainEpoch || !a.loggedIn) return;
    const e: AgentProfileEvent = { id: this.nextId(), type: 'agent.profile', time: this.now, agentId: a.id };
    const r = this.rng.next();
    if (r < 0.4 && this.nGroups > 1) {
      let g = this.rng.int(1, this.nGroups - 1);
      if (g >= a.groupId) g++;
      a.groupId = g;
      e.groupId = g;
    } else if (r < 0.75) {
      const up = a.maxSlots === 1 || (a.maxSlots < 4 && this.rng.chance(0.5));
      a.maxSlots = Math.max(a.open.length, 1, a.maxSlots + (up ? 1 : -1));
      e.maxSlots = a.maxSlots;
    } else {
      let skills = a.skills.slice();
      if (skills.length < Math.min(3, this.nSkills) && (skills.length === 1 || this.rng.chance(0.5))) {
        let s = this.rng.int(1, this.nSkills);
        while (skills.includes(s)) s = (s % this.nSkills) + 1;
        skills.push(s);
        skills.sort((x, y) => x - y);
      } else if (skills.length > 1) {
        const drop = skills[this.rng.int(0, skills.length - 1)];
        skills = skills.filter((s) => s !== drop);
      }
      a.setSkills(skills);
      e.skills = skills.slice();
      if (this.rng.chance(0.2)) {
        e.employeeId = a.employeeId; // re-sent unchanged by some integrations
      }
    }
    this.out.push(e);
  }

  private returnOnline(a: Agent, epoch: number): void {
    if (epoch !== a.drainEpoch || !a.loggedIn) return;
    const item = a.awayItem;
    // now and then the integration repeats the away reason on the way back
    if (item !== null && this.rng.chance(0.1)) this.emitStatus(a, 'ONLINE', item.reason, 1);
    else this.emitStatus(a, 'ONLINE', null);
    a.mode = Mode.Work;
    a.awayItem = null;
    this.refreshAvail(a);
    this.routeKick(a);
    this.scheduleNextPlan(a);
  }

  private logoutSeq(a: Agent, epoch: number): void {
    if (epoch !== a.drainEpoch || !a.loggedIn) return;
    if (this.rng.chance(0.3)) this.emitStatus(a, 'OFFLINE', null);
    this.schedule(this.now, R_LOGOUT, Kind.Logout, a, null, a.drainEpoch);
  }

  private logout(a: Agent, epoch: number): void {
    if (epoch !== a.drainEpoch || !a.loggedIn) return;
    this.out.push({ id: this.nextId(), type: 'agent.logout', time: this.now, agentId: a.id });
    a.loggedIn = false;
    a.status = 'OFFLINE';
    a.mode = Mode.Work;
    a.focus = null;
    a.tasks = [];
    a.current = null;
    a.busy = false;
    a.taskEpoch++;
    a.drainEpoch++;
    this.refreshAvail(a);
    this.scheduleNextShift(a, this.now);
  }

  // --- dispatch ------------------------------------------------------------------------------------

  private run(act: Action): void {
    const a = act.agent;
    const c = act.conv;
    switch (act.kind) {
      case Kind.Login:
        if (a !== null) this.login(a);
        return;
      case Kind.Profile:
        if (a !== null) this.profileChange(a, act.epoch);
        return;
      case Kind.Plan:
        if (a !== null) this.plan(a, act.epoch);
        return;
      case Kind.BackSoonEnd:
        if (a !== null) this.backSoonEnd(a, act.epoch);
        return;
      case Kind.GoAway:
        if (a !== null && act.epoch === a.drainEpoch && a.loggedIn) this.goAway(a);
        return;
      case Kind.Return:
        if (a !== null) this.returnOnline(a, act.epoch);
        return;
      case Kind.LogoutSeq:
        if (a !== null) this.logoutSeq(a, act.epoch);
        return;
      case Kind.Logout:
        if (a !== null) this.logout(a, act.epoch);
        return;
      case Kind.Arrival:
        this.arrival(act.x);
        return;
      case Kind.Requeue:
        if (c !== null) this.requeue(c);
        return;
      case Kind.Route:
        this.route(act.x);
        return;
      case Kind.Focus:
        if (a !== null && c !== null) this.focus(a, c, act.epoch);
        return;
      case Kind.AgentMessage:
        if (a !== null && c !== null) this.agentMessage(a, c, act.epoch);
        return;
      case Kind.AgentMessageAfterLogout:
        if (a !== null && c !== null && c.state === CState.Active && c.epoch === act.epoch && c.agent === a) {
          this.emitMessage(c, 'agent', a.id);
        }
        return;
      case Kind.ConsumerMessage:
        if (c !== null) this.consumerMessage(c, act.epoch, act.x);
        return;
      case Kind.WaitingMessage:
        if (c !== null && c.state === CState.Queued && c.epoch === act.epoch) this.emitMessage(c, 'consumer', 0);
        return;
      case Kind.BotMessage:
        if (c !== null) this.emitMessage(c, 'bot', 0);
        return;
      case Kind.SystemMessage:
        if (c !== null) this.emitMessage(c, 'system', 0);
        return;
      case Kind.Abandon:
        if (c !== null && c.state === CState.Queued && c.epoch === act.epoch) {
          c.state = CState.Abandoned;
          c.epoch++;
          if (this.rng.chance(0.4)) this.emitMessage(c, 'system', 0);
        }
        return;
      case Kind.Blur:
        if (a !== null && c !== null && act.epoch === a.taskEpoch) {
          if (a.focus === c) {
            this.out.push({ id: this.nextId(), type: 'workspace.blur', time: this.now, agentId: a.id, conversationId: c.id });
            a.focus = null;
          }
          a.busy = false;
          this.kick(a);
        }
        return;
      case Kind.BlurOnClose:
        if (a !== null && c !== null && c.epoch === act.epoch && c.agent === a && a.focus === c) {
          this.out.push({ id: this.nextId(), type: 'workspace.blur', time: this.now, agentId: a.id, conversationId: c.id });
          a.focus = null;
        }
        return;
      case Kind.SegmentEnd:
        if (c !== null && c.state === CState.Active && c.epoch === act.epoch && c.agent === a) this.endSegment(c, c.endReason);
        return;
      case Kind.DrainTimeout:
        if (a !== null) this.drainTimeout(a, act.epoch);
        return;
    }
  }
}

/**
 * Simulates `hours` of a contact center from `start`, yielding events in the total order of
 * spec/events.md (time, type rank, id). Deterministic: the same options give the same events.
 */
export function* simulate(options: SimulateOptions): Generator<WfmEvent> {
  const sim = new Sim(options);
  const out = sim.out;
  while (sim.step()) {
    if (out.length === 0) continue;
    for (let i = 0; i < out.length; i++) yield out[i] as WfmEvent;
    out.length = 0;
  }
}

/**
 * One event as canonical JSON, identical to `JSON.stringify(e)` (same field order), written by
 * hand for the frequent types. Ids and conversation ids are built from visible ASCII without
 * `"` or a backslash, so they need no escaping; free texts go through JSON.stringify.
 */
function toJsonLine(e: WfmEvent): string {
  switch (e.type) {
    case 'message':
      return e.agentId === undefined
        ? `{"id":"${e.id}","type":"message","time":${e.time},"conversationId":"${e.conversationId}","from":"${e.from}"}`
        : `{"id":"${e.id}","type":"message","time":${e.time},"conversationId":"${e.conversationId}","from":"${e.from}","agentId":${e.agentId}}`;
    case 'workspace.focus':
    case 'workspace.blur':
      return `{"id":"${e.id}","type":"${e.type}","time":${e.time},"agentId":${e.agentId},"conversationId":"${e.conversationId}"}`;
    case 'segment.start':
      return `{"id":"${e.id}","type":"segment.start","time":${e.time},"conversationId":"${e.conversationId}","agentId":${e.agentId},"skillId":${e.skillId}}`;
    case 'segment.end':
      return `{"id":"${e.id}","type":"segment.end","time":${e.time},"conversationId":"${e.conversationId}","agentId":${e.agentId},"endReason":"${e.endReason}"}`;
    case 'conversation.queued':
      return `{"id":"${e.id}","type":"conversation.queued","time":${e.time},"conversationId":"${e.conversationId}","skillId":${e.skillId},"reason":"${e.reason}"}`;
    default:
      // logins, profiles, statuses and logouts: rare, and their optional fields vary
      return JSON.stringify(e);
  }
}

/**
 * Writes the simulation as NDJSON: one event per line, fields in a fixed order (`id`, `type`,
 * `time` as epoch ms, then the type's fields), no `accountId`. Lines are handed to `write` in
 * chunks of about 64 KiB. Returns the number of events written.
 */
export function simulateToNdjson(options: SimulateOptions, write: (chunk: string) => void): number {
  const sim = new Sim(options);
  const out = sim.out;
  let buf = '';
  let n = 0;
  while (sim.step()) {
    for (let i = 0; i < out.length; i++) {
      buf += toJsonLine(out[i] as WfmEvent) + '\n';
      n++;
    }
    out.length = 0;
    if (buf.length >= 65536) {
      write(buf);
      buf = '';
    }
  }
  if (buf.length > 0) write(buf);
  return n;
}
