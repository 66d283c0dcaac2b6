/**
 * Validation and canonical form of ingested events (spec/events.md).
 *
 * One field table ({@link FIELDS} + {@link TYPES}) lists every type's required and optional
 * fields and each field's kind; the validator, the JSON Schema of the OpenAPI document and the
 * canonical JSON are all derived from it, and compile-time checks below tie it to the event
 * types of `src/domain/events.ts`.
 */

import {
  AGENT_STATUSES,
  type EventType,
  MESSAGE_SOURCES,
  PROFILE_FIELD_NAMES,
  QUEUE_REASONS,
  SEGMENT_END_REASONS,
  type WfmEvent,
} from '../domain/events.js';
import { formatUtcMillis, parseRfc3339, RFC3339_PATTERN } from '../domain/time.js';

// ---------------------------------------------------------------------------------------------
// The field table
// ---------------------------------------------------------------------------------------------

type FieldKind =
  /** a string of visible ASCII characters (0x21–0x7E) */
  | { readonly kind: 'ascii'; readonly minLength: number; readonly maxLength: number }
  /** a safe integer */
  | { readonly kind: 'integer'; readonly minimum: number }
  /** a string of at most maxLength Unicode code points */
  | { readonly kind: 'text'; readonly maxLength: number }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  /** an array of safe integers */
  | { readonly kind: 'integerArray'; readonly minimum: number }
  /** RFC 3339 string or integer epoch ms, within [0, now + 24 h] */
  | { readonly kind: 'time' }
  | { readonly kind: 'accountId' };

type FieldSpec = FieldKind & { readonly description: string };

const TEXT_MAX = 256;
const ID_MAX = 128;
const DAY_MS = 86_400_000;
const ACCOUNT_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
const ACCOUNT_ID_RE = new RegExp(ACCOUNT_ID_PATTERN);

/** Every field of every type (the envelope first), with its kind and meaning. */
const FIELDS = {
  id: {
    kind: 'ascii',
    minLength: 1,
    maxLength: ID_MAX,
    description: 'Idempotency key, unique within the account: 1–128 visible ASCII characters (0x21–0x7E), compared by byte.',
  },
  time: {
    kind: 'time',
    description:
      'RFC 3339 date-time with Z or an offset (2026-03-30T09:15:02.120+05:30; T/Z in either case; digits beyond ' +
      'milliseconds are truncated; second 60 is rejected), or a JSON integer of epoch milliseconds. Must lie ' +
      'between 1970-01-01T00:00:00Z and 24 hours after the moment the service validates it, both ends included.',
  },
  accountId: {
    kind: 'accountId',
    description:
      'The account. Needed in file or stream input where no flag, URL or subject gives the account; in an HTTP ' +
      "body it may appear only if equal to the path's account. Not part of the event's identity.",
  },
  agentId: { kind: 'integer', minimum: 1, description: 'The agent: an integer ≥ 1.' },
  sessionId: { kind: 'integer', minimum: 1, description: 'The login session: an integer ≥ 1.' },
  status: { kind: 'enum', values: AGENT_STATUSES, description: 'The agent status.' },
  reasonId: { kind: 'integer', minimum: 0, description: 'Status reason id: an integer ≥ 0.' },
  reasonText: { kind: 'text', maxLength: TEXT_MAX, description: 'Status reason text: 0–256 Unicode code points.' },
  employeeId: {
    kind: 'ascii',
    minLength: 0,
    maxLength: ID_MAX,
    description: 'Profile: employee id, 0–128 visible ASCII characters ("" clears it; default "").',
  },
  loginName: {
    kind: 'text',
    maxLength: TEXT_MAX,
    description: 'Profile: login name, 0–256 Unicode code points (default "").',
  },
  userName: {
    kind: 'text',
    maxLength: TEXT_MAX,
    description: 'Profile: user name, 0–256 Unicode code points (default "").',
  },
  groupId: { kind: 'integer', minimum: -1, description: 'Profile: agent group, an integer ≥ −1 (default −1).' },
  maxSlots: {
    kind: 'integer',
    minimum: 1,
    description:
      'Profile: how many conversations the agent may hold at once, an integer ≥ 1 (default: the account ' + 'setting defaultMaxSlots).',
  },
  skills: {
    kind: 'integerArray',
    minimum: 1,
    description: "Profile: the agent's skills, an array of skill ids (integers ≥ 1; default []).",
  },
  conversationId: {
    kind: 'ascii',
    minLength: 1,
    maxLength: ID_MAX,
    description: 'The conversation: 1–128 visible ASCII characters (0x21–0x7E), compared by byte.',
  },
  skillId: { kind: 'integer', minimum: 1, description: 'The skill: an integer ≥ 1.' },
  reason: { kind: 'enum', values: QUEUE_REASONS, description: 'Why the conversation entered the queue.' },
  endReason: { kind: 'enum', values: SEGMENT_END_REASONS, description: 'Why the segment ended.' },
  from: {
    kind: 'enum',
    values: MESSAGE_SOURCES,
    description: 'Who sent the message; bot and system messages are stored but count in no metric.',
  },
} as const satisfies Record<string, FieldSpec>;

