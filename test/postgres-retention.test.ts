/**
 * Retention (`Store.retention`, `wfm retention`) on both stores: whole UTC months before the
 * cutoff's month go (PostgreSQL drops their partitions, SQLite deletes their rows), snapshots of
 * the affected accounts answer 410, newer answers stay as they were, and a rebuild afterwards
 * equals a fresh store given the remaining events. Fails, never skips, without PostgreSQL.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { parseDuration } from '../src/cli/retention.js';
import type { WfmEvent } from '../src/domain/events.js';
import { canonicalEventJson } from '../src/ingest/validate-event.js';
import { simulate } from '../src/sim/simulate.js';
import { retentionBoundary } from '../src/store/months.js';
import { LOCK_ORDER, monthOf, partitionName } from '../src/store/postgres/partitions.js';
import { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { CanonicalEvent, Store } from '../src/store/store.js';
import { type Harness, harness, type StoreFactory, walkPages } from './support/harness.js';
import { freshDatabase, runSql, type TestDatabase } from './support/postgres.js';

const TTL = 3600_000;
const ALL = { from: 0, to: 8_000_000_000_000_000 };
const EVERYTHING = { offset: 0, limit: 1_000_000 };
const WFM = new URL('../src/cli/wfm.js', import.meta.url).pathname;
const run = promisify(execFile);
const iso = (ms: number) => new Date(ms).toISOString();

const JAN = Date.UTC(2026, 0, 12, 8);
const FEB = Date.UTC(2026, 1, 12, 8);
const MAR = Date.UTC(2026, 2, 12, 8);
const FEB_1 = Date.UTC(2026, 1, 1);
const MAR_1 = Date.UTC(2026, 2, 1);
const APR_1 = Date.UTC(2026, 3, 1);

const canonical = (events: readonly WfmEvent[]): CanonicalEvent[] =>
  events.map((event) => ({ event, canonical: canonicalEventJson(event) }));
const sortedJson = (items: readonly unknown[]): string[] => items.map((i) => JSON.stringify(i)).sort();
const day = (seed: number, start: number) => [...simulate({ seed, agents: 8, hours: 8, start })];

async function exported(store: Store, accountId: string): Promise<string[]> {
  const lines = [];
  for await (const line of store.exportEvents(accountId)) lines.push(line);
  return lines;
}

/** Everything a store answers about an account (store level), as of its current version. */
async function answers(store: Store, accountId: string) {
  const { version } = await store.accountVersion(accountId);
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
    exported: await exported(store, accountId),
  };
}

