/**
 * GET|POST /operations/api/account/{accountId}/nht — Net Handle Time per skill and interval
 * (spec/api.md "Net Handle Time", spec/metrics.md §3).
 *
 * Validation: the route schemas (which also make the OpenAPI document) check types and enums
 * with their errors attached rather than thrown, and the handler adds the rules a schema cannot
 * say (date format, one window form, from < to, span, zone offsets, skill lists), so every bad
 * parameter comes back as one `causes` entry of a single 400.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IntervalMinutes } from '../../domain/intervals.js';
import { zoneOffsetProblem } from '../../domain/intervals.js';
import { defaultSkillsOfHours, nhtHoursPlan, nhtRowsFromHours } from '../../domain/nht.js';
import { parseRfc3339 } from '../../domain/time.js';
import type { Cause } from '../../errors.js';
import { badRequest, WfmError } from '../../errors.js';
import { nhtHoursOf } from '../../store/nht-hour-cache.js';
import type { TimeWindow } from '../../store/store.js';
import type { AppContext } from '../app.js';
import { requireAccess } from '../authenticate.js';
import type { Snapshot } from '../paging.js';
import { checkWindow, DAY_MS, pageLinks, readPage, resolveSnapshot } from '../paging.js';
import { AccountParams, AsOf, errorResponses, Metadata, Source, StringEnum } from '../schemas.js';
import { baseUrlOf, queryParams, requestPath } from './shared.js';

const PATH = '/operations/api/account/:accountId/nht';
const MAX_SPAN_MS = 7 * DAY_MS;
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;
/** Years 0000–9999, the range `fromDate`/`toDate` can express. */
const MIN_MS = -62_167_219_200_000;
const MAX_MS = 253_402_300_799_999;
const SOURCE_RE = /^[A-Za-z0-9_]+$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;
const DATE_MESSAGE = 'must be YYYY-MM-DDTHH:mm:ss in UTC without an offset, e.g. 2026-03-30T09:00:00';
const SKILLS_MESSAGE = 'must be a comma-separated list of positive integer skill ids, e.g. 1,2';

// ---------------------------------------------------------------------------------------------
// Schemas

const descriptions = {
  v: 'response version: 2 (also when absent); 1, the reference’s unpaged legacy shape, is a 400',
  fromDate: 'window start as YYYY-MM-DDTHH:mm:ss, always UTC; with toDate (or give fromMillis/toMillis)',
  toDate: 'window end (exclusive) as YYYY-MM-DDTHH:mm:ss, always UTC; span ≤ 7 days',
  fromMillis: 'window start in epoch ms; with toMillis (or give fromDate/toDate)',
  toMillis: 'window end (exclusive) in epoch ms; span ≤ 7 days',
  interval: 'bucket length in minutes: 15, 30 or 60 (default 60)',
  tz: 'ext: IANA time zone for bucket alignment (default UTC); its offset in the window must be a whole multiple of 15 minutes',
  skillIds:
    'comma-separated skill ids; default every skill with a queued conversation, a segment start or end, an open segment ' +
    'or a counted message in the hours of the window; unknown skills get rows of 0 / −1',
  offset: 'skills to skip (default 0)',
  limit: 'skills per page (default 10, max 100)',
};

function parameterFields<S extends TSchema>(skillIds: S) {
  return {
    v: Type.Optional(StringEnum(['1', '2'], { description: descriptions.v })),
    fromDate: Type.Optional(Type.String({ description: descriptions.fromDate, examples: ['2026-03-30T09:00:00'] })),
    toDate: Type.Optional(Type.String({ description: descriptions.toDate, examples: ['2026-03-30T17:00:00'] })),
    fromMillis: Type.Optional(Type.Integer({ description: descriptions.fromMillis })),
    toMillis: Type.Optional(Type.Integer({ description: descriptions.toMillis })),
    interval: Type.Optional(Type.Unsafe<IntervalMinutes>({ type: 'integer', enum: [15, 30, 60], description: descriptions.interval })),
    tz: Type.Optional(Type.String({ description: descriptions.tz, examples: ['Europe/Berlin'] })),
    skillIds: Type.Optional(skillIds),
    offset: Type.Optional(Type.Integer({ description: descriptions.offset })),
    limit: Type.Optional(Type.Integer({ description: descriptions.limit })),
    source: Source,
    asOf: AsOf,
  };
}

const Query = Type.Object(parameterFields(Type.String({ description: descriptions.skillIds, examples: ['1,2'] })));