type FieldName = keyof typeof FIELDS;
type EnvelopeField = 'id' | 'time' | 'accountId';
type BodyField = Exclude<FieldName, EnvelopeField>;

type EventOf<T extends EventType> = Extract<WfmEvent, { type: T }>;
type BodyKey<T extends EventType> = Exclude<keyof EventOf<T>, 'type' | 'id' | 'time'>;

interface TypeRow<T extends EventType> {
  readonly description: string;
  readonly required: readonly BodyKey<T>[];
  readonly optional: readonly BodyKey<T>[];
  /** per-type overrides of field descriptions */
  readonly descriptions?: Partial<Record<BodyField, string>>;
  /**
   * `profile`: at least one profile field; `agentIdIffFromAgent`: `agentId` is required when
   * `from` is `agent` and rejected otherwise.
   */
  readonly rule?: 'profile' | 'agentIdIffFromAgent';
}

/** Each type's fields besides the envelope (spec/events.md "Types"). */
const TYPES = {
  'agent.login': {
    description: 'An agent logs in, starting a session; may carry profile fields.',
    required: ['agentId'],
    optional: ['sessionId', 'status', 'reasonId', 'reasonText', ...PROFILE_FIELD_NAMES],
    descriptions: { status: 'Initial status (default ONLINE).' },
  },
  'agent.status': {
    description: "An agent's status changes.",
    required: ['agentId', 'status'],
    optional: ['reasonId', 'reasonText'],
  },
  'agent.logout': { description: 'An agent logs out.', required: ['agentId'], optional: [] },
  'agent.profile': {
    description:
      "An agent's profile changes: at least one profile field (employeeId, loginName, userName, groupId, " +
      'maxSlots, skills). Each keeps its latest value and outlives sessions.',
    required: ['agentId'],
    optional: [...PROFILE_FIELD_NAMES],
    rule: 'profile',
  },
  'conversation.queued': {
    description: 'A conversation enters a skill queue.',
    required: ['conversationId', 'skillId', 'reason'],
    optional: [],
  },
  'segment.start': {
    description: 'An agent starts handling a conversation; the segment is <conversationId>:<agentId>:<start epoch ms>.',
    required: ['conversationId', 'agentId', 'skillId'],
    optional: [],
  },
  'segment.end': {
    description: 'Closes the open segment of (conversationId, agentId).',
    required: ['conversationId', 'agentId', 'endReason'],
    optional: [],
  },
  message: {
    description: 'A message in a conversation; agentId when and only when from is agent.',
    required: ['conversationId', 'from'],
    optional: ['agentId'],
    descriptions: { agentId: 'The sending agent (integer ≥ 1): present when and only when from is agent.' },
    rule: 'agentIdIffFromAgent',
  },
  'workspace.focus': {
    description: 'The agent selected this conversation on screen.',
    required: ['agentId', 'conversationId'],
    optional: [],
  },
  'workspace.blur': {
    description: 'The agent left this conversation on screen.',
    required: ['agentId', 'conversationId'],
    optional: [],
  },
} as const satisfies { readonly [T in EventType]: TypeRow<T> };