/** A GET as a reader of another account than the harness's. */
async function getAs(h: Harness, accountId: string, url: string): Promise<{ status: number; body: any }> {
  const res = await h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${await h.token(['read'], accountId)}` } });
  return { status: res.statusCode, body: res.json() };
}

/** The API's answers about February and March: activity, data quality, AHT and NHT. */
async function laterAnswers(h: Harness, accountId = 'acme') {
  const window = (from: number, to: number) => `from=${iso(from)}&to=${iso(to)}`;
  const out: Record<string, unknown[]> = {};
  for (const [name, from, to] of [
    ['feb', FEB_1, MAR_1],
    ['mar', MAR_1, APR_1],
  ] as const) {
    out[`${name}-activity`] = await walkPages(
      h,
      `/api/v2/account/${accountId}/status-changes?v=2&${window(from, to)}&limit=500`,
      (b) => b.stateChanges,
    );
    out[`${name}-quality`] = await walkPages(h, `/api/account/${accountId}/data-quality?${window(from, to)}&limit=500`, (b) => b.items);
  }
  for (const [name, start] of [
    ['feb', FEB],
    ['mar', MAR],
  ] as const) {
    const span = `fromMillis=${start - 8 * 3600_000}&toMillis=${start + 24 * 3600_000}`;
    out[`${name}-aht`] = await walkPages(h, `/api/account/${accountId}/agent-segments?${span}&limit=100`, (b) => b.segments);
    out[`${name}-nht`] = await walkPages(h, `/operations/api/account/${accountId}/nht?${span}&interval=30`, (b) => b.skillInfo);
  }
  return out;
}

describe('retention', { timeout: 300_000 }, () => {
  let db: TestDatabase;
  let sequence = 0;
  const schemas: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'wfm-retention-stores-'));
  before(async () => {
    db = await freshDatabase();
  });
  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const factories: Array<StoreFactory & { schema?: () => string }> = [
    // a file: export reads through a second connection
    {
      name: 'sqlite',
      open: async ({ now, snapshotTtlMs }) => new SqliteStore({ file: join(dir, `${++sequence}.db`), snapshotTtlMs, now }),
    },
    {
      name: 'postgres',
      open: async ({ now, snapshotTtlMs }) => {
        const schema = `retention_${++sequence}`;
        schemas.push(schema);
        return PostgresStore.open({ url: db.url, schema, snapshotTtlMs, now });
      },
      schema: () => schemas[schemas.length - 1] as string,
    },
  ];

  for (const factory of factories) {
    test(`${factory.name}: whole months before the cutoff go, old snapshots answer 410, newer answers stay; a rebuild equals a fresh store`, async () => {
      const h = await harness(factory);
      try {
        const months = { jan: day(31, JAN), feb: day(32, FEB), mar: day(33, MAR) };
        for (const events of Object.values(months)) assert.equal((await h.ingest(events)).status, 200);
        assert.equal((await h.ingest(months.jan, 'other')).status, 200);
        assert.equal((await h.ingest(months.mar, 'later')).status, 200);

        const first = await h.get(`/api/v2/account/acme/status-changes?v=2&from=${iso(FEB_1)}&to=${iso(MAR_1)}&limit=10`);
        const next = (first.body._metadata.references as Array<{ rel: string; href: string }>).find((r) => r.rel === 'next');
        assert.ok(next, 'February spans pages');
        const nextUrl = next.href.replace('http://wfm.test', '');
        assert.equal((await h.get(nextUrl)).status, 200);
        const laterFirst = await getAs(h, 'later', `/api/v2/account/later/status-changes?v=2&from=${iso(MAR_1)}&to=${iso(APR_1)}&limit=10`);
        const before = await laterAnswers(h);
        const janActivity = await h.store.statusChanges(
          'acme',
          (await h.store.accountVersion('acme')).version,
          { from: 0, to: FEB_1 },
          { kind: 'none' },
          EVERYTHING,
        );
        assert.ok(janActivity.count > 30, `January has records (${janActivity.count})`);
        const versionBefore = (await h.store.accountVersion('acme')).version;

        const outcome = await h.store.retention(Date.UTC(2026, 1, 15, 12, 30));
        assert.equal(outcome.before, FEB_1);
        assert.deepEqual(outcome.accounts, [
          { accountId: 'acme', events: months.jan.length, floor: versionBefore + 1 },
          { accountId: 'other', events: months.jan.length, floor: 2 },
        ]);
        if (factory.schema) {
          assert.deepEqual(
            outcome.partitions,
            LOCK_ORDER.map((t) => partitionName(t, monthOf(JAN))),
          );
          const left = await runSql(
            db.url,
            `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '${factory.schema()}.events'::regclass ORDER BY 1`,
          );
          assert.deepEqual(
            left.rows.map((r) => r.relname),
            [partitionName('events', monthOf(FEB)), partitionName('events', monthOf(MAR))],
          );
          const ledger = await runSql(db.url, `SELECT count(*) AS n FROM ${factory.schema()}.event_ids WHERE time < $1`, [FEB_1]);
          assert.equal(Number(ledger.rows[0].n), 0, 'the ledger lost the entries of the dropped months');
        } else {
          assert.deepEqual(outcome.partitions, []);
        }

        assert.deepEqual(await h.store.accountVersion('acme'), { version: versionBefore + 1, floor: versionBefore + 1 });
        const expired = await h.get(nextUrl);
        assert.equal(expired.status, 410, 'a snapshot taken before retention has expired');
        // An account that lost nothing keeps its snapshots.
        const laterNext = (laterFirst.body._metadata.references as Array<{ rel: string; href: string }>).find((r) => r.rel === 'next');
        assert.ok(laterNext);
        assert.equal((await getAs(h, 'later', laterNext.href.replace('http://wfm.test', ''))).status, 200);
        assert.deepEqual(await laterAnswers(h), before, 'February and March answer as before');
        const now = await h.store.accountVersion('acme');
        const janAfter = await h.store.statusChanges('acme', now.version, { from: 0, to: FEB_1 }, { kind: 'none' }, EVERYTHING);
        assert.equal(janAfter.count, 0, 'January is gone');
        assert.equal((await h.store.dataQuality('acme', now.version, { from: 0, to: FEB_1 }, EVERYTHING)).count, 0);
        const remaining = await exported(h.store, 'acme');
        assert.equal(remaining.length, months.feb.length + months.mar.length);
        assert.deepEqual(await h.store.accountsWithEvents(), ['acme', 'later'], '"other" had only January');

        // Agents continue from their saved state: a later day derives as if nothing had been removed.
        const late = day(34, Date.UTC(2026, 2, 25, 8));
        const whole = await factory.open({ now: () => h.clock.now, snapshotTtlMs: TTL });
        try {
          for (const events of [...Object.values(months), late]) await whole.ingest('acme', canonical(events));
          await h.store.ingest('acme', canonical(late));
          const lateWindow = { from: Date.UTC(2026, 2, 25), to: APR_1 };
          const of = async (store: Store) => {
            const { version } = await store.accountVersion('acme');
            const query = { window: lateWindow, filters: {}, sort: { field: 'endTime', descending: false }, page: EVERYTHING } as const;
            return [
              await store.statusChanges('acme', version, lateWindow, { kind: 'none' }, EVERYTHING),
              await store.segments('acme', version, query),
            ];
          };
          assert.deepEqual(await of(h.store), await of(whole));
        } finally {
          await whole.close();
        }
        remaining.push(...canonical(late).map((c) => c.canonical));

        // A replay sees only the remaining events: a rebuild equals a store given just those.
        await h.store.rebuild('acme');
        const fresh = await factory.open({ now: () => h.clock.now, snapshotTtlMs: TTL });
        try {
          await fresh.ingest(
            'acme',
            remaining.map((line) => ({ event: JSON.parse(line) as WfmEvent, canonical: line })),
          );
          assert.deepEqual(await answers(h.store, 'acme'), await answers(fresh, 'acme'));
        } finally {
          await fresh.close();
        }

        // Nothing older is left: a second run removes nothing and expires nothing.
        const again = await h.store.retention(Date.UTC(2026, 1, 15, 12, 30));
        assert.deepEqual([again.accounts, again.partitions], [[], []]);
      } finally {
        await h.close();
      }
    });

    test(`${factory.name}: one account's retention deletes its rows only, and keeps the profile writes later answers read`, async () => {
      const h = await harness(factory);
      try {
        const profile: WfmEvent[] = [
          { id: 'p1', type: 'agent.profile', time: Date.UTC(2026, 0, 5), agentId: 50, maxSlots: 3 },
          { id: 'p2', type: 'agent.profile', time: Date.UTC(2026, 0, 6), agentId: 50, maxSlots: 2, skills: [1] },
          { id: 'p3', type: 'agent.profile', time: Date.UTC(2026, 0, 7), agentId: 50, skills: [2] },
          { id: 'p4', type: 'agent.login', time: Date.UTC(2026, 1, 10, 9), agentId: 50 },
          { id: 'p5', type: 'segment.start', time: Date.UTC(2026, 1, 10, 9, 5), agentId: 50, conversationId: 'cx', skillId: 2 },
          { id: 'p6', type: 'message', time: Date.UTC(2026, 1, 10, 9, 6), agentId: 50, conversationId: 'cx', from: 'agent' },
          {
            id: 'p7',
            type: 'segment.end',
            time: Date.UTC(2026, 1, 10, 9, 35),
            agentId: 50,
            conversationId: 'cx',
            endReason: 'closedByAgent',
          },
          { id: 'p8', type: 'agent.logout', time: Date.UTC(2026, 1, 10, 10), agentId: 50 },
        ];
        const jan = day(41, JAN);
        for (const account of ['acme', 'kept']) {
          assert.equal((await h.ingest([...profile, ...jan], account)).status, 200);
        }
        const nht = `/operations/api/account/acme/nht?fromMillis=${Date.UTC(2026, 1, 10)}&toMillis=${Date.UTC(2026, 1, 11)}&skillIds=1,2`;
        const nhtBefore = (await h.get(nht)).body.skillInfo;
        const facts = async (account: string) => {
          const { version } = await h.store.accountVersion(account);
          const f = await h.store.nhtFacts(account, version, { from: Date.UTC(2026, 1, 10), to: Date.UTC(2026, 1, 11) });
          const of50 = (writes: Array<{ agentId: number; eventId: string }>) =>
            writes
              .filter((w) => w.agentId === 50)
              .map((w) => w.eventId)
              .sort();
          return { maxSlots: of50(f.maxSlots), skills: of50(f.profileSkills) };
        };
        assert.deepEqual(await facts('acme'), { maxSlots: ['p1', 'p2'], skills: ['p2', 'p3'] });
        const keptBefore = await answers(h.store, 'kept');
        const keptVersion = await h.store.accountVersion('kept');

        const outcome = await h.store.retention(Date.UTC(2026, 1, 20), 'acme');
        assert.deepEqual(outcome, {
          before: FEB_1,
          accounts: [{ accountId: 'acme', events: 3 + jan.length, floor: keptVersion.version + 1 }],
          partitions: [],
        });
        // p1 goes; p2 stays as the last maxSlots write (its skills, superseded by p3's, come along).
        assert.deepEqual(await facts('acme'), { maxSlots: ['p2'], skills: ['p2', 'p3'] }, 'the last maxSlots and skills writes stay');
        assert.deepEqual((await h.get(nht)).body.skillInfo, nhtBefore, 'NHT after the boundary is unchanged');
        assert.equal((await exported(h.store, 'acme')).length, 5);
        assert.deepEqual(await answers(h.store, 'kept'), keptBefore, 'another account keeps everything');
        assert.deepEqual(await h.store.accountVersion('kept'), keptVersion);
        if (factory.schema) {
          const parts = await runSql(
            db.url,
            `SELECT count(*) AS n FROM pg_inherits WHERE inhparent = '${factory.schema()}.events'::regclass`,
          );
          assert.equal(Number(parts.rows[0].n), 2, 'an account-only retention drops no partition');
        }
      } finally {
        await h.close();
      }
    });
  }
});