/** POST: the same parameters; numbers as numbers or strings, skillIds as "1,2" or [1, 2]. */
const Body = Type.Object(
  parameterFields(
    Type.Unsafe<string | number[]>({
      anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'integer' } }],
      description: `${descriptions.skillIds}; as "1,2" or [1, 2]`,
    }),
  ),
  { description: 'the GET parameters as JSON; numbers may also be given as strings' },
);
type Params = Static<typeof Body>;

const PostQuery = Type.Object({ source: Source });

const Interval = Type.Object({
  timestamp: Type.String({
    description: 'bucket start: YYYY-MM-DDTHH:mm in UTC without tz; RFC 3339 with the zone’s offset with tz',
  }),
  epochTimestamp: Type.Integer({ description: 'bucket start in epoch ms' }),
  arrivals: Type.Integer({ description: 'conversation.queued events in the bucket' }),
  avgTimeInQueue: Type.Number({ description: 's; −1 if no start with a queue entry' }),
  totalAgentSegmentDuration: Type.Number({ description: 's, segments ending in the bucket' }),
  avgAgentSegmentDuration: Type.Number({ description: 's; −1 if none ended' }),
  avgAvailableLoad: Type.Number({ description: 'hourly; −1 if no logged-in time' }),
  messagesSent: Type.Integer({ description: 'hourly: counted agent messages' }),
  handledSegments: Type.Integer({ description: 'hourly: segments with a counted message' }),
  avgSegmentWorkTime: Type.Number({ description: 'hourly, s per message; −1 if no message' }),
  netHandleTime: Type.Number({ description: 'hourly, s per handled segment; −1 if none' }),
});

const Response = Type.Object({
  _metadata: Metadata,
  timeframe: Type.Object({
    fromDate: Type.String({ description: 'YYYY-MM-DDTHH:mm:ss UTC' }),
    toDate: Type.String(),
    fromMillis: Type.Integer({ description: 'epoch ms' }),
    toMillis: Type.Integer(),
  }),
  interval: Type.Integer(),
  skillInfo: Type.Array(Type.Object({ skillId: Type.Integer(), metricsByIntervals: Type.Array(Interval) })),
});

const SUMMARY = 'Net handle time per skill and interval';
const DESCRIPTION =
  'Per skill and bucket of the window: arrivals, time in queue, segment durations (per bucket) and load-weighted work, ' +
  'messages, handled segments, available load and net handle time (per local hour, repeated in its sub-hour buckets). ' +
  'Skills ordered by skillId and paged; follow `next` links from `first` (they carry an `asOf` snapshot). ' +
  'POST takes the same parameters as a JSON body; its links are GET URLs.';

// ---------------------------------------------------------------------------------------------
// Routes

export function nhtRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const common = {
      preHandler: requireAccess(ctx.tokens, 'read'),
      // Schema errors reach the handler, which reports them with its own checks in one 400
      // (and after the auth check: 401/403 come first).
      attachValidation: true,
    };
    const responses = { 200: Response, ...errorResponses };

    app.get(
      PATH,
      {
        ...common,
        schema: {
          summary: SUMMARY,
          description: DESCRIPTION,
          tags: ['net handle time'],
          security: [{ bearer: [] }],
          params: AccountParams,
          querystring: Query,
          response: responses,
        },
      },
      async (request) => {
        const causes = schemaCauses(request);
        const params = request.query as Params;
        return answer(ctx, request, params, causes, queryParams(request));
      },
    );

    app.post(
      PATH,
      {
        ...common,
        schema: {
          summary: `${SUMMARY} (parameters as a JSON body)`,
          description: DESCRIPTION,
          tags: ['net handle time'],
          security: [{ bearer: [] }],
          params: AccountParams,
          querystring: PostQuery,
          body: Body,
          response: responses,
        },
      },
      async (request) => {
        const causes = schemaCauses(request);
        const rawBody: unknown = request.body;
        if (rawBody === null || typeof rawBody !== 'object' || Array.isArray(rawBody)) {
          throw badRequest('the body must be a JSON object of NHT parameters', causes);
        }
        const body = rawBody as Params;
        // Fastify stops at the first part that fails, so a bad body leaves the query unchecked.
        const querySource = (request.query as { source?: unknown } | undefined)?.source;
        if (request.validationError?.validationContext !== 'querystring' && querySource !== undefined) {
          const problem = sourceProblem(querySource);
          if (problem !== null) causes.push({ field: 'source', message: problem });
        }
        const params: Params = { ...body };
        if (params.source === undefined && typeof querySource === 'string') params.source = querySource;
        return answer(ctx, request, params, causes, linkParamsOf(params));
      },
    );
  };
}

