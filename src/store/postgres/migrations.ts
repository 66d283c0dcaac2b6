import type pg from 'pg';
import { OPEN_END } from '../row-mappings.js';
import { createPartitionSql, monthOf, PARTITIONED_TABLES, type PartitionedTable } from './partitions.js';

/**
 * Versioned schema migrations of the PostgreSQL store, applied in order at open; the
 * `schema_migrations` table records each one. Never edit a released migration: append a new one.
 *
 * Conventions (engineering.md "Design notes"):
 * - every table leads with account_id (the distribution key, for Citus), except the two
 *   account-less lookup tables (clients by client_id, shared_secrets by name);
 * - times are BIGINT epoch ms; numbers and dates are formatted in TypeScript, never in SQL;
 * - every text key is COLLATE "C", so comparisons, keys and ORDER BY follow byte order like SQLite;
 * - free text that may hold U+0000 (reason text, login and user names), which PostgreSQL text
 *   cannot store, is kept as its UTF-8 bytes (BYTEA);
 * - derived rows carry [valid_from, valid_to) in account versions for snapshot reads
 *   (valid_to NULL = current) and a row_id in insertion order (the tie-break SQLite's rowid gives);
 * - idempotency: `event_ids` is the id ledger (account_id, event_id, time, SHA-256 of the
 *   canonical JSON), kept apart from `events`, whose key leads with time so the events table
 *   can be partitioned by time (PostgreSQL cannot enforce UNIQUE(account_id, event_id)
 *   across time partitions);
 * - time partitioning (migration 2, partitions.ts): `events`, `activity_records`, `data_quality`,
 *   `workload_messages` (by time) and `segments` (by end_time) are partitioned by UTC month, so
 *   retention drops whole partitions; a partitioned table's primary key includes its time column.
 *
 * A migration is SQL text, or a function for one that depends on the data (run in the same
 * transaction as its schema_migrations row).
 */

export { OPEN_END };

type Migration = string | ((client: pg.ClientBase) => Promise<void>);

const MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE shared_secrets (
    name TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE accounts (
    account_id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL DEFAULT 0,
    snapshot_floor BIGINT NOT NULL DEFAULT 0,
    default_max_slots BIGINT NOT NULL DEFAULT 4,
    idle_timeout_ms BIGINT NOT NULL DEFAULT 0
  );

  CREATE TABLE account_versions (
    account_id TEXT COLLATE "C" NOT NULL,
    version BIGINT NOT NULL,
    committed_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, version)
  );
  CREATE INDEX account_versions_by_commit ON account_versions (account_id, committed_at);

  -- Looked up by client id alone (a reference table under Citus).
  CREATE TABLE clients (
    account_id TEXT COLLATE "C" NOT NULL,
    client_id TEXT COLLATE "C" PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );

  -- The id ledger: the idempotency key, outside any time partitioning of events.
  CREATE TABLE event_ids (
    account_id TEXT COLLATE "C" NOT NULL,
    event_id TEXT COLLATE "C" NOT NULL,
    time BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (account_id, event_id)
  );

  CREATE TABLE events (
    account_id TEXT COLLATE "C" NOT NULL,
    time BIGINT NOT NULL,
    rank SMALLINT NOT NULL,
    event_id TEXT COLLATE "C" NOT NULL,
    agent_id BIGINT,
    conversation_id TEXT COLLATE "C",
    skill_id BIGINT,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (account_id, time, rank, event_id)
  );
  CREATE INDEX events_by_agent ON events (account_id, agent_id, time, rank, event_id) WHERE agent_id IS NOT NULL;
  CREATE INDEX events_by_conversation ON events (account_id, conversation_id, time, rank, event_id) WHERE conversation_id IS NOT NULL;
  CREATE INDEX events_profile_writes ON events (account_id, agent_id, time) WHERE rank IN (0, 1);
  CREATE INDEX events_queued ON events (account_id, time) WHERE rank = 3;

  CREATE TABLE agent_state (
    account_id TEXT COLLATE "C" NOT NULL,
    agent_id BIGINT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (account_id, agent_id)
  );

  CREATE TABLE activity_records (
    account_id TEXT COLLATE "C" NOT NULL,
    row_id BIGINT GENERATED ALWAYS AS IDENTITY,
    time BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    sequence_number BIGINT NOT NULL,
    event_id TEXT COLLATE "C" NOT NULL,
    status_type BIGINT NOT NULL,
    status_sub_type BIGINT NOT NULL,
    has_reason BOOLEAN NOT NULL,
    reason_id BIGINT,
    reason_text BYTEA,
    prev_status_change_time BIGINT,
    employee_id TEXT COLLATE "C" NOT NULL,
    login_name BYTEA NOT NULL,
    user_name BYTEA NOT NULL,
    group_id BIGINT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT,
    PRIMARY KEY (account_id, row_id)
  );
  CREATE INDEX activity_by_time ON activity_records (account_id, time, agent_id, session_id, sequence_number, event_id);
  CREATE INDEX activity_by_agent ON activity_records (account_id, agent_id, time);
  CREATE INDEX activity_by_employee ON activity_records (account_id, employee_id, time);
  CREATE INDEX activity_by_group ON activity_records (account_id, group_id, time);
  CREATE INDEX activity_superseded ON activity_records (account_id, valid_to) WHERE valid_to IS NOT NULL;

  CREATE TABLE data_quality (
    account_id TEXT COLLATE "C" NOT NULL,
    row_id BIGINT GENERATED ALWAYS AS IDENTITY,
    time BIGINT NOT NULL,
    event_id TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    agent_id BIGINT,
    conversation_id TEXT COLLATE "C",
    valid_from BIGINT NOT NULL,
    valid_to BIGINT,
    PRIMARY KEY (account_id, row_id)
  );
  CREATE INDEX data_quality_by_time ON data_quality (account_id, time, event_id);
  CREATE INDEX data_quality_by_agent ON data_quality (account_id, agent_id, time);
  CREATE INDEX data_quality_by_conversation ON data_quality (account_id, conversation_id) WHERE conversation_id IS NOT NULL;
  CREATE INDEX data_quality_superseded ON data_quality (account_id, valid_to) WHERE valid_to IS NOT NULL;

  -- AHT: one row per closed segment, with its handle-time units as JSON text.
  CREATE TABLE segments (
    account_id TEXT COLLATE "C" NOT NULL,
    row_id BIGINT GENERATED ALWAYS AS IDENTITY,
    segment_id TEXT COLLATE "C" NOT NULL,
    conversation_id TEXT COLLATE "C" NOT NULL,
    agent_id BIGINT NOT NULL,
    skill_id BIGINT NOT NULL,
    employee_id TEXT COLLATE "C" NOT NULL,
    group_id BIGINT NOT NULL,
    start_time BIGINT NOT NULL,
    end_time BIGINT NOT NULL,
    end_reason TEXT COLLATE "C" NOT NULL,
    total_handle_ms BIGINT NOT NULL,
    in_focus_ms BIGINT NOT NULL,
    units TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT,
    PRIMARY KEY (account_id, row_id)
  );
  CREATE INDEX segments_by_end ON segments (account_id, end_time, segment_id);
  CREATE INDEX segments_by_pair ON segments (account_id, conversation_id, agent_id);
  CREATE INDEX segments_by_agent ON segments (account_id, agent_id, end_time);
  CREATE INDEX segments_by_id ON segments (account_id, segment_id);
  CREATE INDEX segments_superseded ON segments (account_id, valid_to) WHERE valid_to IS NOT NULL;

  -- NHT facts, per agent. Open spans store end_time ${OPEN_END} so overlap queries use one index.
  CREATE TABLE workload_sessions (
    account_id TEXT COLLATE "C" NOT NULL,
    row_id BIGINT GENERATED ALWAYS AS IDENTITY,
    agent_id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    start_time BIGINT NOT NULL,
    end_time BIGINT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT,
    PRIMARY KEY (account_id, row_id)
  );
  CREATE INDEX workload_sessions_by_end ON workload_sessions (account_id, end_time);
  CREATE INDEX workload_sessions_by_agent ON workload_sessions (account_id, agent_id, start_time);
  CREATE INDEX workload_sessions_superseded ON workload_sessions (account_id, valid_to) WHERE valid_to IS NOT NULL;

  CREATE TABLE workload_segments (
    account_id TEXT COLLATE "C" NOT NULL,
    row_id BIGINT GENERATED ALWAYS AS IDENTITY,
    agent_id BIGINT NOT NULL,
    segment_id TEXT COLLATE "C" NOT NULL,
    conversation_id TEXT COLLATE "C" NOT NULL,
    skill_id BIGINT NOT NULL,
    start_time BIGINT NOT NULL,
    end_time BIGINT NOT NULL,
    start_event_id TEXT COLLATE "C" NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT,
    PRIMARY KEY (account_id, row_id)
  );
  CREATE INDEX workload_segments_by_end ON workload_segments (account_id, end_time);
  CREATE INDEX workload_segments_by_agent ON workload_segments (account_id, agent_id, start_time);
  CREATE INDEX workload_segments_by_conversation ON workload_segments (account_id, conversation_id);
  CREATE INDEX workload_segments_superseded ON workload_segments (account_id, valid_to) WHERE valid_to IS NOT NULL;

  CREATE TABLE workload_messages (
    account_id TEXT COLLATE "C" NOT NULL,
    row_id BIGINT GENERATED ALWAYS AS IDENTITY,
    agent_id BIGINT NOT NULL,
    time BIGINT NOT NULL,
    skill_id BIGINT NOT NULL,
    segment_id TEXT COLLATE "C" NOT NULL,
    event_id TEXT COLLATE "C" NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT,
    PRIMARY KEY (account_id, row_id)
  );
  CREATE INDEX workload_messages_by_time ON workload_messages (account_id, time);
  CREATE INDEX workload_messages_by_agent ON workload_messages (account_id, agent_id, time);
  CREATE INDEX workload_messages_superseded ON workload_messages (account_id, valid_to) WHERE valid_to IS NOT NULL;

  CREATE TABLE workload_profile (
    account_id TEXT COLLATE "C" NOT NULL,
    row_id BIGINT GENERATED ALWAYS AS IDENTITY,
    agent_id BIGINT NOT NULL,
    time BIGINT NOT NULL,
    rank BIGINT NOT NULL,
    event_id TEXT COLLATE "C" NOT NULL,
    max_slots BIGINT,
    skills TEXT,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT,
    PRIMARY KEY (account_id, row_id)
  );
  CREATE INDEX workload_profile_by_agent ON workload_profile (account_id, agent_id, time);
  CREATE INDEX workload_profile_superseded ON workload_profile (account_id, valid_to) WHERE valid_to IS NOT NULL;
  `,
  // 2: time partitioning of the raw events and the big derived tables.
  (client) => partitionByTime(client),
  // 3: the NHT hour cache (store/nht-hour-cache.ts). Each version records the earliest instant
  // whose NHT inputs it may have changed (NULL: any); cached hours are checked against it.
  `
  ALTER TABLE account_versions ADD COLUMN nht_from BIGINT;

  CREATE TABLE nht_hours (
    account_id TEXT COLLATE "C" NOT NULL,
    hour_start BIGINT NOT NULL,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (account_id, hour_start)
  );
  `,
  // 4: checkpoints of the per-agent machines at session starts: a late event replays from the one before it.
  `
  CREATE TABLE agent_checkpoints (
    account_id TEXT COLLATE "C" NOT NULL,
    agent_id BIGINT NOT NULL,
    time BIGINT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (account_id, agent_id, time)
  );
  `,
  // 5: the paged reads (status-changes, agent-segments in its default order) served by one
  // index each: the API order (row_id last, the tie-break SQLite's rowid gives) with the
  // visibility columns included, so counting a window, skipping an offset and checking a
  // snapshot need no heap row. (Unlike SQLite, the shown columns are not included: free text
  // of any length would overflow a B-tree entry.) The default segment order (end time
  // descending, ties by segment id ascending) has an index of its own.
  `
  DROP INDEX activity_by_time;
  CREATE INDEX activity_page ON activity_records (account_id, time, agent_id, session_id, sequence_number, event_id, row_id)
    INCLUDE (valid_from, valid_to);
  DROP INDEX segments_by_end;
  CREATE INDEX segments_by_end ON segments (account_id, end_time, segment_id, row_id) INCLUDE (valid_from, valid_to);
  CREATE INDEX segments_page_by_end_desc ON segments (account_id, end_time DESC, segment_id, row_id) INCLUDE (valid_from, valid_to);
  `,
];

/**
 * The partitioned tables as migration 2 creates them: the same columns as migration 1 (so rows
 * copy over as they are), primary keys that include the partition column, the same indexes.
 */
const PARTITIONED_DDL: Record<PartitionedTable, { columns: string; primaryKey: string; indexes: string; identity: boolean }> = {
  events: {
    columns: `
    account_id TEXT COLLATE "C" NOT NULL,
    time BIGINT NOT NULL,
    rank SMALLINT NOT NULL,
    event_id TEXT COLLATE "C" NOT NULL,
    agent_id BIGINT,
    conversation_id TEXT COLLATE "C",
    skill_id BIGINT,
    version BIGINT NOT NULL,
    body TEXT NOT NULL`,
    primaryKey: 'account_id, time, rank, event_id',
    indexes: `
    CREATE INDEX events_by_agent ON events (account_id, agent_id, time, rank, event_id) WHERE agent_id IS NOT NULL;
    CREATE INDEX events_by_conversation ON events (account_id, conversation_id, time, rank, event_id) WHERE conversation_id IS NOT NULL;
    CREATE INDEX events_profile_writes ON events (account_id, agent_id, time) WHERE rank IN (0, 1);
    CREATE INDEX events_queued ON events (account_id, time) WHERE rank = 3;`,
    identity: false,
  },
  activity_records: {
    columns: `
    account_id TEXT COLLATE "C" NOT NULL,
    row_id BIGINT GENERATED ALWAYS AS IDENTITY,
    time BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    session_id BIGINT NOT NULL,
    sequence_number BIGINT NOT NULL,
    event_id TEXT COLLATE "C" NOT NULL,
    status_type BIGINT NOT NULL,
    status_sub_type BIGINT NOT NULL,
    has_reason BOOLEAN NOT NULL,
    reason_id BIGINT,
    reason_text BYTEA,
    prev_status_change_time BIGINT,
    employee_id TEXT COLLATE "C" NOT NULL,
    login_name BYTEA NOT NULL,
    user_name BYTEA NOT NULL,
    group_id BIGINT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT`,
    primaryKey: 'account_id, row_id, time',
    indexes: `
    CREATE INDEX activity_by_time ON activity_records (account_id, time, agent_id, session_id, sequence_number, event_id);
    CREATE INDEX activity_by_agent ON activity_records (account_id, agent_id, time);
    CREATE INDEX activity_by_employee ON activity_records (account_id, employee_id, time);
    CREATE INDEX activity_by_group ON activity_records (account_id, group_id, time);
    CREATE INDEX activity_superseded ON activity_records (account_id, valid_to) WHERE valid_to IS NOT NULL;`,
    identity: true,
  },
  data_quality: {
    columns: `
    account_id TEXT COLLATE "C" NOT NULL,
    row_id BIGINT GENERATED ALWAYS AS IDENTITY,
    time BIGINT NOT NULL,
    event_id TEXT COLLATE "C" NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    agent_id BIGINT,
    conversation_id TEXT COLLATE "C",
    valid_from BIGINT NOT NULL,
    valid_to BIGINT`,
    primaryKey: 'account_id, row_id, time',
    indexes: `
    CREATE INDEX data_quality_by_time ON data_quality (account_id, time, event_id);
    CREATE INDEX data_quality_by_agent ON data_quality (account_id, agent_id, time);
    CREATE INDEX data_quality_by_conversation ON data_quality (account_id, conversation_id) WHERE conversation_id IS NOT NULL;
    CREATE INDEX data_quality_superseded ON data_quality (account_id, valid_to) WHERE valid_to IS NOT NULL;`,
    identity: true,
  },
  workload_messages: {
    columns: `
    account_id TEXT COLLATE "C" NOT NULL,
    row_id BIGINT GENERATED ALWAYS AS IDENTITY,
    agent_id BIGINT NOT NULL,
    time BIGINT NOT NULL,
    skill_id BIGINT NOT NULL,
    segment_id TEXT COLLATE "C" NOT NULL,
    event_id TEXT COLLATE "C" NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT`,
    primaryKey: 'account_id, row_id, time',
    indexes: `
    CREATE INDEX workload_messages_by_time ON workload_messages (account_id, time);
    CREATE INDEX workload_messages_by_agent ON workload_messages (account_id, agent_id, time);
    CREATE INDEX workload_messages_superseded ON workload_messages (account_id, valid_to) WHERE valid_to IS NOT NULL;`,
    identity: true,
  },
  segments: {
    columns: `
    account_id TEXT COLLATE "C" NOT NULL,
    row_id BIGINT GENERATED ALWAYS AS IDENTITY,
    segment_id TEXT COLLATE "C" NOT NULL,
    conversation_id TEXT COLLATE "C" NOT NULL,
    agent_id BIGINT NOT NULL,
    skill_id BIGINT NOT NULL,
    employee_id TEXT COLLATE "C" NOT NULL,
    group_id BIGINT NOT NULL,
    start_time BIGINT NOT NULL,
    end_time BIGINT NOT NULL,
    end_reason TEXT COLLATE "C" NOT NULL,
    total_handle_ms BIGINT NOT NULL,
    in_focus_ms BIGINT NOT NULL,
    units TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT`,
    primaryKey: 'account_id, row_id, end_time',
    indexes: `
    CREATE INDEX segments_by_end ON segments (account_id, end_time, segment_id);
    CREATE INDEX segments_by_pair ON segments (account_id, conversation_id, agent_id);
    CREATE INDEX segments_by_agent ON segments (account_id, agent_id, end_time);
    CREATE INDEX segments_by_id ON segments (account_id, segment_id);
    CREATE INDEX segments_superseded ON segments (account_id, valid_to) WHERE valid_to IS NOT NULL;`,
    identity: true,
  },
};

const DAY_MS = 86_400_000;

/**
 * Migration 2: replaces each of the five big tables by a table partitioned by month of its time
 * column, with a partition for every month that holds rows, and copies the rows over (row ids
 * included, so the insertion-order tie-break is kept). It rewrites those tables in one
 * transaction: on a large store, run `wfm migrate` in a maintenance window.
 */
async function partitionByTime(client: pg.ClientBase): Promise<void> {
  const tables = Object.entries(PARTITIONED_TABLES) as Array<[PartitionedTable, string]>;
  // Whole days in SQL, months in TypeScript: one definition of the month boundaries (partitions.ts).
  const days = await client.query<{ day: number }>(
    tables.map(([table, column]) => `SELECT DISTINCT ${column} / ${DAY_MS} AS day FROM ${table}`).join(' UNION '),
  );
  const months = [...new Set(days.rows.map((r) => monthOf(Number(r.day) * DAY_MS)))].sort((a, b) => a - b);
  for (const [table, column] of tables) {
    const ddl = PARTITIONED_DDL[table];
    const staged = `${table}_partitioned`;
    await client.query(`CREATE TABLE ${staged} (${ddl.columns},
      PRIMARY KEY (${ddl.primaryKey})) PARTITION BY RANGE (${column})`);
    for (const month of months) await client.query(createPartitionSql(table, month, staged));
    await client.query(`INSERT INTO ${staged} ${ddl.identity ? 'OVERRIDING SYSTEM VALUE ' : ''}SELECT * FROM ${table}`);
    await client.query(`DROP TABLE ${table}`);
    await client.query(`ALTER TABLE ${staged} RENAME TO ${table}`);
    await client.query(`ALTER TABLE ${table} RENAME CONSTRAINT ${staged}_pkey TO ${table}_pkey`);
    if (ddl.identity) {
      const seq = await client.query<{ s: string }>(`SELECT pg_get_serial_sequence('${table}', 'row_id') AS s`);
      await client.query(`ALTER SEQUENCE ${seq.rows[0]?.s} RENAME TO ${table}_row_id_seq`);
      await client.query(
        `SELECT setval(pg_get_serial_sequence('${table}', 'row_id'), (SELECT coalesce(max(row_id), 0) + 1 FROM ${table}), false)`,
      );
    }
    await client.query(ddl.indexes);
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Applies every migration the database has not seen yet, each in its own transaction, under a
 * session advisory lock (per schema) so processes opening the store at once do not race.
 * Reads only when the schema is current, so a user with data rights alone can open it.
 */
export async function migrate(
  client: pg.ClientBase,
  schema: string | undefined,
  now: () => number,
  /** stop after this version (tests of an upgrade build an older schema) */
  target: number = MIGRATIONS.length,
): Promise<{ from: number; to: number }> {
  await client.query("SELECT pg_advisory_lock(hashtextextended('wfm-metrics migrations:' || coalesce($1, current_schema(), ''), 0))", [
    schema ?? null,
  ]);
  try {
    if (schema !== undefined) {
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${schema}`);
    }
    const table = await client.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
    if (table.rows[0]?.t === null || table.rows[0]?.t === undefined) {
      await client.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
    }
    const applied = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const current = applied.rows[0]?.v ?? 0;
    if (current > MIGRATIONS.length) {
      throw new Error(`database schema version ${current} is newer than this wfm-metrics (${MIGRATIONS.length}); upgrade wfm-metrics`);
    }
    for (let v = current; v < target; v++) {
      await client.query('BEGIN');
      try {
        const migration = MIGRATIONS[v] as Migration;
        if (typeof migration === 'string') await client.query(migration);
        else await migration(client);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [v + 1, now()]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
    return { from: current, to: Math.max(current, target) };
  } finally {
    await client.query("SELECT pg_advisory_unlock(hashtextextended('wfm-metrics migrations:' || coalesce($1, current_schema(), ''), 0))", [
      schema ?? null,
    ]);
  }
}
