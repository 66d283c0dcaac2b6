import type Database from 'better-sqlite3';

/**
 * Versioned schema migrations, applied in order; `PRAGMA user_version` records the last one.
 * Never edit a released migration: append a new one.
 *
 * Times are INTEGER epoch ms. Every table leads with account_id. Derived rows carry
 * [valid_from, valid_to) in account versions for snapshot reads (valid_to NULL = current).
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE shared_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

  CREATE TABLE accounts (
    account_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL DEFAULT 0,
    snapshot_floor INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;

  CREATE TABLE account_versions (
    account_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    committed_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, version)
  ) WITHOUT ROWID;

  CREATE TABLE clients (
    client_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE events (
    account_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    time INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    agent_id INTEGER,
    conversation_id TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY (account_id, event_id)
  ) WITHOUT ROWID;
  CREATE INDEX events_by_agent ON events (account_id, agent_id, time, rank, event_id) WHERE agent_id IS NOT NULL;

  CREATE TABLE agent_state (
    account_id TEXT NOT NULL,
    agent_id INTEGER NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (account_id, agent_id)
  ) WITHOUT ROWID;

  CREATE TABLE activity_records (
    account_id TEXT NOT NULL,
    time INTEGER NOT NULL,
    agent_id INTEGER NOT NULL,
    session_id INTEGER NOT NULL,
    sequence_number INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    status_type INTEGER NOT NULL,
    status_sub_type INTEGER NOT NULL,
    has_reason INTEGER NOT NULL,
    reason_id INTEGER,
    reason_text TEXT,
    prev_status_change_time INTEGER,
    employee_id TEXT NOT NULL,
    login_name TEXT NOT NULL,
    user_name TEXT NOT NULL,
    group_id INTEGER NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER
  );
  CREATE INDEX activity_by_time ON activity_records (account_id, time, agent_id, session_id, sequence_number, event_id);
  CREATE INDEX activity_by_agent ON activity_records (account_id, agent_id, time);
  CREATE INDEX activity_by_employee ON activity_records (account_id, employee_id, time);
  CREATE INDEX activity_by_group ON activity_records (account_id, group_id, time);
  CREATE INDEX activity_superseded ON activity_records (account_id, valid_to) WHERE valid_to IS NOT NULL;

  CREATE TABLE data_quality (
    account_id TEXT NOT NULL,
    time INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    agent_id INTEGER,
    conversation_id TEXT,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER
  );
  CREATE INDEX data_quality_by_time ON data_quality (account_id, time, event_id);
  CREATE INDEX data_quality_by_agent ON data_quality (account_id, agent_id);
  CREATE INDEX data_quality_superseded ON data_quality (account_id, valid_to) WHERE valid_to IS NOT NULL;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Applies every migration the database has not seen yet, each in its own transaction. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this wfm-metrics (${MIGRATIONS.length}); upgrade wfm-metrics`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
