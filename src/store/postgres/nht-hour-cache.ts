/**
 * The NHT hour cache in PostgreSQL (rules: store/nht-hour-cache.ts): the `nht_hours` table and
 * the `nht_from` column of `account_versions`.
 */
import type pg from 'pg';
import { HOUR_MS } from '../../domain/intervals.js';
import type { NhtHour } from '../../domain/nht.js';
import { type CachedHourRow, encodeNhtHour, NHT_CHANGED_EVERYWHERE, validHours, versionRanges } from '../nht-hour-cache.js';
import type { Queryable } from './versioned-table.js';

/** The cached hours among `hourStarts` that answer `version`. */
export async function cachedNhtHours(
  pool: pg.Pool,
  accountId: string,
  version: number,
  hourStarts: readonly number[],
): Promise<Map<number, NhtHour>> {
  if (hourStarts.length === 0) return new Map();
  const res = await pool.query('SELECT hour_start, version, body FROM nht_hours WHERE account_id = $1 AND hour_start = ANY($2::bigint[])', [
    accountId,
    hourStarts,
  ]);
  const rows = res.rows.map(
    (r): CachedHourRow => ({ hourStart: Number(r.hour_start), version: Number(r.version), body: r.body as string }),
  );
  const ranges = versionRanges(rows, version);
  // One statement, so the oldest kept version and the ranges come from one snapshot even while
  // another process collects versions.
  const log = await pool.query(
    `SELECT (SELECT min(version) FROM account_versions WHERE account_id = $1) AS oldest,
            (SELECT coalesce(json_agg(json_build_array(g.at,
                      (SELECT min(coalesce(v.nht_from, $2)) FROM account_versions v
                        WHERE v.account_id = $1 AND v.version > g.lo AND v.version <= g.hi))), '[]'::json)
               FROM unnest($3::bigint[], $4::bigint[], $5::bigint[]) AS g(at, lo, hi)) AS ranges`,
    [accountId, NHT_CHANGED_EVERYWHERE, ranges.map((r) => r.computedAt), ranges.map((r) => r.lo), ranges.map((r) => r.hi)],
  );
  const oldest = Number(log.rows[0]?.oldest ?? 0);
  const changedFrom = new Map((log.rows[0]?.ranges ?? []) as Array<[number, number | null]>);
  return validHours(rows, version, oldest, changedFrom);
}

/**
 * Keeps hours computed at `version` unless a later computation is kept already. Best effort: a
 * read never waits behind (or deadlocks with) a writer's collection of the same rows.
 */
export async function saveNhtHours(pool: pg.Pool, accountId: string, version: number, hours: readonly NhtHour[]): Promise<void> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("BEGIN; SET LOCAL lock_timeout = '50ms'");
    await client.query(
      `INSERT INTO nht_hours (account_id, hour_start, version, body)
       SELECT $1, h, $2, b FROM unnest($3::bigint[], $4::text[]) AS u(h, b)
       ON CONFLICT (account_id, hour_start) DO UPDATE SET version = excluded.version, body = excluded.body
       WHERE excluded.version >= nht_hours.version`,
      [accountId, version, hours.map((h) => h.start), hours.map(encodeNhtHour)],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    // lock_not_available, deadlock_detected: skip this time; the hours are computed again later.
    const code = (err as { code?: string }).code;
    if (code !== '55P03' && code !== '40P01') throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * Before the versions below `cutoff` are collected: hours cached at one of them that are still
 * valid at `current` move to it, the others go (they could not be checked any more).
 */
export async function collectNhtHours(db: Queryable, accountId: string, cutoff: number, current: number): Promise<void> {
  await db.query(
    `UPDATE nht_hours h SET version = $3
       WHERE h.account_id = $1 AND h.version < $2
         AND h.version + 1 >= (SELECT min(version) FROM account_versions WHERE account_id = $1)
         AND h.hour_start + ${HOUR_MS} <= coalesce(
           (SELECT min(coalesce(v.nht_from, $4)) FROM account_versions v
             WHERE v.account_id = $1 AND v.version > h.version AND v.version <= $3), $5)`,
    [accountId, cutoff, current, NHT_CHANGED_EVERYWHERE, Number.MAX_SAFE_INTEGER],
  );
  await db.query('DELETE FROM nht_hours WHERE account_id = $1 AND version < $2', [accountId, cutoff]);
}
