/**
 * The NHT hour cache in SQLite (rules: store/nht-hour-cache.ts): the `nht_hours` table and the
 * `nht_from` column of `account_versions`.
 */
import type Database from 'better-sqlite3';
import { HOUR_MS } from '../../domain/intervals.js';
import type { NhtHour } from '../../domain/nht.js';
import { type CachedHourRow, encodeNhtHour, NHT_CHANGED_EVERYWHERE, validHours, versionRanges } from '../nht-hour-cache.js';

export class SqliteNhtHourCache {
  private readonly stmt: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {
    this.stmt = prepare(db);
  }

  /** The cached hours among `hourStarts` that answer `version`, read in one snapshot. */
  cached(accountId: string, version: number, hourStarts: readonly number[]): Map<number, NhtHour> {
    if (hourStarts.length === 0) return new Map();
    const wanted = new Set(hourStarts);
    return this.db.transaction(() => {
      const rows = (
        this.stmt.hours.all(accountId, Math.min(...hourStarts), Math.max(...hourStarts)) as Array<{
          hour_start: number;
          version: number;
          body: string;
        }>
      )
        .filter((r) => wanted.has(r.hour_start))
        .map((r): CachedHourRow => ({ hourStart: r.hour_start, version: r.version, body: r.body }));
      const oldest = (this.stmt.oldestVersion.get(accountId) as number | null) ?? 0;
      const changedFrom = new Map(versionRanges(rows, version).map((r) => [r.computedAt, this.changedFrom(accountId, r.lo, r.hi)]));
      return validHours(rows, version, oldest, changedFrom);
    })();
  }

  /**
   * Keeps hours computed at `version` unless a later computation is kept already. A read must not
   * wait for another process's write transaction, so a busy database skips the write.
   */
  save(accountId: string, version: number, hours: readonly NhtHour[]): void {
    const timeout = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    try {
      this.db.transaction(() => {
        for (const hour of hours) this.stmt.upsert.run(accountId, hour.start, version, encodeNhtHour(hour));
      })();
    } catch (err) {
      // SQLITE_BUSY, or SQLITE_BUSY_SNAPSHOT when another process wrote since this read began.
      if (!(err as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw err;
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`);
    }
  }

  /** Min `nht_from` over versions in (lo, hi]; null when none changed anything. */
  changedFrom(accountId: string, lo: number, hi: number): number | null {
    return (this.stmt.changedFrom.get(NHT_CHANGED_EVERYWHERE, accountId, lo, hi) as number | null) ?? null;
  }

  /**
   * Before the versions below `cutoff` are collected: hours cached at one of them that are still
   * valid at `current` move to it, the others go (they could not be checked any more).
   */
  collect(accountId: string, cutoff: number, current: number): void {
    const oldest = (this.stmt.oldestVersion.get(accountId) as number | null) ?? 0;
    for (const computedAt of this.stmt.versionsBefore.all(accountId, cutoff) as number[]) {
      if (computedAt + 1 < oldest) continue;
      const from = this.changedFrom(accountId, computedAt, current);
      this.stmt.moveForward.run(current, accountId, computedAt, from ?? Number.MAX_SAFE_INTEGER);
    }
    this.stmt.deleteBefore.run(accountId, cutoff);
  }
}

function prepare(db: Database.Database) {
  return {
    hours: db.prepare('SELECT hour_start, version, body FROM nht_hours WHERE account_id = ? AND hour_start BETWEEN ? AND ?'),
    oldestVersion: db.prepare('SELECT min(version) FROM account_versions WHERE account_id = ?').pluck(),
    changedFrom: db
      .prepare('SELECT min(coalesce(nht_from, ?)) FROM account_versions WHERE account_id = ? AND version > ? AND version <= ?')
      .pluck(),
    upsert: db.prepare(
      `INSERT INTO nht_hours (account_id, hour_start, version, body) VALUES (?, ?, ?, ?)
       ON CONFLICT (account_id, hour_start) DO UPDATE SET version = excluded.version, body = excluded.body
       WHERE excluded.version >= nht_hours.version`,
    ),
    versionsBefore: db.prepare('SELECT DISTINCT version FROM nht_hours WHERE account_id = ? AND version < ?').pluck(),
    moveForward: db.prepare(`UPDATE nht_hours SET version = ? WHERE account_id = ? AND version = ? AND hour_start + ${HOUR_MS} <= ?`),
    deleteBefore: db.prepare('DELETE FROM nht_hours WHERE account_id = ? AND version < ?'),
  };
}
