import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import {
  AGENT_STATUSES,
  EVENT_TYPES,
  type EventType,
  MESSAGE_SOURCES,
  QUEUE_REASONS,
  SEGMENT_END_REASONS,
  type WfmEvent,
} from '../src/domain/events.js';
import { formatUtcMillis } from '../src/domain/time.js';
import { canonicalEventJson, eventJsonSchema, type ValidationCause, validateEvent } from '../src/ingest/validate-event.js';

const NOW = Date.UTC(2026, 2, 30, 12, 0, 0);
const DAY = 86_400_000;
const T = '2026-03-30T09:15:02.120Z';
const T_MS = Date.UTC(2026, 2, 30, 9, 15, 2, 120);
const ctx = { nowMs: NOW };

function ok(raw: unknown, c: { nowMs: number; accountId?: string } = ctx): WfmEvent {
  const r = validateEvent(raw, c);
  if (!r.ok) assert.fail(`expected valid, got ${JSON.stringify(r.causes)}`);
  return r.event;
}

function causes(raw: unknown, c: { nowMs: number; accountId?: string } = ctx): ValidationCause[] {
  const r = validateEvent(raw, c);
  if (r.ok) assert.fail(`expected invalid, got ${JSON.stringify(r.event)}`);
  return r.causes;
}

/** Asserts exactly one cause, on `field`, whose message matches `message`. */
function rejects(raw: unknown, field: string | undefined, message?: RegExp): ValidationCause {
  const cs = causes(raw);
  assert.equal(cs.length, 1, JSON.stringify(cs));
  const c = cs[0] as ValidationCause;
  assert.equal(c.field, field, JSON.stringify(c));
  if (message) assert.match(c.message, message);
  return c;
}

const EXAMPLES: Record<EventType, Record<string, unknown>> = {
  'agent.login': {
    id: 'login-1',
    type: 'agent.login',
    time: T,
    agentId: 7,
    sessionId: 3,
    status: 'AWAY',
    reasonId: 0,
    reasonText: 'Lunch 🍜',
    employeeId: 'E-007',
    loginName: 'jbond',
    userName: 'James Bond',
    groupId: -1,
    maxSlots: 3,
    skills: [2, 1, 5],
  },
  'agent.status': { id: 'status-1', type: 'agent.status', time: T, agentId: 7, status: 'BACK_SOON', reasonId: 12 },
  'agent.logout': { id: 'logout-1', type: 'agent.logout', time: T, agentId: 7 },
  'agent.profile': { id: 'profile-1', type: 'agent.profile', time: T, agentId: 7, skills: [] },
  'conversation.queued': { id: 'q-1', type: 'conversation.queued', time: T, conversationId: 'c-1', skillId: 4, reason: 'new' },
  'segment.start': { id: 's-1', type: 'segment.start', time: T, conversationId: 'c-1', agentId: 7, skillId: 4 },
  'segment.end': { id: 'e-1', type: 'segment.end', time: T, conversationId: 'c-1', agentId: 7, endReason: 'closedByAgent' },
  message: { id: 'm-1', type: 'message', time: T, conversationId: 'c-1', from: 'agent', agentId: 7 },
  'workspace.focus': { id: 'f-1', type: 'workspace.focus', time: T, agentId: 7, conversationId: 'c-1' },
  'workspace.blur': { id: 'b-1', type: 'workspace.blur', time: T, agentId: 7, conversationId: 'c-1' },
};

function example(type: EventType, patch: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...EXAMPLES[type], ...patch };
}

function without(o: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  const r = { ...o };
  for (const k of keys) delete r[k];
  return r;
}

