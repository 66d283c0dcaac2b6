/**
 * Net handle time per skill and interval (spec/metrics.md §3), computed from facts a store can
 * materialise, never from raw events (see nht-facts.ts for the reference derivation).
 *
 * Every duration is kept exact: integer milliseconds, and rationals with BigInt numerator and
 * denominator for load-weighted work and its attribution, rounded once, half away from zero.
 */
import type { Bucket, IntervalMinutes } from './intervals.js';
import { bucketIndexOf, bucketsOverlapping, firstBucketEndingAfter, formatNhtTimestamp, overlapLength } from './intervals.js';

/**
 * What NHT needs to know, already derived from events. The store passes every fact that can
 * touch the hours of the window (and, for queue waits, each conversation's history back to
 * its previous segment start); extra facts outside the window are harmless. Array order never
 * matters: ties at one millisecond are broken by the fields documented below.
 */
export interface NhtFacts {
  /** Logged-in spans [start, end) of each agent; end null while logged in. Overlaps are unioned. */
  sessions: Array<{ agentId: number; start: number; end: number | null }>;
  /** Agent segments [start, end) that were not ignored; end null while open (then open forever). */
  segments: Array<{ segmentId: string; agentId: number; skillId: number; start: number; end: number | null }>;
  /** Agent messages sent while the agent had an open segment on the conversation, with that segment. */
  countedMessages: Array<{ agentId: number; time: number; skillId: number; segmentId: string }>;
  /** `conversation.queued` events. `eventId` is informational: at one ms a queued precedes any start. */
  queued: Array<{ conversationId: string; skillId: number; time: number; eventId: string }>;
  /**
   * Non-ignored `segment.start` events. `eventId` orders starts of one conversation at the
   * same millisecond (events.md order, rule 3): the earlier one consumes the queued entry.
   */
  segmentStarts: Array<{ conversationId: string; skillId: number; time: number; eventId: string }>;
  /**
   * Writes of the profile's `maxSlots` (value undefined = the account's defaultMaxSlots).
   * `rank` (TYPE_RANK of the writing event: login 0, profile 1) and `eventId` order writes at
   * one millisecond; the last in the total order wins, and a value "as of t" sees every write at t.
   */
  maxSlots: Array<{ agentId: number; time: number; value: number | undefined; rank: number; eventId: string }>;
  /** Writes of the profile's `skills`, ordered at one millisecond like `maxSlots`. */
  profileSkills: Array<{ agentId: number; time: number; skills: number[]; rank: number; eventId: string }>;
}

export interface NhtQuery {
  fromMs: number;
  toMs: number;
  intervalMinutes: IntervalMinutes;
  /** IANA zone for bucket alignment; UTC (and the reference's timestamp form) when absent */
  timeZone?: string;
  /** the skills to report; default {@link defaultSkillIds} */
  skillIds?: number[];
  /** the account setting used where a profile has no `maxSlots` */
  defaultMaxSlots: number;
}

export interface NhtInterval {
  timestamp: string;
  epochTimestamp: number;
  arrivals: number;
  avgTimeInQueue: number;
  totalAgentSegmentDuration: number;
  avgAgentSegmentDuration: number;
  avgAvailableLoad: number;
  messagesSent: number;
  handledSegments: number;
  avgSegmentWorkTime: number;
  netHandleTime: number;
}

export interface NhtSkillRow {
  skillId: number;
  metricsByIntervals: NhtInterval[];
}

// ---------------------------------------------------------------------------------------------
// Exact rationals

/** A non-negative rational n / d with d > 0. */
export interface Ratio {
  n: bigint;
  d: bigint;
}

const ZERO: Ratio = { n: 0n, d: 1n };

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function lcm(a: bigint, b: bigint): bigint {
  return (a / gcd(a, b)) * b;
}

/** a + b (not reduced: rounding does not need it, and gcd is the costly part). */
export function addRatio(a: Ratio, b: Ratio): Ratio {
  if (a.n === 0n) return b;
  if (b.n === 0n) return a;
  if (a.d === b.d) return { n: a.n + b.n, d: a.d };
  return { n: a.n * b.d + b.n * a.d, d: a.d * b.d };
}

/** True when a and b are the same number. */
export function ratioEquals(a: Ratio, b: Ratio): boolean {
  return a.n * b.d === b.n * a.d;
}

/**
 * An exact sum of fractions. Terms are grouped by denominator (a handful of distinct ones:
 * maxSlots lcm × message count) and combined over their lcm once, at the end.
 */
class ExactSum {
  private readonly byDenominator = new Map<bigint, bigint>();
  private total: Ratio | null = ZERO;

  add(n: bigint, d: bigint): void {
    if (n === 0n) return;
    this.byDenominator.set(d, (this.byDenominator.get(d) ?? 0n) + n);
    this.total = null;
  }

