import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { canContinue } from '../../domain/activity.js';
import type { AgentCheckpoint, AgentMachineState } from '../../domain/agent-machines.js';
import { AgentMachines, initialAgentMachineState, sameMachineState } from '../../domain/agent-machines.js';
import type { SegmentHandleTime } from '../../domain/aht.js';
import type { WfmEvent } from '../../domain/events.js';
import { agentOf, compareEvents, TYPE_RANK } from '../../domain/events.js';
import type { NhtFacts, NhtHour } from '../../domain/nht.js';
import type { ActivityRecord, DataQualityItem } from '../../domain/records.js';
import { agentWindow, handleTimeConversations, NO_END, NO_START } from '../agent-replay.js';
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
import { HandleTimeDeriver, type Pair } from './handle-time.js';
import { migrate } from './migrations.js';
import { readNhtFacts } from './nht-facts.js';
import { SqliteNhtHourCache } from './nht-hour-cache.js';
import { type DerivedTables, derivedTables, rowToIssue, rowToSegment } from './tables.js';

export interface SqliteStoreOptions {
  /** file path, or ':memory:' */
  file: string;
  /** how long a snapshot stays readable; superseded rows older than this are collected */
  snapshotTtlMs: number;
  now?: () => number;
}

/** What one agent's new events changed that handle time depends on. */
interface AgentChanges {
  /** conversations whose data-quality rows changed */
  conversations: Set<string>;
  /** the agent's own conversations whose handle-time inputs changed */
  handleTime: Set<string>;
  /**
   * a late event replayed the agent from a blank state (no checkpoint before it): after retention
   * its rows before the event can change too, so the version's NHT change is not bounded by it
   */
  fromBlank?: boolean;
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
  private readonly nhtHours: SqliteNhtHourCache;