describe('validateEvent: valid events', () => {
  for (const type of EVENT_TYPES) {
    it(`accepts ${type} and normalises time`, () => {
      const raw = EXAMPLES[type];
      const e = ok(raw);
      assert.deepEqual(e, { ...raw, time: T_MS });
    });
  }

  it('accepts the other message sources without agentId', () => {
    for (const from of ['consumer', 'bot', 'system']) {
      assert.deepEqual(ok(example('message', { from, agentId: undefined })), {
        id: 'm-1',
        type: 'message',
        time: T_MS,
        conversationId: 'c-1',
        from,
      });
    }
  });

  it('keeps only the given fields (no defaults)', () => {
    const e = ok({ type: 'agent.login', id: 'x', time: 5, agentId: 1 });
    assert.deepEqual(Object.keys(e).sort(), ['agentId', 'id', 'time', 'type']);
  });

  it('accepts every enum value', () => {
    for (const status of AGENT_STATUSES) ok(example('agent.status', { status }));
    for (const reason of QUEUE_REASONS) ok(example('conversation.queued', { reason }));
    for (const endReason of SEGMENT_END_REASONS) ok(example('segment.end', { endReason }));
  });

  it('accepts the boundaries of ids and integers', () => {
    ok(example('agent.logout', { id: '!'.repeat(128) }));
    ok(example('agent.logout', { id: '~' }));
    ok(example('agent.logout', { agentId: Number.MAX_SAFE_INTEGER }));
    ok(example('segment.start', { conversationId: '~'.repeat(128) }));
    ok(example('agent.profile', { employeeId: '' }));
    ok(example('agent.profile', { employeeId: 'x'.repeat(128) }));
    ok(example('agent.profile', { groupId: -1 }));
    ok(example('agent.profile', { groupId: 0 }));
    ok(example('agent.status', { reasonId: 0 }));
    ok(example('agent.profile', { maxSlots: 1 }));
    ok(example('agent.profile', { loginName: '', userName: '' }));
  });

  it('normalises -0 to 0', () => {
    const e = ok(example('agent.status', { reasonId: -0, time: -0 }));
    assert.ok(Object.is((e as { reasonId: number }).reasonId, 0));
    assert.ok(Object.is(e.time, 0));
  });

  it('copies skills rather than aliasing the input', () => {
    const skills = [1, 2];
    const e = ok(example('agent.profile', { skills }));
    skills.push(3);
    assert.deepEqual((e as { skills: number[] }).skills, [1, 2]);
  });
});

describe('validateEvent: envelope', () => {
  it('requires a JSON object', () => {
    for (const raw of [null, undefined, 'x', 3, true, [], [EXAMPLES['agent.logout']]]) {
      assert.deepEqual(causes(raw), [{ message: 'event must be a JSON object' }]);
    }
  });

  it('checks id', () => {
    for (const id of ['', 'a'.repeat(129), 'a b', 'tab\t', 'é', 'caf\u00e9', '\u007f', 7, ['a']]) {
      rejects(example('agent.logout', { id }), 'id', /1–128 visible ASCII/);
    }
    rejects(without(EXAMPLES['agent.logout'], 'id'), 'id', /^required$/);
  });

  it('checks type', () => {
    rejects(example('agent.logout', { type: 'agent.Logout' }), 'type', /must be one of agent\.login, /);
    rejects(example('agent.logout', { type: 3 }), 'type', /must be one of/);
    rejects(without(EXAMPLES['agent.logout'], 'type'), 'type', /^required$/);
    rejects(example('agent.logout', { type: null }), 'type', /^must not be null$/);
  });

  it('still checks the other fields when type is invalid', () => {
    const cs = causes({ id: '', type: 'nope', time: 'yesterday', agentId: 0, bogus: 1 });
    assert.deepEqual(
      cs.map((c) => c.field),
      ['type', 'id', 'time', 'agentId', 'bogus'],
    );
    assert.deepEqual(
      causes({ type: 'nope' }).map((c) => [c.field, c.message]),
      [
        ['type', causes({ type: 'nope' })[0]?.message],
        ['id', 'required'],
        ['time', 'required'],
      ],
    );
  });

  it('checks accountId and drops it', () => {
    const e = ok(example('agent.logout', { accountId: 'acme_1-x' }));
    assert.equal('accountId' in e, false);
    ok(example('agent.logout', { accountId: 'a'.repeat(64) }));
    for (const accountId of ['', 'a'.repeat(65), 'ac me', 'acme.x', 'é', 5]) {
      rejects(example('agent.logout', { accountId }), 'accountId', /\^\[A-Za-z0-9_-\]\{1,64\}\$/);
    }
    rejects(example('agent.logout', { accountId: null }), 'accountId', /must not be null/);
  });

  it('requires accountId to equal the given account', () => {
    ok(example('agent.logout', { accountId: 'acme' }), { nowMs: NOW, accountId: 'acme' });
    ok(example('agent.logout'), { nowMs: NOW, accountId: 'acme' });
    const cs = causes(example('agent.logout', { accountId: 'other' }), { nowMs: NOW, accountId: 'acme' });
    assert.equal(cs.length, 1);
    assert.equal(cs[0]?.field, 'accountId');
    assert.match(cs[0]?.message ?? '', /must equal the account given by the path.*"acme"/);
  });
});

