import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { WfmError } from '../../errors.js';
import { ingestBatch } from '../../ingest/ingest-batch.js';
import { parseEventsBody } from '../../ingest/parse-body.js';
import { eventJsonSchema } from '../../ingest/validate-event.js';
import type { AppContext } from '../app.js';
import { requireAccess } from '../authenticate.js';
import { AccountParams, ErrorBody, Source } from '../schemas.js';

/** POST /api/account/{accountId}/events — a JSON array or NDJSON batch, all-or-nothing. */
export function eventsRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    // The body is validated event by event (spec/events.md), so take it as text.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: ctx.maxBodyBytes }, (_req, body, done) => done(null, body));

    app.post(
      '/api/account/:accountId/events',
      {
        preHandler: requireAccess(ctx.tokens, 'ingest'),
        schema: {
          summary: 'Ingest a batch of events',
          description:
            'A JSON array of events, or NDJSON with Content-Type application/x-ndjson. All-or-nothing: any invalid event makes it a 400 ' +
            'listing every bad event; an id reused with other content makes it a 409; nothing of the batch is stored then. ' +
            'Identical repeats are counted as duplicates. Once answered, every read reflects the batch.',
          tags: ['ingest'],
          security: [{ bearer: [] }],
          params: AccountParams,
          querystring: Type.Object({ source: Source }),
          consumes: ['application/json', 'application/x-ndjson'],
          // The body reaches the handler as text (JSON array or NDJSON lines), which the event
          // validator checks event by event with every cause; this schema documents the contract.
          body: {
            anyOf: [
              { type: 'array', items: eventJsonSchema(), description: 'application/json: an array of events' },
              { type: 'string', description: 'application/x-ndjson: one event per line' },
            ],
          },
          response: {
            200: Type.Object({ accepted: Type.Integer(), duplicates: Type.Integer() }),
            400: ErrorBody,
            401: ErrorBody,
            403: ErrorBody,
            409: ErrorBody,
            413: ErrorBody,
          },
        },
      },
      async (request) => {
        const { accountId } = request.params as { accountId: string };
        const raws = parseEventsBody(String(request.body ?? ''), request.headers['content-type']);
        if (raws.length > ctx.maxBatchEvents) {
          throw new WfmError('WFM_ERR_TOO_LARGE', `a batch may hold at most ${ctx.maxBatchEvents} events (got ${raws.length})`);
        }
        try {
          const result = await ingestBatch(ctx.store, accountId, raws, ctx.now());
          ctx.metrics.ingested.inc({ result: 'accepted' }, result.accepted);
          ctx.metrics.ingested.inc({ result: 'duplicate' }, result.duplicates);
          return result;
        } catch (err) {
          ctx.metrics.ingested.inc({ result: 'rejected' }, raws.length);
          throw err;
        }
      },
    );
  };
}
