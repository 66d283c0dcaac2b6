import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AgentActivityState } from '../../domain/activity.js';
import { advanceAgentActivity, canContinue, initialAgentActivityState } from '../../domain/activity.js';
import type { WfmEvent } from '../../domain/events.js';
import { compareEvents, TYPE_RANK } from '../../domain/events.js';
import type { ActivityRecord, DataQualityItem } from '../../domain/records.js';
import { activityRecordKey, dataQualityKey, diffRows } from '../derived-rows.js';
import type {
  AccountVersion,
  ActivityFilter,
  AgentActivityGroup,
  ApiClient,
  CanonicalEvent,
  IngestOutcome,
  Page,
  PageRequest,
  Store,
  TimeWindow,
} from '../store.js';
import { migrate } from './migrations.js';

export interface SqliteStoreOptions {
  /** file path, or ':memory:' */
  file: string;
  /** how long a snapshot stays readable; superseded rows older than this are collected */
  snapshotTtlMs: number;
  now?: () => number;
}

interface ActivityRow {
  rowid: number;
  time: number;
  agent_id: number;
  session_id: number;
  sequence_number: number;
  event_id: string;
  status_type: number;
  status_sub_type: number;
  has_reason: number;
  reason_id: number | null;
  reason_text: string | null;
  prev_status_change_time: number | null;
  employee_id: string;
  login_name: string;
  user_name: string;
  group_id: number;
}

interface DataQualityRow {
  rowid: number;
  time: number;
  event_id: string;
  kind: DataQualityItem['kind'];
  agent_id: number | null;
  conversation_id: string | null;
}

const VISIBLE = 'valid_from <= @version AND (valid_to IS NULL OR valid_to > @version)';
const ACTIVITY_COLUMNS =
  'rowid, time, agent_id, session_id, sequence_number, event_id, status_type, status_sub_type, has_reason, reason_id, reason_text, prev_status_change_time, employee_id, login_name, user_name, group_id';
/** How many versions pass between collections of superseded rows. */
const COLLECT_EVERY = 64;

