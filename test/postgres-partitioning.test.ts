/**
 * The PostgreSQL store's time partitioning, its COPY write path, its schema upgrade and
 * `wfm migrate`: partitions are created for the months a batch touches and every row lands in
 * its month; the answers are those of the SQLite store; duplicates and conflicts stay exact on
 * the COPY path; a store at schema version 1 with data upgrades in place to the same answers.
 * These tests fail, never skip, when PostgreSQL is unreachable.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { compareEvents, type WfmEvent } from '../src/domain/events.js';
import { canonicalEventJson } from '../src/ingest/validate-event.js';
import { simulate } from '../src/sim/simulate.js';
import { migrate, SCHEMA_VERSION } from '../src/store/postgres/migrations.js';
import { monthOf, PARTITIONED_TABLES, type PartitionedTable, partitionName } from '../src/store/postgres/partitions.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SCHEMA_VERSION as SQLITE_SCHEMA_VERSION } from '../src/store/sqlite/migrations.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { CanonicalEvent, Store } from '../src/store/store.js';
import { freshDatabase, runSql, type TestDatabase } from './support/postgres.js';

const TTL = 3600_000;
const NOW = Date.UTC(2026, 3, 1);
const now = () => NOW;
const ALL = { from: 0, to: 8_000_000_000_000_000 };
const EVERYTHING = { offset: 0, limit: 1_000_000 };
const WFM = new URL('../src/cli/wfm.js', import.meta.url).pathname;
const run = promisify(execFile);

const canonical = (events: readonly WfmEvent[]): CanonicalEvent[] =>
  events.map((event) => ({ event, canonical: canonicalEventJson(event) }));
const sortedJson = (items: readonly unknown[]): string[] => items.map((i) => JSON.stringify(i)).sort();

/** Everything a store answers about an account, as of its current version. */
async function answers(store: Store, accountId: string) {
  const { version } = await store.accountVersion(accountId);
  const exported = [];
  for await (const line of store.exportEvents(accountId)) exported.push(line);
  const facts = await store.nhtFacts(accountId, version, ALL);
  return {
    statusChanges: await store.statusChanges(accountId, version, ALL, { kind: 'none' }, EVERYTHING),
    dataQuality: await store.dataQuality(accountId, version, ALL, EVERYTHING),
    segments: await store.segments(accountId, version, {
      window: ALL,
      filters: {},
      sort: { field: 'endTime', descending: false },
      page: EVERYTHING,
    }),
    nhtFacts: Object.fromEntries(Object.entries(facts).map(([k, v]) => [k, sortedJson(v as unknown[])])),
    exported,
  };
}

/** A day part in each of three months (the first crosses the end of January into February). */
function threeMonths(): WfmEvent[] {
  const events = [
    ...simulate({ seed: 21, agents: 8, hours: 10, start: Date.UTC(2026, 0, 31, 18) }),
    // ids and conversation ids carry the seed: the three parts never share one
    ...simulate({ seed: 22, agents: 8, hours: 6, start: Date.UTC(2026, 1, 20, 8) }),
    ...simulate({ seed: 23, agents: 8, hours: 6, start: Date.UTC(2026, 2, 20, 8) }),
  ];
  return events.sort(compareEvents);
}

/** Overlapping batches in a shuffled order, so late events replay agents. */
function shuffledBatches(items: CanonicalEvent[], count: number): CanonicalEvent[][] {
  const k = Math.ceil(items.length / count);
  const batches = Array.from({ length: count }, (_, i) => items.slice(Math.max(0, i * k - (k >> 2)), Math.min(items.length, (i + 1) * k)));
  return batches
    .map((b, i) => ({ b, key: (i * 7919) % count }))
    .sort((x, y) => x.key - y.key)
    .map((x) => x.b);
}

function sqliteStore(): SqliteStore {
  const dir = mkdtempSync(join(tmpdir(), 'wfm-partition-test-'));
  const store = new SqliteStore({ file: join(dir, 'wfm.db'), snapshotTtlMs: TTL, now });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  };
  return store;
}

/** The partitions of each partitioned table in a schema, by table. */
async function partitionsOf(url: string, schema: string): Promise<Map<string, string[]>> {
  const res = await runSql(
    url,
    `SELECT p.relname AS parent, c.relname AS part FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = p.relnamespace
      WHERE n.nspname = $1 AND p.relkind = 'p' ORDER BY 1, 2`,
    [schema],
  );
  const out = new Map<string, string[]>();
  for (const r of res.rows) out.set(r.parent, [...(out.get(r.parent) ?? []), r.part]);
  return out;
}

