/**
 * Time partitioning of the PostgreSQL store: the raw events and the big derived tables are
 * partitioned by range of their time column, one partition per UTC calendar month, named
 * `<table>_yYYYYmMM`. Every partitioned table has a partition for the same months: a month's
 * partitions are created together, before the first write that needs them, and dropped together
 * by retention. Derived rows take their time from an event (a record's time, a segment's end),
 * so the months of the stored events are the months every table needs.
 *
 * Idempotency does not depend on the partitioning: the id ledger `event_ids` is one
 * unpartitioned table keyed by (account_id, event_id).
 */
import type pg from 'pg';
import { monthBounds } from '../months.js';
import type { Queryable } from './versioned-table.js';

export { monthBounds, monthOf } from '../months.js';

/** The partitioned tables and the column each is partitioned by. */
export const PARTITIONED_TABLES = {
  events: 'time',
  activity_records: 'time',
  data_quality: 'time',
  workload_messages: 'time',
  segments: 'end_time',
} as const;

export type PartitionedTable = keyof typeof PARTITIONED_TABLES;

/** The same order writers touch the tables in: locking in this order cannot deadlock with them. */
export const LOCK_ORDER: readonly PartitionedTable[] = ['events', 'activity_records', 'data_quality', 'workload_messages', 'segments'];

export function partitionName(table: PartitionedTable, month: number): string {
  const year = Math.floor(month / 12);
  const m = month - year * 12 + 1;
  return `${table}_y${String(year).padStart(4, '0')}m${String(m).padStart(2, '0')}`;
}

/** The month of a partition name made by {@link partitionName}, or undefined. */
export function monthOfPartition(table: PartitionedTable, name: string): number | undefined {
  const m = new RegExp(`^${table}_y(\\d{4})m(\\d{2})$`).exec(name);
  return m ? Number(m[1]) * 12 + Number(m[2]) - 1 : undefined;
}

/** `CREATE TABLE … PARTITION OF …` for one month of one table (IF NOT EXISTS: racing creators agree). */
export function createPartitionSql(table: PartitionedTable, month: number, parent: string = table): string {
  const { from, to } = monthBounds(month);
  return `CREATE TABLE IF NOT EXISTS ${partitionName(table, month)} PARTITION OF ${parent} FOR VALUES FROM (${from}) TO (${to})`;
}

/**
 * The partition lock, one key for every process and schema. Writers hold it shared for their
 * whole transaction; creating or dropping partitions holds it exclusively. So a partition is
 * never dropped under a running write, and a write never meets a half-done retention. (Changes
 * are rare and short: one lock for all is enough.)
 */
const PARTITION_LOCK = "hashtextextended('wfm-metrics partitions', 0)";

/** The writers' share of the partition lock, as an SQL expression (for their first statement). */
export const SHARED_PARTITION_LOCK = `pg_advisory_xact_lock_shared(${PARTITION_LOCK})`;

/** The PostgreSQL error of an insert whose month has no partition (another process dropped it). */
export function isMissingPartition(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23514' && /no partition of relation/.test(e.message ?? '');
}

/**
 * Creates the partitions the given months need, before the transaction that writes into them
 * (which holds the partition lock shared, so it could not take it exclusively). Each partition is
 * created in its own short transaction: `CREATE TABLE … PARTITION OF` locks the parent table
 * exclusively and must not be held while anything else is locked. The months known to exist are
 * remembered; `forget()` clears that after a write found one missing (another process's retention
 * dropped it).
 */
export class PartitionMaintainer {
  private readonly known = new Set<number>();

  constructor(private readonly pool: pg.Pool) {}

  async ensure(months: Iterable<number>): Promise<void> {
    const wanted = [...new Set(months)].filter((m) => !this.known.has(m));
    if (wanted.length === 0) return;
    const names = wanted.flatMap((m) => (Object.keys(PARTITIONED_TABLES) as PartitionedTable[]).map((t) => partitionName(t, m)));
    const res = await this.pool.query<{ name: string }>('SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NULL', [
      names,
    ]);
    const missing = new Set(res.rows.map((r) => r.name));
    for (const month of wanted) {
      for (const table of LOCK_ORDER) {
        if (missing.has(partitionName(table, month))) await this.create(table, month);
      }
      this.known.add(month);
    }
  }

  forget(): void {
    this.known.clear();
  }

  private async create(table: PartitionedTable, month: number): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(${PARTITION_LOCK})`);
      await client.query(createPartitionSql(table, month));
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => {
        broken = e;
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }
}

/** Takes the partition lock exclusively inside the caller's transaction (retention drops partitions under it). */
export async function lockPartitions(db: Queryable): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(${PARTITION_LOCK})`);
}

/** Every month that has partitions, from the events table's partitions. */
export async function partitionMonths(db: Queryable): Promise<number[]> {
  const res = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass('events')`,
  );
  return res.rows
    .map((r) => monthOfPartition('events', r.name))
    .filter((m): m is number => m !== undefined)
    .sort((a, b) => a - b);
}
