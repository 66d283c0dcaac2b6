/**
 * buildApp(deps): the whole HTTP API as a Fastify instance that is not listening, so tests
 * drive it through `app.inject()` and `wfm serve` adds `listen`.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Fastify, { LogController } from 'fastify';
import { TokenService } from '../auth/tokens.js';
import type { Cause } from '../errors.js';
import { WfmError } from '../errors.js';
import type { Store } from '../store/store.js';
import { HttpMetrics } from './http-metrics.js';
import { dataQualityRoutes } from './routes/data-quality.js';
import { eventsRoutes } from './routes/events.js';
import { handleTimeRoutes } from './routes/handle-time.js';
import { healthRoutes } from './routes/health.js';
import { nhtRoutes } from './routes/nht.js';
import { oauthRoutes } from './routes/oauth.js';
import { settingsRoutes } from './routes/settings.js';
import { statusChangesRoutes } from './routes/status-changes.js';
import { SnapshotTokens } from './snapshot-token.js';

export interface AppOptions {
  store: Store;
  /** signs bearer tokens and snapshot marks; every process on one store must share it */
  signingSecret: string;
  publicUrl?: string | undefined;
  tokenTtlSeconds?: number;
  snapshotTtlMs?: number;
  maxBatchEvents?: number;
  maxBodyBytes?: number;
  /** pino logger options, or false for none */
  logger?: boolean | { level: string };
  now?: () => number;
  /** extra readiness checks (e.g. the bus), by name */
  readinessChecks?: Record<string, () => Promise<void>>;
  /** bus consumer lag and dead letters for /metrics, when a bus is configured */
  busStats?: () => Promise<{ pending: number; ackPending: number; deadLetters: number }>;
}

/** What every route plugin receives. */
export interface AppContext {
  store: Store;
  tokens: TokenService;
  snapshots: SnapshotTokens;
  metrics: HttpMetrics;
  publicUrl: string | undefined;
  snapshotTtlMs: number;
  maxBatchEvents: number;
  maxBodyBytes: number;
  now: () => number;
  readinessChecks: Record<string, () => Promise<void>>;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const now = options.now ?? Date.now;
  const ctx: AppContext = {
    store: options.store,
    tokens: new TokenService(options.signingSecret, options.tokenTtlSeconds ?? 3600, now),
    snapshots: new SnapshotTokens(options.signingSecret),
    metrics: new HttpMetrics(options.busStats),
    publicUrl: options.publicUrl,
    snapshotTtlMs: options.snapshotTtlMs ?? 3600_000,
    maxBatchEvents: options.maxBatchEvents ?? 10_000,
    maxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
    now,
    readinessChecks: options.readinessChecks ?? {},
  };

  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: ctx.maxBodyBytes,
    // Ids in paths may contain ':' and percent-encoded characters; keep the defaults otherwise.
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false, useDefaults: false } },
    // Our own access log line (http-metrics.ts) carries the route, status, latency and `source`.
    logController: new LogController({ disableRequestLogging: true }),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'wfm-metrics',
        version: '0.1.0',
        description:
          'Workforce-management metrics for messaging contact centers: Agent Activity (v1/v2), data quality and event ingest. ' +
          'Get a token at POST /oauth/token with client credentials created by `wfm client create`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.setErrorHandler((error: FastifyError | WfmError, request: FastifyRequest, reply: FastifyReply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(new WfmError('WFM_ERR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`), request, reply),
  );

  ctx.metrics.instrument(app);

  await app.register(oauthRoutes(ctx));
  await app.register(eventsRoutes(ctx));
  await app.register(statusChangesRoutes(ctx));
  await app.register(dataQualityRoutes(ctx));
  await app.register(handleTimeRoutes(ctx));
  await app.register(nhtRoutes(ctx));
  await app.register(settingsRoutes(ctx));
  await app.register(healthRoutes(ctx));
  return app;
}

/** One error shape for every failure; never a stack trace. */
function sendError(error: FastifyError | WfmError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof WfmError) {
    if (error.status >= 500) return reply.status(error.status).send({ message: error.message, internalCode: error.code });
    const body: { message: string; causes?: Cause[] } = { message: error.message };
    if (error.causes.length > 0) body.causes = error.causes;
    return reply.status(error.status).send(body);
  }
  const fe = error as FastifyError;
  if (fe.validation) {
    const causes = fe.validation.map((v) => {
      const params = v.params as Record<string, unknown>;
      const field =
        (typeof params.missingProperty === 'string' && params.missingProperty) ||
        (typeof params.additionalProperty === 'string' && params.additionalProperty) ||
        v.instancePath.replace(/^\//, '').replaceAll('/', '.');
      return field ? { field, message: v.message ?? 'invalid' } : { message: v.message ?? 'invalid' };
    });
    return reply.status(400).send({ message: `invalid ${fe.validationContext ?? 'request'}`, causes });
  }
  if (fe.statusCode === 413 || fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return reply.status(413).send({ message: 'request body too large' });
  }
  if (fe.statusCode === 415) return reply.status(415).send({ message: fe.message });
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    return reply.status(fe.statusCode).send({ message: fe.message });
  }
  request.log.error({ err: error }, 'request failed');
  return reply.status(500).send({ message: 'internal error', internalCode: 'WFM_ERR_INTERNAL' });
}
