/**
 * Planner statistics for tables that grow faster than autovacuum looks at them.
 *
 * PostgreSQL plans from table statistics, which autovacuum gathers at most once a minute per
 * table and only after a tenth of it changed. A bulk import into fresh tables (a new store, a
 * new month's partitions) outruns it: until the first analysis the planner takes
 * `account_id = $1` to select 0.5 % of a table it believes tiny, and answers the batched
 * look-ups of the write path (current rows of a set of scopes, events of a set of
 * conversations) with nested loops over whole tables, one per batch. So the writer analyses
 * what it writes itself, when it has written enough that statistics may have gone stale:
 * each time the events it stored since the last check double, it analyses every table of
 * the schema that changed more since its last analysis than it held then. That is a
 * logarithmic number of checks over a process's life; on a large store already analysed,
 * the check finds nothing to do.
 */
import type { Queryable } from './versioned-table.js';

/** Events stored before the first check: below this, plans hardly matter. */
const FIRST_CHECK = 10_000;

/** Leaf tables of the current schema changed by more rows than they held when last analysed. */
const STALE_TABLES = `
  SELECT format('%I.%I', s.schemaname, s.relname) AS name
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
   WHERE s.schemaname = current_schema() AND s.n_mod_since_analyze > greatest(1000, c.reltuples)
   ORDER BY s.relname`;

export class StatisticsKeeper {
  private stored = 0;
  private nextCheck = FIRST_CHECK;

  constructor(private readonly db: Queryable) {}

  /** Counts newly stored events and analyses stale tables when a check is due. */
  async noteStored(events: number): Promise<void> {
    this.stored += events;
    if (this.stored < this.nextCheck) return;
    this.nextCheck = 2 * this.stored;
    try {
      const stale = (await this.db.query<{ name: string }>(STALE_TABLES)).rows.map((r) => r.name);
      // A user who does not own the tables gets a warning per table, not an error.
      if (stale.length > 0) await this.db.query(`ANALYZE ${stale.join(', ')}`);
    } catch {
      // Statistics only speed plans up; autovacuum gathers them anyway.
    }
  }
}
