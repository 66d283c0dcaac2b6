/**
 * PostgreSQL for tests: a fresh database per test run, and a fresh schema in it per opened
 * store (dropped when the store closes), so tests isolate themselves and clean up.
 *
 * The server is `WFM_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/postgres, the
 * maintenance database of a superuser). When it cannot be reached the postgres tests fail with
 * that reason: they never skip (in CI or locally).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Store } from '../../src/store/store.js';

export const ADMIN_URL = process.env.WFM_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Runs one statement on a short-lived connection. */
export async function runSql(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is unreachable at ${url} (${(err as Error).message || (err as { code?: string }).code}); the postgres tests need it ` +
        '(start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start, or set WFM_TEST_POSTGRES_URL)',
    );
  }
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

export function urlOfDatabase(name: string, base = ADMIN_URL): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** `CREATE DATABASE wfm_test_<random>`; `drop()` removes it (closing any connection left open). */
export async function freshDatabase(): Promise<TestDatabase> {
  const name = `wfm_test_${randomBytes(6).toString('hex')}`;
  await runSql(ADMIN_URL, `CREATE DATABASE ${name}`);
  return {
    name,
    url: urlOfDatabase(name),
    drop: async () => {
      await runSql(ADMIN_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

let runDatabase: Promise<TestDatabase> | undefined;

/** The database of this test process, created on first use and dropped when the process is done. */
export function testRunDatabase(): Promise<TestDatabase> {
  if (!runDatabase) {
    const created = freshDatabase();
    runDatabase = created;
    let dropped = false;
    process.on('beforeExit', () => {
      if (dropped) return;
      dropped = true;
      created.then(
        (db) => db.drop().catch((err) => process.stderr.write(`could not drop the test database ${db.name}: ${(err as Error).message}\n`)),
        () => {}, // never created: the tests that needed it failed with the reason
      );
    });
  }
  return runDatabase;
}

/** A PostgresStore in a fresh schema of the run's database; closing it drops the schema. */
export async function openTestStore(options: { now: () => number; snapshotTtlMs: number; schema?: string }): Promise<PostgresStore> {
  const db = await testRunDatabase();
  const schema = options.schema ?? `s_${randomBytes(6).toString('hex')}`;
  const store = await PostgresStore.open({ url: db.url, schema, snapshotTtlMs: options.snapshotTtlMs, now: options.now, poolSize: 4 });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await runSql(db.url, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  };
  return store;
}

export const postgresFactory = {
  name: 'postgres',
  open: (options: { now: () => number; snapshotTtlMs: number }): Promise<Store> => openTestStore(options),
};
