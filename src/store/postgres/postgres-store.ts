import type pg from 'pg';
import { canContinue } from '../../domain/activity.js';
import type { AgentCheckpoint, AgentMachineState } from '../../domain/agent-machines.js';
import { AgentMachines, initialAgentMachineState, sameMachineState } from '../../domain/agent-machines.js';
import type { SegmentHandleTime } from '../../domain/aht.js';
import type { WfmEvent } from '../../domain/events.js';
import { agentOf, compareEvents } from '../../domain/events.js';
import type { NhtFacts, NhtHour } from '../../domain/nht.js';
import type { ActivityRecord, DataQualityItem } from '../../domain/records.js';
import { type AgentWindow, agentWindow, handleTimeConversations, NO_END, NO_START } from '../agent-replay.js';
import { retentionBoundary } from '../months.js';
import {
  ACTIVITY_COLUMNS as ACTIVITY_COLUMN_SPECS,
  ACTIVITY_READ_COLUMNS,
  activityFromValues,
  freeTextPositions,
  SEGMENT_SUMMARY_COLUMNS,
  segmentSummaryFromValues,
} from '../row-mappings.js';
import type {
  AccountSettings,
  AccountVersion,
  ActivityFilter,
  AgentActivityGroup,
  ApiClient,
  CanonicalEvent,
  IngestOutcome,
  Page,
  PageRequest,
  RetentionOutcome,
  SegmentQuery,
  SegmentSummary,
  Store,
  TimeWindow,
} from '../store.js';
import { DEFAULT_SETTINGS } from '../store.js';
import { createPool, describeOpenError } from './connection.js';
import { hashOf, stagedConflicts, stageEvents, storeStaged } from './event-writer.js';
import { HandleTimeDeriver, type Pair } from './handle-time.js';
import { migrate } from './migrations.js';
import { readNhtFacts } from './nht-facts.js';
import { cachedNhtHours, collectNhtHours, saveNhtHours } from './nht-hour-cache.js';
import { isMissingPartition, LOCK_ORDER, lockPartitions, monthOf, PartitionMaintainer, SHARED_PARTITION_LOCK } from './partitions.js';
import { agedPartitions, deleteAgedSpans, deleteLedger, deletePartitionedRows } from './retention.js';
import { StatisticsKeeper } from './statistics.js';
import {
  type DerivedTables,
  derivedTables,
  rowToIssue,
  rowToSegment,
  type SessionRow,
  type WorkloadMessageRow,
  type WorkloadProfileRow,
  type WorkloadSegmentRow,
} from './tables.js';
import { type AgentWindowScope, chunks, type Queryable, type Scope } from './versioned-table.js';

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** how long a snapshot stays readable; superseded rows older than this are collected */
  snapshotTtlMs: number;
  now?: () => number;
  /** keep the tables in this schema (created when missing) instead of the user's search path */
  schema?: string;
  /** connections in the pool (default 8) */
  poolSize?: number;
}

/** What agents' new events changed that handle time depends on. */
interface AgentChanges {
  /** conversations whose data-quality rows changed */
  conversations: Set<string>;
  /** pairs of the agents' own conversations whose handle-time inputs changed */
  pairs: Pair[];
  /**
   * a late event replayed an agent from a blank state (no checkpoint before it): after retention
   * its rows before the event can change too, so the version's NHT change is not bounded by it
   */
  fromBlank: boolean;
}

/** One agent replayed over a window of its history (see {@link PostgresStore.replayWindows}). */
interface AgentReplay {
  agentId: number;
  /** the late events, sorted; none in a rebuild (the whole history, no early stop) */
  fresh: WfmEvent[] | undefined;
  start: AgentMachineState;
  machines: AgentMachines;
  from: number;
  to: number;
}

const VISIBLE = (v: string) => `valid_from <= ${v} AND (valid_to IS NULL OR valid_to > ${v})`;
const ACTIVITY_SELECT = ACTIVITY_READ_COLUMNS.join(', ');
/** Where the BYTEA free text sits in a row of ACTIVITY_SELECT. */
const ACTIVITY_FREE_TEXT = freeTextPositions(ACTIVITY_COLUMN_SPECS, ACTIVITY_READ_COLUMNS);
const SEGMENT_SUMMARY_SELECT = SEGMENT_SUMMARY_COLUMNS.join(', ');
/** How many versions pass between collections of superseded rows. */
const COLLECT_EVERY = 64;
/** Ids per ledger lookup of findConflicts. */
const EVENT_CHUNK = 5000;
/** Agents derived together (their saved states and, on replay, their histories are read together). */
const AGENT_CHUNK = 50;
/** Rows per FETCH of the export cursor. */
const EXPORT_FETCH = 1000;
const SEGMENT_SORT_COLUMNS = {
  endTime: 'end_time',
  startTime: 'start_time',
  conversationId: 'conversation_id',
  agentId: 'agent_id',
  employeeId: 'employee_id',
  skillId: 'skill_id',
  groupId: 'group_id',
} as const;