describe('validateEvent: time', () => {
  const at = (time: unknown): number => ok(example('agent.logout', { time })).time;
  const bad = (time: unknown, message?: RegExp): ValidationCause => rejects(example('agent.logout', { time }), 'time', message);

  it('accepts offsets and either case of T and Z', () => {
    assert.equal(at('2026-03-30T14:45:02.120+05:30'), T_MS);
    assert.equal(at('2026-03-30T01:15:02.120-08:00'), T_MS);
    assert.equal(at('2026-03-30t09:15:02.120z'), T_MS);
    assert.equal(at('2026-03-30t14:45:02.120+05:30'), T_MS);
  });

  it('truncates fraction digits beyond milliseconds', () => {
    assert.equal(at('2026-03-30T09:15:02.120999999Z'), T_MS);
    assert.equal(at('2026-03-30T09:15:02.12Z'), T_MS);
    assert.equal(at('2026-03-30T09:15:02Z'), T_MS - 120);
  });

  it('rejects second 60 and impossible dates', () => {
    bad('2026-03-30T09:15:60Z', /second/);
    bad('2025-02-29T00:00:00Z', /day 29/);
    assert.equal(at('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
    bad('2026-03-30T09:15:02.120+0530', /RFC 3339/);
    bad('2026-03-30 09:15:02Z', /RFC 3339/);
    bad('', /RFC 3339/);
  });

  it('accepts an integer of epoch ms and rejects other numbers', () => {
    assert.equal(at(T_MS), T_MS);
    assert.equal(at(0), 0);
    bad(1.5, /integer of epoch milliseconds/);
    bad(Number.NaN, /integer of epoch milliseconds/);
    bad(Number.POSITIVE_INFINITY, /integer of epoch milliseconds/);
    bad(String(T_MS), /RFC 3339/);
    bad(true, /RFC 3339 date-time string or an integer/);
    bad({}, /RFC 3339 date-time string or an integer/);
  });

  it('rejects times before 1970', () => {
    bad(-1, /between 1970-01-01T00:00:00.000Z and/);
    bad('1969-12-31T23:59:59.999Z', /between 1970/);
    bad('1970-01-01T05:29:59.999+05:30', /between 1970/);
    assert.equal(at('1970-01-01T05:30:00+05:30'), 0);
    assert.equal(at('1970-01-01T00:00:00Z'), 0);
  });

  it('accepts up to 24 hours after now, both ends included', () => {
    assert.equal(at(NOW + DAY), NOW + DAY);
    assert.equal(at(formatUtcMillis(NOW + DAY)), NOW + DAY);
    assert.equal(at('2026-03-31T12:00:00.000999Z'), NOW + DAY);
    const c = bad(NOW + DAY + 1, /2026-03-31T12:00:00.000Z/);
    assert.match(c.message, /24 hours after now/);
    bad('2026-03-31T12:00:00.001Z', /between/);
    bad(Number.MAX_SAFE_INTEGER, /between/);
    bad(2 ** 60, /between/);
  });

  it('requires time and rejects null', () => {
    rejects(without(EXAMPLES['agent.logout'], 'time'), 'time', /^required$/);
    bad(null, /^must not be null$/);
  });
});

describe('validateEvent: fields', () => {
  it('rejects null for any field, required or optional', () => {
    for (const type of EVENT_TYPES) {
      for (const field of Object.keys(EXAMPLES[type])) {
        if (field === 'type') continue;
        const cs = causes(example(type, { [field]: null }));
        assert.deepEqual(cs, [{ field, message: 'must not be null' }], `${type}.${field}`);
      }
    }
  });

  it('requires every required field', () => {
    const required: Record<EventType, string[]> = {
      'agent.login': ['agentId'],
      'agent.status': ['agentId', 'status'],
      'agent.logout': ['agentId'],
      'agent.profile': ['agentId'],
      'conversation.queued': ['conversationId', 'skillId', 'reason'],
      'segment.start': ['conversationId', 'agentId', 'skillId'],
      'segment.end': ['conversationId', 'agentId', 'endReason'],
      message: ['conversationId', 'from'],
      'workspace.focus': ['agentId', 'conversationId'],
      'workspace.blur': ['agentId', 'conversationId'],
    };
    for (const type of EVENT_TYPES) {
      for (const field of ['id', 'time', ...required[type]]) {
        const cs = causes(without(EXAMPLES[type], field));
        assert.ok(
          cs.some((c) => c.field === field && /^required/.test(c.message)),
          `${type} without ${field}: ${JSON.stringify(cs)}`,
        );
      }
    }
  });

  it('rejects unknown fields, including fields of other types', () => {
    rejects(example('agent.logout', { agentID: 7 }), 'agentID', /^unknown field$/);
    rejects(example('agent.logout', { skillId: 7 }), 'skillId', /^unknown field$/);
    rejects(example('agent.status', { maxSlots: 2 }), 'maxSlots', /^unknown field$/);
    rejects(example('segment.start', { reason: 'new' }), 'reason', /^unknown field$/);
    rejects(example('agent.logout', { '': 1 }), '', /^unknown field$/);
    rejects(JSON.parse('{"id":"x","type":"agent.logout","time":1,"agentId":1,"__proto__":{"a":1}}'), '__proto__', /unknown/);
  });

  it('checks agentId, skillId and sessionId as integers ≥ 1', () => {
    for (const v of [0, -1, 1.5, '1', Number.NaN, true, [1]]) {
      rejects(example('segment.start', { agentId: v }), 'agentId', /^must be an integer ≥ 1$/);
      rejects(example('segment.start', { skillId: v }), 'skillId', /^must be an integer ≥ 1$/);
      rejects(example('agent.login', { sessionId: v }), 'sessionId', /^must be an integer ≥ 1$/);
      rejects(example('agent.profile', { maxSlots: v }), 'maxSlots', /^must be an integer ≥ 1$/);
    }
    rejects(example('segment.start', { agentId: 2 ** 53 }), 'agentId', /safe integer/);
    rejects(example('segment.start', { agentId: 1e300 }), 'agentId', /safe integer/);
  });

  it('checks groupId ≥ −1 and reasonId ≥ 0', () => {
    rejects(example('agent.profile', { groupId: -2 }), 'groupId', /^must be an integer ≥ −1$/);
    rejects(example('agent.profile', { groupId: 0.5 }), 'groupId', /≥ −1/);
    rejects(example('agent.status', { reasonId: -1 }), 'reasonId', /^must be an integer ≥ 0$/);
    rejects(example('agent.login', { reasonId: '3' }), 'reasonId', /≥ 0/);
  });

  it('checks conversationId and employeeId as visible ASCII', () => {
    for (const v of ['', 'c'.repeat(129), 'c 1', 'ç', 12]) {
      rejects(example('segment.start', { conversationId: v }), 'conversationId', /^must be 1–128 visible ASCII/);
    }
    for (const v of ['e'.repeat(129), 'E 7', 'É', 7]) {
      rejects(example('agent.profile', { employeeId: v }), 'employeeId', /^must be 0–128 visible ASCII/);
    }
  });

  it('checks enums', () => {
    rejects(example('agent.status', { status: 'online' }), 'status', /^must be one of ONLINE, BACK_SOON, AWAY, OFFLINE$/);
    rejects(example('agent.login', { status: 'BUSY' }), 'status', /ONLINE/);
    rejects(example('conversation.queued', { reason: 'NEW' }), 'reason', /^must be one of new, transfer, backToQueue$/);
    rejects(example('segment.end', { endReason: 'timeout' }), 'endReason', /closedByConsumer/);
    rejects(example('message', { from: 'customer' }), 'from', /^must be one of consumer, agent, bot, system$/);
  });

  it('checks skills as an array of skill ids, naming the bad element', () => {
    rejects(example('agent.profile', { skills: 3 }), 'skills', /array of integers ≥ 1/);
    rejects(example('agent.profile', { skills: { 0: 1 } }), 'skills', /array/);
    rejects(example('agent.profile', { skills: [1, 2, 0] }), 'skills[2]', /^must be an integer ≥ 1$/);
    rejects(example('agent.profile', { skills: [1, null] }), 'skills[1]', /^must not be null$/);
    assert.deepEqual(
      causes(example('agent.login', { skills: ['1', 2, 1.5, 2 ** 53] })).map((c) => c.field),
      ['skills[0]', 'skills[2]', 'skills[3]'],
    );
  });

  it('counts code points in names and texts', () => {
    const emoji = '😀'; // two UTF-16 units
    const e = ok(example('agent.status', { reasonText: emoji.repeat(256) }));
    assert.equal((e as { reasonText: string }).reasonText.length, 512);
    rejects(example('agent.status', { reasonText: emoji.repeat(257) }), 'reasonText', /at most 256 characters/);
    ok(example('agent.profile', { userName: 'a'.repeat(256), loginName: `${emoji.repeat(255)}a` }));
    rejects(example('agent.profile', { userName: 'a'.repeat(257) }), 'userName', /at most 256/);
    rejects(example('agent.profile', { loginName: `${emoji.repeat(256)}a` }), 'loginName', /at most 256/);
    rejects(example('agent.status', { reasonText: 'x'.repeat(10_000) }), 'reasonText', /at most 256/);
    rejects(example('agent.status', { reasonText: 3 }), 'reasonText', /string/);
  });

  it('rejects unpaired surrogates in texts', () => {
    rejects(example('agent.status', { reasonText: 'a\ud800' }), 'reasonText', /unpaired surrogate/);
    rejects(example('agent.status', { reasonText: '\udc00b' }), 'reasonText', /unpaired surrogate/);
    rejects(example('agent.status', { reasonText: '\ud800\ud800' }), 'reasonText', /unpaired surrogate/);
  });

  it('needs at least one profile field on agent.profile', () => {
    rejects({ id: 'p', type: 'agent.profile', time: 1, agentId: 1 }, undefined, /at least one profile field/);
    rejects({ id: 'p', type: 'agent.profile', time: 1, agentId: 1, accountId: 'a' }, undefined, /at least one/);
    // an invalid profile field is reported for itself, not as "no profile field"
    rejects({ id: 'p', type: 'agent.profile', time: 1, agentId: 1, maxSlots: 0 }, 'maxSlots');
    for (const [f, v] of [
      ['employeeId', ''],
      ['loginName', ''],
      ['userName', 'x'],
      ['groupId', -1],
      ['maxSlots', 2],
      ['skills', []],
    ] as const) {
      ok({ id: 'p', type: 'agent.profile', time: 1, agentId: 1, [f]: v });
    }
    // agent.login needs none
    ok({ id: 'p', type: 'agent.login', time: 1, agentId: 1 });
  });

  it('requires agentId on agent messages and rejects it on the others', () => {
    rejects(example('message', { agentId: undefined }), 'agentId', /^required when from is "agent"$/);
    for (const from of ['consumer', 'bot', 'system']) {
      rejects(example('message', { from }), 'agentId', /^not allowed unless from is "agent"$/);
      rejects(example('message', { from, agentId: 0 }), 'agentId', /not allowed/);
    }
    rejects(example('message', { agentId: 0 }), 'agentId', /^must be an integer ≥ 1$/);
    // with an invalid `from`, agentId is only checked for its kind
    rejects(example('message', { from: 'robot' }), 'from');
    rejects(example('message', { from: 'robot', agentId: undefined }), 'from');
  });

  it('reports every problem at once', () => {
    const cs = causes(
      {
        id: 'has space',
        type: 'agent.login',
        time: 1.5,
        accountId: 'no way',
        agentId: 0,
        status: 'BUSY',
        reasonText: null,
        skills: [1, -3, 'x'],
        maxSlots: 0,
        colour: 'red',
      },
      { nowMs: NOW },
    );
    assert.deepEqual(
      cs.map((c) => c.field),
      ['id', 'time', 'accountId', 'agentId', 'status', 'reasonText', 'maxSlots', 'skills[1]', 'skills[2]', 'colour'],
    );
    for (const c of cs) assert.ok(c.message.length > 0);
    assert.deepEqual(
      causes({ type: 'segment.end' }).map((c) => c.field),
      ['id', 'time', 'conversationId', 'agentId', 'endReason'],
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Arbitraries of valid raw events
// ---------------------------------------------------------------------------------------------

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const visibleAscii = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength, maxLength });
/** one Unicode scalar value (no surrogates) per unit */
const codePoint = fc.integer({ min: 0, max: 0x10ffff - 0x800 }).map((c) => String.fromCodePoint(c >= 0xd800 ? c + 0x800 : c));
const text = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: codePoint, maxLength: 256 }));
const pos = fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: MAX_SAFE }));