  value(): Ratio {
    if (this.total) return this.total;
    let d = 1n;
    for (const den of this.byDenominator.keys()) d = lcm(d, den);
    let n = 0n;
    for (const [den, num] of this.byDenominator) n += num * (d / den);
    this.total = { n, d };
    return this.total;
  }
}

/**
 * n / d rounded to an integer, halves away from zero (d > 0).
 *
 * @example roundHalfAwayFromZero(1005n, 10n) // 101n
 */
export function roundHalfAwayFromZero(n: bigint, d: bigint): bigint {
  if (n < 0n) return -roundHalfAwayFromZero(-n, d);
  return (2n * n + d) / (2n * d);
}

/** A duration of r milliseconds as seconds with 2 decimals (1005 ms → 1.01). */
function seconds2(r: Ratio): number {
  // s × 100 = ms ÷ 10. Number(q) / 100 is the double nearest to the decimal q/100.
  return Number(roundHalfAwayFromZero(r.n, r.d * 10n)) / 100;
}

/** A ratio with 4 decimals. */
function decimals4(r: Ratio): number {
  return Number(roundHalfAwayFromZero(r.n * 10_000n, r.d)) / 10_000;
}

function msRatio(totalMs: number, count: number): Ratio {
  return { n: BigInt(totalMs), d: BigInt(count) };
}

// ---------------------------------------------------------------------------------------------
// Buckets

function validateQuery(query: NhtQuery): void {
  if (![15, 30, 60].includes(query.intervalMinutes)) throw new RangeError('intervalMinutes must be 15, 30 or 60');
  if (!Number.isSafeInteger(query.defaultMaxSlots) || query.defaultMaxSlots < 1) {
    throw new RangeError('defaultMaxSlots must be an integer ≥ 1');
  }
  if (!Number.isSafeInteger(query.fromMs) || !Number.isSafeInteger(query.toMs)) {
    throw new RangeError('fromMs and toMs must be integer epoch milliseconds');
  }
}

// ---------------------------------------------------------------------------------------------
// Default skill set

/**
 * The skills reported when the query names none (spec/api.md): every skill with a
 * `conversation.queued`, `segment.start` or `segment.end`, an open segment, or a counted
 * message from the start of the first returned bucket's hour to the end of the last one's.
 * "An open segment" is one open at some instant of that span; ascending.
 *
 * @example defaultSkillIds(facts, { fromMs, toMs, intervalMinutes: 60, defaultMaxSlots: 4 }) // [1, 3]
 */
export function defaultSkillIds(facts: NhtFacts, query: NhtQuery): number[] {
  return unionAscending(activeSkillsByHour(facts, bucketsOverlapping(query.fromMs, query.toMs, 60, query.timeZone)));
}

