/**
 * Retention in the PostgreSQL store: the SQL that removes whole months of data. Without an
 * account, the months' partitions are dropped (every account's rows at once, no row-by-row
 * delete, no bloat); with an account, its rows of those months are deleted. Either way the
 * unpartitioned tables lose the rows of spans that ended before the boundary, and the profile
 * writes before it are reduced to what later answers read (see {@link pruneProfileWrites}).
 */
import { monthBounds } from '../months.js';
import { LOCK_ORDER, PARTITIONED_TABLES, type PartitionedTable, partitionMonths, partitionName } from './partitions.js';
import type { Queryable } from './versioned-table.js';

/** Unpartitioned derived tables of spans: a row goes when its span ended before the boundary (open spans never do). */
const SPAN_TABLES = ['workload_sessions', 'workload_segments'] as const;

/** Removes the ledger entries before `before`; the number per account. */
export async function deleteLedger(db: Queryable, before: number, accountId?: string): Promise<Map<string, number>> {
  const res = await db.query<{ account_id: string; n: number }>(
    `WITH gone AS (DELETE FROM event_ids WHERE time < $1 ${accountId === undefined ? '' : 'AND account_id = $2'} RETURNING account_id)
     SELECT account_id, count(*) AS n FROM gone GROUP BY account_id ORDER BY account_id`,
    accountId === undefined ? [before] : [before, accountId],
  );
  return new Map(res.rows.map((r) => [r.account_id, Number(r.n)]));
}

/** The partitions of every month that ends at or before `before`, in {@link LOCK_ORDER} per month. */
export async function agedPartitions(db: Queryable, before: number): Promise<string[]> {
  const months = (await partitionMonths(db)).filter((m) => monthBounds(m).to <= before);
  return months.flatMap((m) => LOCK_ORDER.map((t) => partitionName(t, m)));
}

/** Deletes one account's rows of the partitioned tables before `before` (the partitions stay). */
export async function deletePartitionedRows(db: Queryable, accountId: string, before: number): Promise<void> {
  for (const table of LOCK_ORDER) {
    const column = PARTITIONED_TABLES[table as PartitionedTable];
    await db.query(`DELETE FROM ${table} WHERE account_id = $1 AND ${column} < $2`, [accountId, before]);
  }
}

/** Deletes sessions and segment spans that ended before `before` and the checkpoints before it, and prunes the profile writes. */
export async function deleteAgedSpans(db: Queryable, before: number, accountId?: string): Promise<void> {
  const account = accountId === undefined ? '' : 'AND account_id = $2';
  const params = accountId === undefined ? [before] : [before, accountId];
  for (const table of SPAN_TABLES) await db.query(`DELETE FROM ${table} WHERE end_time < $1 ${account}`, params);
  await db.query(`DELETE FROM agent_checkpoints WHERE time < $1 ${account}`, params);
  await db.query(
    `DELETE FROM workload_profile WHERE time < $1 ${account} AND valid_to IS NULL AND row_id NOT IN (
       SELECT DISTINCT ON (account_id, agent_id) row_id FROM workload_profile
        WHERE time < $1 ${account} AND valid_to IS NULL AND max_slots IS NOT NULL
        ORDER BY account_id, agent_id, time DESC, rank DESC, event_id DESC)
     AND row_id NOT IN (
       SELECT DISTINCT ON (account_id, agent_id) row_id FROM workload_profile
        WHERE time < $1 ${account} AND valid_to IS NULL AND skills IS NOT NULL
        ORDER BY account_id, agent_id, time DESC, rank DESC, event_id DESC)`,
    params,
  );
}