const FIELD_ARBS: Record<string, fc.Arbitrary<unknown>> = {
  agentId: pos,
  sessionId: pos,
  skillId: pos,
  maxSlots: pos,
  groupId: fc.integer({ min: -1, max: MAX_SAFE }),
  reasonId: fc.integer({ min: 0, max: MAX_SAFE }),
  status: fc.constantFrom(...AGENT_STATUSES),
  reason: fc.constantFrom(...QUEUE_REASONS),
  endReason: fc.constantFrom(...SEGMENT_END_REASONS),
  reasonText: text,
  loginName: text,
  userName: text,
  employeeId: visibleAscii(0, 128),
  conversationId: visibleAscii(1, 128),
  skills: fc.array(pos, { maxLength: 6 }),
};
const PROFILE = ['employeeId', 'loginName', 'userName', 'groupId', 'maxSlots', 'skills'];
const ROWS: Record<EventType, { required: string[]; optional: string[] }> = {
  'agent.login': { required: ['agentId'], optional: ['sessionId', 'status', 'reasonId', 'reasonText', ...PROFILE] },
  'agent.status': { required: ['agentId', 'status'], optional: ['reasonId', 'reasonText'] },
  'agent.logout': { required: ['agentId'], optional: [] },
  'agent.profile': { required: ['agentId'], optional: PROFILE },
  'conversation.queued': { required: ['conversationId', 'skillId', 'reason'], optional: [] },
  'segment.start': { required: ['conversationId', 'agentId', 'skillId'], optional: [] },
  'segment.end': { required: ['conversationId', 'agentId', 'endReason'], optional: [] },
  message: { required: ['conversationId'], optional: [] },
  'workspace.focus': { required: ['agentId', 'conversationId'], optional: [] },
  'workspace.blur': { required: ['agentId', 'conversationId'], optional: [] },
};

