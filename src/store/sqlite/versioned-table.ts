import type Database from 'better-sqlite3';
import { diffRows } from '../derived-rows.js';

/**
 * A derived table whose rows carry [valid_from, valid_to) in account versions: replacing a
 * scope's rows (one agent's, one pair's) supersedes only the rows that changed, so snapshot
 * reads see the table as it was at their version.
 */
export class VersionedTable<T> {
  private readonly insertStmt: Database.Statement;
  private readonly supersedeStmt: Database.Statement;
  private readonly selectColumns: string;
  /** prepared statements by SQL text: scopes repeat with other parameters on every batch */
  private readonly prepared = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    readonly name: string,
    columns: readonly string[],
    private readonly toRow: (item: T) => unknown[],
    private readonly fromRow: (row: Record<string, unknown>) => T,
    private readonly keyOf: (item: T) => string,
  ) {
    const placeholders = columns.map(() => '?').join(', ');
    this.insertStmt = db.prepare(`INSERT INTO ${name} (account_id, ${columns.join(', ')}, valid_from) VALUES (?, ${placeholders}, ?)`);
    this.supersedeStmt = db.prepare(`UPDATE ${name} SET valid_to = ? WHERE rowid = ?`);
    this.selectColumns = `rowid AS _rowid, ${columns.join(', ')}`;
  }

  insert(accountId: string, items: readonly T[], version: number): void {
    for (const item of items) this.insertStmt.run(accountId, ...this.toRow(item), version);
  }

  /** Current rows matching `where` (SQL over this table's columns, `account_id = ?` included by the caller). */
  current(where: string, params: readonly unknown[]): T[] {
    return this.currentWithIds(where, params).map((r) => r.row);
  }

  /** Makes `next` the current rows of the scope `where`, superseding only what changed. */
  replace(
    accountId: string,
    where: string,
    params: readonly unknown[],
    next: readonly T[],
    version: number,
  ): { superseded: T[]; inserted: T[] } {
    const current = this.currentWithIds(where, params);
    const diff = diffRows(
      current.map((c) => ({ handle: c, row: c.row })),
      next,
      this.keyOf,
    );
    for (const c of diff.supersede) this.supersedeStmt.run(version, c.rowid);
    this.insert(accountId, diff.insert, version);
    return { superseded: diff.supersede.map((c) => c.row), inserted: diff.insert };
  }

  /** Rows visible at `version` matching `where` (with `@version` bound by this method). */
  visible(where: string, params: Record<string, unknown>, version: number, orderBy = ''): T[] {
    const rows = this.statement(
      `SELECT ${this.selectColumns} FROM ${this.name} WHERE ${where} AND valid_from <= @version AND (valid_to IS NULL OR valid_to > @version) ${orderBy}`,
    ).all({ ...params, version }) as Array<Record<string, unknown>>;
    return rows.map(this.fromRow);
  }

  /** Drops superseded rows that no unexpired snapshot can see. */
  collect(accountId: string, cutoffVersion: number): void {
    this.db
      .prepare(`DELETE FROM ${this.name} WHERE account_id = ? AND valid_to IS NOT NULL AND valid_to <= ?`)
      .run(accountId, cutoffVersion);
  }

  private currentWithIds(where: string, params: readonly unknown[]): Array<{ rowid: number; row: T }> {
    const rows = this.statement(`SELECT ${this.selectColumns} FROM ${this.name} WHERE ${where} AND valid_to IS NULL`).all(
      ...params,
    ) as Array<Record<string, unknown>>;
    return rows.map((r) => ({ rowid: r._rowid as number, row: this.fromRow(r) }));
  }

  private statement(sql: string): Database.Statement {
    let stmt = this.prepared.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.prepared.set(sql, stmt);
    }
    return stmt;
  }
}
