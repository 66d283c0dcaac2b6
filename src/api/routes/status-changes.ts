import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ActivityRecord } from '../../domain/records.js';
import type { Cause } from '../../errors.js';
import type { ActivityFilter } from '../../store/store.js';
import type { AppContext } from '../app.js';
import { requireAccess } from '../authenticate.js';
import { type JsonWriter, writeJson } from '../json-writer.js';
import { carriedCount, DAY_MS, linkMark, listKeyOf, pageLinks, readPage, readWindow, resolveSnapshot, throwIfCauses } from '../paging.js';
import { AccountParams, AsOf, errorResponses, Metadata, Source, StringEnum, Timeframe } from '../schemas.js';
import { baseUrlOf, JSON_TYPE, plainJson, queryParams, requestPath, timeframeOf } from './shared.js';

const Query = Type.Object({
  v: Type.Optional(StringEnum(['1', '2'], { description: 'response version, default 1' })),
  from: Type.Optional(Type.String({ description: 'RFC 3339; with `to`; default: the last 24 h' })),
  to: Type.Optional(Type.String({ description: 'RFC 3339; records with from ≤ time < to; to − from ≤ 31 days' })),
  agentId: Type.Optional(Type.Integer({ minimum: 1, description: 'only this agent (at most one of agentId, empId, groupId)' })),
  empId: Type.Optional(Type.String({ description: "only records whose agent's employeeId (as of the record) is this" })),
  groupId: Type.Optional(Type.Integer({ minimum: -1, description: "only records whose agent's groupId (as of the record) is this" })),
  offset: Type.Optional(Type.Integer({ description: 'v2: records to skip; v1: agents to skip' })),
  limit: Type.Optional(Type.Integer({ description: 'v2: records per page (default 1000, max 5000); v1: agents (default 50, max 100)' })),
  source: Source,
  asOf: AsOf,
});
type Query = Static<typeof Query>;

const agentFields = {
  agentId: Type.Integer(),
  employeeId: Type.String(),
  agentLoginName: Type.String(),
  agentUserName: Type.String(),
  agentGroupId: Type.Integer(),
};
const changeFields = {
  time: Type.String({ description: 'RFC 3339 UTC with milliseconds' }),
  sessionId: Type.Integer(),
  sequenceNumber: Type.Integer({ description: 'login −1, initial status 1, then consecutive through the logout' }),
  statusType: Type.Integer({ description: '1 status change, 3 login, 4 logout' }),
  statusSubType: Type.Integer({ description: '0 login/logout; 1 OFFLINE, 2 ONLINE, 3 BACK_SOON, 4 AWAY' }),
  statusReasonId: Type.Optional(Type.Integer({ description: 'AWAY records only; −1 when none was given' })),
  statusReasonText: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'AWAY records only' })),
  prevStatusChangeTime: Type.Union([Type.String(), Type.Null()]),
};
const V2Body = Type.Object({
  _metadata: Metadata,
  timeframe: Timeframe,
  stateChanges: Type.Array(Type.Object({ ...agentFields, ...changeFields })),
});
const V1Body = Type.Object({
  _metadata: Metadata,
  timeframe: Timeframe,
  agentsInfo: Type.Array(Type.Object({ ...agentFields, statusChangeHistory: Type.Array(Type.Object(changeFields)) })),
});

const PATH = '/api/v2/account/:accountId/status-changes';

