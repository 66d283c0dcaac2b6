/**
 * Property tests of the Agent Activity outputs through the HTTP API (spec/events.md
 * "Order" and "Idempotency", spec/metrics.md §1, spec/api.md Agent Activity and data quality):
 * the outputs are a pure function of the event set, whatever the arrival order, batching,
 * duplicates or rebuilds, and the v2 records keep the session numbering invariants.
 *
 * Generated sets are valid but messy: 1–4 agents over a few hours, logins with and without an
 * explicit sessionId and with profile fields, statuses (AWAY with and without reasons, reasons on
 * other statuses), logouts, profile changes, the inconsistent cases (status or OFFLINE without a
 * session, login while open, logout without a session), segment starts and ends (repeated starts,
 * ends without a start), focus and blur, agent messages — with most events sharing one of a few
 * milliseconds, so the total order and the "profile as of t sees every write at t" rule decide.
 *
 * Minting a token costs a scrypt hash (~0.2 s), so each property keeps its harnesses for all its
 * runs, and every run lives on its own day with its own agent ids and event ids: an agent's state
 * never reaches another agent, and every read names a one-day window, so runs cannot see each other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ACCOUNT, DAY0, type Harness, harness } from './support/harness.js';

const MIN = 60_000;
const DAY = 86_400_000;
const NUM_RUNS = 50;

// ---------------------------------------------------------------------------------------------
// The generator

const STATUSES = ['ONLINE', 'BACK_SOON', 'AWAY', 'OFFLINE'] as const;
const END_REASONS = [
  'closedByConsumer',
  'closedByAgent',
  'closedBySystem',
  'agentTransfer',
  'skillTransfer',
  'backToQueue',
  'other',
] as const;
/** Every accepted spelling of one instant: the stored event (and its identity) is the same. */
const TIME_FORMS = ['ms', 'Z', 'lower', 'micro', 'plus0530', 'minus0300'] as const;
type TimeForm = (typeof TIME_FORMS)[number];