describe('PostgresStore: time partitions', { timeout: 300_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await freshDatabase();
  });
  after(() => db.drop());

  test('a batch creates the partitions of its months, every row lands in its month, and the answers are SQLite’s', async () => {
    const events = threeMonths();
    const items = canonical(events);
    const months = [...new Set(events.map((e) => monthOf(e.time)))].sort();
    assert.equal(months.length, 3);
    const store = await PostgresStore.open({ url: db.url, schema: 'parts', snapshotTtlMs: TTL, now });
    const sqlite = sqliteStore();
    try {
      assert.deepEqual(await partitionsOf(db.url, 'parts'), new Map(), 'no partition before the first write');
      for (const batch of shuffledBatches(items, 12)) {
        const [a, b] = await Promise.all([store.ingest('acme', batch), sqlite.ingest('acme', batch)]);
        assert.deepEqual(a, b);
      }
      const parts = await partitionsOf(db.url, 'parts');
      for (const table of Object.keys(PARTITIONED_TABLES) as PartitionedTable[]) {
        assert.deepEqual(
          parts.get(table),
          months.map((m) => partitionName(table, m)),
          `${table} has one partition per month of the events`,
        );
        // Each partition holds only rows of its month.
        const column = PARTITIONED_TABLES[table];
        const rows = await runSql(
          db.url,
          `SELECT tableoid::regclass::text AS part, min(${column}) AS lo, max(${column}) AS hi, count(*) AS n FROM parts.${table} GROUP BY 1`,
        );
        assert.ok(rows.rows.length >= 2, `${table}: rows in several partitions`);
        for (const r of rows.rows) {
          const month = monthOf(Number(r.lo));
          assert.equal(monthOf(Number(r.hi)), month);
          assert.equal(String(r.part).replace(/^parts\./, ''), partitionName(table, month));
        }
      }
      const count = await runSql(db.url, 'SELECT count(*) AS n FROM parts.events');
      assert.equal(Number(count.rows[0].n), events.length);
      assert.deepEqual(await answers(store, 'acme'), await answers(sqlite, 'acme'));
    } finally {
      await store.close();
      await sqlite.close();
    }
  });

  test('processes creating the same new months at once agree (accounts in parallel, months created once)', async () => {
    const events = threeMonths();
    const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.open({ url: db.url, schema: 'racing', snapshotTtlMs: TTL, now })));
    try {
      const outcomes = await Promise.all(stores.map((s, i) => s.ingest(`account${i}`, canonical(events))));
      for (const o of outcomes) assert.equal(o.accepted, events.length);
      const parts = await partitionsOf(db.url, 'racing');
      assert.equal(parts.get('events')?.length, 3);
      // Session ids derive from the account, so accounts compare by what else they answer.
      const shape = async (i: number) => {
        const a = await answers(stores[i] as Store, `account${i}`);
        return {
          exported: a.exported,
          records: a.statusChanges.items.map((r) => [r.eventId, r.time, r.sequenceNumber]),
          segments: a.segments,
        };
      };
      const first = await shape(0);
      assert.ok(first.records.length > 100);
      for (const i of [1, 2]) assert.deepEqual(await shape(i), first);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('a month dropped by another process is created again when an event of it arrives', async () => {
    const [a, b] = await Promise.all([1, 2].map(() => PostgresStore.open({ url: db.url, schema: 'dropped', snapshotTtlMs: TTL, now })));
    try {
      const jan = { id: 'j1', type: 'agent.login', time: Date.UTC(2026, 0, 10, 9), agentId: 1 } as WfmEvent;
      const mar = { id: 'm1', type: 'agent.login', time: Date.UTC(2026, 2, 10, 9), agentId: 2 } as WfmEvent;
      assert.equal((await (a as Store).ingest('acme', canonical([jan, mar]))).accepted, 2);
      // b removes January (a still believes its partitions exist).
      const gone = await (b as Store).retention(Date.UTC(2026, 1, 15));
      assert.equal(gone.partitions.length, 5);
      const again = { ...jan, id: 'j2', agentId: 3 } as WfmEvent;
      assert.equal((await (a as Store).ingest('acme', canonical([again]))).accepted, 1);
      assert.equal((await partitionsOf(db.url, 'dropped')).get('events')?.length, 2);
    } finally {
      await Promise.all([(a as Store).close(), (b as Store).close()]);
    }
  });
});

