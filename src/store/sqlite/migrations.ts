import type Database from 'better-sqlite3';

/**
 * Versioned schema migrations, applied in order; `PRAGMA user_version` records the last one.
 * Never edit a released migration: append a new one.
 *
 * Times are INTEGER epoch ms. Every table leads with account_id. Derived rows carry
 * [valid_from, valid_to) in account versions for snapshot reads (valid_to NULL = current).
 */
import { OPEN_END } from '../row-mappings.js';

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
  // Handle time and workload: account settings, AHT segments, NHT facts.
  `
  ALTER TABLE accounts ADD COLUMN default_max_slots INTEGER NOT NULL DEFAULT 4;
  ALTER TABLE accounts ADD COLUMN idle_timeout_ms INTEGER NOT NULL DEFAULT 0;

  ALTER TABLE events ADD COLUMN skill_id INTEGER;
  ALTER TABLE events ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX events_by_conversation ON events (account_id, conversation_id, time, rank, event_id) WHERE conversation_id IS NOT NULL;
  CREATE INDEX events_profile_writes ON events (account_id, agent_id, time) WHERE rank IN (0, 1);
  CREATE INDEX events_queued ON events (account_id, time) WHERE rank = 3;

  CREATE INDEX data_quality_by_conversation ON data_quality (account_id, conversation_id) WHERE conversation_id IS NOT NULL;

  -- AHT: one row per closed segment, with its handle-time units as JSON.
  CREATE TABLE segments (
    account_id TEXT NOT NULL,
    segment_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    agent_id INTEGER NOT NULL,
    skill_id INTEGER NOT NULL,
    employee_id TEXT NOT NULL,
    group_id INTEGER NOT NULL,
    start_time INTEGER NOT NULL,
    end_time INTEGER NOT NULL,
    end_reason TEXT NOT NULL,
    total_handle_ms INTEGER NOT NULL,
    in_focus_ms INTEGER NOT NULL,
    units TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER
  );
  CREATE INDEX segments_by_end ON segments (account_id, end_time, segment_id);
  CREATE INDEX segments_by_pair ON segments (account_id, conversation_id, agent_id);
  CREATE INDEX segments_by_agent ON segments (account_id, agent_id, end_time);
  CREATE INDEX segments_by_id ON segments (account_id, segment_id);
  CREATE INDEX segments_superseded ON segments (account_id, valid_to) WHERE valid_to IS NOT NULL;

  -- NHT facts, per agent. Open spans store end_time ${OPEN_END} so overlap queries use one index.
  CREATE TABLE workload_sessions (
    account_id TEXT NOT NULL,
    agent_id INTEGER NOT NULL,
    session_id INTEGER NOT NULL,
    start_time INTEGER NOT NULL,
    end_time INTEGER NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER
  );
  CREATE INDEX workload_sessions_by_end ON workload_sessions (account_id, end_time);
  CREATE INDEX workload_sessions_by_agent ON workload_sessions (account_id, agent_id, start_time);

  CREATE TABLE workload_segments (
    account_id TEXT NOT NULL,
    agent_id INTEGER NOT NULL,
    segment_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    skill_id INTEGER NOT NULL,
    start_time INTEGER NOT NULL,
    end_time INTEGER NOT NULL,
    start_event_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER
  );
  CREATE INDEX workload_segments_by_end ON workload_segments (account_id, end_time);
  CREATE INDEX workload_segments_by_agent ON workload_segments (account_id, agent_id, start_time);
  CREATE INDEX workload_segments_by_conversation ON workload_segments (account_id, conversation_id);

  CREATE TABLE workload_messages (
    account_id TEXT NOT NULL,
    agent_id INTEGER NOT NULL,
    time INTEGER NOT NULL,
    skill_id INTEGER NOT NULL,
    segment_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER
  );
  CREATE INDEX workload_messages_by_time ON workload_messages (account_id, time);
  CREATE INDEX workload_messages_by_agent ON workload_messages (account_id, agent_id, time);

  CREATE TABLE workload_profile (
    account_id TEXT NOT NULL,
    agent_id INTEGER NOT NULL,
    time INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    max_slots INTEGER,
    skills TEXT,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER
  );
  CREATE INDEX workload_profile_by_agent ON workload_profile (account_id, agent_id, time);
  `,
  // 3: the NHT hour cache (store/nht-hour-cache.ts). Each version records the earliest instant
  // whose NHT inputs it may have changed (NULL: any); cached hours are checked against it.
  `
  ALTER TABLE account_versions ADD COLUMN nht_from INTEGER;

  CREATE TABLE nht_hours (
    account_id TEXT NOT NULL,
    hour_start INTEGER NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (account_id, hour_start)
  ) WITHOUT ROWID;
  `,
  // 4: checkpoints of the per-agent machines at session starts: a late event replays from the one before it,
  // and replaces the agent's data-quality rows of a time window (the index PostgreSQL has had from the start).
  `
  DROP INDEX data_quality_by_agent;
  CREATE INDEX data_quality_by_agent ON data_quality (account_id, agent_id, time);

  CREATE TABLE agent_checkpoints (
    account_id TEXT NOT NULL,
    agent_id INTEGER NOT NULL,
    time INTEGER NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (account_id, agent_id, time)
  ) WITHOUT ROWID;
  `,
  // 5: the paged reads (status-changes, agent-segments in its default order) served by one
  // index each: the API order, then the visibility columns, so counting a window, skipping an
  // offset and checking a snapshot read no table row; then every column the page shows, so the
  // page itself is read in index order instead of one table lookup per row. The default segment
  // order (end time descending, ties by segment id ascending) has an index of its own: in an
  // ascending one SQLite sorts every row it skips.
  `
  DROP INDEX activity_by_time;
  CREATE INDEX activity_page ON activity_records (
    account_id, time, agent_id, session_id, sequence_number, event_id, valid_from, valid_to,
    status_type, status_sub_type, has_reason, reason_id, reason_text, prev_status_change_time,
    employee_id, login_name, user_name, group_id);
  DROP INDEX segments_by_end;
  CREATE INDEX segments_by_end ON segments (account_id, end_time, segment_id, valid_from, valid_to);
  CREATE INDEX segments_page_by_end_desc ON segments (
    account_id, end_time DESC, segment_id, valid_from, valid_to,
    conversation_id, agent_id, skill_id, start_time, end_reason, employee_id, group_id, total_handle_ms, in_focus_ms);
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