describe('retention racing a write (PostgreSQL)', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await freshDatabase();
  });
  after(() => db.drop());

  /** Waits until some session waits for a lock of the given kind. */
  async function someoneWaits(where: string): Promise<void> {
    for (let i = 0; ; i++) {
      assert.ok(i < 400, `a session waits (${where})`);
      const waiting = await runSql(db.url, `SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND ${where}`);
      if (Number(waiting.rows[0].n) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  test('retention waits for a running write, and the write keeps the version it was given', async () => {
    const [writer, retainer] = await Promise.all([1, 2].map(() => PostgresStore.open({ url: db.url, snapshotTtlMs: TTL })));
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      const w = writer as Store;
      await w.ingest('acme', canonical([{ id: 'x0', type: 'agent.logout', time: JAN, agentId: 9 }]));
      await w.ingest('acme', canonical([{ id: 'x1', type: 'agent.login', time: MAR, agentId: 1 }]));
      // Hold the write up in the middle of its transaction (it reads the agents' saved states after taking its version).
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE agent_state IN ACCESS EXCLUSIVE MODE');
      const write = w.ingest('acme', canonical([{ id: 'x2', type: 'agent.logout', time: MAR + 60_000, agentId: 1 }]));
      await someoneWaits("relation = 'agent_state'::regclass");
      const retention = (retainer as Store).retention(Date.UTC(2026, 1, 15));
      await someoneWaits("locktype = 'advisory'");
      await blocker.query('COMMIT');
      assert.deepEqual(await write, { accepted: 1, duplicates: 0, conflicts: [], version: 3 });
      const outcome = await retention;
      assert.deepEqual(outcome.accounts, [{ accountId: 'acme', events: 1, floor: 4 }]);
      const stamped = await runSql(db.url, "SELECT event_id, version FROM events WHERE account_id = 'acme' ORDER BY event_id");
      assert.deepEqual(
        stamped.rows.map((r) => [r.event_id, Number(r.version)]),
        [
          ['x1', 2],
          ['x2', 3],
        ],
      );
      const ids = async (version: number) =>
        (await w.statusChanges('acme', version, ALL, { kind: 'none' }, EVERYTHING)).items.map((r) => r.eventId);
      assert.deepEqual(await ids(4), ['x1', 'x1', 'x2']);
      // The writer's cached January is gone: a January event creates it again.
      assert.equal((await w.ingest('acme', canonical([{ id: 'x3', type: 'agent.logout', time: JAN + 1, agentId: 9 }]))).accepted, 1);
    } finally {
      await blocker.end();
      await Promise.all([(writer as Store).close(), (retainer as Store).close()]);
    }
  });
});

