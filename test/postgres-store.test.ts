/**
 * PostgreSQL-specific checks of the PostgresStore (the behaviour every store shares is proven by
 * the contract suites that loop over STORES): versioned, idempotent migrations under a lock;
 * concurrent processes on one database answering like one process; byte order; clear errors.
 * These tests fail, never skip, when PostgreSQL is unreachable.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compareEvents, type WfmEvent } from '../src/domain/events.js';
import { WfmError } from '../src/errors.js';
import { canonicalEventJson } from '../src/ingest/validate-event.js';
import { openStore } from '../src/main.js';
import { simulate } from '../src/sim/simulate.js';
import { SCHEMA_VERSION } from '../src/store/postgres/migrations.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { CanonicalEvent, Store } from '../src/store/store.js';
import { at, DAY0 } from './support/harness.js';
import { ADMIN_URL, freshDatabase, runSql, type TestDatabase, urlOfDatabase } from './support/postgres.js';

const TTL = 3600_000;
const NOW = DAY0 + 2 * 24 * 3600_000;
const now = () => NOW;
const ALL = { from: 0, to: 8_000_000_000_000_000 };
const EVERYTHING = { offset: 0, limit: 1_000_000 };

/** A SQLite store in a temporary file (its export opens a second, read-only connection). */
function sqliteStore(): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), 'wfm-pg-test-'));
  const store = new SqliteStore({ file: join(dir, 'wfm.db'), snapshotTtlMs: TTL, now });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  };
  return store;
}

const canonical = (events: readonly WfmEvent[]): CanonicalEvent[] =>
  events.map((event) => ({ event, canonical: canonicalEventJson(event) }));
const sortedJson = (items: readonly unknown[]): string[] => items.map((i) => JSON.stringify(i)).sort();

/** Everything a store answers about an account, as of its current version. */
async function answers(store: Store, accountId: string) {
  const { version } = await store.accountVersion(accountId);
  const segmentsEndingIn = [];
  for await (const s of store.segmentsEndingIn(accountId, version, ALL)) segmentsEndingIn.push(s);
  const exported = [];
  for await (const line of store.exportEvents(accountId)) exported.push(line);
  const facts = await store.nhtFacts(accountId, version, ALL);
  return {
    statusChanges: await store.statusChanges(accountId, version, ALL, { kind: 'none' }, EVERYTHING),
    byAgent: await store.statusChangesByAgent(accountId, version, ALL, { kind: 'none' }, EVERYTHING),
    dataQuality: await store.dataQuality(accountId, version, ALL, EVERYTHING),
    segments: await store.segments(accountId, version, {
      window: ALL,
      filters: {},
      sort: { field: 'conversationId', descending: true },
      page: EVERYTHING,
    }),
    segmentsEndingIn,
    // NHT facts are sets: array order carries no meaning (domain/nht.ts)
    nhtFacts: Object.fromEntries(Object.entries(facts).map(([k, v]) => [k, sortedJson(v as unknown[])])),
    exported,
  };
}