/** The table's rows with the per-type key precision dropped, for iteration. */
interface Row {
  readonly description: string;
  readonly required: readonly BodyField[];
  readonly optional: readonly BodyField[];
  readonly descriptions?: Partial<Record<BodyField, string>>;
  readonly rule?: 'profile' | 'agentIdIffFromAgent';
}
const ROWS = Object.entries(TYPES as Readonly<Record<EventType, Row>>) as [EventType, Row][];

// Compile-time proof that the table lists exactly the fields of each event interface, with the
// same required-ness, and that every listed field has a kind.
type RequiredKey<O> = { [K in keyof O]-?: Record<never, never> extends Pick<O, K> ? never : K }[keyof O];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Listed<T extends EventType> = (typeof TYPES)[T]['required'][number] | (typeof TYPES)[T]['optional'][number];
type RowMatches<T extends EventType> =
  Same<Listed<T>, BodyKey<T>> extends true
    ? Same<(typeof TYPES)[T]['required'][number], Exclude<RequiredKey<EventOf<T>>, 'type' | 'id' | 'time'>>
    : false;
type AllTrue<U> = [U] extends [true] ? true : never;
const tableMatchesEventTypes: AllTrue<{ [T in EventType]: RowMatches<T> }[EventType]> = true;
const everyListedFieldHasAKind: AllTrue<Same<{ [T in EventType]: Listed<T> }[EventType], BodyField>> = true;
void tableMatchesEventTypes;
void everyListedFieldHasAKind;

// ---------------------------------------------------------------------------------------------
// Compiled form of the table (built once at module load)
// ---------------------------------------------------------------------------------------------

interface CompiledField {
  readonly name: FieldName;
  readonly spec: FieldSpec;
  readonly required: boolean;
  /** `agentId` of `message`: required iff `from` is `agent` */
  readonly onlyWhenFromAgent: boolean;
  /** one of PROFILE_FIELD_NAMES */
  readonly profile: boolean;
}

interface CompiledType {
  /** undefined for the fallback used when `type` itself is invalid */
  readonly type: EventType | undefined;
  /** envelope (id, time, accountId) first, then the row's required and optional fields */
  readonly fields: readonly CompiledField[];
  readonly allowed: ReadonlySet<string>;
  readonly needsProfileField: boolean;
  /** output keys sorted by code point, each with its JSON-encoded `"key":` prefix */
  readonly canonical: readonly { readonly name: string; readonly prefix: string }[];
}

const ENVELOPE: readonly CompiledField[] = [
  { name: 'id', spec: FIELDS.id, required: true, onlyWhenFromAgent: false, profile: false },
  { name: 'time', spec: FIELDS.time, required: true, onlyWhenFromAgent: false, profile: false },
  { name: 'accountId', spec: FIELDS.accountId, required: false, onlyWhenFromAgent: false, profile: false },
];

