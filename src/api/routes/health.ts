import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app.js';

/** /healthz (process up), /readyz (store and bus reachable), /metrics (Prometheus text). */
export function healthRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/healthz', { schema: { summary: 'Process is up', tags: ['operations'] } }, async () => ({ status: 'ok' }));

    app.get(
      '/readyz',
      { schema: { summary: 'Store (and bus, when configured) reachable', tags: ['operations'] } },
      async (_request, reply) => {
        const checks: Record<string, string> = {};
        const all = { store: () => ctx.store.ping(), ...ctx.readinessChecks };
        let ready = true;
        for (const [name, check] of Object.entries(all)) {
          try {
            await check();
            checks[name] = 'ok';
          } catch (err) {
            ready = false;
            checks[name] = `unreachable: ${(err as Error).message}`;
          }
        }
        return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
      },
    );

    app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['operations'] } }, async (_request, reply) => {
      const text = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(text);
    });
  };
}
