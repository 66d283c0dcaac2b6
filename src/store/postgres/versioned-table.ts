import type pg from 'pg';
import { diffRows } from '../derived-rows.js';

/** A pool or a client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = Row>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export type Row = Record<string, unknown>;
export type ColumnType = 'bigint' | 'text' | 'bytea' | 'boolean';
export interface Column {
  name: string;
  type: ColumnType;
}

/** Rows per INSERT … SELECT FROM unnest(…) statement (one array parameter per column). */
const INSERT_CHUNK = 5000;
/** Scopes per lookup of current rows. */
const SCOPE_CHUNK = 2000;

/** `$1::bigint[], $2::text[]…` → `unnest(…)` of parallel arrays, one per column. */
export function unnestArgs(types: readonly ColumnType[], first: number): string {
  return types.map((t, i) => `$${first + i}::${t}[]`).join(', ');
}

/** Parallel column arrays of a list of row tuples. */
export function columnsOf(rows: readonly unknown[][], width: number): unknown[][] {
  const cols: unknown[][] = Array.from({ length: width }, () => new Array<unknown>(rows.length));
  rows.forEach((row, r) => {
    for (let c = 0; c < width; c++) (cols[c] as unknown[])[r] = row[c] ?? null;
  });
  return cols;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** One scope of a replace: its key (values of the scope columns) and the rows it should hold. */
export interface Scope<T> {
  key: readonly unknown[];
  next: readonly T[];
}

/**
 * One agent's rows in a time window: those whose `column` lies in [from, to) and, when the
 * replace names a start column (a table of spans), whose start lies in [spanFrom, to).
 */
export interface AgentWindowScope<T> {
  agentId: number;
  from: number;
  to: number;
  spanFrom: number;
  next: readonly T[];
}

/**
 * A derived table whose rows carry [valid_from, valid_to) in account versions: replacing a
 * scope's rows (one agent's, one pair's) supersedes only the rows that changed, so snapshot
 * reads see the table as it was at their version. Writes are batched: one statement inserts
 * any number of rows, one looks up the current rows of any number of scopes.
 */
export class VersionedTable<T> {
  private readonly insertSql: string;
  private readonly selectColumns: string;
  private readonly types: Map<string, ColumnType>;

  constructor(
    readonly name: string,
    private readonly columns: readonly Column[],
    private readonly toRow: (item: T) => unknown[],
    private readonly fromRow: (row: Row) => T,
    private readonly keyOf: (item: T) => string,
    /** the time column the table is partitioned by, if it is */
    readonly partitionKey?: string,
  ) {
    const names = columns.map((c) => c.name);
    const aliases = names.map((_, i) => `c${i}`);
    this.insertSql =
      `INSERT INTO ${name} (account_id, ${names.join(', ')}, valid_from) ` +
      `SELECT $1, ${aliases.join(', ')}, $2 FROM unnest(${unnestArgs(
        columns.map((c) => c.type),
        3,
      )}) WITH ORDINALITY AS u(${aliases.join(', ')}, ord) ORDER BY ord`;
    this.selectColumns = `row_id, ${names.join(', ')}`;
    this.types = new Map(columns.map((c) => [c.name, c.type]));
  }

  /** Inserts rows in order (row_id follows it), in as few statements as the chunk size allows. */
  async insert(db: Queryable, accountId: string, items: readonly T[], version: number): Promise<void> {
    for (const part of chunks(items, INSERT_CHUNK)) {
      await db.query(this.insertSql, [accountId, version, ...columnsOf(part.map(this.toRow), this.columns.length)]);
    }
  }

  /**
   * Makes each scope's `next` the current rows of that scope (`scopeColumns` = its key columns),
   * superseding only what changed. A scope named twice keeps its last `next`, as consecutive
   * replaces would leave it.
   */
  async replace(
    db: Queryable,
    accountId: string,
    scopeColumns: readonly string[],
    scopes: Iterable<Scope<T>>,
    version: number,
  ): Promise<{ superseded: T[]; inserted: T[] }> {
    const byKey = new Map<string, Scope<T>>();
    for (const s of scopes) byKey.set(JSON.stringify(s.key), s);
    if (byKey.size === 0) return { superseded: [], inserted: [] };
    const current = await this.currentByScope(
      db,
      accountId,
      scopeColumns,
      [...byKey.values()].map((s) => s.key),
    );
    return this.supersedeChanged(
      db,
      accountId,
      [...byKey].map(([key, scope]) => ({ current: current.get(key) ?? [], next: scope.next })),
      version,
    );
  }

  /**
   * Makes each window's `next` the current rows of that agent's window, superseding only what
   * changed: `column` (a time) in [from, to), and with `startColumn`, that start in [spanFrom, to).
   * Windows must not overlap.
   */
  async replaceWindows(
    db: Queryable,
    accountId: string,
    column: string,
    startColumn: string | undefined,
    windows: readonly AgentWindowScope<T>[],
    version: number,
  ): Promise<{ superseded: T[]; inserted: T[] }> {
    if (windows.length === 0) return { superseded: [], inserted: [] };
    const current = new Map<number, Array<{ rowId: number; at: number; row: T }>>();
    const starts = startColumn === undefined ? '' : ` AND ${startColumn} >= w_span_from AND ${startColumn} < w_to`;
    // Bounds over all windows as constants, so a partitioned table skips the other partitions.
    let [lo, hi] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (const w of windows) [lo, hi] = [Math.min(lo, w.from), Math.max(hi, w.to)];
    const res = await db.query(
      `SELECT w_ord, ${this.selectColumns}
         FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) WITH ORDINALITY AS w(w_agent, w_from, w_to, w_span_from, w_ord)
         JOIN ${this.name} ON account_id = $1 AND agent_id = w_agent AND ${column} >= w_from AND ${column} < w_to${starts}
        WHERE valid_to IS NULL AND ${column} >= $6 AND ${column} < $7`,
      [
        accountId,
        windows.map((w) => w.agentId),
        windows.map((w) => w.from),
        windows.map((w) => w.to),
        windows.map((w) => w.spanFrom),
        lo,
        hi,
      ],
    );
    for (const r of res.rows) {
      const at = this.partitionKey === undefined ? 0 : (r[this.partitionKey] as number);
      const entry = { rowId: r.row_id as number, at, row: this.fromRow(r) };
      const ord = Number(r.w_ord);
      const list = current.get(ord);
      if (list) list.push(entry);
      else current.set(ord, [entry]);
    }
    return this.supersedeChanged(
      db,
      accountId,
      windows.map((w, i) => ({ current: current.get(i + 1) ?? [], next: w.next })),
      version,
    );
  }

  /** Supersedes the current rows of each scope that are not in its `next`, and inserts what is new. */
  private async supersedeChanged(
    db: Queryable,
    accountId: string,
    scopes: ReadonlyArray<{ current: Array<{ rowId: number; at: number; row: T }>; next: readonly T[] }>,
    version: number,
  ): Promise<{ superseded: T[]; inserted: T[] }> {
    const supersede: Array<{ rowId: number; at: number }> = [];
    const superseded: T[] = [];
    const inserted: T[] = [];
    for (const scope of scopes) {
      const diff = diffRows(
        scope.current.map((c) => ({ handle: c, row: c.row })),
        scope.next,
        this.keyOf,
      );
      for (const c of diff.supersede) {
        supersede.push(c);
        superseded.push(c.row);
      }
      inserted.push(...diff.insert);
    }
    for (const part of chunks(supersede, INSERT_CHUNK)) {
      // On a partitioned table the bounds of the rows' times let PostgreSQL skip the other partitions.
      const bounds = this.partitionKey === undefined ? '' : ` AND ${this.partitionKey} >= $4 AND ${this.partitionKey} <= $5`;
      let [lo, hi] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
      for (const c of part) [lo, hi] = [Math.min(lo, c.at), Math.max(hi, c.at)];
      await db.query(`UPDATE ${this.name} SET valid_to = $2 WHERE account_id = $1 AND row_id = ANY($3::bigint[])${bounds}`, [
        accountId,
        version,
        part.map((c) => c.rowId),
        ...(this.partitionKey === undefined ? [] : [lo, hi]),
      ]);
    }
    await this.insert(db, accountId, inserted, version);
    return { superseded, inserted };
  }

  /**
   * Rows visible at `version` matching `where` (SQL over this table's columns with `$1…$n`
   * bound to `params`; the version is bound by this method as `$n+1`).
   */
  async visible(db: Queryable, where: string, params: readonly unknown[], version: number, orderBy = ''): Promise<T[]> {
    const v = `$${params.length + 1}`;
    const res = await db.query(
      `SELECT ${this.selectColumns} FROM ${this.name} WHERE ${where} AND valid_from <= ${v} AND (valid_to IS NULL OR valid_to > ${v}) ${orderBy}`,
      [...params, version],
    );
    return res.rows.map(this.fromRow);
  }

  /** Drops superseded rows that no unexpired snapshot can see. */
  async collect(db: Queryable, accountId: string, cutoffVersion: number): Promise<void> {
    await db.query(`DELETE FROM ${this.name} WHERE account_id = $1 AND valid_to IS NOT NULL AND valid_to <= $2`, [
      accountId,
      cutoffVersion,
    ]);
  }

  /** Current rows of the given scopes, grouped by the JSON of their scope key. */
  private async currentByScope(
    db: Queryable,
    accountId: string,
    scopeColumns: readonly string[],
    keys: ReadonlyArray<readonly unknown[]>,
  ): Promise<Map<string, Array<{ rowId: number; at: number; row: T }>>> {
    const types = scopeColumns.map((c) => {
      const t = this.types.get(c);
      if (t === undefined) throw new Error(`${this.name} has no column ${c}`);
      return t;
    });
    const match =
      scopeColumns.length === 1
        ? `${scopeColumns[0]} = ANY($2::${types[0]}[])`
        : `(${scopeColumns.join(', ')}) IN (SELECT * FROM unnest(${unnestArgs(types, 2)}))`;
    const grouped = new Map<string, Array<{ rowId: number; at: number; row: T }>>();
    for (const part of chunks(keys, SCOPE_CHUNK)) {
      const res = await db.query(`SELECT ${this.selectColumns} FROM ${this.name} WHERE account_id = $1 AND valid_to IS NULL AND ${match}`, [
        accountId,
        ...columnsOf(part as unknown[][], scopeColumns.length),
      ]);
      for (const r of res.rows) {
        const key = JSON.stringify(scopeColumns.map((c) => r[c]));
        const at = this.partitionKey === undefined ? 0 : (r[this.partitionKey] as number);
        const entry = { rowId: r.row_id as number, at, row: this.fromRow(r) };
        const list = grouped.get(key);
        if (list) list.push(entry);
        else grouped.set(key, [entry]);
      }
    }
    return grouped;
  }
}