/** The embedded store: one SQLite file in WAL mode, zero services needed. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly snapshotTtlMs: number;
  private readonly stmt: ReturnType<typeof prepareStatements>;

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
        for (const { event, canonical } of fresh) {
          this.stmt.insertEvent.run(
            accountId,
            event.id,
            event.time,
            TYPE_RANK[event.type],
            'agentId' in event && event.agentId !== undefined ? event.agentId : null,
            'conversationId' in event ? event.conversationId : null,
            canonical,
          );
        }
        for (const [agentId, agentEvents] of groupByAgent(fresh.map((f) => f.event))) {
          this.deriveAgent(accountId, agentId, agentEvents, version);
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
    const count = (this.db.prepare(`SELECT count(*) AS n FROM activity_records WHERE ${where}`).get(params) as { n: number }).n;
    const rows = this.db
      .prepare(
        `SELECT ${ACTIVITY_COLUMNS} FROM activity_records WHERE ${where}
         ORDER BY time, agent_id, session_id, sequence_number, event_id LIMIT @limit OFFSET @offset`,
      )
      .all({ ...params, limit: page.limit, offset: page.offset }) as ActivityRow[];
    return { count, items: rows.map(rowToRecord) };
  }

  async statusChangesByAgent(
    accountId: string,
    version: number,
    window: TimeWindow,
    filter: ActivityFilter,
    page: PageRequest,
  ): Promise<Page<AgentActivityGroup>> {
    const { where, params } = activityWhere(accountId, version, window, filter);
    const count = (
      this.db.prepare(`SELECT count(DISTINCT agent_id) AS n FROM activity_records WHERE ${where}`).get(params) as { n: number }
    ).n;
    const agentIds = (
      this.db
        .prepare(`SELECT DISTINCT agent_id FROM activity_records WHERE ${where} ORDER BY agent_id LIMIT @limit OFFSET @offset`)
        .all({ ...params, limit: page.limit, offset: page.offset }) as Array<{ agent_id: number }>
    ).map((r) => r.agent_id);
    if (agentIds.length === 0) return { count, items: [] };
    const rows = this.db
      .prepare(
        `SELECT ${ACTIVITY_COLUMNS} FROM activity_records WHERE ${where}
           AND agent_id IN (SELECT value FROM json_each(@agents))
         ORDER BY agent_id, time, session_id, sequence_number, event_id`,
      )
      .all({ ...params, agents: JSON.stringify(agentIds) }) as ActivityRow[];
    const groups = new Map<number, ActivityRecord[]>(agentIds.map((id) => [id, []]));
    for (const row of rows) groups.get(row.agent_id)?.push(rowToRecord(row));
    return { count, items: agentIds.map((agentId) => ({ agentId, records: groups.get(agentId) ?? [] })) };
  }

  async dataQuality(accountId: string, version: number, window: TimeWindow, page: PageRequest): Promise<Page<DataQualityItem>> {
    const params = { account: accountId, version, from: window.from, to: window.to };
    const where = `account_id = @account AND time >= @from AND time < @to AND ${VISIBLE}`;
    const count = (this.db.prepare(`SELECT count(*) AS n FROM data_quality WHERE ${where}`).get(params) as { n: number }).n;
    const rows = this.db
      .prepare(
        `SELECT rowid, time, event_id, kind, agent_id, conversation_id FROM data_quality WHERE ${where}
         ORDER BY time, event_id, kind LIMIT @limit OFFSET @offset`,
      )
      .all({ ...params, limit: page.limit, offset: page.offset }) as DataQualityRow[];
    return { count, items: rows.map(rowToIssue) };
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

  async rebuild(accountId: string): Promise<void> {
    this.db
      .transaction(() => {
        const version = this.bumpVersion(accountId, this.ensureAccount(accountId).version);
        const agents = this.db
          .prepare('SELECT DISTINCT agent_id FROM events WHERE account_id = ? AND agent_id IS NOT NULL')
          .pluck()
          .all(accountId) as number[];
        for (const agentId of agents) this.replayAgent(accountId, agentId, version);
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

  private ensureAccount(accountId: string): { version: number } {
    this.stmt.insertAccount.run(accountId);
    return this.stmt.getAccount.get(accountId) as { version: number };
  }

  private bumpVersion(accountId: string, current: number): number {
    const version = current + 1;
    this.stmt.setVersion.run(version, accountId);
    this.stmt.insertVersion.run(accountId, version, this.now());
    return version;
  }

  /** Applies new events of one agent: continue from the saved state, or replay its history. */
  private deriveAgent(accountId: string, agentId: number, events: WfmEvent[], version: number): void {
    const saved = this.stmt.getAgentState.get(accountId, agentId) as string | undefined;
    const state: AgentActivityState = saved ? JSON.parse(saved) : initialAgentActivityState();
    events.sort(compareEvents);
    if (!canContinue(state, events)) {
      this.replayAgent(accountId, agentId, version);
      return;
    }
    const out = advanceAgentActivity(accountId, agentId, state, events);
    for (const r of out.records) this.insertRecord(accountId, r, version);
    for (const i of out.issues) this.insertIssue(accountId, i, version);
    this.stmt.upsertAgentState.run(accountId, agentId, JSON.stringify(out.state));
  }

  /** Recomputes one agent from all its events; only rows that changed are superseded. */
  private replayAgent(accountId: string, agentId: number, version: number): void {
    const bodies = this.stmt.agentEvents.all(accountId, agentId) as string[];
    const events = bodies.map((b) => JSON.parse(b) as WfmEvent);
    const out = advanceAgentActivity(accountId, agentId, initialAgentActivityState(), events);

    const currentRecords = (this.stmt.currentAgentRecords.all(accountId, agentId) as ActivityRow[]).map((row) => ({
      handle: row.rowid,
      row: rowToRecord(row),
    }));
    const records = diffRows(currentRecords, out.records, activityRecordKey);
    for (const rowid of records.supersede) this.stmt.supersedeRecord.run(version, rowid);
    for (const r of records.insert) this.insertRecord(accountId, r, version);

    const currentIssues = (this.stmt.currentAgentIssues.all(accountId, agentId) as DataQualityRow[]).map((row) => ({
      handle: row.rowid,
      row: rowToIssue(row),
    }));
    const issues = diffRows(currentIssues, out.issues, dataQualityKey);
    for (const rowid of issues.supersede) this.stmt.supersedeIssue.run(version, rowid);
    for (const i of issues.insert) this.insertIssue(accountId, i, version);

    this.stmt.upsertAgentState.run(accountId, agentId, JSON.stringify(out.state));
  }

  private insertRecord(accountId: string, r: ActivityRecord, version: number): void {
    const hasReason = r.statusReasonId !== undefined;
    this.stmt.insertRecord.run(
      accountId,
      r.time,
      r.agentId,
      r.sessionId,
      r.sequenceNumber,
      r.eventId,
      r.statusType,
      r.statusSubType,
      hasReason ? 1 : 0,
      hasReason ? r.statusReasonId : null,
      hasReason ? (r.statusReasonText ?? null) : null,
      r.prevStatusChangeTime,
      r.employeeId,
      r.agentLoginName,
      r.agentUserName,
      r.agentGroupId,
      version,
    );
  }

  private insertIssue(accountId: string, i: DataQualityItem, version: number): void {
    this.stmt.insertIssue.run(accountId, i.time, i.eventId, i.kind, i.agentId ?? null, i.conversationId ?? null, version);
  }

  /** Drops superseded rows no unexpired snapshot can see (see spec/api.md: snapshots live ≥ the TTL). */
  private collectHistory(accountId: string): void {
    const cutoff = this.stmt.lastVersionBefore.get(accountId, this.now() - this.snapshotTtlMs) as number | null;
    if (cutoff === null || cutoff === undefined) return;
    this.db.prepare('DELETE FROM activity_records WHERE account_id = ? AND valid_to IS NOT NULL AND valid_to <= ?').run(accountId, cutoff);
    this.db.prepare('DELETE FROM data_quality WHERE account_id = ? AND valid_to IS NOT NULL AND valid_to <= ?').run(accountId, cutoff);
    this.db.prepare('DELETE FROM account_versions WHERE account_id = ? AND version < ?').run(accountId, cutoff);
  }
}