describe('PostgresStore: the COPY write path', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let store: PostgresStore;
  let sqlite: SqliteStore;
  before(async () => {
    db = await freshDatabase();
    store = await PostgresStore.open({ url: db.url, snapshotTtlMs: TTL, now });
    sqlite = sqliteStore();
  });
  after(async () => {
    await store.close();
    await sqlite.close();
    await db.drop();
  });

  test('new, duplicate and conflicting events are told apart exactly; a conflict stores nothing', async () => {
    const t = Date.UTC(2026, 2, 2, 9);
    const base: WfmEvent[] = [
      { id: 'a1', type: 'agent.login', time: t, agentId: 1 },
      {
        id: 'a2',
        type: 'agent.status',
        time: t + 60_000,
        agentId: 1,
        status: 'AWAY',
        reasonText: 'tab\there, line\nbreak, back\\slash, \u0000',
      },
      { id: 'back\\slash\\id', type: 'agent.status', time: t + 120_000, agentId: 1, status: 'ONLINE' },
    ];
    const more: WfmEvent[] = [
      { id: 'a4', type: 'agent.status', time: t + 180_000, agentId: 1, status: 'BACK_SOON' },
      { id: 'a5', type: 'agent.logout', time: t + 240_000, agentId: 1 },
    ];
    for (const s of [store, sqlite] as Store[]) {
      assert.deepEqual(await s.ingest('copy', canonical(base)), { accepted: 3, duplicates: 0, conflicts: [], version: 1 });
      // duplicates and new events: only the new ones are stored, under one new version
      assert.deepEqual(await s.ingest('copy', canonical([...more, ...base])), { accepted: 2, duplicates: 3, conflicts: [], version: 2 });
      // only duplicates: nothing stored, the version stays
      assert.deepEqual(await s.ingest('copy', canonical(base)), { accepted: 0, duplicates: 3, conflicts: [], version: 2 });
      // conflicts (stored ids with other content) among new events: nothing at all is stored
      const changed = [
        { id: 'n1', type: 'agent.login', time: t + 300_000, agentId: 2 },
        { ...(base[2] as WfmEvent), time: t + 121_000 },
        base[0],
        { ...(more[0] as WfmEvent), status: 'AWAY' },
      ] as WfmEvent[];
      assert.deepEqual(await s.ingest('copy', canonical(changed)), { accepted: 0, duplicates: 0, conflicts: [1, 3], version: 2 });
      assert.deepEqual(await s.findConflicts('copy', canonical(changed)), [1, 3]);
    }
    const pgAnswers = await answers(store, 'copy');
    assert.equal(pgAnswers.exported.length, 5, 'the rejected batch stored nothing');
    assert.ok(!pgAnswers.exported.some((l) => l.includes('"n1"')));
    assert.deepEqual(pgAnswers, await answers(sqlite, 'copy'));
    const ledger = await runSql(db.url, "SELECT count(*) AS n FROM event_ids WHERE account_id = 'copy'");
    assert.equal(Number(ledger.rows[0].n), 5);
    const away = pgAnswers.statusChanges.items.find((r) => r.eventId === 'a2');
    assert.equal(away?.statusReasonText, 'tab\there, line\nbreak, back\\slash, \u0000');
  });

  test('a batch of 20,000 events goes through one COPY and equals SQLite', async () => {
    const events = [...simulate({ seed: 5, agents: 40, hours: 12, start: Date.UTC(2026, 2, 3, 6) })];
    assert.ok(events.length > 20_000, `${events.length} events`);
    const items = canonical(events.slice(0, 20_000));
    for (const s of [store, sqlite] as Store[]) {
      const o = await s.ingest('bulk', items);
      assert.equal(o.accepted, 20_000);
      assert.equal((await s.ingest('bulk', items)).duplicates, 20_000);
    }
    assert.deepEqual(await answers(store, 'bulk'), await answers(sqlite, 'bulk'));
  });
});

