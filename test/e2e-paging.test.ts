/**
 * End to end with real processes (the built CLI): simulate a day, import it, serve it, and page
 * Agent Activity v2 through `next` links while new and late events are being ingested — every
 * record of the snapshot exactly once (spec/api.md "Pagination links"). Then: export → import
 * into a fresh store gives the same output, `wfm rebuild` changes nothing, a re-run import is all
 * duplicates, and a batch acknowledged just before `kill -9` is still there after a restart
 * (spec/events.md "Idempotency, visibility and bad input").
 *
 * Tests run from dist/test/, so the CLI is dist/src/cli/wfm.js (built by `npm test`).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CLI = fileURLToPath(new URL('../src/cli/wfm.js', import.meta.url));
const ACCOUNT = 'e2e';
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The environment without any WFM_ setting of the machine running the tests. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WFM_') && k !== 'DATABASE_URL'));

const execFileAsync = promisify(execFile);

/** Runs `wfm ...args` to completion; a non-zero exit fails with its output. */
async function wfm(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(process.execPath, [CLI, ...args], { env: ENV, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`wfm ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Servers

interface Server {
  proc: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<Server>();

/**
 * `wfm serve --port 0`: the chosen port is read from the "serving on" line on stderr. The process
 * is registered before it serves, so `after` stops it whatever happens.
 */
async function serve(db: string): Promise<Server> {
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--db', db, '--log-level', 'silent'], {
    env: ENV,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const server: Server = { proc, url: '', exited };
  running.add(server);
  let stderr = '';
  server.url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`wfm serve did not report its address within 30 s: ${stderr}`));
    }, 30_000);
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      const m = /wfm: serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wfm serve exited (${code}) before serving: ${stderr}`));
    });
  });
  return server;
}

/** Stops a server with a signal and waits for its exit (SIGKILL after 10 s if it lingers). */
async function stop(server: Server, signal: NodeJS.Signals = 'SIGTERM') {
  if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill(signal);
  const timer = setTimeout(() => server.proc.kill('SIGKILL'), 10_000);
  const result = await server.exited;
  clearTimeout(timer);
  running.delete(server);
  return result;
}

// ---------------------------------------------------------------------------------------------
// HTTP

interface Credentials {
  client_id: string;
  client_secret: string;
}

async function createClient(db: string): Promise<Credentials> {
  const { stdout } = await wfm('client', 'create', '--account', ACCOUNT, '--scopes', 'read,ingest', '--json', '--db', db);
  return JSON.parse(stdout) as Credentials;
}

/** POST /oauth/token, form-encoded client credentials. */
async function token(server: Server, creds: Credentials): Promise<string> {
  const res = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...creds }).toString(),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return (JSON.parse(text) as { access_token: string }).access_token;
}

async function getJson(url: string, bearer: string): Promise<{ raw: string; body: any }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}` } });
  const raw = await res.text();
  assert.equal(res.status, 200, `GET ${url}: ${res.status} ${raw}`);
  return { raw, body: JSON.parse(raw) };
}

async function postEvents(server: Server, bearer: string, events: unknown[]): Promise<{ accepted: number; duplicates: number }> {
  const res = await fetch(`${server.url}/api/account/${ACCOUNT}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text);
}

