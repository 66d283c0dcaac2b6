/**
 * Load generators for the read rows (spec/operations.md):
 *   - throughput: autocannon, 32 connections each with one request in flight (closed loop);
 *   - latency at a fixed offered rate: an open-loop generator ("autocannon or equal"). autocannon's
 *     rate limit sends each connection's quota back to back at the start of every second and
 *     "corrects" latencies with a 1 ms expected interval, which measures bursts, not a steady
 *     rate; here a request starts every 1/rate s whatever the answers, over as many sockets as
 *     needed, and each latency runs from the request's scheduled start (no coordinated omission).
 *
 * A server slower than the offered rate queues without bound, so the open loop stops waiting
 * `grace` seconds after its last request: a request still unanswered then counts with the time
 * it has waited, which makes the percentiles lower bounds (flagged). The caller restarts the
 * server afterwards, dropping what is still queued.
 */
import http from 'node:http';
import autocannon from 'autocannon';
import { median, nowMs } from './machine.js';

export interface Throughput {
  perSecond: number;
  requests: number;
  seconds: number;
}

/** Requests per second with `connections` clients, each sending its next request when answered. */
export async function throughput(
  baseUrl: string,
  nextPath: () => string,
  headers: Record<string, string>,
  connections: number,
  seconds: number,
): Promise<Throughput> {
  const result = await autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    // A slow answer is still an answer: only a dead server should time out.
    timeout: seconds + 600,
    headers,
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: nextPath() }) }],
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `load test failed: ${result.non2xx} non-2xx answers, ${result.errors} errors (${JSON.stringify(result.statusCodeStats)})`,
    );
  }
  const ok = result['2xx'];
  return { perSecond: ok / result.duration, requests: ok, seconds: result.duration };
}

/** One GET to completion; its latency in ms (throws unless 200). */
export async function timedGet(url: string, headers: Record<string, string>): Promise<number> {
  const started = nowMs();
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return nowMs() - started;
}

/** The latency of one request on an idle server: median of 3 after a warm-up (1 when a request takes seconds). */
export async function serviceTime(baseUrl: string, paths: readonly string[], headers: Record<string, string>): Promise<number> {
  const warm = await timedGet(`${baseUrl}${paths[0]}`, headers);
  const times: number[] = [];
  const n = warm > 2000 ? 1 : 3;
  for (let i = 0; i < n; i++) times.push(await timedGet(`${baseUrl}${paths[i % paths.length]}`, headers));
  return median(times);
}

export interface Latency {
  offeredPerSecond: number;
  requests: number;
  /** answered within the run and its grace period */
  answered: number;
  /** answers per second over the run */
  answeredPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  /** some requests were unanswered: p50/p99/max are lower bounds */
  lowerBound: boolean;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

/** p50/p99 latency (ms) of requests started every 1/rate s for `seconds`, open loop, waiting at most `grace` s after. */
export async function fixedRate(
  baseUrl: string,
  nextPath: () => string,
  headers: Record<string, string>,
  ratePerSecond: number,
  seconds: number,
  grace: number,
): Promise<Latency> {
  const base = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  const total = Math.round(ratePerSecond * seconds);
  const interval = 1000 / ratePerSecond;
  const latencies: number[] = [];
  const pending = new Set<number>();
  const failures: string[] = [];
  let settle!: () => void;
  const allSettled = new Promise<void>((resolve) => {
    settle = resolve;
  });
  let sent = 0;
  const finish = (scheduled: number): void => {
    pending.delete(scheduled);
    if (sent === total && pending.size === 0) settle();
  };
  const send = (scheduled: number): void => {
    pending.add(scheduled);
    const request = http.get({ host: base.hostname, port: base.port, path: nextPath(), headers, agent }, (response) => {
      response.on('data', () => {});
      response.on('end', () => {
        if (response.statusCode === 200) latencies.push(nowMs() - scheduled);
        else failures.push(`HTTP ${response.statusCode}`);
        finish(scheduled);
      });
    });
    request.on('error', (err) => {
      if (pending.has(scheduled)) failures.push(err.message);
      finish(scheduled);
    });
  };
  const started = nowMs();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      // Every request whose start time has come, each timed from its own schedule.
      while (sent < total && started + sent * interval <= nowMs()) {
        send(started + sent * interval);
        sent++;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, Math.max(0, started + sent * interval - nowMs()));
    };
    tick();
  });
  if (pending.size === 0) settle();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([allSettled, new Promise<void>((resolve) => (timer = setTimeout(resolve, grace * 1000)))]);
  clearTimeout(timer);
  const ended = nowMs();
  const unanswered = [...pending].map((scheduled) => ended - scheduled);
  pending.clear();
  agent.destroy();
  if (failures.length > 0) throw new Error(`fixed-rate test: ${failures.length} failed requests, e.g. ${failures[0]}`);
  const answered = latencies.length;
  // An unanswered request waited at least this long: as a value it can only lower the percentiles.
  const all = [...latencies, ...unanswered].sort((a, b) => a - b);
  return {
    offeredPerSecond: ratePerSecond,
    requests: total,
    answered,
    answeredPerSecond: answered / ((ended - started) / 1000),
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    max: all[all.length - 1] ?? Number.NaN,
    lowerBound: unanswered.length > 0,
  };
}

/** Cycles through a list forever. */
export function cycle<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new Error('nothing to cycle through');
  let i = 0;
  return () => items[i++ % items.length] as T;
}
