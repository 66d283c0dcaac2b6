import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of one app: requests and latencies by route and status, ingest counts.
 * Labels never carry an account or `source`, so nothing about accounts leaks.
 */
export class HttpMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'wfm_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'wfm_http_request_duration_seconds',
    help: 'HTTP request latency by route and method',
    labelNames: ['route', 'method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly ingested = new Counter({
    name: 'wfm_events_ingested_total',
    help: 'Ingested events by result (accepted, duplicate, rejected)',
    labelNames: ['result'],
    registers: [this.registry],
  });

  constructor(busStats?: () => Promise<{ pending: number; ackPending: number; deadLetters: number }>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'wfm_' });
    if (busStats) this.registerBusGauges(busStats);
  }

  /** Consumer lag and dead letters, read from JetStream at scrape time. */
  private registerBusGauges(busStats: () => Promise<{ pending: number; ackPending: number; deadLetters: number }>): void {
    let latest: Promise<{ pending: number; ackPending: number; deadLetters: number }> | undefined;
    // One JetStream query per scrape, shared by the three gauges.
    const read = () => {
      latest ??= busStats().finally(() => setTimeout(() => (latest = undefined), 100));
      return latest;
    };
    const gauge = (name: string, help: string, pick: (s: { pending: number; ackPending: number; deadLetters: number }) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          this.set(pick(await read()));
        },
      });
    gauge('wfm_bus_consumer_pending', 'messages on the bus not yet delivered to a worker (consumer lag)', (s) => s.pending);
    gauge('wfm_bus_consumer_ack_pending', 'messages delivered to a worker and not yet acknowledged', (s) => s.ackPending);
    gauge('wfm_bus_dead_letters', 'messages in the dead-letter stream', (s) => s.deadLetters);
  }

  /** Counts every response, and writes the access log line (with the caller's `source`). */
  instrument(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const seconds = reply.elapsedTime / 1000;
      this.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
      this.latency.observe({ route, method: request.method }, seconds);
      // `source` may come in the query or, for the NHT POST, in the JSON body.
      const body = request.body;
      const source =
        (request.query as Record<string, unknown> | undefined)?.source ??
        (body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>).source : undefined);
      request.log.info(
        { route, method: request.method, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, source },
        'access',
      );
    });
  }
}
