import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { DATA_QUALITY_KINDS } from '../../domain/records.js';
import { formatUtcMillis } from '../../domain/time.js';
import type { Cause } from '../../errors.js';
import type { AppContext } from '../app.js';
import { requireAccess } from '../authenticate.js';
import { DAY_MS, pageLinks, readPage, readWindow, resolveSnapshot, throwIfCauses } from '../paging.js';
import { AccountParams, AsOf, errorResponses, Metadata, Source } from '../schemas.js';
import { baseUrlOf, queryParams, requestPath } from './shared.js';

const Query = Type.Object({
  from: Type.Optional(Type.String({ description: 'RFC 3339; with `to`; default: the last 24 h' })),
  to: Type.Optional(Type.String({ description: 'RFC 3339; items with from ≤ time < to; span ≤ 31 days' })),
  offset: Type.Optional(Type.Integer()),
  limit: Type.Optional(Type.Integer({ description: 'default 1000, max 5000' })),
  source: Source,
  asOf: AsOf,
});
type Query = Static<typeof Query>;

const Body = Type.Object({
  _metadata: Metadata,
  items: Type.Array(
    Type.Object({
      kind: Type.Union(DATA_QUALITY_KINDS.map((k) => Type.Literal(k))),
      eventId: Type.String(),
      time: Type.String(),
      agentId: Type.Optional(Type.Integer()),
      conversationId: Type.Optional(Type.String()),
    }),
  ),
});

/** GET /api/account/{accountId}/data-quality — inconsistent input, one item per event. */
export function dataQualityRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get(
      '/api/account/:accountId/data-quality',
      {
        preHandler: requireAccess(ctx.tokens, 'read'),
        schema: {
          summary: 'Inconsistent input found in a window',
          description:
            'Valid but inconsistent events are stored, handled by the rule of the metric definitions, and listed here, ordered by (time, eventId).',
          tags: ['data quality'],
          security: [{ bearer: [] }],
          params: AccountParams,
          querystring: Query,
          response: { 200: Body, ...errorResponses },
        },
      },
      async (request) => {
        const { accountId } = request.params as { accountId: string };
        const query = request.query as Query;
        const snapshot = await resolveSnapshot(ctx.store, ctx.snapshots, accountId, query.asOf, ctx.now(), ctx.snapshotTtlMs);
        const causes: Cause[] = [];
        const window = readWindow(query, snapshot.issuedAt, DAY_MS, 31 * DAY_MS, causes);
        const page = readPage(query, 1000, 5000, causes);
        throwIfCauses(causes);
        const result = await ctx.store.dataQuality(accountId, snapshot.version, window, page);
        return {
          _metadata: {
            count: result.count,
            references: pageLinks(baseUrlOf(request, ctx), requestPath(request), queryParams(request), page, result.count, snapshot.token),
          },
          items: result.items.map((i) => ({ ...i, time: formatUtcMillis(i.time) })),
        };
      },
    );
  };
}
