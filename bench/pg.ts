/**
 * PostgreSQL for the benchmarks: a throw-away database per run, and COPY FROM STDIN with `pg`
 * alone. `pg` has no public COPY API (that is pg-copy-streams), but its Connection speaks the
 * copy sub-protocol (`sendCopyFromChunk`, `endCopyFrom`) and `client.query` accepts any
 * Submittable, which is all pg-copy-streams builds on; `CopyIn` is that, minus streaming.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A superuser on the maintenance database (trust auth on the bench machine). */
export const ADMIN_URL = process.env.WFM_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function urlOfDatabase(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function onAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Why PostgreSQL cannot be used, or null when it answers. */
export async function postgresProblem(): Promise<string | null> {
  try {
    await onAdmin(ADMIN_URL, (c) => c.query('SELECT 1'));
    return null;
  } catch (err) {
    const e = err as { message?: string; code?: string };
    return `PostgreSQL unreachable at ${ADMIN_URL}: ${e.message || e.code || String(err)}`;
  }
}

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** `CREATE DATABASE wfm_bench_<random>`; `drop()` removes it, closing connections left open. */
export async function freshDatabase(): Promise<BenchDatabase> {
  const name = `wfm_bench_${randomBytes(5).toString('hex')}`;
  await onAdmin(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: urlOfDatabase(name),
    drop: async () => {
      await onAdmin(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** The parts of pg's (untyped) Connection the copy-in sub-protocol uses. */
interface CopyConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/**
 * `COPY ... FROM STDIN` of prepared text-format data: `await client.query(new CopyIn(sql, chunks)).done`.
 * The whole batch is handed to the socket at once (callers copy bounded batches).
 */
export class CopyIn implements pg.Submittable {
  readonly done: Promise<number>;
  private resolve!: (rows: number) => void;
  private reject!: (err: Error) => void;
  private rows = 0;

  constructor(
    private readonly text: string,
    private readonly chunks: readonly Buffer[],
  ) {
    this.done = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: pg.Connection): void {
    (connection as unknown as CopyConnection).query(this.text);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    for (const chunk of this.chunks) connection.sendCopyFromChunk(chunk);
    connection.endCopyFrom();
  }

  handleCommandComplete(msg: { text?: string }): void {
    const match = /COPY (\d+)/.exec(msg.text ?? '');
    this.rows = match ? Number(match[1]) : 0;
  }

  handleReadyForQuery(): void {
    this.resolve(this.rows);
  }

  /** After an error pg routes nothing more to this query. */
  handleError(err: Error): void {
    this.reject(err);
  }

  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleEmptyQuery(): void {}
  handleCopyData(): void {}
}

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
export function copyText(value: string): string {
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] as string)
    : value;
}
