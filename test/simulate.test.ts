import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import {
  AGENT_STATUSES,
  compareEvents,
  EVENT_TYPES,
  MESSAGE_SOURCES,
  QUEUE_REASONS,
  SEGMENT_END_REASONS,
  type WfmEvent,
} from '../src/domain/events.js';
import { type SimulateOptions, simulate, simulateToNdjson } from '../src/sim/simulate.js';

const MIDNIGHT = Date.UTC(2026, 2, 30);
const HOUR = 3_600_000;
const DAY_40: SimulateOptions = { seed: 1, agents: 40, hours: 24, start: MIDNIGHT };

const runs = new Map<string, WfmEvent[]>();
function run(o: SimulateOptions): WfmEvent[] {
  const key = JSON.stringify(o);
  let events = runs.get(key);
  if (events === undefined) {
    events = [...simulate(o)];
    runs.set(key, events);
  }
  return events;
}

function digest(events: Iterable<WfmEvent>): string {
  const h = createHash('sha256');
  for (const e of events) h.update(JSON.stringify(e) + '\n');
  return h.digest('hex');
}

// --- a validator for the contract of spec/events.md ---------------------------------------------

const PROFILE = ['employeeId', 'loginName', 'userName', 'groupId', 'maxSlots', 'skills'];
const FIELDS: Record<string, { required: string[]; optional: string[] }> = {
  'agent.login': { required: ['agentId'], optional: ['sessionId', 'status', 'reasonId', 'reasonText', ...PROFILE] },
  'agent.status': { required: ['agentId', 'status'], optional: ['reasonId', 'reasonText'] },
  'agent.logout': { required: ['agentId'], optional: [] },
  'agent.profile': { required: ['agentId'], optional: PROFILE },
  'conversation.queued': { required: ['conversationId', 'skillId', 'reason'], optional: [] },
  'segment.start': { required: ['conversationId', 'agentId', 'skillId'], optional: [] },
  'segment.end': { required: ['conversationId', 'agentId', 'endReason'], optional: [] },
  message: { required: ['conversationId', 'from'], optional: ['agentId'] },
  'workspace.focus': { required: ['agentId', 'conversationId'], optional: [] },
  'workspace.blur': { required: ['agentId', 'conversationId'], optional: [] },
};
const VISIBLE_ID = /^[\x21-\x7e]{1,128}$/;
const isInt = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;
const isText = (v: unknown): boolean => typeof v === 'string' && [...v].length <= 256;

/** Problems with one event, [] when it is valid. */
function problems(e: WfmEvent, start: number, end: number): string[] {
  const out: string[] = [];
  const rec = e as unknown as Record<string, unknown>;
  const spec = FIELDS[e.type];
  if (spec === undefined) return [`unknown type ${e.type}`];
  const allowed = new Set(['id', 'type', 'time', ...spec.required, ...spec.optional]);
  for (const [k, v] of Object.entries(rec)) {
    if (!allowed.has(k)) out.push(`field ${k} not allowed`);
    if (v === null || v === undefined) out.push(`field ${k} is ${String(v)}`);
  }
  for (const k of spec.required) if (!(k in rec)) out.push(`missing ${k}`);
  if (typeof e.id !== 'string' || !VISIBLE_ID.test(e.id)) out.push('bad id');
  if (!Number.isSafeInteger(e.time) || e.time < start || e.time > end) out.push('time outside the span');
  if ('agentId' in rec && !isInt(rec.agentId, 1)) out.push('bad agentId');
  if ('skillId' in rec && !isInt(rec.skillId, 1)) out.push('bad skillId');
  if ('sessionId' in rec && !isInt(rec.sessionId, 1)) out.push('bad sessionId');
  if ('groupId' in rec && !isInt(rec.groupId, -1)) out.push('bad groupId');
  if ('reasonId' in rec && !isInt(rec.reasonId, 0)) out.push('bad reasonId');
  if ('maxSlots' in rec && !isInt(rec.maxSlots, 1)) out.push('bad maxSlots');
  if ('conversationId' in rec && !(typeof rec.conversationId === 'string' && VISIBLE_ID.test(rec.conversationId))) {
    out.push('bad conversationId');
  }
  if ('employeeId' in rec && !(typeof rec.employeeId === 'string' && /^[\x21-\x7e]{0,128}$/.test(rec.employeeId))) {
    out.push('bad employeeId');
  }
  for (const k of ['loginName', 'userName', 'reasonText']) if (k in rec && !isText(rec[k])) out.push(`bad ${k}`);
  if ('skills' in rec) {
    const s = rec.skills;
    if (!Array.isArray(s) || s.length < 1 || s.length > 3 || !s.every((x) => isInt(x, 1))) out.push('bad skills');
  }
  if ('status' in rec && !(AGENT_STATUSES as readonly unknown[]).includes(rec.status)) out.push('bad status');
  if (e.type === 'conversation.queued' && !(QUEUE_REASONS as readonly string[]).includes(e.reason)) out.push('bad reason');
  if (e.type === 'segment.end' && !(SEGMENT_END_REASONS as readonly string[]).includes(e.endReason)) out.push('bad endReason');
  if (e.type === 'message') {
    if (!(MESSAGE_SOURCES as readonly string[]).includes(e.from)) out.push('bad from');
    if ((e.from === 'agent') !== 'agentId' in rec) out.push('agentId present iff from is agent');
  }
  if (e.type === 'agent.profile' && !PROFILE.some((k) => k in rec)) out.push('profile without a profile field');
  return out;
}