/** Bodies of two servers or two versions compare without snapshot marks and the server's address. */
const comparable = (raw: string): string => raw.replace(/&asOf=[^&"]*/g, '').replace(/http:\/\/127\.0\.0\.1:\d+/g, 'BASE');

function nextLink(body: any): string | undefined {
  return (body._metadata.references as Array<{ rel: string; href: string }>).find((r) => r.rel === 'next')?.href;
}

// ---------------------------------------------------------------------------------------------
// Events

interface Ev {
  id: string;
  type: string;
  time: number;
  agentId?: number;
  [field: string]: unknown;
}

interface V2Record {
  agentId: number;
  agentLoginName: string;
  time: string;
  sessionId: number;
  sequenceNumber: number;
  statusType: number;
  statusSubType: number;
  statusReasonId?: number;
}

/** A status in the middle of an existing session, and the record after it that it renumbers. */
interface LateStatus {
  event: Ev;
  renumbered: Ev;
}

/**
 * Late statuses: for logins followed (for the same agent) by a status or logout at least 2 ms
 * later, a status half-way between them, which shifts every later record of that session by one.
 */
function lateStatuses(events: Ev[]): LateStatus[] {
  const byAgent = new Map<number, Ev[]>();
  for (const e of events) {
    if (!e.type.startsWith('agent.') || e.agentId === undefined) continue;
    const list = byAgent.get(e.agentId);
    if (list) list.push(e);
    else byAgent.set(e.agentId, [e]);
  }
  const late: LateStatus[] = [];
  for (const list of byAgent.values()) {
    for (let i = 0; i + 1 < list.length; i++) {
      const [login, following] = [list[i] as Ev, list[i + 1] as Ev];
      if (login.type !== 'agent.login' || (following.type !== 'agent.status' && following.type !== 'agent.logout')) continue;
      if (following.time - login.time < 2) continue;
      const time = login.time + Math.floor((following.time - login.time) / 2);
      const event: Ev = {
        id: `late-${late.length}`,
        type: 'agent.status',
        time,
        agentId: login.agentId as number,
        status: 'AWAY',
        reasonId: 9,
        reasonText: 'late',
      };
      late.push({ event, renumbered: following });
    }
  }
  return late.sort((a, b) => a.event.time - b.event.time);
}

/** An agent that is not in the simulation: login, AWAY, ONLINE, logout. */
function newAgentSession(agentId: number, start: number, idPrefix: string): Ev[] {
  return [
    { id: `${idPrefix}-login`, type: 'agent.login', time: start, agentId, loginName: `new${agentId}` },
    { id: `${idPrefix}-away`, type: 'agent.status', time: start + MIN, agentId, status: 'AWAY', reasonId: 2 },
    { id: `${idPrefix}-online`, type: 'agent.status', time: start + 2 * MIN, agentId, status: 'ONLINE' },
    { id: `${idPrefix}-logout`, type: 'agent.logout', time: start + 3 * MIN, agentId },
  ];
}

const recordKey = (r: V2Record) => JSON.stringify(r);

// ---------------------------------------------------------------------------------------------

describe('end to end: paging, export/import, rebuild, durability (real processes)', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wfm-e2e-'));
  const db = join(dir, 'wfm.db');
  const dayFile = join(dir, 'day.ndjson');
  // A day ending now, on whole minutes; every window below covers it with room to spare.
  const simStart = Math.floor((Date.now() - DAY) / MIN) * MIN;
  const window = { from: simStart - HOUR, to: simStart + 26 * HOUR };
  const windowQuery = `from=${encodeURIComponent(new Date(window.from).toISOString())}&to=${encodeURIComponent(new Date(window.to).toISOString())}`;
  const v2Path = `/api/v2/account/${ACCOUNT}/status-changes?v=2&${windowQuery}`;
  const dqPath = `/api/account/${ACCOUNT}/data-quality?${windowQuery}&limit=5000`;

  let simulated: Ev[] = [];
  let creds: Credentials;
  let server: Server;
  let bearer: string;
  const posted: Ev[] = [];

  before(async () => {
    const sim = await wfm(
      'simulate',
      '--seed',
      '7',
      '--agents',
      '30',
      '--hours',
      '24',
      '--start',
      new Date(simStart).toISOString(),
      '--out',
      dayFile,
    );
    assert.match(sim.stderr, /wfm: wrote \d+ events/);
    simulated = readFileSync(dayFile, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Ev);
  });

  after(async () => {
    for (const s of [...running]) await stop(s);
    rmSync(dir, { recursive: true, force: true });
  });

  it('wfm import stores every simulated event and says so', async () => {
    const { stdout } = await wfm('import', dayFile, '--account', ACCOUNT, '--db', db);
    const n = simulated.length;
    assert.match(stdout, new RegExp(`^imported ${n} lines in [\\d.]+ s: accepted ${n}, duplicates 0, rejected 0 \\(\\d+ lines/s\\)\\n$`));
    creds = await createClient(db);
    assert.match(creds.client_id, /\S/);
    server = await serve(db);
    bearer = await token(server, creds);
  });

  it('paging v2 (limit 97) during ingest returns every record of the snapshot exactly once', async (t) => {
    const late = lateStatuses(simulated);
    assert.ok(late.length >= 5, `the simulation has sessions to put late statuses in (${late.length})`);
    // A late rename at the very millisecond of an existing mid-day record of an agent: that record
    // and the later ones take the new name (a profile as of t sees every write at t).
    const agentRecords = simulated.filter((e) => e.type === 'agent.status' && e.time > simStart + 10 * HOUR);
    const renamedAgent = agentRecords[0]?.agentId as number;
    const renameAt = agentRecords[0]?.time as number;
    // Each batch: a new agent's session, plus late events that change existing records.
    const batch = (k: number): Ev[] => {
      const events = newAgentSession(1000 + k, simStart + 30 * MIN + ((k * 37) % (22 * 60)) * MIN, `new-${k}`);
      const l = late[k];
      if (l) events.push(l.event);
      if (k === 1) events.push({ id: 'late-profile', type: 'agent.profile', time: renameAt, agentId: renamedAgent, loginName: 'renamed' });
      return events;
    };

    // The writer: POSTs batches back to back until the walk is done.
    let posts = 0;
    let writerError: unknown;
    let wake: (() => void) | undefined;
    let done = false;
    const writeUntilDone = async (): Promise<void> => {
      try {
        for (let k = 0; !done; k++) {
          const events = batch(k);
          const result = await postEvents(server, bearer, events);
          assert.deepEqual(result, { accepted: events.length, duplicates: 0 });
          posted.push(...events);
          posts++;
          wake?.();
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      } catch (err) {
        writerError = err;
        wake?.();
      }
    };
    /** Waits until the writer has stored at least one more batch than `seen`. */
    const postedSince = async (seen: number): Promise<void> => {
      while (posts <= seen && writerError === undefined) await new Promise<void>((resolve) => (wake = resolve));
      if (writerError !== undefined) throw writerError;
    };

    const walked: V2Record[] = [];
    // The first page is read before anything new is stored: its snapshot is the imported day.
    const first = (await getJson(`${server.url}${v2Path}&limit=97`, bearer)).body;
    let pages = 0;
    const writer = writeUntilDone();
    try {
      let body = first;
      for (;;) {
        pages++;
        assert.equal(body._metadata.count, first._metadata.count, `page ${pages}: the snapshot's count`);
        walked.push(...(body.stateChanges as V2Record[]));
        const next = nextLink(body);
        if (next === undefined) break;
        await postedSince(posts);
        body = (await getJson(next, bearer)).body;
      }
    } finally {
      done = true;
      await writer;
    }
    if (writerError !== undefined) throw writerError;

    const count = first._metadata.count as number;
    assert.ok(pages >= 4, `several pages (${pages} of 97 for ${count} records)`);
    assert.ok(posts >= pages - 1, `a batch was stored between every two pages (${posts} batches, ${pages} pages)`);
    assert.equal(walked.length, count, 'as many records as the snapshot counts');
    assert.equal(new Set(walked.map(recordKey)).size, walked.length, 'no record twice');

    // The same snapshot in one request: the same records in the same order.
    const firstHref = (first._metadata.references as Array<{ rel: string; href: string }>).find((r) => r.rel === 'self')?.href as string;
    const asOf = new URL(firstHref).searchParams.get('asOf') as string;
    const whole = (await getJson(`${server.url}${v2Path}&limit=5000&asOf=${encodeURIComponent(asOf)}`, bearer)).body;
    assert.equal(whole._metadata.count, count);
    assert.deepEqual(walked, whole.stateChanges, 'the walk equals the whole snapshot read at once');
    assert.ok(!walked.some((r) => r.agentId >= 1000), 'nothing posted after the first page is in the snapshot');

    // A fresh read (no asOf) sees the new events: new agents, late statuses and the renumbering, the rename.
    const fresh = (await getJson(`${server.url}${v2Path}&limit=5000`, bearer)).body;
    const now = fresh.stateChanges as V2Record[];
    const newAgents = new Set(posted.filter((e) => (e.agentId as number) >= 1000).map((e) => e.agentId));
    assert.deepEqual(new Set(now.filter((r) => r.agentId >= 1000).map((r) => r.agentId)), newAgents, 'every new agent is there');
    const lateSeen = late.filter((l) => posted.includes(l.event));
    assert.ok(lateSeen.length >= 1, 'at least one late status was posted');
    const at = (records: V2Record[], e: Ev) =>
      records.find((r) => r.agentId === e.agentId && Date.parse(r.time) === e.time && r.statusType === (e.type === 'agent.logout' ? 4 : 1));
    for (const l of lateSeen) {
      const record = at(now, l.event);
      assert.ok(record && record.statusSubType === 4 && record.statusReasonId === 9, `late status ${l.event.id} is a record`);
      const before = at(walked, l.renumbered);
      const after = at(now, l.renumbered);
      assert.ok(before && after, `the record after ${l.event.id} exists in both reads`);
      assert.equal(after.sessionId, before.sessionId);
      assert.equal(after.sequenceNumber, before.sequenceNumber + 1, `the late status ${l.event.id} renumbers the session's later records`);
    }
    assert.ok(
      posted.some((e) => e.id === 'late-profile'),
      'the late profile was posted',
    );
    const renamed = now.filter((r) => r.agentId === renamedAgent && Date.parse(r.time) >= renameAt);
    assert.ok(
      renamed.length > 0 && renamed.every((r) => r.agentLoginName === 'renamed'),
      'the late profile renames the records from its time on',
    );
    const kept = walked.filter((r) => r.agentId === renamedAgent && Date.parse(r.time) >= renameAt);
    assert.ok(kept.length > 0 && kept.every((r) => r.agentLoginName !== 'renamed'), 'the snapshot keeps the old name');
    t.diagnostic(
      `${count} records in ${pages} pages; ${posts} batches (${posted.length} events, ${lateSeen.length} late statuses) stored during the walk`,
    );
    assert.equal(
      fresh._metadata.count,
      count + now.filter((r) => r.agentId >= 1000).length + lateSeen.length,
      'fresh count = snapshot + new records',
    );
  });

  it('wfm export → wfm import into a fresh store gives byte-identical status-changes v2 and data-quality', async () => {
    const exportFile = join(dir, 'export.ndjson');
    await wfm('export', '--account', ACCOUNT, '--db', db, '--out', exportFile);
    const lines = readFileSync(exportFile, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    assert.equal(lines.length, simulated.length + posted.length, 'the export holds every stored event');

    const db2 = join(dir, 'copy.db');
    const { stdout } = await wfm('import', exportFile, '--account', ACCOUNT, '--db', db2);
    assert.match(stdout, new RegExp(`accepted ${lines.length}, duplicates 0, rejected 0`));
    const creds2 = await createClient(db2);
    const copy = await serve(db2);
    try {
      const bearer2 = await token(copy, creds2);
      for (const path of [`${v2Path}&limit=5000`, dqPath]) {
        const original = await getJson(`${server.url}${path}`, bearer);
        const imported = await getJson(`${copy.url}${path}`, bearer2);
        assert.equal(comparable(imported.raw), comparable(original.raw), `GET ${path}`);
      }
    } finally {
      const { code } = await stop(copy);
      assert.equal(code, 0, 'SIGTERM stops the server cleanly');
    }
  });

  it('wfm rebuild leaves the output identical', async () => {
    const beforeV2 = comparable((await getJson(`${server.url}${v2Path}&limit=5000`, bearer)).raw);
    const beforeDq = comparable((await getJson(`${server.url}${dqPath}`, bearer)).raw);
    const { stdout } = await wfm('rebuild', '--db', db);
    assert.match(stdout, new RegExp(`^rebuilt ${ACCOUNT} in [\\d.]+ s\\n$`));
    assert.equal(comparable((await getJson(`${server.url}${v2Path}&limit=5000`, bearer)).raw), beforeV2);
    assert.equal(comparable((await getJson(`${server.url}${dqPath}`, bearer)).raw), beforeDq);
  });

  it('re-running the same import reports accepted 0 and every line a duplicate', async () => {
    const { stdout } = await wfm('import', dayFile, '--account', ACCOUNT, '--db', db);
    const n = simulated.length;
    assert.match(stdout, new RegExp(`^imported ${n} lines in [\\d.]+ s: accepted 0, duplicates ${n}, rejected 0 `));
  });

  it('a batch acknowledged right before kill -9 is all there after a restart', async () => {
    assert.equal((await stop(server)).code, 0, 'SIGTERM stops the first server cleanly');
    const victim = await serve(db);
    const victimBearer = await token(victim, creds);
    const agents = Array.from({ length: 50 }, (_, i) => 5000 + i);
    const events: Ev[] = agents.flatMap((agentId, i) => {
      const start = simStart + 2 * HOUR + i * 7 * MIN;
      return [
        { id: `durable-${agentId}-login`, type: 'agent.login', time: start, agentId },
        ...Array.from({ length: 10 }, (_, j) => ({
          id: `durable-${agentId}-status-${j}`,
          type: 'agent.status',
          time: start + (j + 1) * 1000,
          agentId,
          status: j % 2 === 0 ? 'AWAY' : 'ONLINE',
        })),
        { id: `durable-${agentId}-logout`, type: 'agent.logout', time: start + 20_000, agentId },
      ];
    });
    const res = await fetch(`${victim.url}/api/account/${ACCOUNT}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${victimBearer}`, 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    const text = await res.text();
    victim.proc.kill('SIGKILL');
    assert.equal(res.status, 200, text);
    assert.deepEqual(JSON.parse(text), { accepted: events.length, duplicates: 0 });
    assert.equal((await stop(victim)).signal, 'SIGKILL');

    const restarted = await serve(db);
    const bearer3 = await token(restarted, creds);
    const records = (await getJson(`${restarted.url}${v2Path}&limit=5000`, bearer3)).body.stateChanges as V2Record[];
    for (const agentId of agents) {
      const own = records.filter((r) => r.agentId === agentId);
      assert.deepEqual(
        own.map((r) => [r.statusType, r.sequenceNumber]),
        [[3, -1], [1, 1], ...Array.from({ length: 10 }, (_, j) => [1, j + 2]), [4, 12]],
        `agent ${agentId}: login, 11 statuses, logout`,
      );
    }
    assert.equal((await stop(restarted)).code, 0);
  });
});