/** A valid raw event with `time` in epoch ms and no accountId (i.e. already canonical content). */
const validEvent: fc.Arbitrary<Record<string, unknown>> = fc.constantFrom(...EVENT_TYPES).chain((type) => {
  const row = ROWS[type];
  const model: Record<string, fc.Arbitrary<unknown>> = {
    id: visibleAscii(1, 128),
    type: fc.constant(type),
    time: fc.oneof(fc.integer({ min: 0, max: NOW + DAY }), fc.integer({ min: T_MS - DAY, max: T_MS + DAY })),
  };
  for (const f of [...row.required, ...row.optional]) model[f] = FIELD_ARBS[f] as fc.Arbitrary<unknown>;
  const requiredKeys = ['id', 'type', 'time', ...row.required];
  let arb = fc.record(model, { requiredKeys, noNullPrototype: true }) as fc.Arbitrary<Record<string, unknown>>;
  if (type === 'agent.profile') arb = arb.filter((e) => PROFILE.some((f) => f in e));
  if (type === 'message') {
    arb = arb.chain((e) =>
      fc
        .constantFrom(...MESSAGE_SOURCES)
        .chain(
          (from): fc.Arbitrary<Record<string, unknown>> =>
            from === 'agent' ? pos.map((agentId) => ({ ...e, from, agentId })) : fc.constant({ ...e, from }),
        ),
    );
  }
  return arb;
});

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** The same event written differently: keys shuffled, time as RFC 3339 in some offset, maybe accountId. */
function rewritten(e: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .record({
      order: fc.array(fc.double({ noNaN: true }), { minLength: 20, maxLength: 20 }),
      timeAsString: fc.boolean(),
      offsetMinutes: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
      lower: fc.boolean(),
      extraDigits: fc.stringMatching(/^[0-9]{0,6}$/),
      accountId: fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), { nil: undefined }),
    })
    .map(({ order, timeAsString, offsetMinutes, lower, extraDigits, accountId }) => {
      const entries = Object.entries(e);
      if (accountId !== undefined) entries.push(['accountId', accountId]);
      const keyed = entries.map((kv, i) => ({ kv, k: order[i] ?? 0 }));
      keyed.sort((a, b) => a.k - b.k);
      const out: Record<string, unknown> = {};
      for (const { kv } of keyed) out[kv[0]] = kv[1];
      if (timeAsString) {
        const ms = e['time'] as number;
        const local = formatUtcMillis(ms + offsetMinutes * 60_000).slice(0, -1) + extraDigits;
        const a = Math.abs(offsetMinutes);
        const off = offsetMinutes === 0 && !lower ? 'Z' : `${offsetMinutes < 0 ? '-' : '+'}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`;
        out['time'] = lower ? (local + off).replace('T', 't') : local + off;
      }
      return out;
    });
}