function unionAscending(lists: ReadonlyArray<readonly number[]>): number[] {
  const all = new Set<number>();
  for (const list of lists) for (const n of list) all.add(n);
  return [...all].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// Per-bucket fields: arrivals, time in queue, segment durations

interface BucketAcc {
  arrivals: number;
  queueWaitMs: number;
  queueWaits: number;
  segmentMs: number;
  segmentsEnded: number;
}

function emptyBucketAcc(): BucketAcc {
  return { arrivals: 0, queueWaitMs: 0, queueWaits: 0, segmentMs: 0, segmentsEnded: 0 };
}

type BucketAccs = Map<number, BucketAcc[]>;

function bucketAcc(accs: BucketAccs, skillId: number, index: number, count: number): BucketAcc {
  let row = accs.get(skillId);
  if (!row) {
    row = Array.from({ length: count }, emptyBucketAcc);
    accs.set(skillId, row);
  }
  return row[index] as BucketAcc;
}

type QueueFact = NhtFacts['queued'][number];

/** A conversation's latest queued time for its first-queued skill, and for any other skill. */
interface PendingQueue {
  skillId: number;
  time: number;
  others: Map<number, number> | null;
}

/** Facts in (time, eventId) order; the common already-sorted input is not copied. */
function inTimeOrder<T extends { time: number; eventId: string }>(facts: readonly T[]): readonly T[] {
  const before = (a: T, b: T): number => a.time - b.time || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
  for (let i = 1; i < facts.length; i++) if (before(facts[i - 1] as T, facts[i] as T) > 0) return [...facts].sort(before);
  return facts;
}

/**
 * The wait of each segment start that has one: since the conversation's latest queued entry
 * for the start's skill at or before the start that no earlier start of the conversation
 * followed. Walking the events in the total order (at one ms a queued entry precedes a start,
 * starts go by id), a start consumes every queued entry of its conversation before it, so only
 * entries since the conversation's previous start are candidates.
 *
 * @example queueWaits({ queued: [q at 09:00 for c1 skill 1], segmentStarts: [c1 skill 1 at 09:02] })
 *   // [{ skillId: 1, time: 09:02, waitMs: 120000 }]
 */
export function queueWaits(facts: Pick<NhtFacts, 'queued' | 'segmentStarts'>): Array<{ skillId: number; time: number; waitMs: number }> {
  const queued = inTimeOrder(facts.queued);
  const starts = inTimeOrder(facts.segmentStarts);
  /** per conversation, since its previous start: the latest queued time per skill (mostly one) */
  const pending = new Map<string, PendingQueue>();
  const waits: Array<{ skillId: number; time: number; waitMs: number }> = [];
  let qi = 0;
  for (const s of starts) {
    for (; qi < queued.length && (queued[qi] as QueueFact).time <= s.time; qi++) {
      const q = queued[qi] as QueueFact;
      const p = pending.get(q.conversationId);
      if (!p) pending.set(q.conversationId, { skillId: q.skillId, time: q.time, others: null });
      else if (p.skillId === q.skillId) p.time = q.time;
      else (p.others ??= new Map()).set(q.skillId, q.time);
    }
    const p = pending.get(s.conversationId);
    const queuedAt = p === undefined ? undefined : p.skillId === s.skillId ? p.time : p.others?.get(s.skillId);
    if (queuedAt !== undefined) waits.push({ skillId: s.skillId, time: s.time, waitMs: s.time - queuedAt });
    pending.delete(s.conversationId);
  }
  return waits;
}

/** The total order of events.md: time, type rank, id by byte (ids are ASCII). */
function compareOrder(a: { time: number; rank: number; eventId: string }, b: { time: number; rank: number; eventId: string }): number {
  if (a.time !== b.time) return a.time - b.time;
  if (a.rank !== b.rank) return a.rank - b.rank;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

function bucketFields(facts: NhtFacts, buckets: readonly Bucket[]): BucketAccs {
  const accs: BucketAccs = new Map();
  const at = (skillId: number, t: number): BucketAcc | undefined => {
    const i = bucketIndexOf(buckets, t);
    return i < 0 ? undefined : bucketAcc(accs, skillId, i, buckets.length);
  };
  for (const q of facts.queued) {
    const acc = at(q.skillId, q.time);
    if (acc) acc.arrivals++;
  }
  for (const w of queueWaits(facts)) {
    const acc = at(w.skillId, w.time);
    if (acc) {
      acc.queueWaitMs += w.waitMs;
      acc.queueWaits++;
    }
  }
  for (const g of facts.segments) {
    if (g.end === null) continue;
    const acc = at(g.skillId, g.end);
    if (acc) {
      acc.segmentMs += g.end - g.start;
      acc.segmentsEnded++;
    }
  }
  return accs;
}

// ---------------------------------------------------------------------------------------------
// Hourly fields: logged-in time, load, work, attribution

/** One agent in one hour H (exported for tests and for checking invariants). */
export interface AgentHourDetail {
  /** |H ∩ A's sessions| in ms */
  loggedInMs: number;
  /** W_A = ∫ load_A over the logged-in time in H, in ms */
  work: Ratio;
  /** W_A,S per skill (only skills with a share); Σ over skills = work exactly */
  attributed: Map<number, Ratio>;
  /** A's counted messages in H per skill */
  messages: Map<number, number>;
  /** A's segments with a counted message in H, per skill */
  handledSegments: Map<number, number>;
  /** Σ |[s, e) ∩ H| over A's segments, per skill */
  segmentTimeMs: Map<number, number>;
  /** skills whose avgAvailableLoad counts A in H: a segment of S overlapping H, or S in the profile */
  memberSkills: Set<number>;
}

/** Working state of one agent-hour; work is a numerator over the agent's maxSlots lcm. */
interface AgentHourAcc {
  loggedInMs: number;
  /** the part of the work numerator kept as a safe integer (see {@link sweepWork}) */
  workSmall: number;
  workBig: bigint;
  messages: Map<number, number>;
  /** segment ids with a counted message in H, per skill */
  handled: Map<number, Set<string>>;
  segmentTimeMs: Map<number, number>;
  memberSkills: Set<number>;
}

function newAgentHourAcc(): AgentHourAcc {
  return {
    loggedInMs: 0,
    workSmall: 0,
    workBig: 0n,
    messages: new Map(),
    handled: new Map(),
    segmentTimeMs: new Map(),
    memberSkills: new Set(),
  };
}

interface AgentFacts {
  sessions: NhtFacts['sessions'];
  segments: NhtFacts['segments'];
  messages: NhtFacts['countedMessages'];
  maxSlots: NhtFacts['maxSlots'];
  profileSkills: NhtFacts['profileSkills'];
}

function groupByAgent(facts: NhtFacts): Map<number, AgentFacts> {
  const agents = new Map<number, AgentFacts>();
  const of = (agentId: number): AgentFacts => {
    let a = agents.get(agentId);
    if (!a) {
      a = { sessions: [], segments: [], messages: [], maxSlots: [], profileSkills: [] };
      agents.set(agentId, a);
    }
    return a;
  };
  for (const s of facts.sessions) of(s.agentId).sessions.push(s);
  for (const g of facts.segments) of(g.agentId).segments.push(g);
  for (const m of facts.countedMessages) of(m.agentId).messages.push(m);
  for (const w of facts.maxSlots) of(w.agentId).maxSlots.push(w);
  for (const w of facts.profileSkills) of(w.agentId).profileSkills.push(w);
  return agents;
}

/** Profile writes sorted in the total order, keeping the last write of each millisecond. */
function collapseWrites<T extends { time: number; rank: number; eventId: string }>(writes: readonly T[]): T[] {
  const sorted = [...writes].sort(compareOrder);
  const out: T[] = [];
  for (const w of sorted) {
    if (out.length > 0 && (out[out.length - 1] as T).time === w.time) out[out.length - 1] = w;
    else out.push(w);
  }
  return out;
}

/** maxSlots in force from `time` on; `scale` = the agent's lcm ÷ value. */
interface SlotSpan {
  time: number;
  value: number;
  scale: bigint;
  scaleSmall: number;
}

/** maxSlots writes resolved to numbers, starting with the default before any write. */
function resolveSlots(agent: AgentFacts, defaultMaxSlots: number): { slots: SlotSpan[]; denominator: bigint } {
  const values = [{ time: Number.NEGATIVE_INFINITY, value: defaultMaxSlots }];
  for (const w of collapseWrites(agent.maxSlots)) values.push({ time: w.time, value: w.value ?? defaultMaxSlots });
  const denominator = values.reduce((d, s) => lcm(d, BigInt(s.value)), 1n);
  const slots = values.map((s) => {
    const scale = denominator / BigInt(s.value);
    return { ...s, scale, scaleSmall: Number(scale) };
  });
  return { slots, denominator };
}

/** Change kinds, packed into the low bits of `time × 4 + kind` (see {@link changePoints}). */
const SESSION_END = 0;
const SEGMENT_END = 1;
const SEGMENT_START = 2;
const SESSION_START = 3;

/**
 * An agent's session and segment edges as `time × 4 + kind`, sorted: a Float64Array sorts
 * numerically without a comparator or an object per edge. Exact for integer times with
 * |t| < 2^51 (floor((4t + kind) / 4) = t, negative t included). The order of kinds at one millisecond does not matter: the sweep applies
 * every change at t before measuring the span that follows.
 */
function changePoints(agent: AgentFacts): Float64Array {
  const packed: number[] = [];
  for (const s of agent.sessions) {
    if (s.end !== null && s.end <= s.start) continue; // empty span
    packed.push(s.start * 4 + SESSION_START);
    if (s.end !== null) packed.push(s.end * 4 + SESSION_END);
  }
  for (const g of agent.segments) {
    if (g.end !== null && g.end <= g.start) continue; // open for no time
    packed.push(g.start * 4 + SEGMENT_START);
    if (g.end !== null) packed.push(g.end * 4 + SEGMENT_END);
  }
  return Float64Array.from(packed).sort();
}

/**
 * Sweep one agent's change points (session edges, segment edges, maxSlots changes, hour
 * boundaries) across the hours; between two change points logged-in state, open segments and
 * maxSlots m are constant, so the work there is len × min(open, m) / m. Numerators are over
 * `denominator` (the lcm of the agent's maxSlots values) so the sweep adds integers: plain
 * numbers while an hour's total (≤ hour length × denominator) is a safe integer, else BigInt.
 */
function sweepWork(agent: AgentFacts, hours: readonly Bucket[], defaultMaxSlots: number, acc: (hour: number) => AgentHourAcc): bigint {
  const { slots, denominator } = resolveSlots(agent, defaultMaxSlots);
  const changes = changePoints(agent);
  const longestHour = hours.reduce((m, h) => Math.max(m, h.end - h.start), 0);
  const small = longestHour * Number(denominator) <= Number.MAX_SAFE_INTEGER;

  let depth = 0; // sessions covering t: logged in when > 0 (overlapping sessions are a union)
  let open = 0;
  let di = 0;
  let si = 0; // slots[si] is in force (slots[0] is the default, from −∞)
  const timeOf = (i: number): number => Math.floor((changes[i] as number) / 4);
  const advanceTo = (t: number): void => {
    for (; di < changes.length && timeOf(di) <= t; di++) {
      const kind = (changes[di] as number) - timeOf(di) * 4;
      if (kind === SESSION_START) depth++;
      else if (kind === SESSION_END) depth--;
      else if (kind === SEGMENT_START) open++;
      else open--;
    }
    while (si + 1 < slots.length && (slots[si + 1] as SlotSpan).time <= t) si++;
  };

  let t = (hours[0] as Bucket).start;
  advanceTo(t);
  for (let h = 0; h < hours.length; h++) {
    const hourEnd = (hours[h] as Bucket).end;
    while (t < hourEnd) {
      let next = hourEnd;
      if (di < changes.length && timeOf(di) < next) next = timeOf(di);
      const nextSlot = slots[si + 1];
      if (nextSlot && nextSlot.time < next) next = nextSlot.time;
      if (depth > 0) {
        const a = acc(h);
        const len = next - t;
        a.loggedInMs += len;
        if (open > 0) {
          const slot = slots[si] as SlotSpan;
          const busy = Math.min(open, slot.value);
          if (small) a.workSmall += len * busy * slot.scaleSmall;
          else a.workBig += BigInt(len) * BigInt(busy) * slot.scale;
        }
      }
      t = next;
      advanceTo(t);
    }
  }
  return denominator;
}

/** Segment time per skill and membership by segment (a segment of S overlapping H, or s = e in H). */
function addSegmentTime(agent: AgentFacts, hours: readonly Bucket[], acc: (hour: number) => AgentHourAcc): void {
  for (const g of agent.segments) {
    const end = g.end ?? Number.POSITIVE_INFINITY;
    if (end === g.start) {
      // [s, s) meets no hour, yet the spec counts it as overlapping the hour containing s.
      const h = bucketIndexOf(hours, g.start);
      if (h >= 0) acc(h).memberSkills.add(g.skillId);
      continue;
    }
    for (let h = firstBucketEndingAfter(hours, g.start); h < hours.length; h++) {
      const hour = hours[h] as Bucket;
      if (hour.start >= end) break;
      const a = acc(h);
      a.segmentTimeMs.set(g.skillId, (a.segmentTimeMs.get(g.skillId) ?? 0) + overlapLength(g.start, end, hour.start, hour.end));
      a.memberSkills.add(g.skillId);
    }
  }
}

/** Membership by profile: each skills value holds over [its write, the next write). */
function addProfileMembership(agent: AgentFacts, hours: readonly Bucket[], accs: ReadonlyArray<AgentHourAcc | undefined>): void {
  const writes = collapseWrites(agent.profileSkills);
  for (let j = 0; j < writes.length; j++) {
    const w = writes[j] as NhtFacts['profileSkills'][number];
    if (w.skills.length === 0) continue;
    const until = writes[j + 1]?.time ?? Number.POSITIVE_INFINITY;
    for (let h = firstBucketEndingAfter(hours, w.time); h < hours.length; h++) {
      if ((hours[h] as Bucket).start >= until) break;
      // Only agents with logged-in time in H change avgAvailableLoad.
      const a = accs[h];
      if (a && a.loggedInMs > 0) for (const s of w.skills) a.memberSkills.add(s);
    }
  }
}

function addCountedMessage(m: NhtFacts['countedMessages'][number], h: number, acc: (hour: number) => AgentHourAcc): void {
  if (h < 0) return;
  const a = acc(h);
  a.messages.set(m.skillId, (a.messages.get(m.skillId) ?? 0) + 1);
  const ids = a.handled.get(m.skillId);
  if (ids) ids.add(m.segmentId);
  else a.handled.set(m.skillId, new Set([m.segmentId]));
}

/**
 * Split W_A over skills: by A's counted messages in H, or, with none, by segment time in H.
 * Work is only positive where a segment overlapped H, so a segment-time share then exists.
 */
function attribute(work: Ratio, messages: Map<number, number>, segmentTimeMs: Map<number, number>): Map<number, Ratio> {
  const out = new Map<number, Ratio>();
  if (work.n === 0n) return out;
  let shares = messages;
  let total = 0;
  for (const c of messages.values()) total += c;
  if (total === 0) {
    shares = segmentTimeMs;
    for (const len of segmentTimeMs.values()) total += len;
  }
  if (total === 0) throw new Error('NHT invariant broken: work without a segment in the hour');
  const d = work.d * BigInt(total);
  for (const [skillId, share] of shares) if (share > 0) out.set(skillId, { n: work.n * BigInt(share), d });
  return out;
}

/**
 * Per hour H of the query (the 60-minute buckets overlapping the window), per agent: logged-in
 * time, W_A, its attribution W_A,S, and the skills whose avgAvailableLoad counts the agent.
 * Exposed so tests can check Σ_S W_A,S = W_A exactly, before any rounding.
 *
 * @example nhtHourlyDetail(facts, query).agents[0]?.get(7)?.work // { n: 2700000n, d: 1n }
 */
export function nhtHourlyDetail(facts: NhtFacts, query: NhtQuery): { hours: Bucket[]; agents: Array<Map<number, AgentHourDetail>> } {
  validateQuery(query);
  const hours = bucketsOverlapping(query.fromMs, query.toMs, 60, query.timeZone);
  return { hours, agents: hourlyDetail(facts, hours, query.defaultMaxSlots) };
}

function hourlyDetail(facts: NhtFacts, hours: readonly Bucket[], defaultMaxSlots: number): Array<Map<number, AgentHourDetail>> {
  const result: Array<Map<number, AgentHourDetail>> = hours.map(() => new Map());
  if (hours.length === 0) return result;
  for (const [agentId, agent] of groupByAgent(facts)) {
    const accs: Array<AgentHourAcc | undefined> = new Array(hours.length);
    const acc = (h: number): AgentHourAcc => {
      let a = accs[h];
      if (!a) accs[h] = a = newAgentHourAcc();
      return a;
    };
    const denominator = sweepWork(agent, hours, defaultMaxSlots, acc);
    addSegmentTime(agent, hours, acc);
    for (const m of agent.messages) addCountedMessage(m, bucketIndexOf(hours, m.time), acc);
    addProfileMembership(agent, hours, accs);

    accs.forEach((a, h) => {
      if (!a) return;
      const work = { n: BigInt(a.workSmall) + a.workBig, d: denominator };
      (result[h] as Map<number, AgentHourDetail>).set(agentId, {
        loggedInMs: a.loggedInMs,
        work,
        attributed: attribute(work, a.messages, a.segmentTimeMs),
        messages: a.messages,
        handledSegments: new Map([...a.handled].map(([skillId, ids]) => [skillId, ids.size])),
        segmentTimeMs: a.segmentTimeMs,
        memberSkills: a.memberSkills,
      });
    });
  }
  return result;
}

/** Per skill and hour: the sums behind the hourly fields. */
interface SkillHour {
  messagesSent: number;
  handledSegments: number;
  /** Σ_A W_A,S in ms */
  work: ExactSum;
  /** Σ W_A and Σ logged-in ms over the agents counted by avgAvailableLoad */
  memberWork: ExactSum;
  memberLoggedInMs: number;
}

function skillHours(hours: readonly Bucket[], detail: Array<Map<number, AgentHourDetail>>): Array<Map<number, SkillHour>> {
  const out: Array<Map<number, SkillHour>> = hours.map(() => new Map());
  const at = (h: number, skillId: number): SkillHour => {
    const row = out[h] as Map<number, SkillHour>;
    let s = row.get(skillId);
    if (!s) {
      s = { messagesSent: 0, handledSegments: 0, work: new ExactSum(), memberWork: new ExactSum(), memberLoggedInMs: 0 };
      row.set(skillId, s);
    }
    return s;
  };
  detail.forEach((agents, h) => {
    for (const a of agents.values()) {
      // A segment belongs to one agent, so the agents' handled sets are disjoint.
      for (const [skillId, count] of a.messages) at(h, skillId).messagesSent += count;
      for (const [skillId, count] of a.handledSegments) at(h, skillId).handledSegments += count;
      for (const [skillId, w] of a.attributed) at(h, skillId).work.add(w.n, w.d);
      if (a.loggedInMs === 0) continue; // adds nothing to either sum of avgAvailableLoad
      for (const skillId of a.memberSkills) {
        const s = at(h, skillId);
        s.memberWork.add(a.work.n, a.work.d);
        s.memberLoggedInMs += a.loggedInMs;
      }
    }
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Hours: the unit a store can cache

/** One skill's sums in one 15-minute bucket: additive, so a 30- or 60-minute bucket adds its quarters. */
export type QuarterSums = BucketAcc;

/** The hourly fields of one skill in one hour H, rounded (they are never combined across hours). */
export interface HourlyFields {
  avgAvailableLoad: number;
  messagesSent: number;
  handledSegments: number;
  avgSegmentWorkTime: number;
  netHandleTime: number;
}

export interface NhtHourSkill {
  /** sums per 15-minute bucket of the hour (index into {@link NhtHour.quarters}); undefined = none */
  quarters: Array<QuarterSums | undefined>;
  /** undefined = no logged-in agent, message or segment of the skill in the hour */
  hourly: HourlyFields | undefined;
}

/**
 * Everything NHT reports about one 60-minute bucket H: its 15-minute buckets' sums and its hourly
 * fields per skill. It depends only on facts that touch H (metrics.md §3 computes every field over
 * whole buckets), so a store can keep it and answer any window, interval or zone whose hours are
 * the same UTC instants (engineering.md: bucket in UTC at 15 minutes, roll up to the zone).
 */
export interface NhtHour {
  start: number;
  end: number;
  /** the hour's 15-minute buckets in order (four UTC quarter-hours, except around an odd DST change) */
  quarters: Bucket[];
  skills: Map<number, NhtHourSkill>;
  /** the skills this hour adds to the default skill list (see {@link defaultSkillIds}), ascending */
  activeSkills: number[];
}

const NO_HOURLY: HourlyFields = { avgAvailableLoad: -1, messagesSent: 0, handledSegments: 0, avgSegmentWorkTime: -1, netHandleTime: -1 };

function hourlyFieldsOf(h: SkillHour): HourlyFields {
  const { messagesSent, handledSegments } = h;
  const work = h.work.value();
  const memberWork = h.memberWork.value();
  return {
    avgAvailableLoad: h.memberLoggedInMs > 0 ? decimals4({ n: memberWork.n, d: memberWork.d * BigInt(h.memberLoggedInMs) }) : -1,
    messagesSent,
    handledSegments,
    avgSegmentWorkTime: messagesSent > 0 ? seconds2({ n: work.n, d: work.d * BigInt(messagesSent) }) : -1,
    netHandleTime: handledSegments > 0 ? seconds2({ n: work.n, d: work.d * BigInt(handledSegments) }) : -1,
  };
}

/** Per hour, the skills of {@link defaultSkillIds} whose activity falls in that hour (the one place that rule is written); ascending. */
function activeSkillsByHour(facts: NhtFacts, hours: readonly Bucket[]): number[][] {
  const active: Array<Set<number>> = hours.map(() => new Set());
  const mark = (t: number, skillId: number): void => {
    const h = bucketIndexOf(hours, t);
    if (h >= 0) (active[h] as Set<number>).add(skillId);
  };
  for (const q of facts.queued) mark(q.time, q.skillId);
  for (const m of facts.countedMessages) mark(m.time, m.skillId);
  // Ignored starts never reach the facts; a listed start is also a segment, kept for stores
  // that send starts without their segments.
  for (const s of facts.segmentStarts) mark(s.time, s.skillId);
  // A start or end in H, or open across part of it: every hour with s < H.end and e ≥ H.start (e = ∞ while open).
  for (const g of facts.segments) {
    const end = g.end ?? Number.POSITIVE_INFINITY;
    for (let h = firstBucketEndingAfter(hours, g.start); h < hours.length && (hours[h] as Bucket).start <= end; h++) {
      (active[h] as Set<number>).add(g.skillId);
    }
  }
  return active.map((skills) => [...skills].sort((a, b) => a - b));
}

/**
 * The {@link NhtHour}s of contiguous 60-minute buckets, from facts covering them; `quarters` are
 * the 15-minute buckets of the same zone from the first hour's start to the last one's end.
 *
 * @example computeNhtHours(facts, [{ start: 09:00Z, end: 10:00Z }], fourQuarters, 4)[0]?.skills.get(1)?.hourly?.netHandleTime // 1350
 */
export function computeNhtHours(
  facts: NhtFacts,
  hours: readonly Bucket[],
  quarters: readonly Bucket[],
  defaultMaxSlots: number,
): NhtHour[] {
  const perQuarter = bucketFields(facts, quarters);
  const perHour = skillHours(hours, hourlyDetail(facts, hours, defaultMaxSlots));
  const active = activeSkillsByHour(facts, hours);
  const byHour = quartersByHour(hours, quarters);
  let q = 0;
  return hours.map((hour, h) => {
    const hourQuarters = byHour[h] as Bucket[];
    const first = q;
    q += hourQuarters.length;
    const skills = new Map<number, NhtHourSkill>();
    const at = (skillId: number): NhtHourSkill => {
      let s = skills.get(skillId);
      if (!s) skills.set(skillId, (s = { quarters: hourQuarters.map(() => undefined), hourly: undefined }));
      return s;
    };
    for (const [skillId, accs] of perQuarter) {
      for (let i = first; i < q; i++) {
        const acc = accs[i];
        if (acc) at(skillId).quarters[i - first] = acc;
      }
    }
    for (const [skillId, sums] of perHour[h] as Map<number, SkillHour>) at(skillId).hourly = hourlyFieldsOf(sums);
    return { start: hour.start, end: hour.end, quarters: hourQuarters, skills, activeSkills: active[h] as number[] };
  });
}

/** The default skill list of a window from its hours: the union of their active skills, ascending. */
export function defaultSkillsOfHours(hours: readonly NhtHour[]): number[] {
  return unionAscending(hours.map((h) => h.activeSkills));
}

function addQuarter(into: BucketAcc, q: BucketAcc): void {
  into.arrivals += q.arrivals;
  into.queueWaitMs += q.queueWaitMs;
  into.queueWaits += q.queueWaits;
  into.segmentMs += q.segmentMs;
  into.segmentsEnded += q.segmentsEnded;
}

function intervalOf(bucket: Bucket, timestamp: string, b: BucketAcc | undefined, h: HourlyFields): NhtInterval {
  return {
    timestamp,
    epochTimestamp: bucket.start,
    arrivals: b?.arrivals ?? 0,
    avgTimeInQueue: b && b.queueWaits > 0 ? seconds2(msRatio(b.queueWaitMs, b.queueWaits)) : -1,
    totalAgentSegmentDuration: b ? seconds2(msRatio(b.segmentMs, 1)) : 0,
    avgAgentSegmentDuration: b && b.segmentsEnded > 0 ? seconds2(msRatio(b.segmentMs, b.segmentsEnded)) : -1,
    ...h,
  };
}

/**
 * The NHT rows of a query from the hours its buckets lie in (every bucket overlapping the window
 * is a run of 15-minute buckets of one hour). `hours` must cover the window's hours, in order.
 */
export function nhtRowsFromHours(
  hours: readonly NhtHour[],
  query: Omit<NhtQuery, 'defaultMaxSlots' | 'skillIds'>,
  skills: readonly number[],
): NhtSkillRow[] {
  const buckets = bucketsOverlapping(query.fromMs, query.toMs, query.intervalMinutes, query.timeZone);
  // Per bucket: its hour and the range of that hour's quarters inside it.
  const layout: Array<{ hour: NhtHour; from: number; to: number; timestamp: string }> = [];
  let h = 0;
  for (const bucket of buckets) {
    while (h < hours.length && (hours[h] as NhtHour).end <= bucket.start) h++;
    const hour = hours[h];
    if (!hour || hour.start > bucket.start) throw new Error(`no NHT hour covers the bucket starting at ${bucket.start}`);
    let from = 0;
    while (from < hour.quarters.length && (hour.quarters[from] as Bucket).start < bucket.start) from++;
    let to = from;
    while (to < hour.quarters.length && (hour.quarters[to] as Bucket).end <= bucket.end) to++;
    layout.push({ hour, from, to, timestamp: formatNhtTimestamp(bucket.start, query.timeZone) });
  }
  return skills.map((skillId) => ({
    skillId,
    metricsByIntervals: buckets.map((bucket, i) => {
      const { hour, from, to, timestamp } = layout[i] as (typeof layout)[number];
      const skill = hour.skills.get(skillId);
      let sums: BucketAcc | undefined;
      if (skill) {
        for (let j = from; j < to; j++) {
          const quarter = skill.quarters[j];
          if (!quarter) continue;
          if (!sums) sums = emptyBucketAcc();
          addQuarter(sums, quarter);
        }
      }
      return intervalOf(bucket, timestamp, sums, skill?.hourly ?? NO_HOURLY);
    }),
  }));
}

/** Each hour's own 15-minute buckets, in order (hour boundaries are quarter boundaries in every zone). */
export function quartersByHour(hours: readonly Bucket[], quarters: readonly Bucket[]): Bucket[][] {
  let q = 0;
  return hours.map((hour) => {
    const own: Bucket[] = [];
    while (q < quarters.length && (quarters[q] as Bucket).end <= hour.end) own.push(quarters[q++] as Bucket);
    return own;
  });
}

/** The 60-minute buckets overlapping a query's window and their 15-minute buckets. */
export function nhtHoursPlan(query: Pick<NhtQuery, 'fromMs' | 'toMs' | 'timeZone'>): { hours: Bucket[]; quarters: Bucket[] } {
  const hours = bucketsOverlapping(query.fromMs, query.toMs, 60, query.timeZone);
  const first = hours[0];
  const last = hours[hours.length - 1];
  if (!first || !last) return { hours, quarters: [] };
  return { hours, quarters: bucketsOverlapping(first.start, last.end, 15, query.timeZone) };
}

// ---------------------------------------------------------------------------------------------
// The metric

/**
 * NHT per skill and bucket for every bucket overlapping [fromMs, toMs) (spec/metrics.md §3):
 * bucket fields over each bucket, hourly fields over the bucket's local hour, repeated in its
 * sub-hour buckets. Skills ascending, all of them (paging is the API's job); unknown skills
 * get rows of 0 / −1. Throws ZoneError for a zone {@link zoneOffsetProblem} rejects.
 *
 * @example computeNht(facts, { fromMs: Date.UTC(2026, 2, 30, 9), toMs: Date.UTC(2026, 2, 30, 10),
 *   intervalMinutes: 60, skillIds: [1], defaultMaxSlots: 4 })[0]?.metricsByIntervals[0]?.netHandleTime // 1350
 */
export function computeNht(facts: NhtFacts, query: NhtQuery): NhtSkillRow[] {
  validateQuery(query);
  const { hours, quarters } = nhtHoursPlan(query);
  const nhtHours = computeNhtHours(facts, hours, quarters, query.defaultMaxSlots);
  const skills = query.skillIds ? [...new Set(query.skillIds)].sort((a, b) => a - b) : defaultSkillsOfHours(nhtHours);
  return nhtRowsFromHours(nhtHours, query, skills);
}