function assertValid(events: readonly WfmEvent[], o: SimulateOptions): void {
  const end = o.start + o.hours * HOUR;
  const ids = new Set<string>();
  let prev: WfmEvent | undefined;
  for (const e of events) {
    const p = problems(e, o.start, end);
    assert.deepEqual(p, [], `${JSON.stringify(e)}: ${p.join(', ')}`);
    assert.ok(!ids.has(e.id), `duplicate id ${e.id}`);
    ids.add(e.id);
    if (prev !== undefined) assert.ok(compareEvents(prev, e) < 0, `out of order: ${JSON.stringify(prev)} then ${JSON.stringify(e)}`);
    prev = e;
  }
}

interface ReplayStats {
  maxLoad: number;
  segmentsOpenAtLogout: number;
  segmentsOpenAtEnd: number;
  closedSegments: number;
}

/**
 * Replays the stream and checks the state rules: slots, segment pairing, who sends agent
 * messages, who gets segments.
 */
function replay(events: readonly WfmEvent[]): ReplayStats {
  const maxSlots = new Map<number, number>();
  const skills = new Map<number, number[]>();
  const loggedIn = new Set<number>();
  const status = new Map<number, string>();
  const open = new Map<number, Set<string>>(); // agent → conversations
  const holder = new Map<string, Set<number>>(); // conversation → agents
  const stats: ReplayStats = { maxLoad: 0, segmentsOpenAtLogout: 0, segmentsOpenAtEnd: 0, closedSegments: 0 };
  const openOf = (a: number): Set<string> => {
    let s = open.get(a);
    if (s === undefined) open.set(a, (s = new Set()));
    return s;
  };
  for (const e of events) {
    switch (e.type) {
      case 'agent.login':
      case 'agent.profile':
        if (e.maxSlots !== undefined) maxSlots.set(e.agentId, e.maxSlots);
        if (e.skills !== undefined) skills.set(e.agentId, e.skills);
        if (e.type === 'agent.login') {
          assert.ok(!loggedIn.has(e.agentId), `login while logged in: ${e.id}`);
          loggedIn.add(e.agentId);
          status.set(e.agentId, e.status ?? 'ONLINE');
        } else {
          const m = e.maxSlots;
          if (m !== undefined) assert.ok(openOf(e.agentId).size <= m, `maxSlots lowered below open segments: ${e.id}`);
        }
        break;
      case 'agent.status':
        assert.ok(loggedIn.has(e.agentId), `status without session: ${e.id}`);
        status.set(e.agentId, e.status);
        break;
      case 'agent.logout':
        assert.ok(loggedIn.has(e.agentId), `logout without session: ${e.id}`);
        loggedIn.delete(e.agentId);
        stats.segmentsOpenAtLogout += openOf(e.agentId).size;
        break;
      case 'segment.start': {
        const mine = openOf(e.agentId);
        assert.ok(!mine.has(e.conversationId), `segment.start while open: ${e.id}`);
        assert.ok(loggedIn.has(e.agentId), `segment.start for a logged-out agent: ${e.id}`);
        assert.equal(status.get(e.agentId), 'ONLINE', `segment.start for an agent not ONLINE: ${e.id}`);
        assert.ok((skills.get(e.agentId) ?? []).includes(e.skillId), `segment.start on a skill the agent lacks: ${e.id}`);
        const others = holder.get(e.conversationId);
        assert.ok(others === undefined || others.size === 0, `conversation held by two agents: ${e.id}`);
        mine.add(e.conversationId);
        holder.set(e.conversationId, new Set([e.agentId]));
        const slots = maxSlots.get(e.agentId) ?? 4;
        assert.ok(mine.size <= slots, `agent ${e.agentId} holds ${mine.size} > maxSlots ${slots} at ${e.id}`);
        stats.maxLoad = Math.max(stats.maxLoad, mine.size / slots);
        break;
      }
      case 'segment.end': {
        const mine = openOf(e.agentId);
        assert.ok(mine.has(e.conversationId), `segment.end without an open segment: ${e.id}`);
        mine.delete(e.conversationId);
        holder.get(e.conversationId)?.delete(e.agentId);
        stats.closedSegments++;
        break;
      }
      case 'message':
        if (e.from === 'agent') {
          assert.ok(
            e.agentId !== undefined && openOf(e.agentId).has(e.conversationId),
            `agent message outside the agent's segment: ${e.id}`,
          );
        }
        break;
      case 'workspace.focus':
      case 'workspace.blur':
        break;
      case 'conversation.queued': {
        const h = holder.get(e.conversationId);
        assert.ok(h === undefined || h.size === 0, `queued while a segment is open: ${e.id}`);
        break;
      }
    }
  }
  for (const s of open.values()) stats.segmentsOpenAtEnd += s.size;
  return stats;
}