function prepareStatements(db: Database.Database) {
  return {
    getEventBody: db.prepare('SELECT body FROM events WHERE account_id = ? AND event_id = ?').pluck(),
    insertEvent: db.prepare(
      'INSERT INTO events (account_id, event_id, time, rank, agent_id, conversation_id, body) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    agentEvents: db.prepare('SELECT body FROM events WHERE account_id = ? AND agent_id = ? ORDER BY time, rank, event_id').pluck(),
    insertAccount: db.prepare('INSERT OR IGNORE INTO accounts (account_id) VALUES (?)'),
    getAccount: db.prepare('SELECT version, snapshot_floor FROM accounts WHERE account_id = ?'),
    setVersion: db.prepare('UPDATE accounts SET version = ? WHERE account_id = ?'),
    insertVersion: db.prepare('INSERT INTO account_versions (account_id, version, committed_at) VALUES (?, ?, ?)'),
    lastVersionBefore: db.prepare('SELECT max(version) FROM account_versions WHERE account_id = ? AND committed_at <= ?').pluck(),
    getAgentState: db.prepare('SELECT state FROM agent_state WHERE account_id = ? AND agent_id = ?').pluck(),
    upsertAgentState: db.prepare(
      'INSERT INTO agent_state (account_id, agent_id, state) VALUES (?, ?, ?) ON CONFLICT (account_id, agent_id) DO UPDATE SET state = excluded.state',
    ),
    insertRecord: db.prepare(
      `INSERT INTO activity_records (account_id, time, agent_id, session_id, sequence_number, event_id, status_type, status_sub_type,
        has_reason, reason_id, reason_text, prev_status_change_time, employee_id, login_name, user_name, group_id, valid_from)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    currentAgentRecords: db.prepare(
      `SELECT ${ACTIVITY_COLUMNS} FROM activity_records WHERE account_id = ? AND agent_id = ? AND valid_to IS NULL`,
    ),
    supersedeRecord: db.prepare('UPDATE activity_records SET valid_to = ? WHERE rowid = ?'),
    insertIssue: db.prepare(
      'INSERT INTO data_quality (account_id, time, event_id, kind, agent_id, conversation_id, valid_from) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    currentAgentIssues: db.prepare(
      'SELECT rowid, time, event_id, kind, agent_id, conversation_id FROM data_quality WHERE account_id = ? AND agent_id = ? AND valid_to IS NULL',
    ),
    supersedeIssue: db.prepare('UPDATE data_quality SET valid_to = ? WHERE rowid = ?'),
    insertClient: db.prepare('INSERT INTO clients (client_id, account_id, secret_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)'),
    getClient: db.prepare('SELECT client_id, account_id, secret_hash, scopes, created_at FROM clients WHERE client_id = ?'),
    insertSecret: db.prepare('INSERT OR IGNORE INTO shared_secrets (name, value) VALUES (?, ?)'),
    getSecret: db.prepare('SELECT value FROM shared_secrets WHERE name = ?').pluck(),
  };
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

function groupByAgent(events: WfmEvent[]): Map<number, WfmEvent[]> {
  const groups = new Map<number, WfmEvent[]>();
  for (const e of events) {
    if (!('agentId' in e) || e.agentId === undefined) continue;
    const list = groups.get(e.agentId);
    if (list) list.push(e);
    else groups.set(e.agentId, [e]);
  }
  return groups;
}

function rowToRecord(row: ActivityRow): ActivityRecord {
  const r: ActivityRecord = {
    agentId: row.agent_id,
    time: row.time,
    sessionId: row.session_id,
    sequenceNumber: row.sequence_number,
    statusType: row.status_type,
    statusSubType: row.status_sub_type,
    prevStatusChangeTime: row.prev_status_change_time,
    eventId: row.event_id,
    employeeId: row.employee_id,
    agentLoginName: row.login_name,
    agentUserName: row.user_name,
    agentGroupId: row.group_id,
  };
  if (row.has_reason) {
    r.statusReasonId = row.reason_id ?? -1;
    r.statusReasonText = row.reason_text;
  }
  return r;
}

function rowToIssue(row: DataQualityRow): DataQualityItem {
  const item: DataQualityItem = { kind: row.kind, eventId: row.event_id, time: row.time };
  if (row.agent_id !== null) item.agentId = row.agent_id;
  if (row.conversation_id !== null) item.conversationId = row.conversation_id;
  return item;
}
