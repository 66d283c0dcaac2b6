import type pg from 'pg';
import type { AgentActivityState } from '../../domain/activity.js';
import { advanceAgentActivity, canContinue, initialAgentActivityState } from '../../domain/activity.js';
import type { AgentWorkloadState } from '../../domain/agent-workload.js';
import { advanceAgentWorkload, initialAgentWorkloadState } from '../../domain/agent-workload.js';
import type { SegmentHandleTime } from '../../domain/aht.js';
import type { WfmEvent } from '../../domain/events.js';
import { agentOf, compareEvents } from '../../domain/events.js';
import type { NhtFacts } from '../../domain/nht.js';
import type { ActivityRecord, DataQualityItem } from '../../domain/records.js';
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
import { HandleTimeDeriver } from './handle-time.js';
import { migrate } from './migrations.js';
import { readNhtFacts } from './nht-facts.js';
import { isMissingPartition, LOCK_ORDER, lockPartitions, monthOf, PartitionMaintainer, SHARED_PARTITION_LOCK } from './partitions.js';
import { agedPartitions, deleteAgedSpans, deleteLedger, deletePartitionedRows } from './retention.js';
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
import { chunks, type Queryable, type Scope } from './versioned-table.js';

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

/** Both per-agent machines' states, saved so the next in-order batch continues from them. */
interface AgentState {
  activity: AgentActivityState;
  workload: AgentWorkloadState;
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