function compileType(
  type: EventType | undefined,
  required: readonly BodyField[],
  optional: readonly BodyField[],
  rule: Row['rule'],
): CompiledType {
  const fields: CompiledField[] = [...ENVELOPE];
  const isProfile = (name: string): boolean => (PROFILE_FIELD_NAMES as readonly string[]).includes(name);
  for (const name of required) {
    fields.push({ name, spec: FIELDS[name], required: true, onlyWhenFromAgent: false, profile: isProfile(name) });
  }
  for (const name of optional) {
    const onlyWhenFromAgent = rule === 'agentIdIffFromAgent' && name === 'agentId';
    fields.push({ name, spec: FIELDS[name], required: false, onlyWhenFromAgent, profile: isProfile(name) });
  }
  const allowed = new Set<string>(['type']);
  for (const f of fields) allowed.add(f.name);
  // All keys are ASCII, so the default UTF-16 sort is code-point order.
  const outputKeys = [...allowed].filter((k) => k !== 'accountId').sort();
  return {
    type,
    fields,
    allowed,
    needsProfileField: rule === 'profile',
    canonical: outputKeys.map((name) => ({ name, prefix: `${JSON.stringify(name)}:` })),
  };
}

const BY_TYPE = new Map<string, CompiledType>();
for (const [type, row] of ROWS) BY_TYPE.set(type, compileType(type, row.required, row.optional, row.rule));
const TYPE_NAMES = [...BY_TYPE.keys()];

/** When `type` is missing or invalid: check every known field by its kind, none but id/time required. */
const ANY_TYPE = compileType(
  undefined,
  [],
  (Object.keys(FIELDS) as FieldName[]).filter((n): n is BodyField => n !== 'id' && n !== 'time' && n !== 'accountId'),
  undefined,
);

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

export interface ValidationCause {
  /** the offending field (`time`, `skills[2]`); absent when the problem is the whole event */
  field?: string;
  message: string;
}

export interface ValidationContext {
  /** the moment of validation, epoch ms: `time` may lie at most 24 h after it */
  nowMs: number;
  /** the account given by the path, flag or subject; a body `accountId` must equal it */
  accountId?: string;
}

export type ValidationResult = { ok: true; event: WfmEvent } | { ok: false; causes: ValidationCause[] };

const INVALID: unique symbol = Symbol('invalid');

const MSG_OBJECT = 'event must be a JSON object';
const MSG_REQUIRED = 'required';
const MSG_NULL = 'must not be null';
const MSG_UNKNOWN = 'unknown field';
const MSG_TYPE = `must be one of ${TYPE_NAMES.join(', ')}`;
const MSG_TIME_KIND = 'must be an RFC 3339 date-time string or an integer of epoch milliseconds';
const MSG_ACCOUNT = `must match ${ACCOUNT_ID_PATTERN}`;
const MSG_SAFE = 'must be a safe integer (at most 9007199254740991)';
const MSG_PROFILE = `agent.profile needs at least one profile field (${PROFILE_FIELD_NAMES.join(', ')})`;
const MSG_AGENT_REQUIRED = 'required when from is "agent"';
const MSG_AGENT_FORBIDDEN = 'not allowed unless from is "agent"';
const NON_AGENT_SOURCES: ReadonlySet<string> = new Set(MESSAGE_SOURCES.filter((s) => s !== 'agent'));

function timeRangeMessage(maxTime: number): string {
  let max: string;
  try {
    max = formatUtcMillis(maxTime);
  } catch {
    max = String(maxTime);
  }
  return `must lie between 1970-01-01T00:00:00.000Z and ${max} (24 hours after now), both included`;
}

/** Whether `s` is minLength–maxLength visible ASCII characters (0x21–0x7E). */
function isVisibleAscii(s: string, minLength: number, maxLength: number): boolean {
  const n = s.length;
  if (n < minLength || n > maxLength) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** Number of Unicode code points of `s`, or -1 when it holds an unpaired surrogate. */
function codePointCount(s: string): number {
  const n = s.length;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      if (c > 0xdbff) return -1;
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (d < 0xdc00 || d > 0xdfff) return -1;
      i++;
    }
    count++;
  }
  return count;
}

function integerMessage(minimum: number): string {
  return `must be an integer ≥ ${minimum === -1 ? '−1' : minimum}`;
}

