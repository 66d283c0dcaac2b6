import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AgentActivityState } from '../../domain/activity.js';
import { advanceAgentActivity, canContinue, initialAgentActivityState } from '../../domain/activity.js';
import type { AgentWorkloadState } from '../../domain/agent-workload.js';
import { advanceAgentWorkload, initialAgentWorkloadState } from '../../domain/agent-workload.js';
import type { SegmentHandleTime } from '../../domain/aht.js';
import type { WfmEvent } from '../../domain/events.js';
import { agentOf, compareEvents, TYPE_RANK } from '../../domain/events.js';
import type { NhtFacts } from '../../domain/nht.js';
import type { ActivityRecord, DataQualityItem } from '../../domain/records.js';
import { retentionBoundary } from '../months.js';
import { ACTIVITY_READ_COLUMNS, activityFromValues, SEGMENT_SUMMARY_COLUMNS, segmentSummaryFromValues } from '../row-mappings.js';
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
import { HandleTimeDeriver } from './handle-time.js';
import { migrate } from './migrations.js';
import { readNhtFacts } from './nht-facts.js';
import { type DerivedTables, derivedTables, rowToIssue, rowToSegment } from './tables.js';

export interface SqliteStoreOptions {
  /** file path, or ':memory:' */
  file: string;
  /** how long a snapshot stays readable; superseded rows older than this are collected */
  snapshotTtlMs: number;
  now?: () => number;
}

/** Both per-agent machines' states, saved so the next in-order batch continues from them. */
interface AgentState {
  activity: AgentActivityState;
  workload: AgentWorkloadState;
}

const VISIBLE = 'valid_from <= @version AND (valid_to IS NULL OR valid_to > @version)';
const ACTIVITY_SELECT = ACTIVITY_READ_COLUMNS.join(', ');
const ACTIVITY_ORDER = 'time, agent_id, session_id, sequence_number, event_id';
const SEGMENT_SUMMARY_SELECT = SEGMENT_SUMMARY_COLUMNS.join(', ');
/** How many versions pass between collections of superseded rows. */
const COLLECT_EVERY = 64;
const SEGMENT_SORT_COLUMNS = {
  endTime: 'end_time',
  startTime: 'start_time',
  conversationId: 'conversation_id',
  agentId: 'agent_id',
  employeeId: 'employee_id',
  skillId: 'skill_id',
  groupId: 'group_id',
} as const;

