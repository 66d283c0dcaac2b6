/**
 * The bulk write of raw events (engineering.md "Idempotency on a time-partitioned table"):
 * COPY the batch into a per-connection staging table; one statement inserts its ids into the
 * id ledger `event_ids` with ON CONFLICT DO NOTHING, returning the ids it inserted (the new
 * events), and a second moves those rows into the partitioned `events` table (all of them,
 * with no join, in the usual case where every id was new); the ids the ledger already held are
 * then compared by content hash (equal: a duplicate; different: a conflict). The caller undoes
 * the write when there is a conflict (a savepoint), so a batch is all-or-nothing.
 *
 * The content hash is computed by PostgreSQL from the staged body (sha256 of its UTF-8 bytes,
 * the same digest as {@link hashOf}), so it is neither computed in JavaScript nor sent.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { agentOf, TYPE_RANK } from '../../domain/events.js';
import type { CanonicalEvent } from '../store.js';

/** SHA-256 of the canonical JSON: the content identity the ledger keeps. */
export const hashOf = (canonical: string): Buffer => createHash('sha256').update(canonical).digest();

/**
 * A temporary table lives as long as its connection, and is emptied by every commit (and by a
 * rollback, which undoes the COPY): each pooled connection keeps its own.
 */
const STAGING = 'wfm_staging_events';
const CREATE_STAGING = `CREATE TEMP TABLE IF NOT EXISTS ${STAGING} (
  ord INTEGER NOT NULL,
  event_id TEXT COLLATE "C" NOT NULL,
  time BIGINT NOT NULL,
  rank SMALLINT NOT NULL,
  agent_id BIGINT,
  conversation_id TEXT COLLATE "C",
  skill_id BIGINT,
  body TEXT NOT NULL
) ON COMMIT DELETE ROWS`;
const COPY_SQL = `COPY ${STAGING} (ord, event_id, time, rank, agent_id, conversation_id, skill_id, body) FROM STDIN`;
/** The content hash of a staged row, as {@link hashOf} computes it. */
const STAGED_HASH = "sha256(convert_to(s.body, 'UTF8'))";

/** Text of about this many characters goes into each chunk written to the COPY stream. */
const CHUNK_CHARS = 1 << 16;
const NEEDS_ESCAPE = /[\\\n\r\t]/;

/** A value in COPY's text format: backslash, newline, carriage return and tab escaped. */
function copyText(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

function* copyLines(events: readonly CanonicalEvent[]): Generator<string> {
  let chunk = '';
  for (let i = 0; i < events.length; i++) {
    const { event, canonical } = events[i] as CanonicalEvent;
    const agent = agentOf(event);
    const line = [
      i,
      copyText(event.id),
      event.time,
      TYPE_RANK[event.type],
      agent === undefined ? '\\N' : agent,
      'conversationId' in event ? copyText(event.conversationId) : '\\N',
      'skillId' in event ? event.skillId : '\\N',
      copyText(canonical),
    ].join('\t');
    chunk += `${line}\n`;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Stages the batch in the connection's staging table (position `ord` = index in `events`). */
export async function stageEvents(client: pg.PoolClient, events: readonly CanonicalEvent[]): Promise<void> {
  // Empty here: a commit deletes its rows, a rollback undoes the COPY.
  await client.query(CREATE_STAGING);
  await pipeline(Readable.from(copyLines(events)), client.query(copyFrom(COPY_SQL)));
}

/**
 * Positions of staged events whose id the ledger holds with another content hash, among the
 * given ids (the staged ids the ledger already held). The ids go as an array so the ledger is
 * probed by its key, whatever its size.
 */
export async function stagedConflicts(client: pg.PoolClient, accountId: string, ids: readonly string[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const res = await client.query<{ ord: number }>(
    `SELECT s.ord FROM event_ids e JOIN ${STAGING} s ON s.event_id = e.event_id
      WHERE e.account_id = $1 AND e.event_id = ANY($2::text[]) AND e.hash <> ${STAGED_HASH} ORDER BY s.ord`,
    [accountId, ids],
  );
  return res.rows.map((r) => r.ord);
}

/**
 * Records the staged events the ledger does not hold yet and stores them with `version`;
 * returns their ids. Already-stored ids (duplicates) are left out by the ledger's key.
 */
export async function storeStaged(client: pg.PoolClient, accountId: string, version: number, staged: number): Promise<Set<string>> {
  const recorded = await client.query<{ event_id: string }>(
    `INSERT INTO event_ids (account_id, event_id, time, hash)
     SELECT $1, s.event_id, s.time, ${STAGED_HASH} FROM ${STAGING} s
     ON CONFLICT (account_id, event_id) DO NOTHING
     RETURNING event_id`,
    [accountId],
  );
  const fresh = recorded.rows.map((r) => r.event_id);
  if (fresh.length === 0) return new Set();
  const insert = `INSERT INTO events (account_id, event_id, time, rank, agent_id, conversation_id, skill_id, version, body)
     SELECT $1, s.event_id, s.time, s.rank, s.agent_id, s.conversation_id, s.skill_id, $2, s.body FROM ${STAGING} s`;
  if (fresh.length === staged) await client.query(insert, [accountId, version]);
  else await client.query(`${insert} WHERE s.event_id = ANY($3::text[])`, [accountId, version, fresh]);
  return new Set(fresh);
}