/** The normalised value, or INVALID after pushing the cause(s). `v` is neither undefined nor null. */
function checkValue(
  name: string,
  spec: FieldSpec,
  v: unknown,
  maxTime: number,
  ctxAccount: string | undefined,
  causes: ValidationCause[],
): unknown {
  switch (spec.kind) {
    case 'ascii':
      if (typeof v === 'string' && isVisibleAscii(v, spec.minLength, spec.maxLength)) return v;
      causes.push({
        field: name,
        message: `must be ${spec.minLength}–${spec.maxLength} visible ASCII characters (0x21–0x7E)`,
      });
      return INVALID;
    case 'integer':
      if (typeof v === 'number' && Number.isInteger(v) && v >= spec.minimum) {
        if (Number.isSafeInteger(v)) return v + 0; // -0 → 0
        causes.push({ field: name, message: MSG_SAFE });
        return INVALID;
      }
      causes.push({ field: name, message: integerMessage(spec.minimum) });
      return INVALID;
    case 'text': {
      if (typeof v !== 'string') {
        causes.push({ field: name, message: `must be a string of at most ${spec.maxLength} characters` });
        return INVALID;
      }
      // a code point is one or two UTF-16 units: only long strings need counting
      if (v.length > 2 * spec.maxLength) {
        causes.push({ field: name, message: `must be at most ${spec.maxLength} characters (Unicode code points)` });
        return INVALID;
      }
      const count = codePointCount(v);
      if (count < 0) {
        causes.push({ field: name, message: 'must be valid Unicode text (it has an unpaired surrogate)' });
        return INVALID;
      }
      if (count > spec.maxLength) {
        causes.push({ field: name, message: `must be at most ${spec.maxLength} characters (Unicode code points)` });
        return INVALID;
      }
      return v;
    }
    case 'enum':
      if (typeof v === 'string' && spec.values.includes(v)) return v;
      causes.push({ field: name, message: `must be one of ${spec.values.join(', ')}` });
      return INVALID;
    case 'integerArray': {
      if (!Array.isArray(v)) {
        causes.push({ field: name, message: `must be an array of integers ≥ ${spec.minimum}` });
        return INVALID;
      }
      const n = v.length;
      const out = new Array<number>(n);
      let ok = true;
      for (let i = 0; i < n; i++) {
        const x: unknown = v[i];
        if (typeof x === 'number' && Number.isSafeInteger(x) && x >= spec.minimum) {
          out[i] = x + 0;
          continue;
        }
        ok = false;
        const message =
          x === null || x === undefined
            ? MSG_NULL
            : typeof x === 'number' && Number.isInteger(x) && x >= spec.minimum
              ? MSG_SAFE
              : integerMessage(spec.minimum);
        causes.push({ field: `${name}[${i}]`, message });
      }
      return ok ? out : INVALID;
    }
    case 'time': {
      let ms: number;
      if (typeof v === 'string') {
        const r = parseRfc3339(v);
        if (typeof r === 'string') {
          causes.push({ field: name, message: r });
          return INVALID;
        }
        ms = r;
      } else if (typeof v === 'number' && Number.isInteger(v)) {
        ms = v + 0;
      } else {
        causes.push({ field: name, message: MSG_TIME_KIND });
        return INVALID;
      }
      if (ms >= 0 && ms <= maxTime) return ms;
      causes.push({ field: name, message: timeRangeMessage(maxTime) });
      return INVALID;
    }
    case 'accountId':
      if (typeof v !== 'string' || !ACCOUNT_ID_RE.test(v)) {
        causes.push({ field: name, message: MSG_ACCOUNT });
        return INVALID;
      }
      if (ctxAccount !== undefined && v !== ctxAccount) {
        causes.push({
          field: name,
          message: `must equal the account given by the path, flag or subject (${JSON.stringify(ctxAccount)})`,
        });
        return INVALID;
      }
      return v;
  }
}