describe('PostgresStore: migrations', () => {
  let db: TestDatabase;
  before(async () => {
    db = await freshDatabase();
  });
  after(() => db.drop());

  test('processes opening at once apply each migration once; reopening applies nothing and keeps the data', async () => {
    const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.open({ url: db.url, snapshotTtlMs: TTL, now })));
    const applied = await runSql(db.url, 'SELECT version, applied_at FROM schema_migrations ORDER BY version');
    assert.deepEqual(
      applied.rows.map((r) => Number(r.version)),
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    );
    const first = stores[0] as PostgresStore;
    const outcome = await first.ingest('acme', canonical([{ id: 'l1', type: 'agent.login', time: at('09:00:00'), agentId: 7 }]));
    assert.equal(outcome.accepted, 1);
    await Promise.all(stores.map((s) => s.close()));

    const again = await PostgresStore.open({ url: db.url, snapshotTtlMs: TTL, now });
    try {
      const reapplied = await runSql(db.url, 'SELECT version, applied_at FROM schema_migrations ORDER BY version');
      assert.deepEqual(reapplied.rows, applied.rows);
      assert.deepEqual(await again.accountVersion('acme'), { version: 1, floor: 0 });
      assert.deepEqual(await again.accountsWithEvents(), ['acme']);
    } finally {
      await again.close();
    }
  });

  test('a schema newer than this wfm-metrics is refused with one clear line', async () => {
    const schema = `newer_${randomBytes(4).toString('hex')}`;
    const store = await PostgresStore.open({ url: db.url, schema, snapshotTtlMs: TTL, now });
    await store.close();
    await runSql(db.url, `INSERT INTO ${schema}.schema_migrations (version, applied_at) VALUES ($1, 0)`, [SCHEMA_VERSION + 1]);
    await assert.rejects(PostgresStore.open({ url: db.url, schema, snapshotTtlMs: TTL, now }), (err: Error) => {
      assert.match(err.message, /schema version \d+ is newer than this wfm-metrics/);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  });

  test('every table leads with account_id and every text column compares by byte (COLLATE "C")', async () => {
    const columns = await runSql(
      db.url,
      `SELECT table_name, column_name, ordinal_position, data_type, collation_name FROM information_schema.columns
        WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
    );
    const tables = new Map<string, string[]>();
    for (const c of columns.rows) tables.set(c.table_name, [...(tables.get(c.table_name) ?? []), c.column_name]);
    for (const [table, names] of tables) {
      if (table === 'schema_migrations' || table === 'shared_secrets') continue;
      assert.equal(names[0], 'account_id', `${table} leads with account_id`);
    }
    const textColumns = columns.rows.filter((c) => c.data_type === 'text');
    assert.ok(textColumns.length > 20);
    for (const c of textColumns) {
      if (['body', 'state', 'units', 'skills', 'value', 'secret_hash', 'scopes'].includes(c.column_name)) continue;
      assert.equal(c.collation_name, 'C', `${c.table_name}.${c.column_name} is COLLATE "C"`);
    }
    const times = columns.rows.filter((c) => /(^|_)time$|_ms$|^valid_(from|to)$|^version$|_at$/.test(c.column_name));
    for (const c of times) assert.ok(['bigint', 'integer'].includes(c.data_type), `${c.table_name}.${c.column_name} is an integer`);
  });
});

describe('PostgresStore: two processes on one database answer like one store', () => {
  let db: TestDatabase;
  before(async () => {
    db = await freshDatabase();
  });
  after(() => db.drop());

  test('overlapping batches ingested concurrently by two stores equal one store (and SQLite) given the same events', async () => {
    const start = DAY0 + 7 * 3600_000;
    const events = [...simulate({ seed: 11, agents: 16, hours: 8, start })];
    // A few inconsistent inputs, so data-quality rows (and the handle time that reads them) take part.
    for (let i = 0; i < 8; i++) {
      const time = start + (i + 1) * 3600_000 - 7_000;
      events.push(
        { id: `dq-blur-${i}`, type: 'workspace.blur', time, agentId: 1 + (i % 4), conversationId: 'not-in-focus' },
        { id: `dq-end-${i}`, type: 'segment.end', time, agentId: 2 + (i % 3), conversationId: `ghost-${i}`, endReason: 'other' },
        { id: `dq-logout-${i}`, type: 'agent.logout', time, agentId: 90 + i },
      );
    }
    events.sort(compareEvents);
    const items = canonical(events);
    const n = items.length;
    assert.ok(n > 2000, `a simulated day part has thousands of events (${n})`);
    // 24 overlapping windows, arriving shuffled (late events replay agents), split between two processes.
    const k = Math.ceil(n / 24);
    const batches = Array.from({ length: 24 }, (_, i) => items.slice(Math.max(0, i * k - (k >> 2)), Math.min(n, (i + 1) * k + (k >> 2))));
    const order = batches.map((b, i) => ({ b, key: (i * 7919) % 24 })).sort((x, y) => x.key - y.key);
    const forA = order.filter((_, i) => i % 2 === 0).map((x) => x.b);
    const forB = order.filter((_, i) => i % 2 === 1).map((x) => x.b);

    const [a, b] = await Promise.all([1, 2].map(() => PostgresStore.open({ url: db.url, snapshotTtlMs: TTL, now })));
    const reference = await PostgresStore.open({ url: db.url, schema: 'reference', snapshotTtlMs: TTL, now });
    const sqlite = sqliteStore();
    try {
      const run = async (store: Store, list: CanonicalEvent[][]) => {
        const outcomes = [];
        for (const batch of list) outcomes.push(await store.ingest('acme', batch));
        return outcomes;
      };
      const outcomes = (await Promise.all([run(a as Store, forA), run(b as Store, forB)])).flat();
      assert.equal(
        outcomes.reduce((s, o) => s + o.accepted, 0),
        n,
        'each event stored once',
      );
      assert.equal(
        outcomes.reduce((s, o) => s + o.accepted + o.duplicates, 0),
        batches.reduce((s, x) => s + x.length, 0),
      );
      assert.ok(outcomes.every((o) => o.conflicts.length === 0));
      // Writes were serialised: every storing batch got its own version.
      const versions = outcomes.filter((o) => o.accepted > 0).map((o) => o.version);
      assert.equal(new Set(versions).size, versions.length);
      assert.equal((await (a as Store).accountVersion('acme')).version, versions.length);

      await reference.ingest('acme', items);
      for (const batch of order.map((x) => x.b)) await sqlite.ingest('acme', batch);

      const concurrent = await answers(a as Store, 'acme');
      assert.ok(concurrent.statusChanges.count > 100 && concurrent.segments.count > 100 && concurrent.dataQuality.count >= 24);
      assert.deepEqual(await answers(b as Store, 'acme'), concurrent, 'both processes read the same');
      assert.deepEqual(await answers(reference, 'acme'), concurrent, 'one PostgreSQL store given the same events');
      assert.deepEqual(await answers(sqlite, 'acme'), concurrent, 'the SQLite store given the same batches');

      // The id ledger refuses an id reused with other content, whichever process stored it.
      const first = events[0] as WfmEvent;
      const changed = { ...first, time: first.time + 1 } as WfmEvent;
      const before = await (b as Store).accountVersion('acme');
      assert.deepEqual(await (b as Store).ingest('acme', canonical([changed])), {
        accepted: 0,
        duplicates: 0,
        conflicts: [0],
        version: before.version,
      });
      assert.deepEqual(await (a as Store).findConflicts('acme', canonical([first, changed])), [1]);
    } finally {
      await Promise.all([(a as Store).close(), (b as Store).close(), reference.close(), sqlite.close()]);
    }
  });
});

describe('PostgresStore: byte order and free text', () => {
  let db: TestDatabase;
  let pgStore: PostgresStore;
  let sqlite: SqliteStore;
  before(async () => {
    db = await freshDatabase();
    pgStore = await PostgresStore.open({ url: db.url, snapshotTtlMs: TTL, now });
    sqlite = sqliteStore();
  });
  after(async () => {
    await pgStore.close();
    await sqlite.close();
    await db.drop();
  });

  test("ids like 'B', 'a', '_' sort by byte in every ordered answer, as in SQLite", async () => {
    const ids = ['a', 'B', '_', 'b', 'A', '~', '0', 'Z', '-', 'aa', 'a_'];
    const byte = [...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    assert.notDeepEqual(
      byte,
      [...ids].sort((x, y) => x.localeCompare(y, 'en')),
      'the ids order differently by byte and by a language',
    );
    const t = at('10:00:00');
    const events: WfmEvent[] = [];
    ids.forEach((id, i) => {
      // a logout with no session at one millisecond: data-quality rows ordered by (time, eventId)
      events.push({ id, type: 'agent.logout', time: t, agentId: 100 + i });
      // one segment per conversation id, all ending at one millisecond
      events.push({ id: `s${id}`, type: 'segment.start', time: t, conversationId: id, agentId: 1, skillId: 1 });
      events.push({ id: `e${id}`, type: 'segment.end', time: t + 60_000, conversationId: id, agentId: 1, endReason: 'closedByAgent' });
    });
    for (const store of [pgStore, sqlite] as Store[]) {
      for (const account of ['a', 'B', '_']) await store.ingest(account, canonical(events));
    }
    const pgAnswers = await answers(pgStore, 'B');
    assert.deepEqual(
      pgAnswers.dataQuality.items.filter((i) => i.kind === 'logoutWithoutSession').map((i) => i.eventId),
      byte,
    );
    assert.deepEqual(
      pgAnswers.segments.items.map((s) => s.conversationId),
      [...byte].reverse(),
    );
    assert.deepEqual(
      pgAnswers.segmentsEndingIn.map((s) => s.conversationId),
      byte,
    );
    assert.deepEqual(
      pgAnswers.exported
        .map((l) => JSON.parse(l))
        .filter((e) => e.type === 'agent.logout')
        .map((e) => e.id),
      byte,
    );
    assert.deepEqual(await pgStore.accountsWithEvents(), ['B', '_', 'a']);
    assert.deepEqual(await sqlite.accountsWithEvents(), await pgStore.accountsWithEvents());
    assert.deepEqual(pgAnswers, await answers(sqlite, 'B'));
  });

  test('free text holding U+0000 and astral characters round-trips', async () => {
    const events: WfmEvent[] = [
      { id: 'n1', type: 'agent.login', time: at('09:00:00'), agentId: 5, loginName: 'a\u0000b', userName: 'Zoë 🙂\u0000' },
      { id: 'n2', type: 'agent.status', time: at('09:10:00'), agentId: 5, status: 'AWAY', reasonText: '\u0000lunch\u0000' },
    ];
    for (const store of [pgStore, sqlite] as Store[]) await store.ingest('text', canonical(events));
    const pgAnswers = await answers(pgStore, 'text');
    const away = pgAnswers.statusChanges.items.find((r) => r.eventId === 'n2');
    assert.equal(away?.agentLoginName, 'a\u0000b');
    assert.equal(away?.agentUserName, 'Zoë 🙂\u0000');
    assert.equal(away?.statusReasonText, '\u0000lunch\u0000');
    assert.deepEqual(pgAnswers, await answers(sqlite, 'text'));
  });
});

describe('PostgresStore: one clear line when it cannot open', () => {
  const open = (url: string) => PostgresStore.open({ url, snapshotTtlMs: TTL, now });
  const oneLine = (pattern: RegExp) => (err: Error) => {
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  };

  test('a wrong URL', async () => {
    await assert.rejects(open('not a url'), oneLine(/not a PostgreSQL URL/));
    await assert.rejects(open('mysql://root@127.0.0.1/x'), oneLine(/not a PostgreSQL URL/));
    await assert.rejects(open('postgres://postgres:hunter2@127.0.0.1:1/wfm'), (err: Error) => {
      oneLine(/^cannot reach PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/wfm: .*ECONNREFUSED/)(err);
      assert.doesNotMatch(err.message, /hunter2/, 'the password is not shown');
      return true;
    });
  });

  test('a missing database', async () => {
    const name = `wfm_missing_${randomBytes(4).toString('hex')}`;
    await assert.rejects(open(urlOfDatabase(name)), oneLine(new RegExp(`database "${name}" does not exist`)));
  });

  test('insufficient privileges', async () => {
    const db = await freshDatabase();
    const role = `wfm_test_limited_${randomBytes(4).toString('hex')}`;
    await runSql(ADMIN_URL, `CREATE ROLE ${role} LOGIN`);
    try {
      const url = new URL(db.url);
      url.username = role;
      await assert.rejects(open(url.toString()), oneLine(/insufficient privileges \(permission denied for schema public\)/));
    } finally {
      await db.drop();
      await runSql(ADMIN_URL, `DROP ROLE IF EXISTS ${role}`);
    }
  });

  test('openStore turns each into a configuration error (WFM_ERR_CONFIG)', async () => {
    const name = `wfm_missing_${randomBytes(4).toString('hex')}`;
    await assert.rejects(openStore({ db: ':memory:', databaseUrl: urlOfDatabase(name), snapshotTtlMs: TTL }), (err: unknown) => {
      assert.ok(err instanceof WfmError);
      assert.equal(err.code, 'WFM_ERR_CONFIG');
      assert.match(err.message, /does not exist/);
      return true;
    });
  });
});
