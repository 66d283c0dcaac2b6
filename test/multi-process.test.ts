/**
 * Scale-out (spec/operations.md "Scale-out"): two `wfm serve` processes and two `wfm consume`
 * workers on one PostgreSQL database, fed overlapping batches at once over HTTP (to both
 * servers) and over the NATS bus (`wfm publish`), answer exactly what one SQLite-backed process
 * answers when given the same events once: status-changes v2, agent-segments and NHT, every page.
 *
 * Real processes, a fresh database and a fresh stream, subjects and durable consumer, all
 * removed afterwards. Every wait is bounded: with PostgreSQL or NATS down the test fails, never
 * hangs or skips.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { JetStreamManager, NatsConnection } from 'nats';
import { compareEvents, type WfmEvent } from '../src/domain/events.js';
import { busStats, connectBus, ensureBus } from '../src/ingest/nats-bus.js';
import { simulate } from '../src/sim/simulate.js';
import { busFlags, dropBus, freshBus } from './support/nats.js';
import { freshDatabase, type TestDatabase } from './support/postgres.js';

const CLI = fileURLToPath(new URL('../src/cli/wfm.js', import.meta.url));
const ACCOUNT = 'scale';
const HOUR = 3_600_000;
/** The environment without any WFM_ setting of the machine running the tests. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WFM_') && k !== 'DATABASE_URL'));
const execFileAsync = promisify(execFile);

async function wfm(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(process.execPath, [CLI, ...args], { env: ENV, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`wfm ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Long-running processes

interface Running {
  name: string;
  proc: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

const running = new Set<Running>();

/** Starts `wfm ...args`, registered at once so `after` stops it whatever happens. */
function start(name: string, args: string[]): Running {
  const proc = spawn(process.execPath, [CLI, ...args], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  const r: Running = { name, proc, stdout: '', stderr: '', exited: new Promise((resolve) => proc.once('exit', resolve)) };
  proc.stdout?.setEncoding('utf8').on('data', (c: string) => (r.stdout += c));
  proc.stderr?.setEncoding('utf8').on('data', (c: string) => (r.stderr += c));
  running.add(r);
  return r;
}

/** Waits until the process's stderr matches, or fails after `ms` (or when it exits first). */
async function waitFor(r: Running, pattern: RegExp, ms: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = pattern.exec(r.stderr);
    if (m) return m;
    if (r.proc.exitCode !== null) throw new Error(`${r.name} exited (${r.proc.exitCode}): ${r.stderr}`);
    if (Date.now() > deadline) throw new Error(`${r.name} did not print ${pattern} within ${ms} ms: ${r.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** SIGTERM, then SIGKILL after 15 s; resolves with the exit code. */
async function stop(r: Running): Promise<number | null> {
  if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGTERM');
  const timer = setTimeout(() => r.proc.kill('SIGKILL'), 15_000);
  const code = await r.exited;
  clearTimeout(timer);
  running.delete(r);
  return code;
}

async function serve(name: string, store: string[]): Promise<{ r: Running; url: string }> {
  const r = start(name, ['serve', '--port', '0', '--log-level', 'silent', ...store]);
  const m = await waitFor(r, /wfm: serving on (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
  return { r, url: m[1] as string };
}

// ---------------------------------------------------------------------------------------------
// HTTP

async function token(url: string, creds: { client_id: string; client_secret: string }): Promise<string> {
  const res = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', ...creds }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return (JSON.parse(text) as { access_token: string }).access_token;
}

async function post(url: string, bearer: string, events: readonly WfmEvent[]): Promise<{ accepted: number; duplicates: number }> {
  const res = await fetch(`${url}/api/account/${ACCOUNT}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `POST ${url}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** A link without its snapshot mark and host: what must agree between processes. */
function normalLink(href: string): string {
  const u = new URL(href);
  u.searchParams.delete('asOf');
  return `${u.pathname}?${u.searchParams.toString()}`;
}

/** Every page from `path` on, following `next`, with links normalised. */
async function pages(base: string, bearer: string, path: string): Promise<unknown[]> {
  const out: unknown[] = [];
  let url: string | undefined = `${base}${path}`;
  for (let guard = 0; url !== undefined; guard++) {
    assert.ok(guard < 1000, 'paging ends');
    const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}` }, signal: AbortSignal.timeout(60_000) });
    const text = await res.text();
    assert.equal(res.status, 200, `GET ${url}: ${res.status} ${text}`);
    const body = JSON.parse(text);
    const meta = body._metadata ?? body.pagination;
    const refs = meta.references as Array<{ rel: string; href: string }>;
    const next = refs.find((r) => r.rel === 'next');
    meta.references = refs.map((r) => ({ ...r, href: normalLink(r.href) }));
    out.push(body);
    // The next page as the link says, snapshot mark included (so the pages are of one snapshot).
    url = next ? `${base}${new URL(next.href).pathname}${new URL(next.href).search}` : undefined;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('scale-out: two servers and two bus workers on one PostgreSQL answer like one process', { timeout: 420_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wfm-multi-'));
  const bus = freshBus();
  let db: TestDatabase | undefined;
  let nc: NatsConnection | undefined;
  let jsm: JetStreamManager | undefined;

  before(async () => {
    db = await freshDatabase();
    nc = await connectBus(bus);
    jsm = await ensureBus(nc, bus);
  });

  after(async () => {
    await Promise.all([...running].map((r) => stop(r)));
    if (jsm) await dropBus(jsm, bus);
    await nc?.drain();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('overlapping batches over HTTP (both servers) and the bus (both workers), at once, store each event once and answer alike', async (t) => {
    const pgFlags = ['--database-url', (db as TestDatabase).url];
    // 18 simulated hours that ended hours ago (the servers validate times against their clock).
    const simStart = Math.floor((Date.now() - 22 * HOUR) / HOUR) * HOUR;
    const events = [...simulate({ seed: 17, agents: 16, hours: 18, start: simStart })].sort(compareEvents);
    const n = events.length;
    assert.ok(n > 2000, `thousands of events (${n})`);

    // 18 windows overlapping by a quarter, shuffled (late events replay agents), dealt to three channels.
    const k = Math.ceil(n / 18);
    const windows = Array.from({ length: 18 }, (_, i) => events.slice(Math.max(0, i * k - (k >> 2)), Math.min(n, (i + 1) * k + (k >> 2))));
    const dealt = windows.map((w, i) => ({ w, key: (i * 7919) % 18 })).sort((x, y) => x.key - y.key);
    const toA = dealt.filter((_, i) => i % 3 === 0).map((x) => x.w);
    const toB = dealt.filter((_, i) => i % 3 === 1).map((x) => x.w);
    const toBus = dealt.filter((_, i) => i % 3 === 2).map((x) => x.w);
    const files = toBus.map((w, i) => {
      const file = join(dir, `bus-${i}.ndjson`);
      writeFileSync(file, `${w.map((e) => JSON.stringify(e)).join('\n')}\n`);
      return file;
    });

    // Migrations run once, before the processes start (they would also take a lock and agree).
    assert.match((await wfm('migrate', ...pgFlags)).stdout, /schema version \d+ \(applied \d+ migrations, from version 0\)/);
    const creds = JSON.parse((await wfm('client', 'create', '--account', ACCOUNT, '--scopes', 'read,ingest', '--json', ...pgFlags)).stdout);
    const [a, b] = await Promise.all([serve('serve A', pgFlags), serve('serve B', pgFlags)]);
    const workers = [1, 2].map((i) => start(`consume ${i}`, ['consume', '--batch', '4', ...pgFlags, ...busFlags(bus)]));
    await Promise.all(workers.map((w) => waitFor(w, /wfm: consuming /, 30_000)));
    const [tokenA, tokenB] = await Promise.all([token(a.url, creds), token(b.url, creds)]);

    const postAll = async (url: string, bearer: string, list: WfmEvent[][]) => {
      const results = [];
      for (const w of list) results.push(await post(url, bearer, w));
      return results;
    };
    const [httpA, httpB] = await Promise.all([
      postAll(a.url, tokenA, toA),
      postAll(b.url, tokenB, toB),
      Promise.all(files.map((f) => wfm('publish', f, '--account', ACCOUNT, '--batch-size', '97', ...busFlags(bus)))),
    ]);

    // The bus drains: every message acknowledged, none dead.
    const js = jsm as JetStreamManager;
    const deadline = Date.now() + 180_000;
    let stats = await busStats(js, bus);
    while (stats.pending > 0 || stats.ackPending > 0) {
      assert.ok(Date.now() < deadline, `the bus drains within 180 s (${JSON.stringify(stats)})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      stats = await busStats(js, bus);
    }
    assert.equal(stats.deadLetters, 0);
    const consumed = [];
    for (const w of workers) {
      assert.equal(await stop(w), 0, `${w.name} stops cleanly: ${w.stderr}`);
      const m = /consumed (\d+) messages: accepted (\d+), duplicates (\d+), dead letters 0/.exec(w.stdout);
      assert.ok(m, `${w.name} reports: ${w.stdout}`);
      consumed.push({ messages: Number(m[1]), accepted: Number(m[2]), duplicates: Number(m[3]) });
    }
    // Each event was stored exactly once, whichever process took it; every copy was counted.
    const http = [...httpA, ...httpB];
    const accepted = http.reduce((s, r) => s + r.accepted, 0) + consumed.reduce((s, c) => s + c.accepted, 0);
    assert.equal(accepted, n, 'each event stored once');
    t.diagnostic(
      `${n} events in ${windows.length} overlapping windows; stored by server A ${httpA.reduce((s, r) => s + r.accepted, 0)}, ` +
        `server B ${httpB.reduce((s, r) => s + r.accepted, 0)}, workers ${consumed.map((c) => `${c.accepted} (${c.messages} messages)`).join(' and ')}`,
    );
    const copies = windows.reduce((s, w) => s + w.length, 0);
    assert.equal(accepted + http.reduce((s, r) => s + r.duplicates, 0) + consumed.reduce((s, c) => s + c.duplicates, 0), copies);

    // The reference: one SQLite-backed process given every event once, in order.
    const ref = await serve('serve SQLite', ['--db', join(dir, 'reference.db')]);
    const refCreds = JSON.parse(
      (await wfm('client', 'create', '--account', ACCOUNT, '--scopes', 'read,ingest', '--json', '--db', join(dir, 'reference.db'))).stdout,
    );
    const refToken = await token(ref.url, refCreds);
    for (let i = 0; i < n; i += 5000) await post(ref.url, refToken, events.slice(i, i + 5000));

    const from = simStart - HOUR;
    const to = simStart + 19 * HOUR;
    const iso = (ms: number) => new Date(ms).toISOString();
    const paths = [
      `/api/v2/account/${ACCOUNT}/status-changes?v=2&from=${iso(from)}&to=${iso(to)}&limit=50`,
      `/api/account/${ACCOUNT}/agent-segments?fromMillis=${from}&toMillis=${to}&limit=200&sort=endTime`,
      `/operations/api/account/${ACCOUNT}/nht?fromMillis=${from}&toMillis=${to}&interval=30&limit=2`,
    ];
    for (const path of paths) {
      const [fromA, fromB, fromRef] = await Promise.all([
        pages(a.url, tokenA, path),
        pages(b.url, tokenB, path),
        pages(ref.url, refToken, path),
      ]);
      assert.ok(fromRef.length >= 2, `${path}: several pages (${fromRef.length})`);
      t.diagnostic(`${path.split('?')[0]}: ${fromRef.length} pages agree`);
      assert.deepEqual(fromA, fromRef, `${path}: server A answers like the single process`);
      assert.deepEqual(fromB, fromRef, `${path}: server B answers like the single process`);
    }
    for (const s of [a.r, b.r, ref.r]) await stop(s);
  });
});