/** GET /api/v2/account/{accountId}/status-changes — Agent Activity, v1 (by agent) and v2 (flat). */
export function statusChangesRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get(
      PATH,
      {
        preHandler: requireAccess(ctx.tokens, 'read'),
        schema: {
          summary: 'Agent state changes (Agent Activity API, v1 and v2)',
          description:
            'Every agent state change: login, status (Online, Back soon, Away with reason, Offline) and logout, numbered per session. ' +
            'v2 returns flat records ordered by (time, agentId, sessionId, sequenceNumber); v1 groups them by agent and never drops a record. ' +
            'Follow `next` links from `first` to receive every record exactly once, also during ingest (the `asOf` snapshot).',
          tags: ['agent activity'],
          security: [{ bearer: [] }],
          params: AccountParams,
          querystring: Query,
          response: { 200: Type.Union([V2Body, V1Body]), ...errorResponses },
        },
        serializerCompiler: plainJson,
      },
      async (request, reply) => {
        const { accountId } = request.params as { accountId: string };
        const query = request.query as Query;
        const v1 = query.v !== '2';
        const snapshot = await resolveSnapshot(ctx.store, ctx.snapshots, accountId, query.asOf, ctx.now(), ctx.snapshotTtlMs);
        const causes: Cause[] = [];
        // The default window is relative to the snapshot, so every page of one walk shares it.
        const window = readWindow(query, snapshot.issuedAt, DAY_MS, 31 * DAY_MS, causes);
        const page = v1 ? readPage(query, 50, 100, causes) : readPage(query, 1000, 5000, causes);
        const filter = readFilter(query, causes);
        throwIfCauses(causes);

        const path = requestPath(request);
        const params = queryParams(request);
        const listKey = listKeyOf(path, params);
        const knownCount = carriedCount(snapshot, listKey);
        const pageRequest = knownCount === undefined ? page : { ...page, knownCount };
        const head = (w: JsonWriter, count: number) => {
          const mark = linkMark(ctx.snapshots, snapshot, query.asOf, listKey, count);
          const references = pageLinks(baseUrlOf(request, ctx), path, params, page, count, mark);
          w.raw('{"_metadata":').value({ count, references }).raw(',"timeframe":').value(timeframeOf(window));
        };
        // The body is written as JSON bytes (../json-writer.ts): those JSON.stringify would give.
        reply.type(JSON_TYPE);
        if (v1) {
          const result = await ctx.store.statusChangesByAgent(accountId, snapshot.version, window, filter, pageRequest);
          return writeJson((w) => {
            head(w, result.count);
            w.raw(',"agentsInfo":[');
            result.items.forEach(({ agentId, records }, i) => {
              if (i > 0) w.raw(',');
              const last = records[records.length - 1];
              if (last) writeAgent(w, agentId, last);
              else w.raw('{"agentId":').integer(agentId);
              w.raw(',"statusChangeHistory":[');
              records.forEach((r, j) => {
                w.raw(j > 0 ? ',{' : '{');
                writeChange(w, r);
                w.raw('}');
              });
              w.raw(']}');
            });
            w.raw(']}');
          });
        }
        const result = await ctx.store.statusChanges(accountId, snapshot.version, window, filter, pageRequest);
        return writeJson((w) => {
          head(w, result.count);
          w.raw(',"stateChanges":[');
          const writeRecordAgent = agentWriter();
          result.items.forEach((r, i) => {
            if (i > 0) w.raw(',');
            writeRecordAgent(w, r);
            w.raw(',');
            writeChange(w, r);
            w.raw('}');
          });
          w.raw(']}');
        });
      },
    );
  };
}

function readFilter(query: Query, causes: Cause[]): ActivityFilter {
  const given = (['agentId', 'empId', 'groupId'] as const).filter((f) => query[f] !== undefined);
  if (given.length > 1) {
    causes.push({ field: given[1] as string, message: `at most one of agentId, empId, groupId may be given (got ${given.join(', ')})` });
    return { kind: 'none' };
  }
  if (query.agentId !== undefined) return { kind: 'agentId', value: query.agentId };
  if (query.empId !== undefined) return { kind: 'employeeId', value: query.empId };
  if (query.groupId !== undefined) return { kind: 'groupId', value: query.groupId };
  return { kind: 'none' };
}

/**
 * `{` and the agent fields (agentFields, in order) of a record, the object left open. A v1
 * group shows its agent as of its last record.
 */
function writeAgent(w: JsonWriter, agentId: number, r: ActivityRecord): void {
  w.raw('{"agentId":').integer(agentId);
  w.raw(',"employeeId":').string(r.employeeId);
  w.raw(',"agentLoginName":').string(r.agentLoginName);
  w.raw(',"agentUserName":').string(r.agentUserName);
  w.raw(',"agentGroupId":').integer(r.agentGroupId);
}

/**
 * {@link writeAgent} for the records of one page: an agent's records mostly repeat its fields,
 * so their bytes are kept per agent and copied while the fields stay the same.
 */
function agentWriter(): (w: JsonWriter, r: ActivityRecord) => void {
  const written = new Map<number, { from: ActivityRecord; bytes: Uint8Array }>();
  return (w, r) => {
    const last = written.get(r.agentId);
    if (
      last !== undefined &&
      last.from.employeeId === r.employeeId &&
      last.from.agentLoginName === r.agentLoginName &&
      last.from.agentUserName === r.agentUserName &&
      last.from.agentGroupId === r.agentGroupId
    ) {
      w.bytes(last.bytes);
      return;
    }
    const start = w.length;
    writeAgent(w, r.agentId, r);
    written.set(r.agentId, { from: r, bytes: w.since(start) });
  };
}

/** The change fields (changeFields, in order) of a record, without braces; the reason only on AWAY records. */
function writeChange(w: JsonWriter, r: ActivityRecord): void {
  w.raw('"time":').time(r.time);
  w.raw(',"sessionId":').integer(r.sessionId);
  w.raw(',"sequenceNumber":').integer(r.sequenceNumber);
  w.raw(',"statusType":').integer(r.statusType);
  w.raw(',"statusSubType":').integer(r.statusSubType);
  if (r.statusReasonId !== undefined) {
    w.raw(',"statusReasonId":').integer(r.statusReasonId);
    w.raw(',"statusReasonText":').stringOrNull(r.statusReasonText ?? null);
  }
  w.raw(',"prevStatusChangeTime":').timeOrNull(r.prevStatusChangeTime);
}
