import { Readable } from 'node:stream';
import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { SegmentHandleTime } from '../../domain/aht.js';
import { formatUtcMillis } from '../../domain/time.js';
import type { Cause } from '../../errors.js';
import { WfmError } from '../../errors.js';
import type { SegmentFilters, SegmentSortField, SegmentSummary } from '../../store/store.js';
import { SEGMENT_SORT_FIELDS } from '../../store/store.js';
import type { AppContext } from '../app.js';
import { requireAccess } from '../authenticate.js';
import { type JsonWriter, writeJson } from '../json-writer.js';
import {
  carriedCount,
  DAY_MS,
  linkMark,
  listKeyOf,
  pageLinks,
  readPage,
  readWindowEitherForm,
  resolveSnapshot,
  throwIfCauses,
} from '../paging.js';
import { AccountParams, AsOf, ErrorBody, errorResponses, Metadata, Source, Timeframe } from '../schemas.js';
import { baseUrlOf, JSON_TYPE, queryParams, requestPath, timeframeOf } from './shared.js';

/** The reference's sort values, aliases of our field names. */
const SORT_ALIASES: Record<string, SegmentSortField> = {
  Date: 'endTime',
  Conversation: 'conversationId',
  Agent: 'agentId',
  Employee: 'employeeId',
  Skill: 'skillId',
  Group: 'groupId',
};

const WindowQuery = {
  from: Type.Optional(Type.String({ description: 'RFC 3339; segments with from ≤ endTime < to; default: the last 24 h' })),
  to: Type.Optional(Type.String({ description: 'RFC 3339; span ≤ 7 days' })),
  fromMillis: Type.Optional(Type.Integer({ description: 'epoch ms, instead of from/to (not both forms)' })),
  toMillis: Type.Optional(Type.Integer({ description: 'epoch ms' })),
  source: Source,
};

const ListQuery = Type.Object({
  ...WindowQuery,
  ConversationId: Type.Optional(Type.String()),
  AgentId: Type.Optional(Type.Integer({ minimum: 1 })),
  EmployeeId: Type.Optional(Type.String()),
  SkillId: Type.Optional(Type.Integer({ minimum: 1 })),
  GroupId: Type.Optional(Type.Integer({ minimum: -1 })),
  sort: Type.Optional(
    Type.String({
      description: `${SEGMENT_SORT_FIELDS.join(', ')} ascending, or with a "-" prefix descending; the reference's Date, Conversation, Agent, Employee, Skill, Group are aliases. Default -endTime; ties by segmentId`,
    }),
  ),
  offset: Type.Optional(Type.Integer()),
  limit: Type.Optional(Type.Integer({ description: 'default 100, max 500' })),
  asOf: AsOf,
});
type ListQuery = Static<typeof ListQuery>;
const BreakdownQuery = Type.Object(WindowQuery);
type BreakdownQuery = Static<typeof BreakdownQuery>;

const Unit = Type.Object({
  sequence: Type.Integer(),
  startReason: Type.String(),
  endReason: Type.String(),
  startTimestamp: Type.Integer({ description: 'epoch ms' }),
  endTimestamp: Type.Integer({ description: 'epoch ms' }),
  handleTimeMillis: Type.Integer(),
});
const Segment = Type.Object({
  segmentId: Type.String({ description: '<conversationId>:<agentId>:<start epoch ms>' }),
  conversationId: Type.String(),
  agentId: Type.Integer(),
  employeeId: Type.String(),
  skillId: Type.Integer(),
  groupId: Type.Integer(),
  startTime: Type.String(),
  startTimeL: Type.Integer(),
  endTime: Type.String(),
  endTimeL: Type.Integer(),
  endReason: Type.String(),
  totalHandleTimeMillis: Type.Integer({ description: 'engaged handle time: the sum of the handle-time units' }),
  inFocusTimeMillis: Type.Integer({ description: '(ext) time inside the segment that the agent had the conversation selected' }),
});