describe('PostgresStore: upgrading a schema-1 store with data', { timeout: 300_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await freshDatabase();
  });
  after(() => db.drop());

  test('migration 2 moves the rows into monthly partitions, keeps row ids and answers, and later writes continue', async () => {
    const events = threeMonths();
    const batches = shuffledBatches(canonical(events), 10);
    const current = await PostgresStore.open({ url: db.url, schema: 'current', snapshotTtlMs: TTL, now });
    try {
      for (const batch of batches.slice(0, 8)) await current.ingest('acme', batch);
      // A schema-1 copy of the same data: the tables of version 1 have the same columns, in the same order (plus later ones).
      const client = new pg.Client({ connectionString: db.url, options: '-c search_path=legacy' });
      await client.connect();
      try {
        assert.deepEqual(await migrate(client, 'legacy', now, 1), { from: 0, to: 1 });
        const identity = ['activity_records', 'data_quality', 'segments', 'workload_sessions', 'workload_segments', 'workload_messages'];
        const tables = ['accounts', 'account_versions', 'event_ids', 'events', 'agent_state', 'workload_profile', ...identity];
        for (const t of tables) {
          const overriding = t === 'workload_profile' || identity.includes(t) ? 'OVERRIDING SYSTEM VALUE' : '';
          // Later migrations add columns (account_versions.nht_from): copy the columns schema 1 has.
          const columns = await client.query(
            "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) AS list FROM information_schema.columns WHERE table_schema = 'legacy' AND table_name = $1",
            [t],
          );
          const list = columns.rows[0].list as string;
          await client.query(`INSERT INTO legacy.${t} (${list}) ${overriding} SELECT ${list} FROM current.${t}`);
          if (overriding) {
            await client.query(`SELECT setval(pg_get_serial_sequence('legacy.${t}', 'row_id'), (SELECT max(row_id) FROM legacy.${t}))`);
          }
        }
        const legacyTables = await client.query(
          "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE nspname = 'legacy' AND relkind = 'p'",
        );
        assert.equal(legacyTables.rowCount, 0, 'schema 1 has no partitioned table');
      } finally {
        await client.end();
      }
      const rowIds = async (schema: string) =>
        (await runSql(db.url, `SELECT row_id, time FROM ${schema}.activity_records ORDER BY row_id`)).rows.map(
          (r) => `${r.row_id}@${r.time}`,
        );
      const before = await rowIds('legacy');

      const upgraded = await PostgresStore.open({ url: db.url, schema: 'legacy', snapshotTtlMs: TTL, now });
      try {
        const versions = await runSql(db.url, 'SELECT version FROM legacy.schema_migrations ORDER BY version');
        assert.deepEqual(
          versions.rows.map((r) => r.version),
          Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
        );
        assert.equal((await partitionsOf(db.url, 'legacy')).get('events')?.length, 3);
        assert.deepEqual(await rowIds('legacy'), before, 'row ids (the insertion-order tie-break) are kept');
        assert.deepEqual(await answers(upgraded, 'acme'), await answers(current, 'acme'));
        // The rest arrives after the upgrade, late events included: both stores still agree.
        for (const batch of batches.slice(8)) {
          assert.deepEqual(await upgraded.ingest('acme', batch), await current.ingest('acme', batch));
        }
        assert.deepEqual(await answers(upgraded, 'acme'), await answers(current, 'acme'));
      } finally {
        await upgraded.close();
      }
    } finally {
      await current.close();
    }
  });
});

describe('wfm migrate', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'wfm-migrate-'));
  before(async () => {
    db = await freshDatabase();
  });
  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('applies the pending migrations of either store and prints the schema version; a second run has nothing to do', async () => {
    const pgRun = () => run(process.execPath, [WFM, 'migrate', '--database-url', db.url]);
    const first = await pgRun();
    assert.match(
      first.stdout,
      new RegExp(
        `^PostgreSQL postgres://\\S+: schema version ${SCHEMA_VERSION} \\(applied ${SCHEMA_VERSION} migrations, from version 0\\)\\n$`,
      ),
    );
    assert.match((await pgRun()).stdout, new RegExp(`schema version ${SCHEMA_VERSION} \\(up to date\\)\\n$`));
    const applied = await runSql(db.url, 'SELECT count(*) AS n FROM schema_migrations');
    assert.equal(Number(applied.rows[0].n), SCHEMA_VERSION);

    const file = join(dir, 'wfm.db');
    const sqliteRun = () => run(process.execPath, [WFM, 'migrate', '--db', file]);
    assert.match(
      (await sqliteRun()).stdout,
      new RegExp(
        `^SQLite .*wfm\\.db: schema version ${SQLITE_SCHEMA_VERSION} \\(applied ${SQLITE_SCHEMA_VERSION} migrations, from version 0\\)\\n$`,
      ),
    );
    assert.match((await sqliteRun()).stdout, new RegExp(`schema version ${SQLITE_SCHEMA_VERSION} \\(up to date\\)\\n$`));
  });

  test('an unreachable database is one configuration error line (exit 9)', async () => {
    await assert.rejects(
      run(process.execPath, [WFM, 'migrate', '--database-url', 'postgres://postgres:secret@127.0.0.1:1/wfm']),
      (err: any) => {
        assert.equal(err.code, 9);
        assert.match(err.stderr, /^wfm: cannot reach PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/wfm/);
        assert.doesNotMatch(err.stderr, /secret/);
        return true;
      },
    );
  });
});