describe('canonicalEventJson', () => {
  it('sorts keys, writes time in ms, drops accountId and has no whitespace', () => {
    const e = ok(example('agent.login', { accountId: 'acme', userName: 'A B' }));
    const json = canonicalEventJson(e);
    assert.equal(
      json,
      '{"agentId":7,"employeeId":"E-007","groupId":-1,"id":"login-1","loginName":"jbond","maxSlots":3,' +
        '"reasonId":0,"reasonText":"Lunch 🍜","sessionId":3,"skills":[2,1,5],"status":"AWAY",' +
        `"time":${T_MS},"type":"agent.login","userName":"A B"}`,
    );
  });

  it('is equal under key reordering and time-format changes', () => {
    const a = ok({
      type: 'segment.start',
      time: '2026-03-30T09:15:02.120+05:30',
      id: 's',
      agentId: 1,
      skillId: 2,
      conversationId: 'c',
    });
    const b = ok(
      {
        accountId: 'acme',
        conversationId: 'c',
        skillId: 2,
        agentId: 1,
        id: 's',
        time: Date.UTC(2026, 2, 30, 3, 45, 2, 120),
        type: 'segment.start',
      },
      { nowMs: NOW, accountId: 'acme' },
    );
    assert.equal(canonicalEventJson(a), canonicalEventJson(b));
    assert.equal(
      canonicalEventJson(a),
      `{"agentId":1,"conversationId":"c","id":"s","skillId":2,"time":${Date.UTC(2026, 2, 30, 3, 45, 2, 120)},"type":"segment.start"}`,
    );
    const c = ok({ type: 'segment.start', time: '2026-03-30t03:45:02.120999z', id: 's', agentId: 1, skillId: 2, conversationId: 'c' });
    assert.equal(canonicalEventJson(c), canonicalEventJson(a));
  });

  it('differs when the content differs', () => {
    const base = EXAMPLES['agent.login'];
    const json = canonicalEventJson(ok(base));
    for (const patch of [
      { time: T_MS + 1 },
      { skills: [1, 2, 5] },
      { skills: [2, 1, 5, 5] },
      { userName: 'James  Bond' },
      { reasonId: undefined },
      { groupId: 0 },
      { employeeId: '' },
      { id: 'login-2' },
    ]) {
      assert.notEqual(canonicalEventJson(ok({ ...base, ...patch })), json, JSON.stringify(patch));
    }
  });

  it('escapes strings as JSON', () => {
    const e = ok(example('agent.status', { reasonText: 'a"b\\c\n\u0001\u2028😀' }));
    const json = canonicalEventJson(e);
    assert.deepEqual(JSON.parse(json), e);
    assert.equal(json, JSON.stringify(JSON.parse(json))); // no whitespace, standard escapes
  });

  it('property: identical raw events give equal strings', () => {
    fc.assert(
      fc.property(
        validEvent.chain((e) => fc.tuple(rewritten(e), rewritten(e))),
        ([a, b]) => {
          const accountCtx = (r: Record<string, unknown>) =>
            typeof r['accountId'] === 'string' ? { nowMs: NOW, accountId: r['accountId'] } : ctx;
          assert.equal(canonicalEventJson(ok(a, accountCtx(a))), canonicalEventJson(ok(b, accountCtx(b))));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: the canonical JSON parses back to the event (so different events differ)', () => {
    fc.assert(
      fc.property(validEvent, (raw) => {
        const e = ok(raw);
        assert.deepEqual(e, raw);
        const json = canonicalEventJson(e);
        assert.deepEqual(JSON.parse(json), e);
        // keys are sorted and there is no whitespace outside strings
        const parsed = JSON.parse(json) as Record<string, unknown>;
        assert.deepEqual(Object.keys(parsed), Object.keys(parsed).sort());
        assert.equal(json, JSON.stringify(parsed));
      }),
      { numRuns: 300 },
    );
  });

  it('property: equal strings exactly for deep-equal events', () => {
    fc.assert(
      fc.property(validEvent, validEvent, (a, b) => {
        const sa = canonicalEventJson(ok(a));
        const sb = canonicalEventJson(ok(b));
        assert.equal(sa === sb, isDeepStrictEqual(ok(a), ok(b)));
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// JSON Schema
// ---------------------------------------------------------------------------------------------

interface ObjectSchema {
  title: string;
  properties: Record<string, Record<string, unknown>>;
  required: string[];
  additionalProperties: boolean;
}

describe('eventJsonSchema', () => {
  const schema = eventJsonSchema() as { oneOf: ObjectSchema[] };

  it('has one closed object schema per type, with the same fields as the validator', () => {
    assert.equal(schema.oneOf.length, EVENT_TYPES.length);
    for (const s of schema.oneOf) {
      const type = s.title as EventType;
      assert.ok(EVENT_TYPES.includes(type));
      assert.equal(s.additionalProperties, false);
      assert.deepEqual(s.properties['type'], { const: type, description: 'The event type.' });
      const row = ROWS[type];
      const allFields = ['id', 'type', 'time', 'accountId', ...row.required, ...row.optional];
      if (type === 'message') allFields.push('from', 'agentId');
      assert.deepEqual(Object.keys(s.properties).sort(), [...new Set(allFields)].sort());
      const required = ['id', 'type', 'time', ...row.required];
      if (type === 'message') required.push('from');
      assert.deepEqual([...s.required].sort(), required.sort());
      for (const [name, p] of Object.entries(s.properties)) {
        assert.equal(typeof p['description'], 'string', `${type}.${name} has a description`);
      }
    }
  });

  it('gives time as string-or-integer', () => {
    const time = schema.oneOf[0]?.properties['time'] as { oneOf: { type: string }[] };
    assert.deepEqual(
      time.oneOf.map((s) => s.type),
      ['string', 'integer'],
    );
  });

  it('is a fresh object on each call', () => {
    const a = eventJsonSchema();
    assert.notEqual(a, eventJsonSchema());
    assert.deepEqual(a, eventJsonSchema());
    JSON.stringify(a);
  });

  it('agrees with the validator (JSON Schema 2020-12 via ajv, when available)', async (t) => {
    let Ajv2020: (new (opts: object) => { compile(s: object): (x: unknown) => boolean }) | undefined;
    try {
      const specifier = 'ajv/dist/2020.js';
      const mod = (await import(specifier)) as { default: typeof Ajv2020 };
      Ajv2020 = mod.default;
    } catch {
      t.skip('ajv is not installed');
      return;
    }
    if (Ajv2020 === undefined) return;
    const ajv = new Ajv2020({ strict: true, strictTypes: false, validateFormats: false, allErrors: false });
    const check = ajv.compile(eventJsonSchema());
    const junk = [
      '',
      'x y',
      'ONLINE',
      'agent',
      'new',
      0,
      -1,
      -2,
      1.5,
      2 ** 53,
      true,
      [],
      {},
      [1, 0],
      [1, 2],
      '2026-03-30T09:00:00Z',
      '2026-03-30T09:00:00+0530',
    ];
    const names = [...Object.keys(FIELD_ARBS), 'id', 'type', 'time', 'accountId', 'from', 'bogus'];
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom(...names) }),
      fc.record({ op: fc.constant('null' as const), key: fc.constantFrom(...names) }),
      fc.record({ op: fc.constant('set' as const), key: fc.constantFrom(...names), value: fc.constantFrom(...junk) }),
      fc.record({ op: fc.constant('from' as const), value: fc.constantFrom(...MESSAGE_SOURCES, 'robot') }),
      fc.record({ op: fc.constant('type' as const), value: fc.constantFrom(...EVENT_TYPES, 'bogus') }),
    );
    const seen = { valid: 0, invalid: 0 };
    fc.assert(
      fc.property(validEvent, fc.array(mutation, { maxLength: 3 }), (e, mutations) => {
        const raw: Record<string, unknown> = { ...e };
        for (const m of mutations) {
          if (m.op === 'delete') delete raw[m.key];
          else if (m.op === 'null') raw[m.key] = null;
          else if (m.op === 'set') raw[m.key] = m.value;
          else if (m.op === 'from') raw['from'] = m.value;
          else raw['type'] = m.value;
        }
        const byValidator = validateEvent(raw, ctx).ok;
        const bySchema = check(raw);
        assert.equal(bySchema, byValidator, JSON.stringify(raw));
        seen[byValidator ? 'valid' : 'invalid']++;
      }),
      { numRuns: 2000 },
    );
    assert.ok(seen.valid > 100 && seen.invalid > 100, JSON.stringify(seen));
  });
});