function countBy<T>(items: Iterable<T>, key: (x: T) => string | undefined): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of items) {
    const k = key(x);
    if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

// --- tests ------------------------------------------------------------------------------------------

test('determinism: same seed → identical output, different seed → different', () => {
  const small: SimulateOptions = { seed: 42, agents: 12, hours: 10, start: MIDNIGHT };
  const a = digest(simulate(small));
  const b = digest(simulate({ ...small }));
  assert.equal(a, b);
  assert.notEqual(digest(simulate({ ...small, seed: 43 })), a);
  assert.equal(digest(run(DAY_40)), digest(simulate(DAY_40)));
});

test('40 agents × 24 h: every event valid, unique ids, total order of events.md', (t) => {
  const events = run(DAY_40);
  assertValid(events, DAY_40);
  const byType = countBy(events, (e) => e.type);
  t.diagnostic(`40 agents × 24 h: ${events.length} events; ${JSON.stringify(Object.fromEntries(byType))}`);
  assert.ok(events.length > 5_000 && events.length < 100_000, `event count ${events.length}`);
});

test('every type, status, queue reason, end reason and message source occurs', () => {
  const events = run(DAY_40);
  const types = new Set(events.map((e) => e.type));
  for (const type of EVENT_TYPES) assert.ok(types.has(type), `no ${type}`);
  const statuses = new Set(events.flatMap((e) => (e.type === 'agent.status' ? [e.status] : [])));
  for (const s of AGENT_STATUSES) assert.ok(statuses.has(s), `no status ${s}`);
  const reasons = new Set(events.flatMap((e) => (e.type === 'conversation.queued' ? [e.reason] : [])));
  for (const r of QUEUE_REASONS) assert.ok(reasons.has(r), `no queue reason ${r}`);
  const ends = new Set(events.flatMap((e) => (e.type === 'segment.end' ? [e.endReason] : [])));
  for (const r of SEGMENT_END_REASONS) assert.ok(ends.has(r), `no end reason ${r}`);
  const sources = new Set(events.flatMap((e) => (e.type === 'message' ? [e.from] : [])));
  for (const s of MESSAGE_SOURCES) assert.ok(sources.has(s), `no message from ${s}`);
  const awayTexts = new Set(
    events.flatMap((e) => (e.type === 'agent.status' && e.status === 'AWAY' && e.reasonText ? [e.reasonText] : [])),
  );
  for (const r of ['Lunch', 'Break']) assert.ok(awayTexts.has(r), `no AWAY ${r}`);
  const logins = events.filter((e) => e.type === 'agent.login');
  assert.ok(logins.some((e) => e.employeeId !== undefined && e.skills !== undefined && e.maxSlots !== undefined));
});

test('state rules: slots never exceed maxSlots, ends close open segments, agent messages come from the holder', (t) => {
  const events = run(DAY_40);
  const stats = replay(events);
  t.diagnostic(
    `closed segments ${stats.closedSegments}, open at a logout ${stats.segmentsOpenAtLogout}, ` +
      `open at the end ${stats.segmentsOpenAtEnd}, max load ${stats.maxLoad}`,
  );
  assert.ok(stats.maxLoad <= 1);
  // holding segments across a logout happens, but rarely
  assert.ok(stats.segmentsOpenAtLogout <= stats.closedSegments * 0.02);
});

test('profiles: employee ids, names, groups, 1–4 slots mostly 2–3, 1–3 skills', () => {
  const events = run(DAY_40);
  const first = new Map<number, WfmEvent>();
  for (const e of events) if (e.type === 'agent.login' && !first.has(e.agentId)) first.set(e.agentId, e);
  assert.ok(first.size >= 36, `only ${first.size} of 40 agents logged in`);
  const slots: number[] = [];
  for (const e of first.values()) {
    assert.equal(e.type, 'agent.login');
    if (e.type !== 'agent.login') continue;
    assert.match(e.employeeId ?? '', /^E\d{4,}$/);
    assert.ok((e.loginName ?? '').length > 0 && (e.userName ?? '').includes(' '));
    assert.ok((e.groupId ?? 0) >= 1);
    slots.push(e.maxSlots ?? 0);
  }
  const mid = slots.filter((s) => s === 2 || s === 3).length;
  assert.ok(mid / slots.length >= 0.6, `slots ${slots.join(',')}`);
  assert.ok(slots.every((s) => s >= 1 && s <= 4));
});

test('arrivals follow the hour of day: more at 11:00 than at 03:00', (t) => {
  const events = run(DAY_40);
  const perHour = new Array<number>(24).fill(0);
  for (const e of events) {
    if (e.type === 'conversation.queued' && e.reason === 'new') {
      const h = Math.floor((e.time - DAY_40.start) / HOUR);
      perHour[h] = (perHour[h] ?? 0) + 1;
    }
  }
  t.diagnostic(`new arrivals per hour: ${perHour.join(' ')}`);
  assert.ok((perHour[11] ?? 0) > 3 * (perHour[3] ?? 0), `11:00 ${perHour[11]} vs 03:00 ${perHour[3]}`);
  assert.ok((perHour[15] ?? 0) > 3 * (perHour[3] ?? 0));
});

test('dialogue realism: alternating messages, streaks, focus switching, idle focus', () => {
  const events = run(DAY_40);
  // per conversation, agent message gaps after consumer messages; streaks; focus switches
  const lastFrom = new Map<string, { from: string; time: number }>();
  let streaks = 0;
  let agentReplies = 0;
  const focusOf = new Map<number, string>();
  let switches = 0;
  let longIdle = 0;
  const focusedAt = new Map<number, number>();
  for (const e of events) {
    if (e.type === 'message' && (e.from === 'agent' || e.from === 'consumer')) {
      const prev = lastFrom.get(e.conversationId);
      if (e.from === 'agent' && prev?.from === 'agent') streaks++;
      if (e.from === 'agent' && prev?.from === 'consumer') agentReplies++;
      lastFrom.set(e.conversationId, { from: e.from, time: e.time });
      if (e.from === 'agent' && e.agentId !== undefined) {
        const f = focusedAt.get(e.agentId);
        if (f !== undefined && e.time - f > 5 * 60_000) longIdle++;
        focusedAt.delete(e.agentId);
      }
    }
    if (e.type === 'workspace.focus') {
      const before = focusOf.get(e.agentId);
      if (before !== undefined && before !== e.conversationId) switches++;
      focusOf.set(e.agentId, e.conversationId);
      focusedAt.set(e.agentId, e.time);
    }
    if (e.type === 'workspace.blur' || e.type === 'agent.logout') focusOf.delete(e.agentId);
  }
  assert.ok(agentReplies > 1000, `agent replies ${agentReplies}`);
  assert.ok(streaks > 100, `streaks ${streaks}`);
  assert.ok(switches > 100, `focus switches ${switches}`);
  assert.ok(longIdle > 5, `idle focus ${longIdle}`);
});

test('other shapes stay valid: one skill, an odd start, several days, no agents', (t) => {
  const shapes: SimulateOptions[] = [
    { seed: 5, agents: 7, hours: 30, start: MIDNIGHT + 5 * HOUR + 123, skills: 1 },
    { seed: -3, agents: 60, hours: 72, start: MIDNIGHT, skills: 6 },
    { seed: 9, agents: 0, hours: 6, start: MIDNIGHT },
    { seed: 10, agents: 3, hours: 0, start: MIDNIGHT },
  ];
  for (const o of shapes) {
    const events = [...simulate(o)];
    assertValid(events, o);
    const stats = replay(events);
    // the rare path: an agent logs out still holding segments (the system closes them later)
    if (o.agents === 60) assert.ok(stats.segmentsOpenAtLogout > 0, 'no segment held across a logout in 3 days');
    if (o.skills === 1) assert.ok(!events.some((e) => e.type === 'segment.end' && e.endReason === 'skillTransfer'));
    t.diagnostic(`${JSON.stringify(o)}: ${events.length} events, ${stats.segmentsOpenAtLogout} segments held across a logout`);
  }
  assert.throws(() => [...simulate({ seed: Number.NaN, agents: 1, hours: 1, start: MIDNIGHT })], RangeError);
  assert.throws(() => [...simulate({ seed: 1, agents: 1.5, hours: 1, start: MIDNIGHT })], RangeError);
});

test('simulateToNdjson writes the same events, one JSON object per line, time as epoch ms', () => {
  const o: SimulateOptions = { seed: 7, agents: 15, hours: 12, start: MIDNIGHT };
  const chunks: string[] = [];
  const n = simulateToNdjson(o, (c) => chunks.push(c));
  const text = chunks.join('');
  assert.ok(text.endsWith('\n'));
  const lines = text.slice(0, -1).split('\n');
  assert.equal(lines.length, n);
  const expected = [...simulate(o)];
  assert.equal(lines.length, expected.length);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    assert.equal(line, JSON.stringify(expected[i]));
    const parsed = JSON.parse(line) as Record<string, unknown>;
    assert.ok(Number.isSafeInteger(parsed.time));
    assert.ok(!('accountId' in parsed));
    assert.deepEqual(Object.keys(parsed).slice(0, 3), ['id', 'type', 'time']);
  }
});

test('speed (diagnostic only)', (t) => {
  const o: SimulateOptions = { seed: 11, agents: 500, hours: 48, start: MIDNIGHT };
  const t0 = performance.now();
  let n = 0;
  for (const e of simulate(o)) if (e.time >= 0) n++;
  const ms = performance.now() - t0;
  t.diagnostic(`500 agents × 48 h: ${n} events in ${Math.round(ms)} ms = ${Math.round((n / ms) * 1000)} events/s`);
  let bytes = 0;
  const t1 = performance.now();
  const m = simulateToNdjson(o, (c) => (bytes += c.length));
  const ms2 = performance.now() - t1;
  t.diagnostic(`as NDJSON: ${Math.round((m / ms2) * 1000)} events/s, ${Math.round(bytes / m)} bytes/event`);
});