/** AHT: `agent-segments`, its handle-time units, and the NDJSON breakdown. */
export function handleTimeRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const read = requireAccess(ctx.tokens, 'read');
    const security = [{ bearer: [] }];
    const tags = ['actual handle time'];

    app.get(
      '/api/account/:accountId/agent-segments',
      {
        preHandler: read,
        schema: {
          summary: 'Closed agent segments with their actual handle time',
          description:
            'Segments selected by end time, with totalHandleTimeMillis (the time the agent had the conversation selected while it awaited their reply) and inFocusTimeMillis.',
          tags,
          security,
          params: AccountParams,
          querystring: ListQuery,
          response: {
            200: Type.Object({ timeframe: Timeframe, segments: Type.Array(Segment), pagination: Metadata }),
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const { accountId } = request.params as { accountId: string };
        const query = request.query as ListQuery;
        const snapshot = await resolveSnapshot(ctx.store, ctx.snapshots, accountId, query.asOf, ctx.now(), ctx.snapshotTtlMs);
        const causes: Cause[] = [];
        const window = readWindowEitherForm(query, snapshot.issuedAt, DAY_MS, 7 * DAY_MS, causes);
        const page = readPage(query, 100, 500, causes);
        const sort = readSort(query.sort, causes);
        throwIfCauses(causes);
        const filters: SegmentFilters = {};
        if (query.ConversationId !== undefined) filters.conversationId = query.ConversationId;
        if (query.AgentId !== undefined) filters.agentId = query.AgentId;
        if (query.EmployeeId !== undefined) filters.employeeId = query.EmployeeId;
        if (query.SkillId !== undefined) filters.skillId = query.SkillId;
        if (query.GroupId !== undefined) filters.groupId = query.GroupId;
        const path = requestPath(request);
        const params = queryParams(request);
        const listKey = listKeyOf(path, params);
        const knownCount = carriedCount(snapshot, listKey);
        const result = await ctx.store.segments(accountId, snapshot.version, {
          window,
          filters,
          sort,
          page: knownCount === undefined ? page : { ...page, knownCount },
        });
        const mark = linkMark(ctx.snapshots, snapshot, query.asOf, listKey, result.count);
        const references = pageLinks(baseUrlOf(request, ctx), path, params, page, result.count, mark);
        // Written as JSON bytes (../json-writer.ts): those the schema's serializer would give.
        reply.type(JSON_TYPE);
        return writeJson((w) => {
          w.raw('{"timeframe":').value(timeframeOf(window)).raw(',"segments":[');
          result.items.forEach((s, i) => {
            if (i > 0) w.raw(',');
            writeSegment(w, s);
          });
          w.raw('],"pagination":').value({ count: result.count, references }).raw('}');
        });
      },
    );

    app.get(
      '/api/account/:accountId/agent-segments/breakdown',
      {
        preHandler: read,
        schema: {
          summary: 'Every handle-time unit of the segments that ended in the window, as NDJSON',
          description:
            'One unit per line with its segmentId, ordered by (segment end, segmentId, sequence); streamed in constant memory (bulk pull for WFM vendors).',
          tags,
          security,
          params: AccountParams,
          querystring: BreakdownQuery,
          produces: ['application/x-ndjson'],
          response: {
            200: {
              type: 'string',
              description: 'NDJSON lines of {segmentId, sequence, startReason, endReason, startTimestamp, endTimestamp, handleTimeMillis}',
            },
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const { accountId } = request.params as { accountId: string };
        const query = request.query as BreakdownQuery;
        const causes: Cause[] = [];
        const window = readWindowEitherForm(query, ctx.now(), DAY_MS, 7 * DAY_MS, causes);
        throwIfCauses(causes);
        const { version } = await ctx.store.accountVersion(accountId);
        const lines = async function* (segments: AsyncIterable<SegmentHandleTime>) {
          for await (const s of segments) {
            for (const u of s.units) yield `${JSON.stringify({ segmentId: s.segmentId, ...u })}\n`;
          }
        };
        return reply.type('application/x-ndjson').send(Readable.from(lines(ctx.store.segmentsEndingIn(accountId, version, window))));
      },
    );

    app.get(
      '/api/account/:accountId/agent-segments/:segmentId/handle-time-units',
      {
        preHandler: read,
        schema: {
          summary: 'The handle-time units of one closed segment',
          tags,
          security,
          params: Type.Object({ ...AccountParams.properties, segmentId: Type.String({ description: 'percent-encoded segmentId' }) }),
          querystring: Type.Object({ source: Source }),
          response: { 200: Type.Object({ segmentId: Type.String(), units: Type.Array(Unit) }), 404: ErrorBody, ...errorResponses },
        },
      },
      async (request) => {
        const { accountId, segmentId } = request.params as { accountId: string; segmentId: string };
        const { version } = await ctx.store.accountVersion(accountId);
        const segment = await ctx.store.segment(accountId, version, segmentId);
        if (!segment) throw new WfmError('WFM_ERR_NOT_FOUND', `no closed segment ${segmentId}`);
        return { segmentId: segment.segmentId, units: segment.units };
      },
    );
  };
}

function readSort(value: string | undefined, causes: Cause[]): { field: SegmentSortField; descending: boolean } {
  if (value === undefined) return { field: 'endTime', descending: true };
  const descending = value.startsWith('-');
  const name = descending ? value.slice(1) : value;
  const field = (SEGMENT_SORT_FIELDS as readonly string[]).includes(name) ? (name as SegmentSortField) : SORT_ALIASES[name];
  if (!field) {
    causes.push({
      field: 'sort',
      message: `must be one of ${SEGMENT_SORT_FIELDS.join(', ')} (or Date, Conversation, Agent, Employee, Skill, Group), optionally with a "-" prefix`,
    });
    return { field: 'endTime', descending: true };
  }
  return { field, descending };
}

/** The wire form of a segment (`agent-segments`, the Segment schema): exported for the benchmark floor and tests. */
export function segmentView(s: SegmentSummary) {
  return {
    segmentId: s.segmentId,
    conversationId: s.conversationId,
    agentId: s.agentId,
    employeeId: s.employeeId,
    skillId: s.skillId,
    groupId: s.groupId,
    startTime: formatUtcMillis(s.start),
    startTimeL: s.start,
    endTime: formatUtcMillis(s.end),
    endTimeL: s.end,
    endReason: s.endReason,
    totalHandleTimeMillis: s.totalHandleTimeMillis,
    inFocusTimeMillis: s.inFocusTimeMillis,
  };
}

/** {@link segmentView}, written directly. */
function writeSegment(w: JsonWriter, s: SegmentSummary): void {
  w.raw('{"segmentId":').string(s.segmentId);
  w.raw(',"conversationId":').string(s.conversationId);
  w.raw(',"agentId":').integer(s.agentId);
  w.raw(',"employeeId":').string(s.employeeId);
  w.raw(',"skillId":').integer(s.skillId);
  w.raw(',"groupId":').integer(s.groupId);
  w.raw(',"startTime":').time(s.start);
  w.raw(',"startTimeL":').integer(s.start);
  w.raw(',"endTime":').time(s.end);
  w.raw(',"endTimeL":').integer(s.end);
  w.raw(',"endReason":').string(s.endReason);
  w.raw(',"totalHandleTimeMillis":').integer(s.totalHandleTimeMillis);
  w.raw(',"inFocusTimeMillis":').integer(s.inFocusTimeMillis);
  w.raw('}');
}