/** The embedded store: one SQLite file in WAL mode, zero services needed. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly snapshotTtlMs: number;
  private readonly stmt: ReturnType<typeof prepareStatements>;
  private readonly tables: DerivedTables;
  private readonly handleTime: HandleTimeDeriver;

  constructor(options: SqliteStoreOptions) {
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL would lose the last transactions on power loss; an acknowledged batch must survive.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 10000');
    migrate(this.db);
    this.now = options.now ?? Date.now;
    this.snapshotTtlMs = options.snapshotTtlMs;
    this.stmt = prepareStatements(this.db);
    this.tables = derivedTables(this.db);
    this.handleTime = new HandleTimeDeriver(this.db, this.tables);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async findConflicts(accountId: string, events: readonly CanonicalEvent[]): Promise<number[]> {
    return this.classify(accountId, events).conflicts;
  }

  async ingest(accountId: string, events: readonly CanonicalEvent[]): Promise<IngestOutcome> {
    return this.db
      .transaction((): IngestOutcome => {
        const { fresh, duplicates, conflicts } = this.classify(accountId, events);
        const current = this.ensureAccount(accountId).version;
        if (conflicts.length > 0 || fresh.length === 0) {
          return { accepted: 0, duplicates: conflicts.length > 0 ? 0 : duplicates, conflicts, version: current };
        }
        const version = this.bumpVersion(accountId, current);
        for (const { event, canonical } of fresh) this.insertEvent(accountId, event, canonical, version);
        const freshEvents = fresh.map((f) => f.event);
        const changedConversations = new Set<string>();
        for (const [agentId, agentEvents] of groupByAgent(freshEvents)) {
          for (const c of this.deriveAgent(accountId, agentId, agentEvents, version)) changedConversations.add(c);
        }
        const { idleTimeoutMillis } = this.readSettings(accountId);
        for (const pair of this.handleTime.affectedPairs(accountId, freshEvents, changedConversations)) {
          this.handleTime.derivePair(accountId, pair, version, idleTimeoutMillis);
        }
        if (version % COLLECT_EVERY === 0) this.collectHistory(accountId);
        return { accepted: fresh.length, duplicates, conflicts: [], version };
      })
      .immediate();
  }

  async accountVersion(accountId: string): Promise<AccountVersion> {
    const row = this.stmt.getAccount.get(accountId) as { version: number; snapshot_floor: number } | undefined;
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
    const count = page.knownCount ?? (readStatement(this.db, `SELECT count(*) FROM activity_records WHERE ${where}`).get(params) as number);
    if (page.offset >= count) return { count, items: [] };
    const rows = jsonRows(
      this.db,
      `SELECT json_array(${ACTIVITY_SELECT}) FROM activity_records WHERE ${where} ORDER BY ${ACTIVITY_ORDER} LIMIT @limit OFFSET @offset`,
      { ...params, limit: page.limit, offset: page.offset },
    );
    return { count, items: rows.map(activityFromValues) };
  }

  async statusChangesByAgent(
    accountId: string,
    version: number,
    window: TimeWindow,
    filter: ActivityFilter,
    page: PageRequest,
  ): Promise<Page<AgentActivityGroup>> {
    const { where, params } = activityWhere(accountId, version, window, filter);
    const count =
      page.knownCount ??
      (readStatement(this.db, `SELECT count(DISTINCT agent_id) FROM activity_records WHERE ${where}`).get(params) as number);
    if (page.offset >= count) return { count, items: [] };
    const agentIds = readStatement(
      this.db,
      `SELECT DISTINCT agent_id FROM activity_records WHERE ${where} ORDER BY agent_id LIMIT @limit OFFSET @offset`,
    ).all({ ...params, limit: page.limit, offset: page.offset }) as number[];
    if (agentIds.length === 0) return { count, items: [] };
    const rows = jsonRows(
      this.db,
      `SELECT json_array(${ACTIVITY_SELECT}) FROM activity_records WHERE ${where}
         AND agent_id IN (SELECT value FROM json_each(@agents))
       ORDER BY agent_id, time, session_id, sequence_number, event_id`,
      { ...params, agents: JSON.stringify(agentIds) },
    );
    const groups = new Map<number, ActivityRecord[]>(agentIds.map((id) => [id, []]));
    for (const row of rows) groups.get(row[0] as number)?.push(activityFromValues(row));
    return { count, items: agentIds.map((agentId) => ({ agentId, records: groups.get(agentId) ?? [] })) };
  }

  async dataQuality(accountId: string, version: number, window: TimeWindow, page: PageRequest): Promise<Page<DataQualityItem>> {
    const params = { account: accountId, version, from: window.from, to: window.to };
    const where = `account_id = @account AND time >= @from AND time < @to AND ${VISIBLE}`;
    const count = (this.db.prepare(`SELECT count(*) AS n FROM data_quality WHERE ${where}`).get(params) as { n: number }).n;
    const rows = this.db
      .prepare(
        `SELECT time, event_id, kind, agent_id, conversation_id FROM data_quality WHERE ${where}
         ORDER BY time, event_id, kind LIMIT @limit OFFSET @offset`,
      )
      .all({ ...params, limit: page.limit, offset: page.offset }) as Array<Record<string, unknown>>;
    return { count, items: rows.map(rowToIssue) };
  }

  async settings(accountId: string): Promise<AccountSettings> {
    return this.readSettings(accountId);
  }

  async updateSettings(accountId: string, changes: Partial<AccountSettings>): Promise<AccountSettings> {
    return this.db
      .transaction((): AccountSettings => {
        const before = this.readSettings(accountId);
        const after = { ...before, ...changes };
        const version = this.bumpVersion(accountId, this.ensureAccount(accountId).version);
        this.stmt.setSettings.run(after.defaultMaxSlots, after.idleTimeoutMillis, accountId);
        // Every snapshot taken before the switch expires (spec/events.md "Account settings").
        this.stmt.setSnapshotFloor.run(version, accountId);
        if (after.idleTimeoutMillis !== before.idleTimeoutMillis) {
          for (const pair of this.handleTime.allPairs(accountId))
            this.handleTime.derivePair(accountId, pair, version, after.idleTimeoutMillis);
        }
        return after;
      })
      .immediate();
  }

  async segments(accountId: string, version: number, query: SegmentQuery): Promise<Page<SegmentSummary>> {
    const { where, params } = segmentWhere(accountId, version, query);
    const count = query.page.knownCount ?? (readStatement(this.db, `SELECT count(*) FROM segments WHERE ${where}`).get(params) as number);
    if (query.page.offset >= count) return { count, items: [] };
    const direction = query.sort.descending ? 'DESC' : 'ASC';
    const rows = jsonRows(
      this.db,
      `SELECT json_array(${SEGMENT_SUMMARY_SELECT}) FROM segments WHERE ${where}
       ORDER BY ${SEGMENT_SORT_COLUMNS[query.sort.field]} ${direction}, segment_id ASC LIMIT @limit OFFSET @offset`,
      { ...params, limit: query.page.limit, offset: query.page.offset },
    );
    return { count, items: rows.map(segmentSummaryFromValues) };
  }

  async segment(accountId: string, version: number, segmentId: string): Promise<SegmentHandleTime | undefined> {
    const [found] = this.tables.segments.visible(
      'account_id = @account AND segment_id = @segmentId',
      { account: accountId, segmentId },
      version,
    );
    return found;
  }

  async *segmentsEndingIn(accountId: string, version: number, window: TimeWindow): AsyncIterable<SegmentHandleTime> {
    // Keyset pages keep memory constant however many segments the window holds.
    const page = this.db.prepare(
      `SELECT * FROM segments WHERE account_id = @account AND ${VISIBLE}
         AND ((end_time = @afterEnd AND segment_id > @afterId) OR (end_time > @afterEnd AND end_time < @to))
       ORDER BY end_time, segment_id LIMIT 500`,
    );
    let after = { afterEnd: window.from, afterId: '' };
    // end_time = from with segment_id > '' covers the window's first millisecond.
    for (;;) {
      const rows = page.all({ account: accountId, version, to: window.to, ...after }) as Array<Record<string, unknown>>;
      for (const row of rows) yield rowToSegment(row);
      const last = rows[rows.length - 1];
      if (!last || rows.length < 500) return;
      after = { afterEnd: last.end_time as number, afterId: last.segment_id as string };
    }
  }

  async nhtFacts(accountId: string, version: number, window: TimeWindow): Promise<NhtFacts> {
    return readNhtFacts(this.db, this.tables, accountId, version, window);
  }

  async *exportEvents(accountId: string): AsyncIterable<string> {
    // A dedicated connection: iterating holds a read snapshot without blocking writers (WAL).
    const reader = new Database(this.db.name, { readonly: true, fileMustExist: true });
    try {
      const rows = reader
        .prepare('SELECT body FROM events WHERE account_id = ? ORDER BY time, rank, event_id')
        .pluck()
        .iterate(accountId) as IterableIterator<string>;
      for (const body of rows) yield body;
    } finally {
      reader.close();
    }
  }

  async accountsWithEvents(): Promise<string[]> {
    return this.db.prepare('SELECT DISTINCT account_id FROM events ORDER BY account_id').pluck().all() as string[];
  }

  /**
   * The embedded equivalent of dropping partitions: deletes the rows of the whole UTC months
   * before the cutoff's month (see Store.retention), in one transaction.
   */
  async retention(cutoffMs: number, accountId?: string): Promise<RetentionOutcome> {
    const before = retentionBoundary(cutoffMs);
    const account = accountId === undefined ? '' : 'AND account_id = @account';
    const params = accountId === undefined ? { before } : { before, account: accountId };
    return this.db
      .transaction((): RetentionOutcome => {
        const removed = this.db
          .prepare(`SELECT account_id, count(*) AS n FROM events WHERE time < @before ${account} GROUP BY account_id ORDER BY account_id`)
          .all(params) as Array<{ account_id: string; n: number }>;
        const aged: Array<[string, string]> = [
          ['events', 'time'],
          ['activity_records', 'time'],
          ['data_quality', 'time'],
          ['workload_messages', 'time'],
          ['segments', 'end_time'],
          ['workload_sessions', 'end_time'],
          ['workload_segments', 'end_time'],
        ];
        for (const [table, column] of aged) this.db.prepare(`DELETE FROM ${table} WHERE ${column} < @before ${account}`).run(params);
        // Of the profile writes before the boundary, later answers read only each agent's last maxSlots and skills.
        const last = (field: string) => `SELECT rowid FROM (
            SELECT rowid, row_number() OVER (PARTITION BY account_id, agent_id ORDER BY time DESC, rank DESC, event_id DESC) AS n
              FROM workload_profile WHERE time < @before ${account} AND valid_to IS NULL AND ${field} IS NOT NULL) WHERE n = 1`;
        this.db
          .prepare(
            `DELETE FROM workload_profile WHERE time < @before ${account} AND valid_to IS NULL
               AND rowid NOT IN (${last('max_slots')}) AND rowid NOT IN (${last('skills')})`,
          )
          .run(params);
        const accounts: RetentionOutcome['accounts'] = [];
        for (const { account_id, n } of removed) {
          // Snapshots of the account may have covered what is gone: they expire, with the history only they could read.
          const floor = this.bumpVersion(account_id, this.ensureAccount(account_id).version);
          this.stmt.setSnapshotFloor.run(floor, account_id);
          for (const table of Object.values(this.tables)) table.collect(account_id, floor);
          this.db.prepare('DELETE FROM account_versions WHERE account_id = ? AND version < ?').run(account_id, floor);
          accounts.push({ accountId: account_id, events: n, floor });
        }
        return { before, accounts, partitions: [] };
      })
      .immediate();
  }

  async rebuild(accountId: string): Promise<void> {
    this.db
      .transaction(() => {
        const version = this.bumpVersion(accountId, this.ensureAccount(accountId).version);
        const agents = this.db
          .prepare('SELECT DISTINCT agent_id FROM events WHERE account_id = ? AND agent_id IS NOT NULL')
          .pluck()
          .all(accountId) as number[];
        for (const agentId of agents) this.replayAgent(accountId, agentId, version);
        const { idleTimeoutMillis } = this.readSettings(accountId);
        for (const pair of this.handleTime.allPairs(accountId)) this.handleTime.derivePair(accountId, pair, version, idleTimeoutMillis);
      })
      .immediate();
  }

  async createClient(client: ApiClient): Promise<void> {
    this.stmt.insertClient.run(client.clientId, client.accountId, client.secretHash, client.scopes.join(','), client.createdAt);
  }

  async findClient(clientId: string): Promise<ApiClient | undefined> {
    const row = this.stmt.getClient.get(clientId) as
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
    this.stmt.insertSecret.run(name, generate());
    return this.stmt.getSecret.get(name) as string;
  }

  /** Splits a (batch-deduplicated) set into new events, stored duplicates and conflicts. */
  private classify(accountId: string, events: readonly CanonicalEvent[]) {
    const fresh: CanonicalEvent[] = [];
    const conflicts: number[] = [];
    let duplicates = 0;
    events.forEach((item, index) => {
      const stored = this.stmt.getEventBody.get(accountId, item.event.id) as string | undefined;
      if (stored === undefined) fresh.push(item);
      else if (stored === item.canonical) duplicates++;
      else conflicts.push(index);
    });
    return { fresh, duplicates, conflicts };
  }

  private insertEvent(accountId: string, event: WfmEvent, canonical: string, version: number): void {
    this.stmt.insertEvent.run(
      accountId,
      event.id,
      event.time,
      TYPE_RANK[event.type],
      agentOf(event) ?? null,
      'conversationId' in event ? event.conversationId : null,
      'skillId' in event ? event.skillId : null,
      version,
      canonical,
    );
  }

  private ensureAccount(accountId: string): { version: number } {
    this.stmt.insertAccount.run(accountId);
    return this.stmt.getAccount.get(accountId) as { version: number };
  }

  private readSettings(accountId: string): AccountSettings {
    const row = this.stmt.getSettings.get(accountId) as { default_max_slots: number; idle_timeout_ms: number } | undefined;
    return row ? { defaultMaxSlots: row.default_max_slots, idleTimeoutMillis: row.idle_timeout_ms } : { ...DEFAULT_SETTINGS };
  }

  private bumpVersion(accountId: string, current: number): number {
    const version = current + 1;
    this.stmt.setVersion.run(version, accountId);
    this.stmt.insertVersion.run(accountId, version, this.now());
    return version;
  }

  /**
   * Applies new events of one agent: continue both machines from the saved state, or replay
   * the agent's history when an event is late. Returns the conversations whose data-quality
   * rows changed (their handle time may depend on them).
   */
  private deriveAgent(accountId: string, agentId: number, events: WfmEvent[], version: number): Set<string> {
    const saved = this.stmt.getAgentState.get(accountId, agentId) as string | undefined;
    const state: AgentState = saved ? JSON.parse(saved) : { activity: initialAgentActivityState(), workload: initialAgentWorkloadState() };
    events.sort(compareEvents);
    if (!canContinue(state.activity, events)) return this.replayAgent(accountId, agentId, version);

    const activity = advanceAgentActivity(accountId, agentId, state.activity, events);
    const workload = advanceAgentWorkload(agentId, state.workload, events);
    const t = this.tables;
    t.activity.insert(accountId, activity.records, version);
    t.issues.insert(accountId, [...activity.issues, ...workload.issues], version);
    // A session or segment that was open before this batch may have closed: it replaces its
    // own row. Everything else the batch opened is new and only inserted.
    const openSession = state.activity.session;
    for (const s of activity.sessions) {
      const row = { agentId, ...s };
      if (openSession && s.sessionId === openSession.sessionId && s.start === openSession.start) {
        t.sessions.replace(
          accountId,
          'account_id = ? AND agent_id = ? AND session_id = ? AND start_time = ?',
          [accountId, agentId, s.sessionId, s.start],
          [row],
          version,
        );
      } else {
        t.sessions.insert(accountId, [row], version);
      }
    }
    const openSegments = new Set(state.workload.open.map((s) => s.segmentId));
    for (const s of workload.segments) {
      if (openSegments.has(s.segmentId)) {
        t.workloadSegments.replace(
          accountId,
          'account_id = ? AND agent_id = ? AND segment_id = ?',
          [accountId, agentId, s.segmentId],
          [s],
          version,
        );
      } else {
        t.workloadSegments.insert(accountId, [s], version);
      }
    }
    t.messages.insert(accountId, workload.countedMessages, version);
    t.profile.insert(
      accountId,
      workload.profileWrites.map((p) => ({ agentId, ...p })),
      version,
    );
    this.saveAgentState(accountId, agentId, { activity: activity.state, workload: workload.state });
    return new Set();
  }

  /** Recomputes one agent from all its events; only rows that changed are superseded. */
  private replayAgent(accountId: string, agentId: number, version: number): Set<string> {
    const events = (this.stmt.agentEvents.all(accountId, agentId) as string[]).map((b) => JSON.parse(b) as WfmEvent);
    const activity = advanceAgentActivity(accountId, agentId, initialAgentActivityState(), events);
    const workload = advanceAgentWorkload(agentId, initialAgentWorkloadState(), events);
    const scope = 'account_id = ? AND agent_id = ?';
    const params = [accountId, agentId];
    const t = this.tables;
    t.activity.replace(accountId, scope, params, activity.records, version);
    const issues = t.issues.replace(accountId, scope, params, [...activity.issues, ...workload.issues], version);
    t.sessions.replace(
      accountId,
      scope,
      params,
      activity.sessions.map((s) => ({ agentId, ...s })),
      version,
    );
    t.workloadSegments.replace(accountId, scope, params, workload.segments, version);
    t.messages.replace(accountId, scope, params, workload.countedMessages, version);
    t.profile.replace(
      accountId,
      scope,
      params,
      workload.profileWrites.map((p) => ({ agentId, ...p })),
      version,
    );
    this.saveAgentState(accountId, agentId, { activity: activity.state, workload: workload.state });
    const changed = new Set<string>();
    for (const i of [...issues.superseded, ...issues.inserted]) if (i.conversationId !== undefined) changed.add(i.conversationId);
    return changed;
  }

  private saveAgentState(accountId: string, agentId: number, state: AgentState): void {
    this.stmt.upsertAgentState.run(accountId, agentId, JSON.stringify(state));
  }

  /** Drops superseded rows no unexpired snapshot can see (see spec/api.md: snapshots live ≥ the TTL). */
  private collectHistory(accountId: string): void {
    const cutoff = this.stmt.lastVersionBefore.get(accountId, this.now() - this.snapshotTtlMs) as number | null;
    if (cutoff === null || cutoff === undefined) return;
    for (const table of Object.values(this.tables)) table.collect(accountId, cutoff);
    this.db.prepare('DELETE FROM account_versions WHERE account_id = ? AND version < ?').run(accountId, cutoff);
  }
}