// ---------------------------------------------------------------------------------------------
// The answer

async function answer(ctx: AppContext, request: FastifyRequest, params: Params, causes: Cause[], linkParams: URLSearchParams) {
  const { accountId } = request.params as { accountId: string };
  const bad = new Set(causes.map((c) => c.field));
  const ok = <K extends keyof Params>(k: K): Params[K] | undefined => (bad.has(k) ? undefined : params[k]);

  const v1 = ok('v') === '1';
  if (v1) causes.push({ field: 'v', message: 'v1 (the reference’s unpaged legacy shape) is not served: use v2 (v=2, or omit v)' });

  const window = readNhtWindow(params, bad, causes);
  const intervalMinutes: IntervalMinutes = ok('interval') ?? 60;
  const timeZone = ok('tz');
  if (timeZone !== undefined) {
    const problem = zoneProblem(window, timeZone);
    if (problem !== null) causes.push({ field: 'tz', message: problem });
  }
  const skillIds = bad.has('skillIds') ? undefined : readSkillIds(params.skillIds, causes);
  const page = readPage({ offset: ok('offset'), limit: ok('limit') }, DEFAULT_LIMIT, MAX_LIMIT, causes);

  // Validate before the snapshot, so a bad asOf joins the other causes.
  let snapshot: Snapshot | undefined;
  try {
    snapshot = await resolveSnapshot(ctx.store, ctx.snapshots, accountId, ok('asOf'), ctx.now(), ctx.snapshotTtlMs);
  } catch (e) {
    if (e instanceof WfmError && e.code === 'WFM_ERR_BAD_REQUEST') {
      causes.push(...(e.causes.length > 0 ? e.causes : [{ field: 'asOf', message: e.message }]));
    } else if (causes.length === 0) {
      throw e; // an expired snapshot (410) only when nothing else is wrong
    }
  }
  if (causes.length > 0 || snapshot === undefined || window === undefined) {
    const message = v1
      ? `NHT v1 is not served: use v2 (v=2, the default when v is absent)${causes.length > 1 ? '; other parameters are invalid too' : ''}`
      : 'invalid request parameters';
    throw badRequest(message, causes);
  }

  const query = { fromMs: window.from, toMs: window.to, intervalMinutes, ...(timeZone === undefined ? {} : { timeZone }) };
  // Whole local hours (the hourly fields cover whole hours), cached where the store has them.
  const settings = await ctx.store.settings(accountId);
  const hours = await nhtHoursOf(ctx.store, accountId, snapshot.version, nhtHoursPlan(query), settings.defaultMaxSlots);
  const skills = skillIds ?? defaultSkillsOfHours(hours);
  const pageSkills = skills.slice(page.offset, page.offset + page.limit);
  const rows = nhtRowsFromHours(hours, query, pageSkills);

  return {
    _metadata: {
      count: skills.length,
      references: pageLinks(baseUrlOf(request, ctx), requestPath(request), linkParams, page, skills.length, snapshot.token),
    },
    timeframe: {
      fromDate: formatDate(window.from),
      toDate: formatDate(window.to),
      fromMillis: window.from,
      toMillis: window.to,
    },
    interval: intervalMinutes,
    skillInfo: rows,
  };
}

// ---------------------------------------------------------------------------------------------
// Parameters

/**
 * Causes of the schema check attached to the request (see `attachValidation`): one per
 * parameter, whatever the number of schema keywords it failed.
 */
function schemaCauses(request: FastifyRequest): Cause[] {
  const error = request.validationError as (Error & { validation?: unknown[] }) | undefined;
  if (!error) return [];
  const byField = new Map<string, { messages: string[]; enum?: string; anyOf?: boolean }>();
  for (const v of (error.validation ?? []) as Array<{
    instancePath: string;
    keyword: string;
    message?: string;
    params: Record<string, unknown>;
  }>) {
    const [field = '', ...rest] = v.instancePath.replace(/^\//, '').split('/');
    let entry = byField.get(field);
    if (!entry) byField.set(field, (entry = { messages: [] }));
    if (v.keyword === 'enum' && Array.isArray(v.params.allowedValues)) entry.enum = `must be one of ${v.params.allowedValues.join(', ')}`;
    if (v.keyword === 'anyOf') entry.anyOf = true;
    const message = `${rest.length > 0 ? `item ${rest.join('.')}: ` : ''}${v.message ?? 'invalid'}`;
    if (!entry.messages.includes(message)) entry.messages.push(message);
  }
  return [...byField].map(([field, e]) => {
    const message =
      e.enum ?? (e.anyOf ? (field === 'skillIds' ? `${SKILLS_MESSAGE}, or an array of them` : 'invalid value') : e.messages.join('; '));
    return field ? { field, message } : { message };
  });
}

function sourceProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length > 20) return 'must be at most 20 characters';
  if (!SOURCE_RE.test(value)) return 'may hold only letters, digits and _';
  return null;
}