describe('wfm retention', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'wfm-retention-'));
  before(async () => {
    db = await freshDatabase();
  });
  after(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('--older-than takes s, m, h, d, w; anything else is a bad-input error', async () => {
    assert.equal(parseDuration('90d'), 90 * 86_400_000);
    assert.equal(parseDuration('12h'), 12 * 3_600_000);
    assert.equal(parseDuration('2w'), 14 * 86_400_000);
    for (const bad of ['90', 'd', '-1d', '1.5d', '0d', '1y', '']) assert.throws(() => parseDuration(bad), /--older-than must be/);
    await assert.rejects(run(process.execPath, [WFM, 'retention', '--older-than', '3 months', '--db', join(dir, 'x.db')]), (err: any) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /^wfm: --older-than must be/);
      return true;
    });
  });

  test('drops the old months of either store and prints what it removed', async () => {
    // Events of three and of one month ago (times relative to now: the CLI's cutoff is now − age).
    const old = Date.now() - 95 * 86_400_000;
    const recent = Date.now() - 20 * 86_400_000;
    const events: WfmEvent[] = [
      { id: 'o1', type: 'agent.login', time: old, agentId: 1 },
      { id: 'o2', type: 'agent.logout', time: old + 3600_000, agentId: 1 },
      { id: 'r1', type: 'agent.login', time: recent, agentId: 1 },
    ];
    const boundary = retentionBoundary(Date.now() - 60 * 86_400_000);
    const expectOld = events.filter((e) => e.time < boundary).length;
    assert.equal(expectOld, 2);
    const file = join(dir, 'wfm.db');
    const stores: Array<[string[], Store]> = [
      [['--db', file], new SqliteStore({ file, snapshotTtlMs: TTL })],
      [['--database-url', db.url], await PostgresStore.open({ url: db.url, snapshotTtlMs: TTL })],
    ];
    for (const [flags, store] of stores) {
      await store.ingest('acme', canonical(events));
      await store.close();
      const { stdout } = await run(process.execPath, [WFM, 'retention', '--older-than', '60d', ...flags]);
      const lines = stdout.trim().split('\n');
      assert.match(
        lines[0] as string,
        new RegExp(
          `^retention: removed data before ${iso(boundary).replace(/\./g, '\\.')} \\(the cutoff \\S+ rounded down to the start of its UTC month\\)$`,
        ),
      );
      if (flags[0] === '--database-url') {
        assert.match(lines[1] as string, /^dropped 5 partitions: events_y\d{4}m\d{2}, activity_records_y/);
      }
      assert.match(lines[lines.length - 1] as string, /^acme: 2 events removed; snapshots older than version 2 expire \(410\)$/);
      const again = await run(process.execPath, [WFM, 'retention', '--older-than', '60d', ...flags]);
      assert.match(again.stdout, /\nnothing was that old\n$/);
    }
  });
});
