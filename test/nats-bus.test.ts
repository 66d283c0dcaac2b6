/**
 * The bus path against the real NATS JetStream on this machine: a fresh stream, subjects and
 * consumer per run, removed afterwards. Fails (never skips) when NATS cannot be reached.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JetStreamManager, NatsConnection } from 'nats';
import { ingestBatch } from '../src/ingest/ingest-batch.js';
import type { BusConfig } from '../src/ingest/nats-bus.js';
import { busStats, connectBus, ensureBus } from '../src/ingest/nats-bus.js';
import { runConsumer } from '../src/ingest/nats-consumer.js';
import { publishFile } from '../src/ingest/nats-publisher.js';
import { simulate } from '../src/sim/simulate.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { ACCOUNT, at, DAY0 } from './support/harness.js';
import { busFlags, dropBus, freshBus } from './support/nats.js';

const WFM = new URL('../src/cli/wfm.js', import.meta.url).pathname;

/** Every API answer that depends on the events, for comparing two stores. */
async function answers(store: SqliteStore): Promise<string> {
  const [activity, segments] = await Promise.all([
    store.statusChanges(
      ACCOUNT,
      (await store.accountVersion(ACCOUNT)).version,
      { from: DAY0, to: DAY0 + 86_400_000 },
      { kind: 'none' },
      { offset: 0, limit: 100_000 },
    ),
    store.segments(ACCOUNT, (await store.accountVersion(ACCOUNT)).version, {
      window: { from: DAY0, to: DAY0 + 86_400_000 },
      filters: {},
      sort: { field: 'endTime', descending: false },
      page: { offset: 0, limit: 100_000 },
    }),
  ]);
  return JSON.stringify([activity, segments]);
}

// A bound on every test: with NATS down they must fail, never hang.
describe('NATS JetStream ingestion', { timeout: 180_000 }, () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const buses: BusConfig[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'wfm-nats-'));
  const events = [...simulate({ seed: 11, agents: 8, hours: 4, start: at('08:00:00') })];
  const file = join(dir, 'events.ndjson');

  before(async () => {
    writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    nc = await connectBus({ ...freshBus() });
    jsm = await nc.jetstreamManager();
  });
  after(async () => {
    for (const bus of buses) await dropBus(jsm, bus);
    await nc.drain();
    rmSync(dir, { recursive: true, force: true });
  });

  test('published batches are ingested once, dead letters are kept and counted, lag drains to 0', async () => {
    const bus = freshBus();
    buses.push(bus);
    await ensureBus(nc, bus);
    const published = await publishFile(nc, bus, ACCOUNT, file, 97);
    assert.equal(published.lines, events.length);
    // Publishing the same file again is a no-op on the bus (same message ids).
    const again = await publishFile(nc, bus, ACCOUNT, file, 97);
    assert.equal(again.duplicates, again.messages);
    const js = nc.jetstream();
    await js.publish(`${bus.subjectPrefix}.${ACCOUNT}`, '{not json');
    await js.publish(`${bus.subjectPrefix}.${ACCOUNT}`, JSON.stringify({ ...events[0], agentId: 99_999 }));

    const store = new SqliteStore({ file: ':memory:', snapshotTtlMs: 3600_000 });
    const stop = new AbortController();
    const stats = await runConsumer({
      nc,
      bus,
      store,
      now: () => DAY0 + 2 * 86_400_000,
      batch: 8,
      signal: stop.signal,
      onMessage: (s) => {
        if (s.messages === published.messages + 2) stop.abort();
      },
    });
    assert.deepEqual([stats.accepted, stats.duplicates, stats.deadLetters], [events.length, 0, 2]);
    assert.deepEqual(await busStats(jsm, bus), { pending: 0, ackPending: 0, deadLetters: 2 });

    const direct = new SqliteStore({ file: ':memory:', snapshotTtlMs: 3600_000 });
    await ingestBatch(direct, ACCOUNT, events, DAY0 + 2 * 86_400_000);
    assert.equal(await answers(store), await answers(direct));
    await store.close();
    await direct.close();
  });

  test('a worker killed with kill -9 mid-stream loses nothing and stores nothing twice', async () => {
    const bus = freshBus();
    buses.push(bus);
    await ensureBus(nc, bus);
    // One event per message: many messages, so the kill lands mid-stream.
    await publishFile(nc, bus, ACCOUNT, file, 5);
    const db = join(dir, 'kill.db');
    const args = [WFM, 'consume', '--db', db, ...busFlags(bus), '--batch', '4'];
    const start = (): ChildProcess => spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const first = start();
    // Wait until it has acknowledged part of the stream, then kill it hard.
    for (let i = 0; i < 200; i++) {
      const s = await busStats(jsm, bus);
      if (s.pending < events.length / 5 / 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const midway = await busStats(jsm, bus);
    assert.ok(midway.pending > 0, 'the kill happened before the end of the stream');

    const second = start();
    try {
      for (let i = 0; i < 600; i++) {
        const s = await busStats(jsm, bus);
        if (s.pending === 0 && s.ackPending === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual(await busStats(jsm, bus), { pending: 0, ackPending: 0, deadLetters: 0 });
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    }
    const store = new SqliteStore({ file: db, snapshotTtlMs: 3600_000 });
    let exported = 0;
    for await (const _ of store.exportEvents(ACCOUNT)) exported++;
    assert.equal(exported, events.length, 'every event stored exactly once');
    const direct = new SqliteStore({ file: ':memory:', snapshotTtlMs: 3600_000 });
    await ingestBatch(direct, ACCOUNT, events, DAY0 + 2 * 86_400_000);
    assert.equal(await answers(store), await answers(direct));
    await store.close();
    await direct.close();
  });

  test('the API server reports the bus in /readyz and its lag in /metrics', async () => {
    const bus = freshBus();
    buses.push(bus);
    const served = spawn(
      process.execPath,
      [WFM, 'serve', '--port', '0', '--db', join(dir, 'serve.db'), '--log-level', 'silent', ...busFlags(bus)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        served.stderr?.on('data', (chunk: Buffer) => {
          err += chunk.toString();
          const m = /serving on (http:\/\/\S+)/.exec(err);
          if (m) resolve(m[1] as string);
        });
        served.once('exit', () => reject(new Error(`serve exited: ${err}`)));
      });
      const ready = await (await fetch(`${url}/readyz`)).json();
      assert.deepEqual(ready, { status: 'ready', checks: { store: 'ok', bus: 'ok' } });
      await publishFile(nc, bus, ACCOUNT, file, 500);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const pending = Number(/^wfm_bus_consumer_pending (\d+)/m.exec(metrics)?.[1]);
      assert.equal(pending, Math.ceil(events.length / 500));
      assert.match(metrics, /^wfm_bus_dead_letters 0/m);
    } finally {
      served.kill('SIGTERM');
      await new Promise((r) => served.once('exit', r));
    }
  });
});