  private constructor(
    private readonly pool: pg.Pool,
    private readonly snapshotTtlMs: number,
    private readonly now: () => number,
  ) {
    this.partitions = new PartitionMaintainer(pool);
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
        return await this.ingestInTransaction(accountId, events);
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
      const stored = await storeStaged(db, accountId, current + 1);
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
      const version = await this.bumpVersion(db, accountId);
      const duplicates = events.length - stored.size;
      const changedConversations = await this.deriveAgents(db, accountId, groupByAgent(freshEvents), version);
      const { idleTimeoutMillis } = await this.readSettings(db, accountId);
      const pairs = await this.handleTime.affectedPairs(db, accountId, freshEvents, changedConversations);
      await this.handleTime.derivePairs(db, accountId, pairs, version, idleTimeoutMillis);
      if (version % COLLECT_EVERY === 0) await this.collectHistory(db, accountId);
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

  /** The account's next version, recorded with its commit time (the account row exists). */
  private async bumpVersion(db: Queryable, accountId: string): Promise<number> {
    const res = await db.query(
      `WITH bumped AS (UPDATE accounts SET version = version + 1 WHERE account_id = $1 RETURNING version)
       INSERT INTO account_versions (account_id, version, committed_at) SELECT $1, version, $2 FROM bumped RETURNING version`,
      [accountId, this.now()],
    );
    return res.rows[0]?.version as number;
  }

  /**
   * Applies new events per agent: continue both machines from the saved state, or replay the
   * agent's history when an event is late. Returns the conversations whose data-quality rows
   * changed (their handle time may depend on them).
   */
  private async deriveAgents(db: Queryable, accountId: string, groups: Map<number, WfmEvent[]>, version: number): Promise<Set<string>> {
    const changed = new Set<string>();
    for (const part of chunks([...groups.keys()], AGENT_CHUNK)) {
      for (const c of await this.deriveAgentChunk(db, accountId, groups, part, version)) changed.add(c);
    }
    return changed;
  }

  /**
   * Derives a chunk of agents with a few statements per table: agents whose new events all
   * come after their saved state continue from it; the others (and every agent absent from
   * `groups`, as in a rebuild) are replayed from all their events, superseding only what changed.
   */
  private async deriveAgentChunk(
    db: Queryable,
    accountId: string,
    groups: Map<number, WfmEvent[]>,
    agentIds: readonly number[],
    version: number,
  ): Promise<Set<string>> {
    const saved = await this.agentStates(
      db,
      accountId,
      agentIds.filter((a) => groups.has(a)),
    );
    const replays: number[] = [];
    const w = {
      activity: { insert: [] as ActivityRecord[], replace: [] as Array<Scope<ActivityRecord>> },
      issues: { insert: [] as DataQualityItem[], replace: [] as Array<Scope<DataQualityItem>> },
      sessions: { bySession: [] as Array<Scope<SessionRow>>, replace: [] as Array<Scope<SessionRow>> },
      segments: { bySegment: [] as Array<Scope<WorkloadSegmentRow>>, replace: [] as Array<Scope<WorkloadSegmentRow>> },
      messages: { insert: [] as WorkloadMessageRow[], replace: [] as Array<Scope<WorkloadMessageRow>> },
      profile: { insert: [] as WorkloadProfileRow[], replace: [] as Array<Scope<WorkloadProfileRow>> },
      states: [] as Array<[number, AgentState]>,
    };

    for (const agentId of agentIds) {
      const events = groups.get(agentId);
      const stored = saved.get(agentId);
      const state: AgentState = stored ?? { activity: initialAgentActivityState(), workload: initialAgentWorkloadState() };
      if (events === undefined) {
        replays.push(agentId);
        continue;
      }
      events.sort(compareEvents);
      if (!canContinue(state.activity, events)) {
        replays.push(agentId);
        continue;
      }
      const activity = advanceAgentActivity(accountId, agentId, state.activity, events);
      const workload = advanceAgentWorkload(agentId, state.workload, events);
      w.activity.insert.push(...activity.records);
      w.issues.insert.push(...activity.issues, ...workload.issues);
      // Sessions and segments that were open may have closed: each replaces its own row.
      for (const s of activity.sessions) w.sessions.bySession.push({ key: [agentId, s.sessionId, s.start], next: [{ agentId, ...s }] });
      for (const s of workload.segments) w.segments.bySegment.push({ key: [agentId, s.segmentId], next: [s] });
      w.messages.insert.push(...workload.countedMessages);
      w.profile.insert.push(...workload.profileWrites.map((p) => ({ agentId, ...p })));
      w.states.push([agentId, { activity: activity.state, workload: workload.state }]);
    }

    if (replays.length > 0) {
      const history = await this.agentEvents(db, accountId, replays);
      for (const agentId of replays) {
        const events = history.get(agentId) ?? [];
        const activity = advanceAgentActivity(accountId, agentId, initialAgentActivityState(), events);
        const workload = advanceAgentWorkload(agentId, initialAgentWorkloadState(), events);
        const key = [agentId];
        w.activity.replace.push({ key, next: activity.records });
        w.issues.replace.push({ key, next: [...activity.issues, ...workload.issues] });
        w.sessions.replace.push({ key, next: activity.sessions.map((s) => ({ agentId, ...s })) });
        w.segments.replace.push({ key, next: workload.segments });
        w.messages.replace.push({ key, next: workload.countedMessages });
        w.profile.replace.push({ key, next: workload.profileWrites.map((p) => ({ agentId, ...p })) });
        w.states.push([agentId, { activity: activity.state, workload: workload.state }]);
      }
    }

    const t = this.tables;
    await t.activity.insert(db, accountId, w.activity.insert, version);
    await t.activity.replace(db, accountId, ['agent_id'], w.activity.replace, version);
    await t.issues.insert(db, accountId, w.issues.insert, version);
    const issues = await t.issues.replace(db, accountId, ['agent_id'], w.issues.replace, version);
    await t.sessions.replace(db, accountId, ['agent_id', 'session_id', 'start_time'], w.sessions.bySession, version);
    await t.sessions.replace(db, accountId, ['agent_id'], w.sessions.replace, version);
    await t.workloadSegments.replace(db, accountId, ['agent_id', 'segment_id'], w.segments.bySegment, version);
    await t.workloadSegments.replace(db, accountId, ['agent_id'], w.segments.replace, version);
    await t.messages.insert(db, accountId, w.messages.insert, version);
    await t.messages.replace(db, accountId, ['agent_id'], w.messages.replace, version);
    await t.profile.insert(db, accountId, w.profile.insert, version);
    await t.profile.replace(db, accountId, ['agent_id'], w.profile.replace, version);
    await this.saveAgentStates(db, accountId, w.states);

    const changed = new Set<string>();
    for (const i of [...issues.superseded, ...issues.inserted]) if (i.conversationId !== undefined) changed.add(i.conversationId);
    return changed;
  }

  private async agentStates(db: Queryable, accountId: string, agentIds: readonly number[]): Promise<Map<number, AgentState>> {
    const out = new Map<number, AgentState>();
    if (agentIds.length === 0) return out;
    const res = await db.query('SELECT agent_id, state FROM agent_state WHERE account_id = $1 AND agent_id = ANY($2::bigint[])', [
      accountId,
      agentIds,
    ]);
    for (const r of res.rows) out.set(r.agent_id as number, JSON.parse(r.state as string) as AgentState);
    return out;
  }

  /** All events of the agents, each agent's in the total order. */
  private async agentEvents(db: Queryable, accountId: string, agentIds: readonly number[]): Promise<Map<number, WfmEvent[]>> {
    const res = await db.query(
      'SELECT agent_id, body FROM events WHERE account_id = $1 AND agent_id = ANY($2::bigint[]) ORDER BY agent_id, time, rank, event_id',
      [accountId, agentIds],
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

  private async saveAgentStates(db: Queryable, accountId: string, states: ReadonlyArray<[number, AgentState]>): Promise<void> {
    if (states.length === 0) return;
    await db.query(
      `INSERT INTO agent_state (account_id, agent_id, state) SELECT $1, * FROM unnest($2::bigint[], $3::text[])
       ON CONFLICT (account_id, agent_id) DO UPDATE SET state = excluded.state`,
      [accountId, states.map(([a]) => a), states.map(([, s]) => JSON.stringify(s))],
    );
  }

  /** Drops superseded rows no unexpired snapshot can see (see spec/api.md: snapshots live ≥ the TTL). */
  private async collectHistory(db: Queryable, accountId: string): Promise<void> {
    const res = await db.query('SELECT max(version) AS v FROM account_versions WHERE account_id = $1 AND committed_at <= $2', [
      accountId,
      this.now() - this.snapshotTtlMs,
    ]);
    const cutoff = res.rows[0]?.v as number | null | undefined;
    if (cutoff === null || cutoff === undefined) return;
    for (const table of Object.values(this.tables)) await table.collect(db, accountId, cutoff);
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
