/**
 * Connecting to PostgreSQL: the pool (BIGINT read as a JS number, an optional schema on the
 * search path) and the one-line explanation of why a store could not be opened.
 */
import pg from 'pg';

/** BIGINT (int8) columns and count(*): every value the store keeps is a safe integer. */
const INT8_OID = 20;
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PoolOptions {
  url: string;
  /** a schema to keep the tables in (created when missing); default: the user's search path */
  schema?: string;
  size: number;
}

export function createPool(options: PoolOptions): pg.Pool {
  let url: URL | undefined;
  try {
    url = new URL(options.url);
  } catch {
    url = undefined;
  }
  if (!url || !['postgres:', 'postgresql:'].includes(url.protocol)) {
    throw new Error('not a PostgreSQL URL: expected postgres://user:password@host:port/database');
  }
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new Error(`invalid schema name "${options.schema}": lower-case letters, digits and _ only`);
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.size,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'wfm-metrics',
    types: TYPES,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  // An idle connection that breaks is dropped by the pool; the next query reports the cause.
  pool.on('error', () => {});
  return pool;
}

/** The URL with its password masked, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(a string that is not a URL)';
  }
}

/** One line saying why opening failed: unreachable server, missing database, refused login, missing rights. */
export function describeOpenError(err: unknown, url: string): string {
  const e = err as { code?: string; message?: string; errors?: unknown[] };
  const where = redactUrl(url);
  let database = '';
  try {
    database = decodeURIComponent(new URL(url).pathname.slice(1));
  } catch {
    // an unparsable URL is reported below as such
  }
  const message = (e?.message ?? String(err)).split('\n')[0] as string;
  switch (e?.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return `cannot reach PostgreSQL at ${where}: ${message || e.code}`;
    case '3D000':
      return `cannot open the PostgreSQL store at ${where}: database "${database}" does not exist (create it first: createdb ${database})`;
    case '28P01':
    case '28000':
      return `cannot open the PostgreSQL store at ${where}: login refused (${message})`;
    case '42501':
      return `cannot open the PostgreSQL store at ${where}: insufficient privileges (${message}); the user needs CREATE on the schema to apply migrations, and read/write rights on its tables`;
    default:
      if (!message && Array.isArray(e?.errors) && e.errors.length > 0) return describeOpenError(e.errors[0], url);
      return `cannot open the PostgreSQL store at ${where}: ${message}`;
  }
}