/**
 * The production store: PostgreSQL, same observable behaviour as the SQLite store. Each write
 * runs in one transaction that holds the account's advisory lock, so any number of processes
 * on one database give the answers one process would.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres';
  private readonly tables: DerivedTables = derivedTables();
  private readonly handleTime = new HandleTimeDeriver(this.tables);
  private readonly partitions: PartitionMaintainer;
  private readonly statistics: StatisticsKeeper;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly snapshotTtlMs: number,
    private readonly now: () => number,
  ) {
    this.partitions = new PartitionMaintainer(pool);
    this.statistics = new StatisticsKeeper(pool);
  }

  /** Connects, applies pending migrations, and returns the store; fails with one clear line. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const now = options.now ?? Date.now;
    const { pool } = await PostgresStore.connectAndMigrate(options);
    return new PostgresStore(pool, options.snapshotTtlMs, now);
  }

  /** Applies pending migrations (`wfm migrate`): the schema version before and after; fails with one clear line. */
  static async migrate(options: Pick<PostgresStoreOptions, 'url' | 'schema' | 'now'>): Promise<{ from: number; to: number }> {
    const { pool, versions } = await PostgresStore.connectAndMigrate({ ...options, poolSize: 1 });
    await pool.end();
    return versions;
  }

  private static async connectAndMigrate(
    options: Pick<PostgresStoreOptions, 'url' | 'schema' | 'now' | 'poolSize'>,
  ): Promise<{ pool: pg.Pool; versions: { from: number; to: number } }> {
    const now = options.now ?? Date.now;
    let pool: pg.Pool;
    try {
      pool = createPool({
        url: options.url,
        size: options.poolSize ?? 8,
        ...(options.schema === undefined ? {} : { schema: options.schema }),
      });
    } catch (err) {
      throw new Error(describeOpenError(err, options.url));
    }
    try {
      const client = await pool.connect();
      try {
        return { pool, versions: await migrate(client, options.schema, now) };
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end().catch(() => {});
      throw new Error(describeOpenError(err, options.url));
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async findConflicts(accountId: string, events: readonly CanonicalEvent[]): Promise<number[]> {
    return (await this.classify(this.pool, accountId, events)).conflicts;
  }

  async ingest(accountId: string, events: readonly CanonicalEvent[]): Promise<IngestOutcome> {
    const months = new Set(events.map((e) => monthOf(e.event.time)));
    for (let attempt = 1; ; attempt++) {
      await this.partitions.ensure(months);
      try {
        const outcome = await this.ingestInTransaction(accountId, events);
        await this.statistics.noteStored(outcome.accepted);
        return outcome;
      } catch (err) {
        // Retention in another process dropped a month this process had seen: create it again.
        if (!isMissingPartition(err) || attempt === 3) throw err;
        this.partitions.forget();
      }
    }
  }

  private async ingestInTransaction(accountId: string, events: readonly CanonicalEvent[]): Promise<IngestOutcome> {
    return this.inAccountTransaction(accountId, async (db): Promise<IngestOutcome> => {
      await stageEvents(db, events);
      const current = (await this.ensureAccount(db, accountId)).version;
      // The account's lock is held (and retention, which bumps versions without it, waits for
      // the partition lock): the next version is current + 1 if this batch stores anything.
      await db.query('SAVEPOINT wfm_store_events');
      const stored = await storeStaged(db, accountId, current + 1, events.length);
      if (stored.size < events.length) {
        const held = events.filter((e) => !stored.has(e.event.id)).map((e) => e.event.id);
        const conflicts = await stagedConflicts(db, accountId, held);
        if (conflicts.length > 0) {
          await db.query('ROLLBACK TO SAVEPOINT wfm_store_events');
          return { accepted: 0, duplicates: 0, conflicts, version: current };
        }
      }
      await db.query('RELEASE SAVEPOINT wfm_store_events');
      if (stored.size === 0) return { accepted: 0, duplicates: events.length, conflicts: [], version: current };
      const freshEvents = events.filter((e) => stored.has(e.event.id)).map((e) => e.event);
      // NHT hours from the batch's earliest event on may change (the machines are causal).
      const version = await this.bumpVersion(
        db,
        accountId,
        freshEvents.reduce((min, e) => Math.min(min, e.time), Number.POSITIVE_INFINITY),
      );
      const duplicates = events.length - stored.size;
      const changes = await this.deriveAgents(db, accountId, groupByAgent(freshEvents), version);
      if (changes.fromBlank)
        await db.query('UPDATE account_versions SET nht_from = NULL WHERE account_id = $1 AND version = $2', [accountId, version]);
      const { idleTimeoutMillis } = await this.readSettings(db, accountId);
      await this.handleTime.deriveAfter(db, accountId, freshEvents, changes.conversations, changes.pairs, version, idleTimeoutMillis);
      if (version % COLLECT_EVERY === 0) await this.collectHistory(db, accountId, version);
      return { accepted: freshEvents.length, duplicates, conflicts: [], version };
    });
  }

  async accountVersion(accountId: string): Promise<AccountVersion> {
    const res = await this.pool.query('SELECT version, snapshot_floor FROM accounts WHERE account_id = $1', [accountId]);
    const row = res.rows[0] as { version: number; snapshot_floor: number } | undefined;
    return row ? { version: row.version, floor: row.snapshot_floor } : { version: 0, floor: 0 };
  }

  async statusChanges(
    accountId: string,
    version: number,
    window: TimeWindow,
    filter: ActivityFilter,
    page: PageRequest,
  ): Promise<Page<ActivityRecord>> {
    const { where, params } = activityWhere(accountId, version, window, filter);
    const n = params.length;
    const [count, rows] = await Promise.all([
      page.knownCount ?? this.count(`SELECT count(*) AS n FROM activity_records WHERE ${where}`, params),
      this.pool.query<unknown[]>({
        text: `SELECT ${ACTIVITY_SELECT} FROM activity_records WHERE ${where}
         ORDER BY time, agent_id, session_id, sequence_number, event_id, row_id LIMIT $${n + 1} OFFSET $${n + 2}`,
        values: [...params, page.limit, page.offset],
        rowMode: 'array',
      }),
    ]);
    return { count, items: rows.rows.map(activityFromBytes) };
  }

  async statusChangesByAgent(
    accountId: string,
    version: number,
    window: TimeWindow,
    filter: ActivityFilter,
    page: PageRequest,
  ): Promise<Page<AgentActivityGroup>> {
    const { where, params } = activityWhere(accountId, version, window, filter);
    const n = params.length;
    const [count, agentRows] = await Promise.all([
      page.knownCount ?? this.count(`SELECT count(DISTINCT agent_id) AS n FROM activity_records WHERE ${where}`, params),
      this.pool.query(`SELECT DISTINCT agent_id FROM activity_records WHERE ${where} ORDER BY agent_id LIMIT $${n + 1} OFFSET $${n + 2}`, [
        ...params,
        page.limit,
        page.offset,
      ]),
    ]);
    const agentIds = agentRows.rows.map((r) => r.agent_id as number);
    if (agentIds.length === 0) return { count, items: [] };
    const rows = await this.pool.query<unknown[]>({
      text: `SELECT ${ACTIVITY_SELECT} FROM activity_records WHERE ${where} AND agent_id = ANY($${n + 1}::bigint[])
       ORDER BY agent_id, time, session_id, sequence_number, event_id, row_id`,
      values: [...params, agentIds],
      rowMode: 'array',
    });
    const groups = new Map<number, ActivityRecord[]>(agentIds.map((id) => [id, []]));
    for (const row of rows.rows) groups.get(row[0] as number)?.push(activityFromBytes(row));
    return { count, items: agentIds.map((agentId) => ({ agentId, records: groups.get(agentId) ?? [] })) };
  }

  async dataQuality(accountId: string, version: number, window: TimeWindow, page: PageRequest): Promise<Page<DataQualityItem>> {
    const params = [accountId, version, window.from, window.to];
    const where = `account_id = $1 AND time >= $3 AND time < $4 AND ${VISIBLE('$2')}`;
    const [count, rows] = await Promise.all([
      this.count(`SELECT count(*) AS n FROM data_quality WHERE ${where}`, params),
      this.pool.query(
        `SELECT time, event_id, kind, agent_id, conversation_id FROM data_quality WHERE ${where}
         ORDER BY time, event_id, kind, row_id LIMIT $5 OFFSET $6`,
        [...params, page.limit, page.offset],
      ),
    ]);
    return { count, items: rows.rows.map(rowToIssue) };
  }

  async settings(accountId: string): Promise<AccountSettings> {
    return this.readSettings(this.pool, accountId);
  }

  async updateSettings(accountId: string, changes: Partial<AccountSettings>): Promise<AccountSettings> {
    return this.inAccountTransaction(accountId, async (db): Promise<AccountSettings> => {
      const before = await this.readSettings(db, accountId);
      const after = { ...before, ...changes };
      await this.ensureAccount(db, accountId);
      const version = await this.bumpVersion(db, accountId);
      // Every snapshot taken before the switch expires (spec/events.md "Account settings").
      await db.query('UPDATE accounts SET default_max_slots = $2, idle_timeout_ms = $3, snapshot_floor = $4 WHERE account_id = $1', [
        accountId,
        after.defaultMaxSlots,
        after.idleTimeoutMillis,
        version,
      ]);
      if (after.idleTimeoutMillis !== before.idleTimeoutMillis) {
        await this.handleTime.derivePairs(db, accountId, await this.handleTime.allPairs(db, accountId), version, after.idleTimeoutMillis);
      }
      return after;
    });
  }

  async segments(accountId: string, version: number, query: SegmentQuery): Promise<Page<SegmentSummary>> {
    const { where, params } = segmentWhere(accountId, version, query);
    const n = params.length;
    const direction = query.sort.descending ? 'DESC' : 'ASC';
    const [count, rows] = await Promise.all([
      query.page.knownCount ?? this.count(`SELECT count(*) AS n FROM segments WHERE ${where}`, params),
      this.pool.query<unknown[]>({
        text: `SELECT ${SEGMENT_SUMMARY_SELECT} FROM segments WHERE ${where}
         ORDER BY ${SEGMENT_SORT_COLUMNS[query.sort.field]} ${direction}, segment_id ASC, row_id LIMIT $${n + 1} OFFSET $${n + 2}`,
        values: [...params, query.page.limit, query.page.offset],
        rowMode: 'array',
      }),
    ]);
    return { count, items: rows.rows.map(segmentSummaryFromValues) };
  }

  async segment(accountId: string, version: number, segmentId: string): Promise<SegmentHandleTime | undefined> {
    const [found] = await this.tables.segments.visible(
      this.pool,
      'account_id = $1 AND segment_id = $2',
      [accountId, segmentId],
      version,
      'ORDER BY row_id LIMIT 1',
    );
    return found;
  }

  async *segmentsEndingIn(accountId: string, version: number, window: TimeWindow): AsyncIterable<SegmentHandleTime> {
    // Keyset pages keep memory constant however many segments the window holds.
    const sql = `SELECT * FROM segments WHERE account_id = $1 AND ${VISIBLE('$2')}
         AND ((end_time = $3 AND segment_id > $4) OR (end_time > $3 AND end_time < $5))
       ORDER BY end_time, segment_id LIMIT 500`;
    // end_time = from with segment_id > '' covers the window's first millisecond.
    let after: [number, string] = [window.from, ''];
    for (;;) {
      const rows = (await this.pool.query(sql, [accountId, version, ...after, window.to])).rows;
      for (const row of rows) yield rowToSegment(row);
      const last = rows[rows.length - 1];
      if (!last || rows.length < 500) return;
      after = [last.end_time as number, last.segment_id as string];
    }
  }

  async nhtFacts(accountId: string, version: number, window: TimeWindow): Promise<NhtFacts> {
    return readNhtFacts(this.pool, this.tables, accountId, version, window);
  }

  async cachedNhtHours(accountId: string, version: number, hourStarts: readonly number[]): Promise<Map<number, NhtHour>> {
    return cachedNhtHours(this.pool, accountId, version, hourStarts);
  }

  async cacheNhtHours(accountId: string, version: number, hours: readonly NhtHour[]): Promise<void> {
    await saveNhtHours(this.pool, accountId, version, hours);
  }

  async *exportEvents(accountId: string): AsyncIterable<string> {
    // A cursor in a read-only snapshot: constant memory, and writers are not blocked.
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(
        'DECLARE export_events NO SCROLL CURSOR FOR SELECT body FROM events WHERE account_id = $1 ORDER BY time, rank, event_id',
        [accountId],
      );
      for (;;) {
        const { rows } = await client.query(`FETCH ${EXPORT_FETCH} FROM export_events`);
        for (const row of rows) yield row.body as string;
        if (rows.length < EXPORT_FETCH) break;
      }
    } catch (err) {
      broken = err as Error;
      throw err;
    } finally {
      try {
        await client.query('ROLLBACK');
      } catch (err) {
        broken ??= err as Error;
      }
      client.release(broken);
    }
  }

  async accountsWithEvents(): Promise<string[]> {
    const res = await this.pool.query('SELECT DISTINCT account_id FROM event_ids ORDER BY account_id');
    return res.rows.map((r) => r.account_id as string);
  }

  async retention(cutoffMs: number, accountId?: string): Promise<RetentionOutcome> {
    const before = retentionBoundary(cutoffMs);
    try {
      if (accountId !== undefined) {
        return await this.inAccountTransaction(accountId, async (db) => {
          const events = await deleteLedger(db, before, accountId);
          await deletePartitionedRows(db, accountId, before);
          await deleteAgedSpans(db, before, accountId);
          return { before, accounts: await this.expireSnapshots(db, events), partitions: [] };
        });
      }
      return await this.inTransaction(async (db) => {
        // Exclusive: no write is running (each holds it shared), none starts, no partition is created.
        await lockPartitions(db);
        const partitions = await agedPartitions(db, before);
        // Readers finish first; table locks in the writers' order, like every statement that reads several.
        if (partitions.length > 0) await db.query(`LOCK TABLE ${LOCK_ORDER.join(', ')} IN ACCESS EXCLUSIVE MODE`);
        const events = await deleteLedger(db, before);
        for (const name of partitions) await db.query(`DROP TABLE IF EXISTS ${name}`);
        await deleteAgedSpans(db, before);
        return { before, accounts: await this.expireSnapshots(db, events), partitions };
      });
    } finally {
      this.partitions.forget();
    }
  }

  async rebuild(accountId: string): Promise<void> {
    await this.inAccountTransaction(accountId, async (db) => {
      await this.ensureAccount(db, accountId);
      const version = await this.bumpVersion(db, accountId);
      const agents = (
        await db.query('SELECT DISTINCT agent_id FROM events WHERE account_id = $1 AND agent_id IS NOT NULL', [accountId])
      ).rows.map((r) => r.agent_id as number);
      for (const part of chunks(agents, AGENT_CHUNK)) await this.deriveAgentChunk(db, accountId, new Map(), part, version);
      const { idleTimeoutMillis } = await this.readSettings(db, accountId);
      await this.handleTime.derivePairs(db, accountId, await this.handleTime.allPairs(db, accountId), version, idleTimeoutMillis);
    });
  }

  async createClient(client: ApiClient): Promise<void> {
    await this.pool.query('INSERT INTO clients (client_id, account_id, secret_hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5)', [
      client.clientId,
      client.accountId,
      client.secretHash,
      client.scopes.join(','),
      client.createdAt,
    ]);
  }

  async findClient(clientId: string): Promise<ApiClient | undefined> {
    const res = await this.pool.query('SELECT client_id, account_id, secret_hash, scopes, created_at FROM clients WHERE client_id = $1', [
      clientId,
    ]);
    const row = res.rows[0] as
      | { client_id: string; account_id: string; secret_hash: string; scopes: string; created_at: number }
      | undefined;
    if (!row) return undefined;
    return {
      clientId: row.client_id,
      accountId: row.account_id,
      secretHash: row.secret_hash,
      scopes: row.scopes.split(',').filter(Boolean),
      createdAt: row.created_at,
    };
  }

  async sharedSecret(name: string, generate: () => string): Promise<string> {
    await this.pool.query('INSERT INTO shared_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, generate()]);
    const res = await this.pool.query('SELECT value FROM shared_secrets WHERE name = $1', [name]);
    return res.rows[0]?.value as string;
  }

  /**
   * Runs `fn` in one transaction holding the account's advisory lock: writes of one account
   * are serialised across every process on the database; other accounts proceed in parallel.
   * It also holds the partition lock shared: no partition is created or dropped meanwhile.
   */
  private async inAccountTransaction<T>(accountId: string, fn: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.inTransaction(async (client) => {
      // The account's lock, then the partition lock shared (retention and partition creation take it exclusively).
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1)), ${SHARED_PARTITION_LOCK}`, [accountId]);
      return fn(client);
    });
  }

  /**
   * Runs `fn` in one READ COMMITTED transaction on one connection (READ COMMITTED whatever the
   * database default: under a lock each statement sees every earlier commit).
   */
  private async inTransaction<T>(fn: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = err as Error;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /**
   * After retention removed data of these accounts: a new version for each, below which every
   * snapshot has expired (a snapshot may have covered the removed data), so the history rows
   * only those snapshots could read are collected at once.
   */
  private async expireSnapshots(db: Queryable, removed: Map<string, number>): Promise<RetentionOutcome['accounts']> {
    const out: RetentionOutcome['accounts'] = [];
    for (const [accountId, events] of removed) {
      await this.ensureAccount(db, accountId);
      const floor = await this.bumpVersion(db, accountId);
      await db.query('UPDATE accounts SET snapshot_floor = $2 WHERE account_id = $1', [accountId, floor]);
      for (const table of Object.values(this.tables)) await table.collect(db, accountId, floor);
      await db.query('DELETE FROM account_versions WHERE account_id = $1 AND version < $2', [accountId, floor]);
      out.push({ accountId, events, floor });
    }
    return out;
  }

  private async count(sql: string, params: readonly unknown[]): Promise<number> {
    const res = await this.pool.query(sql, [...params]);
    return res.rows[0]?.n as number;
  }

  /** Positions of events whose id the ledger holds with another content hash (a read: nothing is staged). */
  private async classify(db: Queryable, accountId: string, events: readonly CanonicalEvent[]) {
    const stored = new Map<string, Buffer>();
    for (const part of chunks(events, EVENT_CHUNK)) {
      const res = await db.query('SELECT event_id, hash FROM event_ids WHERE account_id = $1 AND event_id = ANY($2::text[])', [
        accountId,
        part.map((e) => e.event.id),
      ]);
      for (const r of res.rows) stored.set(r.event_id as string, r.hash as Buffer);
    }
    const conflicts: number[] = [];
    events.forEach((item, index) => {
      const hash = stored.get(item.event.id);
      if (hash !== undefined && !hash.equals(hashOf(item.canonical))) conflicts.push(index);
    });
    return { conflicts };
  }

  private async ensureAccount(db: Queryable, accountId: string): Promise<{ version: number }> {
    await db.query('INSERT INTO accounts (account_id) VALUES ($1) ON CONFLICT (account_id) DO NOTHING', [accountId]);
    const res = await db.query('SELECT version FROM accounts WHERE account_id = $1', [accountId]);
    return { version: res.rows[0]?.version as number };
  }

  private async readSettings(db: Queryable, accountId: string): Promise<AccountSettings> {
    const res = await db.query('SELECT default_max_slots, idle_timeout_ms FROM accounts WHERE account_id = $1', [accountId]);
    const row = res.rows[0] as { default_max_slots: number; idle_timeout_ms: number } | undefined;
    return row ? { defaultMaxSlots: row.default_max_slots, idleTimeoutMillis: row.idle_timeout_ms } : { ...DEFAULT_SETTINGS };
  }

  /**
   * The account's next version, recorded with its commit time and `nhtFrom`, the earliest instant
   * whose NHT inputs it may change (null = any; store/nht-hour-cache.ts). The account row exists.
   */
  private async bumpVersion(db: Queryable, accountId: string, nhtFrom: number | null = null): Promise<number> {
    const res = await db.query(
      `WITH bumped AS (UPDATE accounts SET version = version + 1 WHERE account_id = $1 RETURNING version)
       INSERT INTO account_versions (account_id, version, committed_at, nht_from) SELECT $1, version, $2, $3 FROM bumped RETURNING version`,
      [accountId, this.now(), nhtFrom],
    );
    return res.rows[0]?.version as number;
  }

  /**
   * Applies new events per agent: continue both machines from the saved state, or replay from a
   * checkpoint when an event is late. Says what changed that handle time depends on.
   */
  private async deriveAgents(db: Queryable, accountId: string, groups: Map<number, WfmEvent[]>, version: number): Promise<AgentChanges> {
    const changes: AgentChanges = { conversations: new Set(), pairs: [], fromBlank: false };
    for (const part of chunks([...groups.keys()], AGENT_CHUNK)) {
      const chunk = await this.deriveAgentChunk(db, accountId, groups, part, version);
      for (const c of chunk.conversations) changes.conversations.add(c);
      changes.pairs.push(...chunk.pairs);
      changes.fromBlank ||= chunk.fromBlank;
    }
    return changes;
  }

  /**
   * Derives a chunk of agents with a few statements per table: agents whose new events all
   * come after their saved state continue from it; the others are replayed over a window of
   * their history (every agent absent from `groups`, as in a rebuild, over all of it),
   * superseding only what changed.
   */
  private async deriveAgentChunk(
    db: Queryable,
    accountId: string,
    groups: Map<number, WfmEvent[]>,
    agentIds: readonly number[],
    version: number,
  ): Promise<AgentChanges> {
    const saved = await this.agentStates(
      db,
      accountId,
      agentIds.filter((a) => groups.has(a)),
    );
    const replays: Array<{ agentId: number; fresh: WfmEvent[] | undefined }> = [];
    const w = {
      activity: { insert: [] as ActivityRecord[], windows: [] as Array<AgentWindowScope<ActivityRecord>> },
      issues: { insert: [] as DataQualityItem[], windows: [] as Array<AgentWindowScope<DataQualityItem>> },
      sessions: { bySession: [] as Array<Scope<SessionRow>>, windows: [] as Array<AgentWindowScope<SessionRow>> },
      segments: { bySegment: [] as Array<Scope<WorkloadSegmentRow>>, windows: [] as Array<AgentWindowScope<WorkloadSegmentRow>> },
      messages: { insert: [] as WorkloadMessageRow[], windows: [] as Array<AgentWindowScope<WorkloadMessageRow>> },
      profile: { insert: [] as WorkloadProfileRow[], windows: [] as Array<AgentWindowScope<WorkloadProfileRow>> },
      states: [] as Array<[number, AgentMachineState]>,
      checkpoints: [] as Array<[number, AgentCheckpoint]>,
      clearedCheckpoints: [] as Array<{ agentId: number; from: number; to: number }>,
    };

    for (const agentId of agentIds) {
      const events = groups.get(agentId);
      const state = saved.get(agentId) ?? initialAgentMachineState();
      if (events !== undefined) events.sort(compareEvents);
      if (events === undefined || !canContinue(state.activity, events)) {
        replays.push({ agentId, fresh: events });
        continue;
      }
      const machines = new AgentMachines(accountId, agentId, state);
      machines.feed(events);
      w.activity.insert.push(...machines.records);
      w.issues.insert.push(...machines.issues);
      // Sessions and segments that were open may have closed: each replaces its own row.
      for (const s of machines.sessions) w.sessions.bySession.push({ key: [agentId, s.sessionId, s.start], next: [{ agentId, ...s }] });
      for (const s of machines.segments) w.segments.bySegment.push({ key: [agentId, s.segmentId], next: [s] });
      w.messages.insert.push(...machines.countedMessages);
      w.profile.insert.push(...machines.profileWrites.map((p) => ({ agentId, ...p })));
      for (const c of machines.checkpoints) w.checkpoints.push([agentId, c]);
      w.states.push([agentId, machines.current]);
    }

    const windows: Array<{ replay: AgentReplay; window: AgentWindow }> = [];
    for (const replay of await this.replayWindows(db, accountId, replays)) {
      const { agentId, from, to, machines } = replay;
      const window = agentWindow(machines, agentId, replay.start, from, to);
      windows.push({ replay, window });
      const scope = { agentId, from, to, spanFrom: window.spanFrom };
      w.activity.windows.push({ ...scope, next: window.records });
      w.issues.windows.push({ ...scope, next: window.issues });
      w.sessions.windows.push({ ...scope, next: window.sessions });
      w.segments.windows.push({ ...scope, next: window.segments });
      w.messages.windows.push({ ...scope, next: window.messages });
      w.profile.windows.push({ ...scope, next: window.profile });
      w.clearedCheckpoints.push({ agentId, from, to });
      for (const c of machines.checkpoints) if (c.time > from && c.time < to) w.checkpoints.push([agentId, c]);
      // A window that ends at a checkpoint ends in the stored state: the saved end state stands.
      if (to === NO_END) w.states.push([agentId, machines.current]);
    }

    const t = this.tables;
    await t.activity.insert(db, accountId, w.activity.insert, version);
    await t.activity.replaceWindows(db, accountId, 'time', undefined, w.activity.windows, version);
    await t.issues.insert(db, accountId, w.issues.insert, version);
    const issues = await t.issues.replaceWindows(db, accountId, 'time', undefined, w.issues.windows, version);
    await t.sessions.replace(db, accountId, ['agent_id', 'session_id', 'start_time'], w.sessions.bySession, version);
    await t.sessions.replaceWindows(db, accountId, 'end_time', 'start_time', w.sessions.windows, version);
    await t.workloadSegments.replace(db, accountId, ['agent_id', 'segment_id'], w.segments.bySegment, version);
    await t.workloadSegments.replaceWindows(db, accountId, 'end_time', 'start_time', w.segments.windows, version);
    await t.messages.insert(db, accountId, w.messages.insert, version);
    await t.messages.replaceWindows(db, accountId, 'time', undefined, w.messages.windows, version);
    await t.profile.insert(db, accountId, w.profile.insert, version);
    await t.profile.replaceWindows(db, accountId, 'time', undefined, w.profile.windows, version);
    await this.saveCheckpoints(db, accountId, w.clearedCheckpoints, w.checkpoints);
    await this.saveAgentStates(db, accountId, w.states);

    const changes: AgentChanges = {
      conversations: new Set(),
      pairs: [],
      fromBlank: windows.some(({ replay }) => replay.fresh !== undefined && replay.from === NO_START),
    };
    const changedIssues = new Map<number, DataQualityItem[]>();
    for (const i of [...issues.superseded, ...issues.inserted]) {
      if (i.conversationId !== undefined) changes.conversations.add(i.conversationId);
      if (i.agentId === undefined) continue;
      const list = changedIssues.get(i.agentId);
      if (list) list.push(i);
      else changedIssues.set(i.agentId, [i]);
    }
    for (const { replay, window } of windows) {
      if (replay.fresh === undefined) continue;
      const agentId = replay.agentId;
      for (const conversationId of handleTimeConversations(window, replay.fresh, changedIssues.get(agentId) ?? [])) {
        changes.pairs.push({ agentId, conversationId });
      }
    }
    return changes;
  }

  /**
   * Replays agents over windows of their history. With late events, an agent's window starts at
   * its latest checkpoint at or before the earliest of them and ends at the first later
   * checkpoint where the machines are back in the state stored there (from there on every output
   * is as stored); without, as in a rebuild, it is the whole history. The agents advance
   * together, a few statements per round, one round per checkpoint passed.
   */
  private async replayWindows(
    db: Queryable,
    accountId: string,
    agents: ReadonlyArray<{ agentId: number; fresh: WfmEvent[] | undefined }>,
  ): Promise<AgentReplay[]> {
    if (agents.length === 0) return [];
    const restarts = await this.checkpointsNear(
      db,
      accountId,
      'at or before',
      agents.flatMap((a) => (a.fresh?.[0] ? [[a.agentId, a.fresh[0].time] as const] : [])),
    );
    const replays = agents.map((a): AgentReplay & { cursor: number } => {
      const restart = restarts.get(a.agentId);
      const start = restart?.state ?? initialAgentMachineState();
      const from = restart?.time ?? NO_START;
      return { ...a, start, machines: new AgentMachines(accountId, a.agentId, start), from, to: NO_END, cursor: from };
    });
    for (let running = replays; running.length > 0; ) {
      const targets = await this.checkpointsNear(
        db,
        accountId,
        'after',
        running.flatMap((r) => {
          const last = r.fresh?.[r.fresh.length - 1];
          return last ? [[r.agentId, Math.max(r.cursor, last.time)] as const] : [];
        }),
      );
      const events = await this.agentEventsBetween(
        db,
        accountId,
        running.map((r) => ({ agentId: r.agentId, from: r.cursor, to: targets.get(r.agentId)?.time ?? NO_END })),
      );
      const next: typeof running = [];
      for (const r of running) {
        r.machines.feed(events.get(r.agentId) ?? []);
        const target = targets.get(r.agentId);
        if (!target) continue;
        if (sameMachineState(r.machines.current, target.state)) r.to = target.time;
        else {
          r.cursor = target.time;
          next.push(r);
        }
      }
      running = next;
    }
    return replays;
  }

  private async agentStates(db: Queryable, accountId: string, agentIds: readonly number[]): Promise<Map<number, AgentMachineState>> {
    const out = new Map<number, AgentMachineState>();
    if (agentIds.length === 0) return out;
    const res = await db.query('SELECT agent_id, state FROM agent_state WHERE account_id = $1 AND agent_id = ANY($2::bigint[])', [
      accountId,
      agentIds,
    ]);
    for (const r of res.rows) out.set(r.agent_id as number, JSON.parse(r.state as string) as AgentMachineState);
    return out;
  }

  /** Per agent, its latest checkpoint at or before the time given, or its first one after it. */
  private async checkpointsNear(
    db: Queryable,
    accountId: string,
    where: 'at or before' | 'after',
    agents: ReadonlyArray<readonly [number, number]>,
  ): Promise<Map<number, AgentCheckpoint>> {
    const out = new Map<number, AgentCheckpoint>();
    if (agents.length === 0) return out;
    const [compare, order] = where === 'after' ? ['>', 'ASC'] : ['<=', 'DESC'];
    const res = await db.query(
      `SELECT u.agent_id, c.time, c.state FROM unnest($2::bigint[], $3::bigint[]) AS u(agent_id, at)
       CROSS JOIN LATERAL (
         SELECT time, state FROM agent_checkpoints
          WHERE account_id = $1 AND agent_id = u.agent_id AND time ${compare} u.at ORDER BY time ${order} LIMIT 1) c`,
      [accountId, agents.map(([a]) => a), agents.map(([, at]) => at)],
    );
    for (const r of res.rows) out.set(r.agent_id as number, { time: r.time as number, state: JSON.parse(r.state as string) });
    return out;
  }

  /** Each agent's events in its [from, to), in the total order. */
  private async agentEventsBetween(
    db: Queryable,
    accountId: string,
    spans: ReadonlyArray<{ agentId: number; from: number; to: number }>,
  ): Promise<Map<number, WfmEvent[]>> {
    // Bounds over all spans as constants, so only the partitions they cover are read.
    let [lo, hi] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (const s of spans) [lo, hi] = [Math.min(lo, s.from), Math.max(hi, s.to)];
    const res = await db.query(
      `SELECT e.agent_id, e.body FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS u(agent_id, lo, hi)
         JOIN events e ON e.account_id = $1 AND e.agent_id = u.agent_id AND e.time >= u.lo AND e.time < u.hi
        WHERE e.time >= $5 AND e.time < $6
        ORDER BY e.agent_id, e.time, e.rank, e.event_id`,
      [accountId, spans.map((s) => s.agentId), spans.map((s) => s.from), spans.map((s) => s.to), lo, hi],
    );
    const out = new Map<number, WfmEvent[]>();
    for (const r of res.rows) {
      const list = out.get(r.agent_id as number);
      const e = JSON.parse(r.body as string) as WfmEvent;
      if (list) list.push(e);
      else out.set(r.agent_id as number, [e]);
    }
    return out;
  }

  /** Drops each window's checkpoints strictly inside it, then writes the new ones. */
  private async saveCheckpoints(
    db: Queryable,
    accountId: string,
    cleared: ReadonlyArray<{ agentId: number; from: number; to: number }>,
    checkpoints: ReadonlyArray<[number, AgentCheckpoint]>,
  ): Promise<void> {
    if (cleared.length > 0) {
      await db.query(
        `DELETE FROM agent_checkpoints c USING unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS u(agent_id, lo, hi)
          WHERE c.account_id = $1 AND c.agent_id = u.agent_id AND c.time > u.lo AND c.time < u.hi`,
        [accountId, cleared.map((c) => c.agentId), cleared.map((c) => c.from), cleared.map((c) => c.to)],
      );
    }
    for (const part of chunks(checkpoints, 5000)) {
      await db.query(
        `INSERT INTO agent_checkpoints (account_id, agent_id, time, state) SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::text[])
         ON CONFLICT (account_id, agent_id, time) DO UPDATE SET state = excluded.state`,
        [accountId, part.map(([a]) => a), part.map(([, c]) => c.time), part.map(([, c]) => JSON.stringify(c.state))],
      );
    }
  }

  private async saveAgentStates(db: Queryable, accountId: string, states: ReadonlyArray<[number, AgentMachineState]>): Promise<void> {
    if (states.length === 0) return;
    await db.query(
      `INSERT INTO agent_state (account_id, agent_id, state) SELECT $1, * FROM unnest($2::bigint[], $3::text[])
       ON CONFLICT (account_id, agent_id) DO UPDATE SET state = excluded.state`,
      [accountId, states.map(([a]) => a), states.map(([, s]) => JSON.stringify(s))],
    );
  }

  /** Drops superseded rows no unexpired snapshot can see (see spec/api.md: snapshots live ≥ the TTL). */
  private async collectHistory(db: Queryable, accountId: string, current: number): Promise<void> {
    const res = await db.query('SELECT max(version) AS v FROM account_versions WHERE account_id = $1 AND committed_at <= $2', [
      accountId,
      this.now() - this.snapshotTtlMs,
    ]);
    const cutoff = res.rows[0]?.v as number | null | undefined;
    if (cutoff === null || cutoff === undefined) return;
    for (const table of Object.values(this.tables)) await table.collect(db, accountId, cutoff);
    await collectNhtHours(db, accountId, cutoff, current);
    await db.query('DELETE FROM account_versions WHERE account_id = $1 AND version < $2', [accountId, cutoff]);
  }
}

/** An activity record from a row of ACTIVITY_SELECT: its free text arrives as UTF-8 bytes. */
function activityFromBytes(row: unknown[]): ActivityRecord {
  for (const i of ACTIVITY_FREE_TEXT) if (row[i] !== null) row[i] = (row[i] as Buffer).toString('utf8');
  return activityFromValues(row);
}

function activityWhere(accountId: string, version: number, window: TimeWindow, filter: ActivityFilter) {
  const params: unknown[] = [accountId, version, window.from, window.to];
  let where = `account_id = $1 AND time >= $3 AND time < $4 AND ${VISIBLE('$2')}`;
  const column = { agentId: 'agent_id', employeeId: 'employee_id', groupId: 'group_id' } as const;
  if (filter.kind !== 'none') {
    params.push(filter.value);
    where += ` AND ${column[filter.kind]} = $${params.length}`;
  }
  return { where, params };
}

function segmentWhere(accountId: string, version: number, query: SegmentQuery) {
  const params: unknown[] = [accountId, version, query.window.from, query.window.to];
  let where = `account_id = $1 AND end_time >= $3 AND end_time < $4 AND ${VISIBLE('$2')}`;
  const f = query.filters;
  const filters: Array<[unknown, string]> = [
    [f.conversationId, 'conversation_id'],
    [f.agentId, 'agent_id'],
    [f.employeeId, 'employee_id'],
    [f.skillId, 'skill_id'],
    [f.groupId, 'group_id'],
  ];
  for (const [value, column] of filters) {
    if (value === undefined) continue;
    params.push(value);
    where += ` AND ${column} = $${params.length}`;
  }
  return { where, params };
}

function groupByAgent(events: WfmEvent[]): Map<number, WfmEvent[]> {
  const groups = new Map<number, WfmEvent[]>();
  for (const e of events) {
    const agentId = agentOf(e);
    if (agentId === undefined) continue;
    const list = groups.get(agentId);
    if (list) list.push(e);
    else groups.set(agentId, [e]);
  }
  return groups;
}