/** spec/events.md "Order", rule 2 (written out here, not imported, so the test checks the code). */
const RANK: Record<string, number> = {
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

/** One generated event before it is placed on a run's day, agents and ids. */
interface Draft {
  /** index into the run's agents (modulo their number) */
  agent: number;
  /** time = run start + (slot modulo the set's slots) × 10 min + jitter ms: few distinct milliseconds, many ties */
  slot: number;
  jitter: number;
  /** take the agent and instant of the previous draft (of the previous login, for a login) */
  twin: boolean;
  timeForm: TimeForm;
  /** logins only: no sessionId, one unique to this login, a small shared one (7), or the previous login's */
  session: 'none' | 'unique' | 'pool' | 'same';
  /** a random id prefix, so the id order (the last tie-breaker) is random */
  idPrefix: string;
  /** position in a shuffled arrival order */
  shuffleKey: number;
  /** in a randomly batched arrival, whether a batch ends after this event */
  cutAfter: boolean;
  /** the type and its fields, without id, time and agentId */
  body: Record<string, unknown>;
}

interface EventSet {
  agents: number;
  /** distinct slots in use: 25 spreads a run over four hours, 3 crowds it into three instants */
  slots: number;
  drafts: Draft[];
  order: 'shuffled' | 'sorted' | 'generated';
  batching: 'random' | 'single' | 'one-per-post';
}

const ID_CHARS = [...'!"#$%&()*+,-./:;<=>?@AZ[\\]^_`az{|}'];
const conversation = fc.constantFrom('c1', 'c2', 'c3');
const profileFields = fc.record(
  {
    employeeId: fc.constantFrom('', 'E1', 'E2', 'e1', 'E"\\~'),
    loginName: fc.constantFrom('', 'ana', 'Zoë', '李雷', 'x😀'),
    userName: fc.constantFrom('', 'Ana A', 'Ben B', 'Ω'),
    groupId: fc.integer({ min: -1, max: 3 }),
    maxSlots: fc.integer({ min: 1, max: 5 }),
    skills: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);
const reasonFields = fc.record(
  {
    reasonId: fc.integer({ min: 0, max: 20 }),
    reasonText: fc.oneof(fc.constantFrom('', 'Lunch', 'Pause café ☕'), fc.string({ maxLength: 8 })),
  },
  { requiredKeys: [] },
);
const status = fc.constantFrom(...STATUSES, 'AWAY', 'AWAY');

const bodyArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.option(status, { nil: undefined }), reasonFields, profileFields)
      .map(([s, reason, profile]) => ({ type: 'agent.login', ...(s === undefined ? {} : { status: s }), ...reason, ...profile })),
  },
  { weight: 7, arbitrary: fc.tuple(status, reasonFields).map(([s, reason]) => ({ type: 'agent.status', status: s, ...reason })) },
  { weight: 3, arbitrary: fc.constant({ type: 'agent.logout' }) },
  {
    weight: 3,
    arbitrary: profileFields.filter((p) => Object.keys(p).length > 0).map((p) => ({ type: 'agent.profile', ...p })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(conversation, fc.integer({ min: 1, max: 3 }))
      .map(([conversationId, skillId]) => ({ type: 'segment.start', conversationId, skillId })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(conversation, fc.constantFrom(...END_REASONS))
      .map(([conversationId, endReason]) => ({ type: 'segment.end', conversationId, endReason })),
  },
  { weight: 1, arbitrary: conversation.map((conversationId) => ({ type: 'workspace.focus', conversationId })) },
  { weight: 1, arbitrary: conversation.map((conversationId) => ({ type: 'workspace.blur', conversationId })) },
  { weight: 1, arbitrary: conversation.map((conversationId) => ({ type: 'message', conversationId, from: 'agent' })) },
);

function draftArb(repeatSessionIds: boolean): fc.Arbitrary<Draft> {
  return fc.record({
    agent: fc.nat(3),
    slot: fc.nat(24),
    jitter: fc.constantFrom(0, 0, 0, 0, 0, 1, 2, 999),
    twin: fc.constantFrom(false, false, true),
    timeForm: fc.constantFrom(...TIME_FORMS),
    session: repeatSessionIds ? fc.constantFrom('none', 'unique', 'pool', 'same') : fc.constantFrom('none', 'unique'),
    idPrefix: fc.string({ unit: fc.constantFrom(...ID_CHARS), maxLength: 3 }),
    shuffleKey: fc.nat(),
    cutAfter: fc.boolean(),
    body: bodyArb,
  });
}

/**
 * Valid but messy agent-activity event sets with an arrival order and a batching.
 * `repeatSessionIds`: logins may reuse an explicit sessionId (also within one agent and millisecond).
 */
function eventSetArb(repeatSessionIds: boolean): fc.Arbitrary<EventSet> {
  return fc.record({
    agents: fc.integer({ min: 1, max: 4 }),
    slots: fc.constantFrom(25, 3),
    drafts: fc.array(draftArb(repeatSessionIds), { minLength: 1, maxLength: 60, size: 'max' }),
    order: fc.constantFrom('shuffled', 'shuffled', 'sorted', 'generated'),
    batching: fc.constantFrom('random', 'random', 'single', 'one-per-post'),
  });
}

// ---------------------------------------------------------------------------------------------
// Placing a generated set on a run of its own

/** A generated event as the test knows it, and as it is posted. */
interface TestEvent {
  id: string;
  type: string;
  time: number;
  agentId: number;
  body: Record<string, unknown>;
  /** the JSON object posted */
  wire: Record<string, unknown>;
}

interface Run {
  events: TestEvent[];
  window: { from: number; to: number };
  agentIds: number[];
}

let runCounter = 0;

/** A fresh day (before DAY0), agent ids and id prefix for every run, so runs never meet. */
function placeRun(set: EventSet): Run {
  const n = ++runCounter;
  const day = DAY0 - n * DAY;
  const start = day + 8 * 3600_000;
  const agentIds = [1, 2, 5, 9].slice(0, set.agents).map((a) => n * 10 + a);
  let previous: TestEvent | undefined;
  let previousLogin: TestEvent | undefined;
  const events = set.drafts.map((d, index): TestEvent => {
    const id = `r${n}.${d.idPrefix}~${index}`;
    const body: Record<string, unknown> = { ...d.body };
    const login = body.type === 'agent.login';
    const twinOf = d.twin ? (login ? previousLogin : previous) : undefined;
    const time = twinOf?.time ?? start + (d.slot % set.slots) * 10 * MIN + d.jitter;
    const agentId = twinOf?.agentId ?? (agentIds[d.agent % agentIds.length] as number);
    if (typeof body.conversationId === 'string') body.conversationId = `r${n}-${body.conversationId}`;
    if (login && d.session !== 'none') {
      const sessionId = { unique: 1000 + index, pool: 7, same: previousLogin?.body.sessionId }[d.session];
      if (sessionId !== undefined) body.sessionId = sessionId;
    }
    const wire = { id, time: formatTime(time, d.timeForm), agentId, ...body };
    const event = { id, type: body.type as string, time, agentId, body, wire };
    previous = event;
    if (login) previousLogin = event;
    return event;
  });
  return { events, window: { from: day, to: day + DAY }, agentIds };
}

function formatTime(ms: number, form: TimeForm): number | string {
  const iso = new Date(ms).toISOString();
  switch (form) {
    case 'ms':
      return ms;
    case 'Z':
      return iso;
    case 'lower':
      return iso.replace('T', 't').replace('Z', 'z');
    case 'micro':
      return iso.replace('Z', '987Z'); // digits beyond milliseconds are truncated
    case 'plus0530':
      return `${new Date(ms + 330 * MIN).toISOString().slice(0, 23)}+05:30`;
    case 'minus0300':
      return `${new Date(ms - 180 * MIN).toISOString().slice(0, 23)}-03:00`;
  }
}

/** The total order of spec/events.md: time, type rank, id by byte (ids are ASCII). */
function compareTotal(a: TestEvent, b: TestEvent): number {
  return a.time - b.time || (RANK[a.type] as number) - (RANK[b.type] as number) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The set in the generated arrival order, cut into the generated batches. */
function arrival(set: EventSet, run: Run): TestEvent[][] {
  const indexed = run.events.map((e, i) => ({ e, d: set.drafts[i] as Draft, i }));
  if (set.order === 'sorted') indexed.sort((a, b) => compareTotal(a.e, b.e));
  if (set.order === 'shuffled') indexed.sort((a, b) => a.d.shuffleKey - b.d.shuffleKey || a.i - b.i);
  if (set.batching === 'single') return [indexed.map((x) => x.e)];
  if (set.batching === 'one-per-post') return indexed.map((x) => [x.e]);
  const batches: TestEvent[][] = [[]];
  for (const x of indexed) {
    (batches[batches.length - 1] as TestEvent[]).push(x.e);
    if (x.d.cutAfter) batches.push([]);
  }
  return batches.filter((b) => b.length > 0);
}

async function post(h: Harness, events: TestEvent[]): Promise<void> {
  const res = await h.ingest(events.map((e) => e.wire));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body, { accepted: events.length, duplicates: 0 });
}

async function ingestAll(h: Harness, batches: TestEvent[][]): Promise<void> {
  for (const batch of batches) await post(h, batch);
}

// ---------------------------------------------------------------------------------------------
// Reading the outputs

interface Outputs {
  v2: string;
  v1: string;
  dataQuality: string;
}

/** Snapshot marks legitimately differ between stores and versions: drop them from the links. */
const stripAsOf = (raw: string): string => raw.replace(/&asOf=[^&"]*/g, '');

async function read(h: Harness, url: string): Promise<string> {
  const res = await h.get(url);
  assert.equal(res.status, 200, `GET ${url}: ${res.raw}`);
  return stripAsOf(res.raw);
}

function windowQuery(window: { from: number; to: number }): string {
  return `from=${encodeURIComponent(new Date(window.from).toISOString())}&to=${encodeURIComponent(new Date(window.to).toISOString())}`;
}

async function outputs(h: Harness, run: Run): Promise<Outputs> {
  const w = windowQuery(run.window);
  return {
    v2: await read(h, `/api/v2/account/${ACCOUNT}/status-changes?v=2&${w}&limit=5000`),
    v1: await read(h, `/api/v2/account/${ACCOUNT}/status-changes?v=1&${w}&limit=100`),
    dataQuality: await read(h, `/api/account/${ACCOUNT}/data-quality?${w}&limit=5000`),
  };
}

function assertSameOutputs(actual: Outputs, expected: Outputs, what: string): void {
  assert.equal(actual.v2, expected.v2, `${what}: status-changes v2 differs`);
  assert.equal(actual.v1, expected.v1, `${what}: status-changes v1 differs`);
  assert.equal(actual.dataQuality, expected.dataQuality, `${what}: data-quality differs`);
}

/** Runs a property with a fixed run count; a failure prints the seed and the shrunk set. */
async function check<T>(arb: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arb, async (value) => {
      await predicate(value);
    }),
    { numRuns: NUM_RUNS },
  );
}

// ---------------------------------------------------------------------------------------------
// A: arrival order and batching do not matter

describe('agent activity: outputs are a function of the event set', () => {
  let reference: Harness;
  let arrived: Harness;
  before(async () => {
    reference = await harness();
    arrived = await harness();
  });
  after(async () => {
    await reference.close();
    await arrived.close();
  });

  it('A: any permutation and batching gives byte-identical v2, v1 and data-quality bodies', async () => {
    await check(eventSetArb(true), async (set) => {
      const run = placeRun(set);
      // Reference: the whole set in the total order, one batch.
      await post(reference, [...run.events].sort(compareTotal));
      await ingestAll(arrived, arrival(set, run));
      assertSameOutputs(await outputs(arrived, run), await outputs(reference, run), `arrival ${set.order}/${set.batching}`);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// B: duplicates

describe('agent activity: duplicates', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(async () => h.close());

  /** The same event in another spelling: keys reversed, another time form, the path's accountId. */
  function respell(e: TestEvent, form: TimeForm, withAccount: boolean): Record<string, unknown> {
    const entries = Object.entries({ ...e.wire, time: formatTime(e.time, form), ...(withAccount ? { accountId: ACCOUNT } : {}) });
    return Object.fromEntries(entries.reverse());
  }

  const repostArb = fc.record({
    picks: fc.array(fc.nat(), { minLength: 1, maxLength: 70, size: 'max' }),
    forms: fc.array(fc.constantFrom(...TIME_FORMS), { minLength: 1, maxLength: 8 }),
    respell: fc.boolean(),
    withAccount: fc.boolean(),
  });

  it('B: re-posting stored events answers accepted 0, duplicates = batch size, and changes nothing', async () => {
    await check(fc.tuple(eventSetArb(true), repostArb), async ([set, repost]) => {
      const run = placeRun(set);
      await ingestAll(h, arrival(set, run));
      const before = await outputs(h, run);
      // A subset with repeats: an event may come twice in the batch, each copy a duplicate.
      const again = repost.picks.map((p, i) => {
        const e = run.events[p % run.events.length] as TestEvent;
        return repost.respell ? respell(e, repost.forms[i % repost.forms.length] as TimeForm, repost.withAccount) : e.wire;
      });
      const res = await h.ingest(again);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, { accepted: 0, duplicates: again.length });
      assertSameOutputs(await outputs(h, run), before, 'after re-posting duplicates');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// C: rebuild

describe('agent activity: rebuild', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(async () => h.close());

  it('C: store.rebuild(account) leaves every output byte-identical (apart from asOf)', async () => {
    await check(eventSetArb(true), async (set) => {
      const run = placeRun(set);
      await ingestAll(h, arrival(set, run));
      const before = await outputs(h, run);
      await h.store.rebuild(ACCOUNT);
      assertSameOutputs(await outputs(h, run), before, 'after rebuild');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// D: invariants of the v2 records

interface V2Record {
  agentId: number;
  employeeId: string;
  agentLoginName: string;
  agentUserName: string;
  agentGroupId: number;
  time: string;
  sessionId: number;
  sequenceNumber: number;
  statusType: number;
  statusSubType: number;
  statusReasonId?: number;
  statusReasonText?: string | null;
  prevStatusChangeTime: string | null;
}

const DATA_QUALITY_TYPE: Record<string, string> = {
  statusWithoutSession: 'agent.status',
  offlineWithoutSession: 'agent.status',
  loginWhileSessionOpen: 'agent.login',
  logoutWithoutSession: 'agent.logout',
  segmentStartWhileOpen: 'segment.start',
  segmentEndWithoutStart: 'segment.end',
  blurNotInFocus: 'workspace.blur',
};

/** The agent fields of a record at t: every profile write of the agent at or before t, in the total order. */
function profileAsOf(events: TestEvent[], agentId: number, t: number) {
  const profile = { employeeId: '', agentLoginName: '', agentUserName: '', agentGroupId: -1 };
  const writes = events.filter((e) => e.agentId === agentId && e.time <= t && (e.type === 'agent.login' || e.type === 'agent.profile'));
  for (const e of writes.sort(compareTotal)) {
    if (e.body.employeeId !== undefined) profile.employeeId = e.body.employeeId as string;
    if (e.body.loginName !== undefined) profile.agentLoginName = e.body.loginName as string;
    if (e.body.userName !== undefined) profile.agentUserName = e.body.userName as string;
    if (e.body.groupId !== undefined) profile.agentGroupId = e.body.groupId as number;
  }
  return profile;
}

function checkSessions(records: V2Record[]): void {
  const sessions = new Map<string, V2Record[]>();
  for (const r of records) {
    assert.ok(Number.isSafeInteger(r.sessionId) && r.sessionId >= 1, `sessionId ${r.sessionId} is a positive safe integer`);
    const key = `${r.agentId}/${r.sessionId}`;
    const list = sessions.get(key);
    if (list) list.push(r);
    else sessions.set(key, [r]);
  }
  for (const [key, list] of sessions) {
    const seqs = list.map((r) => r.sequenceNumber);
    const sorted = [...list].sort((a, b) => a.sequenceNumber - b.sequenceNumber);
    // The API order within a session is its sequence order.
    assert.deepEqual(
      seqs,
      sorted.map((r) => r.sequenceNumber),
      `session ${key}: records in sequence order`,
    );
    const body = sorted[0]?.sequenceNumber === -1 ? sorted.slice(1) : sorted;
    if (sorted[0]?.sequenceNumber === -1) assert.equal(sorted[0].statusType, 3, `session ${key}: −1 is the login`);
    // Implicit sessions (a status without a session) have no login record and start at 1.
    assert.deepEqual(
      body.map((r) => r.sequenceNumber),
      body.map((_, i) => i + 1),
      `session ${key}: sequence ${seqs.join(',')} is −1?, 1, 2, … with no gap`,
    );
    for (const r of sorted) {
      if (r.statusType === 3) assert.equal(r.sequenceNumber, -1, `session ${key}: a login is −1`);
      if (r.statusType === 4) assert.equal(r, sorted[sorted.length - 1], `session ${key}: the logout is the last record`);
      if (r.sequenceNumber === 1) assert.equal(r.statusType, 1, `session ${key}: 1 is the initial status`);
    }
    assert.ok(sorted.filter((r) => r.statusType === 3).length <= 1, `session ${key}: at most one login`);
    // prevStatusChangeTime: the time of the session's previous status record.
    let lastStatusTime: string | null = null;
    for (const r of sorted) {
      if (r.statusType === 1) {
        assert.equal(
          r.prevStatusChangeTime,
          r.sequenceNumber === 1 ? null : lastStatusTime,
          `session ${key} seq ${r.sequenceNumber}: prevStatusChangeTime`,
        );
        lastStatusTime = r.time;
      } else {
        assert.equal(r.prevStatusChangeTime, null, `session ${key} seq ${r.sequenceNumber}: null on login and logout`);
      }
    }
  }
}

describe('agent activity: v2 invariants', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(async () => h.close());

  it('D: sessions numbered −1, 1, 2, … through the logout; reasons only on AWAY; prev time null where due; profile as of t', async () => {
    await check(eventSetArb(false), async (set) => {
      const run = placeRun(set);
      await ingestAll(h, arrival(set, run));
      const w = windowQuery(run.window);
      const v2 = (await h.get(`/api/v2/account/${ACCOUNT}/status-changes?v=2&${w}&limit=5000`)).body;
      const records = v2.stateChanges as V2Record[];
      assert.equal(v2._metadata.count, records.length);

      checkSessions(records);
      // The API order: (time, agentId, sessionId, sequenceNumber), then the producing event's id.
      const orderKey = (r: V2Record) => [Date.parse(r.time), r.agentId, r.sessionId, r.sequenceNumber];
      for (let i = 1; i < records.length; i++) {
        const [a, b] = [orderKey(records[i - 1] as V2Record), orderKey(records[i] as V2Record)];
        const cmp = a.map((x, k) => Math.sign(x - (b[k] as number))).find((c) => c !== 0) ?? 0;
        assert.ok(cmp <= 0, `records ${i - 1} and ${i} are in the API order`);
      }
      for (const r of records) {
        assert.ok(run.agentIds.includes(r.agentId), `agent ${r.agentId} belongs to the run`);
        assert.equal(r.statusSubType === 0, r.statusType !== 1, 'statusSubType 0 exactly on login and logout');
        const reasonKeys = ['statusReasonId', 'statusReasonText'].filter((k) => k in r);
        assert.deepEqual(
          reasonKeys,
          r.statusSubType === 4 && r.statusType === 1 ? ['statusReasonId', 'statusReasonText'] : [],
          'reason keys exactly on AWAY records',
        );
        if (r.statusSubType === 4) {
          assert.ok(Number.isInteger(r.statusReasonId) && (r.statusReasonId as number) >= -1, 'statusReasonId is an integer ≥ −1');
          assert.ok(r.statusReasonText === null || typeof r.statusReasonText === 'string', 'statusReasonText is a string or null');
        }
        const { agentId, employeeId, agentLoginName, agentUserName, agentGroupId } = r;
        assert.deepEqual(
          { employeeId, agentLoginName, agentUserName, agentGroupId },
          profileAsOf(run.events, agentId, Date.parse(r.time)),
          `agent ${agentId} at ${r.time}: profile as of the record's time (writes at the same millisecond included)`,
        );
      }
      // Every login yields a login record.
      assert.equal(records.filter((r) => r.statusType === 3).length, run.events.filter((e) => e.type === 'agent.login').length);

      // v1 holds the same records, grouped by agent, with the agent fields of the agent's last record.
      const v1 = (await h.get(`/api/v2/account/${ACCOUNT}/status-changes?v=1&${w}&limit=100`)).body;
      const agents = [...new Set(records.map((r) => r.agentId))].sort((a, b) => a - b);
      assert.equal(v1._metadata.count, agents.length);
      assert.deepEqual(
        v1.agentsInfo,
        agents.map((agentId) => {
          const own = records.filter((r) => r.agentId === agentId);
          const { employeeId, agentLoginName, agentUserName, agentGroupId } = own[own.length - 1] as V2Record;
          return {
            agentId,
            employeeId,
            agentLoginName,
            agentUserName,
            agentGroupId,
            statusChangeHistory: own.map(
              ({ agentId: _a, employeeId: _e, agentLoginName: _l, agentUserName: _u, agentGroupId: _g, ...change }) => change,
            ),
          };
        }),
      );

      // Data quality: one item per inconsistent event, naming that event.
      const dq = (await h.get(`/api/account/${ACCOUNT}/data-quality?${w}&limit=5000`)).body;
      const byId = new Map(run.events.map((e) => [e.id, e]));
      const seen = new Set<string>();
      for (const item of dq.items as Array<{ kind: string; eventId: string; time: string; agentId?: number; conversationId?: string }>) {
        const e = byId.get(item.eventId);
        assert.ok(e, `data-quality item names a stored event: ${JSON.stringify(item)}`);
        assert.ok(!seen.has(item.eventId), `one item per event: ${item.eventId}`);
        seen.add(item.eventId);
        assert.equal(e.type, DATA_QUALITY_TYPE[item.kind], `${item.kind} is about a ${e.type}`);
        if (item.kind === 'offlineWithoutSession') assert.equal(e.body.status, 'OFFLINE');
        if (item.kind === 'statusWithoutSession') assert.notEqual(e.body.status, 'OFFLINE');
        assert.equal(Date.parse(item.time), e.time);
        assert.equal(item.agentId, e.agentId);
        assert.equal(item.conversationId, e.body.conversationId);
      }
    });
  });
});