/**
 * Validates one raw event (a parsed JSON value) against spec/events.md and normalises it:
 * `time` becomes epoch ms, `accountId` is checked and dropped, no defaults are filled in.
 * Every problem is reported, each with its field when there is one.
 *
 * @example
 * validateEvent({ id: 'e1', type: 'agent.logout', time: '2026-03-30T09:00:00Z', agentId: 7 }, { nowMs: Date.now() });
 * // { ok: true, event: { type: 'agent.logout', id: 'e1', time: 1774861200000, agentId: 7 } }
 * validateEvent({ id: 'e1', type: 'agent.logout', time: 1.5, agentId: 0 }, { nowMs: Date.now() });
 * // { ok: false, causes: [{ field: 'time', message: '…' }, { field: 'agentId', message: 'must be an integer ≥ 1' }] }
 */
export function validateEvent(raw: unknown, ctx: ValidationContext): ValidationResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, causes: [{ message: MSG_OBJECT }] };
  }
  const obj = raw as Record<string, unknown>;
  const causes: ValidationCause[] = [];
  const type = obj['type'];
  let ct = typeof type === 'string' ? BY_TYPE.get(type) : undefined;
  if (ct === undefined) {
    causes.push({ field: 'type', message: type === undefined ? MSG_REQUIRED : type === null ? MSG_NULL : MSG_TYPE });
    ct = ANY_TYPE;
  }
  const maxTime = ctx.nowMs + DAY_MS;
  const ctxAccount = ctx.accountId;
  const out: Record<string, unknown> = { type };
  let profileFields = 0;

  const fields = ct.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as CompiledField;
    const name = f.name;
    const v = obj[name];
    let required = f.required;
    if (f.onlyWhenFromAgent) {
      const from = obj['from'];
      if (from === 'agent') {
        required = true;
      } else if (v !== undefined && typeof from === 'string' && NON_AGENT_SOURCES.has(from)) {
        causes.push({ field: name, message: MSG_AGENT_FORBIDDEN });
        continue;
      }
    }
    if (v === undefined) {
      if (required) causes.push({ field: name, message: f.onlyWhenFromAgent ? MSG_AGENT_REQUIRED : MSG_REQUIRED });
      continue;
    }
    if (f.profile) profileFields++;
    if (v === null) {
      causes.push({ field: name, message: MSG_NULL });
      continue;
    }
    const r = checkValue(name, f.spec, v, maxTime, ctxAccount, causes);
    if (r !== INVALID && name !== 'accountId') out[name] = r;
  }

  const allowed = ct.allowed;
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key) && obj[key] !== undefined) causes.push({ field: key, message: MSG_UNKNOWN });
  }

  if (ct.needsProfileField && profileFields === 0) causes.push({ message: MSG_PROFILE });

  if (causes.length > 0) return { ok: false, causes };
  return { ok: true, event: out as unknown as WfmEvent };
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON
// ---------------------------------------------------------------------------------------------

function compareCodePoints(a: string, b: string): number {
  // UTF-16 order differs from code-point order only between astral characters and U+E000–U+FFFF
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Canonical JSON of any JSON value: object keys sorted by code point, no whitespace. */
function canonicalValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null || typeof v !== 'object') return 'null';
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) s += ',';
      const x: unknown = v[i];
      s += x === undefined ? 'null' : canonicalValue(x);
    }
    return s + ']';
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort(compareCodePoints);
  let s = '{';
  let first = true;
  for (const k of keys) {
    const x = o[k];
    if (x === undefined) continue;
    s += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalValue(x);
    first = false;
  }
  return s + '}';
}

/**
 * The canonical JSON of an event, used for idempotency and `wfm export`: keys sorted by code
 * point at every level (arrays keep their order), `time` as epoch ms, no `accountId`, no
 * whitespace. Raw events that are identical per spec/events.md give equal strings.
 *
 * @example
 * canonicalEventJson({ type: 'agent.logout', id: 'e1', time: 1774861200000, agentId: 7 });
 * // '{"agentId":7,"id":"e1","time":1774861200000,"type":"agent.logout"}'
 */