/**
 * The window: `fromDate`/`toDate` or `fromMillis`/`toMillis` (required, one form, both ends,
 * from < to, span ≤ 7 days). Undefined when it is not usable; every problem is a cause.
 */
function readNhtWindow(params: Params, bad: Set<string | undefined>, causes: Cause[]): TimeWindow | undefined {
  const dateGiven = params.fromDate !== undefined || params.toDate !== undefined;
  const millisGiven = params.fromMillis !== undefined || params.toMillis !== undefined;
  if (dateGiven && millisGiven) {
    causes.push({ field: 'fromMillis', message: 'give either fromDate/toDate or fromMillis/toMillis, not both' });
    return undefined;
  }
  if (!dateGiven && !millisGiven) {
    for (const field of ['fromDate', 'toDate']) {
      causes.push({ field, message: 'required: give the window as fromDate/toDate or as fromMillis/toMillis' });
    }
    return undefined;
  }
  const names = dateGiven ? { from: 'fromDate', to: 'toDate' } : { from: 'fromMillis', to: 'toMillis' };
  const read = (field: string, value: string | number | undefined, other: string): number | undefined => {
    if (bad.has(field)) return undefined;
    if (value === undefined) {
      causes.push({ field, message: `required when ${other} is given` });
      return undefined;
    }
    if (typeof value === 'string') {
      if (!DATE_RE.test(value)) {
        causes.push({ field, message: DATE_MESSAGE });
        return undefined;
      }
      const ms = parseRfc3339(`${value}Z`);
      if (typeof ms === 'string') {
        causes.push({ field, message: ms });
        return undefined;
      }
      return ms;
    }
    if (!Number.isSafeInteger(value) || value < MIN_MS || value > MAX_MS) {
      causes.push({ field, message: 'must be epoch milliseconds within the years 0000–9999' });
      return undefined;
    }
    return value;
  };
  const from = read(names.from, dateGiven ? params.fromDate : params.fromMillis, names.to);
  const to = read(names.to, dateGiven ? params.toDate : params.toMillis, names.from);
  if (from === undefined || to === undefined) return undefined;
  const before = causes.length;
  const window = checkWindow(from, to, MAX_SPAN_MS, causes, names);
  return causes.length === before ? window : undefined;
}

/** Unknown zone, or an offset not a multiple of 15 minutes in the window's hours. */
function zoneProblem(window: TimeWindow | undefined, timeZone: string): string | null {
  if (window === undefined) {
    // Without a usable window only the name can be checked.
    const probe = Date.UTC(2026, 0, 1);
    const problem = zoneOffsetProblem(probe, probe + 1, timeZone);
    return problem?.startsWith('unknown time zone') ? problem : null;
  }
  return zoneOffsetProblem(window.from, window.to, timeZone);
}

/** The skill list, ascending and without repeats; undefined when absent or bad (then a cause). */
function readSkillIds(value: string | number[] | undefined, causes: Cause[]): number[] | undefined {
  if (value === undefined) return undefined;
  const items: unknown[] = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value;
  const ids: number[] = [];
  for (const item of items) {
    const id = typeof item === 'string' && /^\d{1,15}$/.test(item) ? Number(item) : item;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
      causes.push({ field: 'skillIds', message: SKILLS_MESSAGE });
      return undefined;
    }
    ids.push(id);
  }
  if (ids.length === 0) {
    causes.push({ field: 'skillIds', message: SKILLS_MESSAGE });
    return undefined;
  }
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** The query parameters of a POST's links: the body's parameters (lists comma-separated). */
function linkParamsOf(params: Params): URLSearchParams {
  const out = new URLSearchParams();
  const keys = ['v', 'fromDate', 'toDate', 'fromMillis', 'toMillis', 'interval', 'tz', 'skillIds', 'source'] as const;
  for (const key of keys) {
    const value = params[key];
    if (value === undefined) continue;
    out.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  return out;
}

function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