function prepareStatements(db: Database.Database) {
  return {
    getEventBody: db.prepare('SELECT body FROM events WHERE account_id = ? AND event_id = ?').pluck(),
    insertEvent: db.prepare(
      'INSERT INTO events (account_id, event_id, time, rank, agent_id, conversation_id, skill_id, version, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    agentEvents: db.prepare('SELECT body FROM events WHERE account_id = ? AND agent_id = ? ORDER BY time, rank, event_id').pluck(),
    insertAccount: db.prepare('INSERT OR IGNORE INTO accounts (account_id) VALUES (?)'),
    getAccount: db.prepare('SELECT version, snapshot_floor FROM accounts WHERE account_id = ?'),
    getSettings: db.prepare('SELECT default_max_slots, idle_timeout_ms FROM accounts WHERE account_id = ?'),
    setSettings: db.prepare('UPDATE accounts SET default_max_slots = ?, idle_timeout_ms = ? WHERE account_id = ?'),
    setSnapshotFloor: db.prepare('UPDATE accounts SET snapshot_floor = ? WHERE account_id = ?'),
    setVersion: db.prepare('UPDATE accounts SET version = ? WHERE account_id = ?'),
    insertVersion: db.prepare('INSERT INTO account_versions (account_id, version, committed_at) VALUES (?, ?, ?)'),
    lastVersionBefore: db.prepare('SELECT max(version) FROM account_versions WHERE account_id = ? AND committed_at <= ?').pluck(),
    getAgentState: db.prepare('SELECT state FROM agent_state WHERE account_id = ? AND agent_id = ?').pluck(),
    upsertAgentState: db.prepare(
      'INSERT INTO agent_state (account_id, agent_id, state) VALUES (?, ?, ?) ON CONFLICT (account_id, agent_id) DO UPDATE SET state = excluded.state',
    ),
    insertClient: db.prepare('INSERT INTO clients (client_id, account_id, secret_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)'),
    getClient: db.prepare('SELECT client_id, account_id, secret_hash, scopes, created_at FROM clients WHERE client_id = ?'),
    insertSecret: db.prepare('INSERT OR IGNORE INTO shared_secrets (name, value) VALUES (?, ?)'),
    getSecret: db.prepare('SELECT value FROM shared_secrets WHERE name = ?').pluck(),
  };
}

/** Prepared statements of the paged reads, by SQL text (a handful per store: one per filter and sort). */
const readStatements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** A cached read statement that answers the first column of each row. */
function readStatement(db: Database.Database, sql: string): Database.Statement {
  let statements = readStatements.get(db);
  if (!statements) {
    statements = new Map();
    readStatements.set(db, statements);
  }
  let statement = statements.get(sql);
  if (!statement) {
    statement = db.prepare(sql).pluck();
    statements.set(sql, statement);
  }
  return statement;
}

/**
 * The rows of a paged read (`SELECT json_array(columns) ...`) as arrays of values, in the
 * statement's order. better-sqlite3 on Node 20 sets every value of a row through the V8 API
 * (~0.13 µs a value, most of the cost of a 1,000-record page); one JSON text per row and one
 * JSON.parse for the page take a third less. json_array keeps integers and text exactly.
 */
function jsonRows(db: Database.Database, sql: string, params: Record<string, unknown>): unknown[][] {
  const rows = readStatement(db, sql).all(params) as string[];
  return rows.length === 0 ? [] : (JSON.parse(`[${rows.join(',')}]`) as unknown[][]);
}

function activityWhere(accountId: string, version: number, window: TimeWindow, filter: ActivityFilter) {
  const params: Record<string, unknown> = { account: accountId, version, from: window.from, to: window.to };
  let where = `account_id = @account AND time >= @from AND time < @to AND ${VISIBLE}`;
  const column = { agentId: 'agent_id', employeeId: 'employee_id', groupId: 'group_id' } as const;
  if (filter.kind !== 'none') {
    where += ` AND ${column[filter.kind]} = @filter`;
    params.filter = filter.value;
  }
  return { where, params };
}

function segmentWhere(accountId: string, version: number, query: SegmentQuery) {
  const params: Record<string, unknown> = { account: accountId, version, from: query.window.from, to: query.window.to };
  let where = `account_id = @account AND end_time >= @from AND end_time < @to AND ${VISIBLE}`;
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
    where += ` AND ${column} = @${column}`;
    params[column] = value;
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