export function canonicalEventJson(e: WfmEvent): string {
  const ct = BY_TYPE.get(e.type);
  const o = e as unknown as Record<string, unknown>;
  if (ct === undefined) {
    // not a validated event: fall back to the generic form
    const { accountId: _dropped, ...rest } = o;
    return canonicalValue(rest);
  }
  let s = '{';
  let first = true;
  const keys = ct.canonical;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as { readonly name: string; readonly prefix: string };
    const v = o[k.name];
    if (v === undefined) continue;
    s += (first ? '' : ',') + k.prefix + canonicalValue(v);
    first = false;
  }
  return s + '}';
}

// ---------------------------------------------------------------------------------------------
// JSON Schema
// ---------------------------------------------------------------------------------------------

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function fieldSchema(spec: FieldSpec, description: string): Record<string, unknown> {
  switch (spec.kind) {
    case 'ascii':
      return {
        type: 'string',
        minLength: spec.minLength,
        maxLength: spec.maxLength,
        pattern: '^[!-~]*$',
        description,
      };
    case 'integer':
      return { type: 'integer', minimum: spec.minimum, maximum: MAX_SAFE, description };
    case 'text':
      // JSON Schema's maxLength counts code points, as the spec does
      return { type: 'string', maxLength: spec.maxLength, description };
    case 'enum':
      return { type: 'string', enum: [...spec.values], description };
    case 'integerArray':
      return { type: 'array', items: { type: 'integer', minimum: spec.minimum, maximum: MAX_SAFE }, description };
    case 'time':
      return {
        oneOf: [
          { type: 'string', format: 'date-time', pattern: RFC3339_PATTERN },
          { type: 'integer', minimum: 0, maximum: MAX_SAFE },
        ],
        description,
      };
    case 'accountId':
      return { type: 'string', pattern: ACCOUNT_ID_PATTERN, description };
  }
}

/**
 * JSON Schema (2020-12, as used by OpenAPI 3.1) of a raw event: a `oneOf` of one object schema
 * per type, each with `additionalProperties: false`. Derived from the same field table as
 * {@link validateEvent}; what a schema cannot say (the upper bound of `time`, calendar checks,
 * unpaired surrogates) is only checked by the validator. A fresh object on each call.
 *
 * @example
 * const openapi = { components: { schemas: { Event: eventJsonSchema() } } };
 */
export function eventJsonSchema(): object {
  const oneOf: object[] = [];
  for (const [type, row] of ROWS) {
    const properties: Record<string, unknown> = {
      id: fieldSchema(FIELDS.id, FIELDS.id.description),
      type: { const: type, description: 'The event type.' },
      time: fieldSchema(FIELDS.time, FIELDS.time.description),
      accountId: fieldSchema(FIELDS.accountId, FIELDS.accountId.description),
    };
    for (const name of [...row.required, ...row.optional]) {
      const spec: FieldSpec = FIELDS[name];
      properties[name] = fieldSchema(spec, row.descriptions?.[name] ?? spec.description);
    }
    const schema: Record<string, unknown> = {
      title: type,
      description: row.description,
      type: 'object',
      properties,
      required: ['id', 'type', 'time', ...row.required],
      additionalProperties: false,
    };
    if (row.rule === 'profile') {
      schema['anyOf'] = PROFILE_FIELD_NAMES.map((f) => ({ required: [f] }));
    } else if (row.rule === 'agentIdIffFromAgent') {
      schema['if'] = { properties: { from: { const: 'agent' } }, required: ['from'] };
      schema['then'] = { required: ['agentId'] };
      schema['else'] = { not: { required: ['agentId'] } };
    }
    oneOf.push(schema);
  }
  return {
    title: 'Event',
    description: 'One raw event of the ingest contract (spec/events.md). Unknown fields and null values are rejected.',
    oneOf,
  };
}