  constructor(options: SqliteStoreOptions) {
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    this.db = new Database(options.file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL would lose the last transactions on power loss; an acknowledged batch must survive.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 10000');
    // A batch touches a few pages of every index of every table per agent; with SQLite's 2 MiB
    // default they are read back from the OS for each batch. 64 MiB holds the hot ones.
    this.db.pragma('cache_size = -65536');
    // Checkpoint every ~40 MiB of WAL instead of ~4 MiB: consecutive batches rewrite the same
    // index pages, and a checkpoint copies each page once however often it changed (an import
    // writes about a third as much to disk).
    this.db.pragma('wal_autocheckpoint = 10000');
    migrate(this.db);
    this.now = options.now ?? Date.now;
    this.snapshotTtlMs = options.snapshotTtlMs;
    this.stmt = prepareStatements(this.db);
    this.tables = derivedTables(this.db);
    this.handleTime = new HandleTimeDeriver(this.db, this.tables);
    this.nhtHours = new SqliteNhtHourCache(this.db);
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
        const current = this.ensureAccount(accountId).version;
        const { fresh, duplicates, conflicts } = this.storeNewEvents(accountId, events, current + 1);
        if (conflicts.length > 0 || fresh.length === 0) {
          return { accepted: 0, duplicates: conflicts.length > 0 ? 0 : duplicates, conflicts, version: current };
        }
        // NHT hours from the batch's earliest event on may change (the machines are causal).
        const version = this.bumpVersion(
          accountId,
          current,
          fresh.reduce((min, f) => Math.min(min, f.event.time), Number.POSITIVE_INFINITY),
        );
        const freshEvents = fresh.map((f) => f.event);
        const changedConversations = new Set<string>();
        const agentPairs: Pair[] = [];
        for (const [agentId, agentEvents] of groupByAgent(freshEvents)) {
          const changes = this.deriveAgent(accountId, agentId, agentEvents, version);
          if (changes.fromBlank) this.stmt.clearNhtFrom.run(accountId, version);
          for (const c of changes.conversations) changedConversations.add(c);
          for (const conversationId of changes.handleTime) agentPairs.push({ agentId, conversationId });
        }
        const { idleTimeoutMillis } = this.readSettings(accountId);
        this.handleTime.deriveAfter(accountId, freshEvents, changedConversations, agentPairs, version, idleTimeoutMillis);
        if (version % COLLECT_EVERY === 0) this.collectHistory(accountId, version);
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
          this.handleTime.derivePairs(accountId, this.handleTime.allPairs(accountId), version, after.idleTimeoutMillis);
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

  async cachedNhtHours(accountId: string, version: number, hourStarts: readonly number[]): Promise<Map<number, NhtHour>> {
    return this.nhtHours.cached(accountId, version, hourStarts);
  }

  async cacheNhtHours(accountId: string, version: number, hours: readonly NhtHour[]): Promise<void> {
    this.nhtHours.save(accountId, version, hours);
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
          ['agent_checkpoints', 'time'],
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
        this.handleTime.derivePairs(accountId, this.handleTime.allPairs(accountId), version, idleTimeoutMillis);
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

  /**
   * Inserts the events whose id is not stored yet, with `version`; an id already stored is a
   * duplicate when its content is equal, else a conflict. With any conflict nothing is stored
   * (the savepoint is undone). Inserting first and comparing only the ids the key turned away
   * costs one key lookup per event instead of two.
   */
  private storeNewEvents(accountId: string, events: readonly CanonicalEvent[], version: number) {
    const outcome = { fresh: [] as CanonicalEvent[], duplicates: 0, conflicts: [] as number[] };
    try {
      this.db.transaction(() => {
        events.forEach((item, index) => {
          if (this.insertEvent(accountId, item.event, item.canonical, version)) outcome.fresh.push(item);
          else if ((this.stmt.getEventBody.get(accountId, item.event.id) as string) === item.canonical) outcome.duplicates++;
          else outcome.conflicts.push(index);
        });
        if (outcome.conflicts.length > 0) throw new UndoInserts();
      })();
    } catch (err) {
      if (!(err instanceof UndoInserts)) throw err;
      outcome.fresh = [];
    }
    return outcome;
  }

  /** Inserts one event unless its id is stored; whether it was inserted. */
  private insertEvent(accountId: string, event: WfmEvent, canonical: string, version: number): boolean {
    return (
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
      ).changes > 0
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

  /** `nhtFrom`: the earliest instant whose NHT inputs the version may change; null = any (store/nht-hour-cache.ts). */
  private bumpVersion(accountId: string, current: number, nhtFrom: number | null = null): number {
    const version = current + 1;
    this.stmt.setVersion.run(version, accountId);
    this.stmt.insertVersion.run(accountId, version, this.now(), nhtFrom);
    return version;
  }

  /**
   * Applies new events of one agent: continue both machines from the saved state, or replay
   * from a checkpoint when an event is late. Says what changed that handle time depends on.
   */
  private deriveAgent(accountId: string, agentId: number, events: WfmEvent[], version: number): AgentChanges {
    const saved = this.stmt.getAgentState.get(accountId, agentId) as string | undefined;
    const state: AgentMachineState = saved ? JSON.parse(saved) : initialAgentMachineState();
    events.sort(compareEvents);
    if (!canContinue(state.activity, events)) return this.replayAgent(accountId, agentId, version, events);

    const machines = new AgentMachines(accountId, agentId, state);
    machines.feed(events);
    const t = this.tables;
    t.activity.insert(accountId, machines.records, version);
    t.issues.insert(accountId, machines.issues, version);
    // A session or segment that was open before this batch may have closed: it replaces its
    // own row. Everything else the batch opened is new and only inserted.
    const openSession = state.activity.session;
    for (const s of machines.sessions) {
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
    for (const s of machines.segments) {
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
    t.messages.insert(accountId, machines.countedMessages, version);
    t.profile.insert(
      accountId,
      machines.profileWrites.map((p) => ({ agentId, ...p })),
      version,
    );
    for (const c of machines.checkpoints) this.saveCheckpoint(accountId, agentId, c);
    this.saveAgentState(accountId, agentId, machines.current);
    // In-order events change no closed segment but those of the conversations they name.
    return { conversations: new Set(), handleTime: new Set() };
  }

  /**
   * Replays one agent over a window of its history and supersedes only the window's rows that
   * changed. With new (late) events, the window starts at the latest checkpoint at or before
   * the earliest of them and ends at the first later checkpoint where the machines are back in
   * the state stored there (from there on every output is as stored); without, as in a rebuild,
   * it is the agent's whole history.
   */
  private replayAgent(accountId: string, agentId: number, version: number, fresh?: readonly WfmEvent[]): AgentChanges {
    const first = fresh?.[0];
    const last = fresh?.[fresh.length - 1];
    const restart = first ? this.checkpointAtOrBefore(accountId, agentId, first.time) : undefined;
    const from = restart?.time ?? NO_START;
    const start = restart?.state ?? initialAgentMachineState();
    const machines = new AgentMachines(accountId, agentId, start);
    let to = NO_END;
    for (let cursor = from; ; ) {
      const next = last ? this.checkpointAfter(accountId, agentId, Math.max(cursor, last.time)) : undefined;
      const until = next?.time ?? NO_END;
      const events = this.stmt.agentEventsBetween.all(accountId, agentId, cursor, until) as string[];
      machines.feed(events.map((b) => JSON.parse(b) as WfmEvent));
      if (!next) break;
      if (sameMachineState(machines.current, next.state)) {
        to = next.time;
        break;
      }
      cursor = until;
    }

    const w = agentWindow(machines, agentId, start, from, to);
    const t = this.tables;
    const instants = 'account_id = ? AND agent_id = ? AND time >= ? AND time < ?';
    const instantParams = [accountId, agentId, from, to];
    // `+end_time` keeps SQLite on the per-agent index: the by-end one would scan every agent's spans of the window.
    const spans = 'account_id = ? AND agent_id = ? AND start_time >= ? AND start_time < ? AND +end_time >= ? AND +end_time < ?';
    const spanParams = [accountId, agentId, w.spanFrom, to, from, to];
    t.activity.replace(accountId, instants, instantParams, w.records, version);
    const issues = t.issues.replace(accountId, instants, instantParams, w.issues, version);
    t.sessions.replace(accountId, spans, spanParams, w.sessions, version);
    t.workloadSegments.replace(accountId, spans, spanParams, w.segments, version);
    t.messages.replace(accountId, instants, instantParams, w.messages, version);
    t.profile.replace(accountId, instants, instantParams, w.profile, version);
    this.stmt.deleteCheckpoints.run(accountId, agentId, from, to);
    for (const c of machines.checkpoints) if (c.time > from && c.time < to) this.saveCheckpoint(accountId, agentId, c);
    // A window that ends at a checkpoint ends in the stored state: the saved end state stands.
    if (to === NO_END) this.saveAgentState(accountId, agentId, machines.current);

    const changedIssues = [...issues.superseded, ...issues.inserted];
    const conversations = new Set<string>();
    for (const i of changedIssues) if (i.conversationId !== undefined) conversations.add(i.conversationId);
    return {
      conversations,
      handleTime: fresh ? handleTimeConversations(w, fresh, changedIssues) : new Set(),
      fromBlank: fresh !== undefined && from === NO_START,
    };
  }

  private checkpointAtOrBefore(accountId: string, agentId: number, time: number): AgentCheckpoint | undefined {
    const row = this.stmt.checkpointAtOrBefore.get(accountId, agentId, time) as { time: number; state: string } | undefined;
    return row && { time: row.time, state: JSON.parse(row.state) as AgentMachineState };
  }

  private checkpointAfter(accountId: string, agentId: number, time: number): AgentCheckpoint | undefined {
    const row = this.stmt.checkpointAfter.get(accountId, agentId, time) as { time: number; state: string } | undefined;
    return row && { time: row.time, state: JSON.parse(row.state) as AgentMachineState };
  }

  private saveCheckpoint(accountId: string, agentId: number, checkpoint: AgentCheckpoint): void {
    this.stmt.upsertCheckpoint.run(accountId, agentId, checkpoint.time, JSON.stringify(checkpoint.state));
  }

  private saveAgentState(accountId: string, agentId: number, state: AgentMachineState): void {
    this.stmt.upsertAgentState.run(accountId, agentId, JSON.stringify(state));
  }

  /** Drops superseded rows no unexpired snapshot can see (see spec/api.md: snapshots live ≥ the TTL). */
  private collectHistory(accountId: string, current: number): void {
    const cutoff = this.stmt.lastVersionBefore.get(accountId, this.now() - this.snapshotTtlMs) as number | null;
    if (cutoff === null || cutoff === undefined) return;
    for (const table of Object.values(this.tables)) table.collect(accountId, cutoff);
    this.nhtHours.collect(accountId, cutoff, current);
    this.db.prepare('DELETE FROM account_versions WHERE account_id = ? AND version < ?').run(accountId, cutoff);
  }
}

function prepareStatements(db: Database.Database) {
  return {
    getEventBody: db.prepare('SELECT body FROM events WHERE account_id = ? AND event_id = ?').pluck(),
    insertEvent: db.prepare(
      'INSERT INTO events (account_id, event_id, time, rank, agent_id, conversation_id, skill_id, version, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, event_id) DO NOTHING',
    ),
    agentEventsBetween: db
      .prepare('SELECT body FROM events WHERE account_id = ? AND agent_id = ? AND time >= ? AND time < ? ORDER BY time, rank, event_id')
      .pluck(),
    checkpointAtOrBefore: db.prepare(
      'SELECT time, state FROM agent_checkpoints WHERE account_id = ? AND agent_id = ? AND time <= ? ORDER BY time DESC LIMIT 1',
    ),
    checkpointAfter: db.prepare(
      'SELECT time, state FROM agent_checkpoints WHERE account_id = ? AND agent_id = ? AND time > ? ORDER BY time LIMIT 1',
    ),
    deleteCheckpoints: db.prepare('DELETE FROM agent_checkpoints WHERE account_id = ? AND agent_id = ? AND time > ? AND time < ?'),
    upsertCheckpoint: db.prepare(
      'INSERT INTO agent_checkpoints (account_id, agent_id, time, state) VALUES (?, ?, ?, ?) ON CONFLICT (account_id, agent_id, time) DO UPDATE SET state = excluded.state',
    ),
    insertAccount: db.prepare('INSERT OR IGNORE INTO accounts (account_id) VALUES (?)'),
    getAccount: db.prepare('SELECT version, snapshot_floor FROM accounts WHERE account_id = ?'),
    getSettings: db.prepare('SELECT default_max_slots, idle_timeout_ms FROM accounts WHERE account_id = ?'),
    setSettings: db.prepare('UPDATE accounts SET default_max_slots = ?, idle_timeout_ms = ? WHERE account_id = ?'),
    setSnapshotFloor: db.prepare('UPDATE accounts SET snapshot_floor = ? WHERE account_id = ?'),
    setVersion: db.prepare('UPDATE accounts SET version = ? WHERE account_id = ?'),
    insertVersion: db.prepare('INSERT INTO account_versions (account_id, version, committed_at, nht_from) VALUES (?, ?, ?, ?)'),
    clearNhtFrom: db.prepare('UPDATE account_versions SET nht_from = NULL WHERE account_id = ? AND version = ?'),
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

/** Thrown inside the savepoint of {@link SqliteStore.storeNewEvents} to undo its inserts. */
class UndoInserts extends Error {}

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
