/**
 * Configuration: read once from flags and environment, validated, returned typed.
 * Every setting has an environment variable; a flag wins over the variable. Bad configuration
 * fails at start with one clear line (a WFM_ERR_CONFIG error).
 */
import { WfmError } from './errors.js';
import type { BusConfig } from './ingest/nats-bus.js';

export interface StoreConfig {
  /** SQLite file of the embedded store */
  db: string;
  /** PostgreSQL store URL; when set, the store is PostgreSQL instead of the SQLite file */
  databaseUrl?: string;
  /** how long a snapshot (`asOf`) stays readable */
  snapshotTtlMs: number;
}

export interface ServerConfig extends StoreConfig {
  port: number;
  host: string;
  publicUrl: string | undefined;
  jwtSecret: string | undefined;
  tokenTtlSeconds: number;
  maxBatchEvents: number;
  maxBodyBytes: number;
  logLevel: string;
}

/** The settings table: flag name, environment variable, default, and what it means (for --help and the README). */
export const SETTINGS = {
  db: { env: 'WFM_DB', default: './data/wfm.db', help: 'SQLite file of the embedded store' },
  databaseUrl: {
    env: 'DATABASE_URL',
    default: undefined,
    help: 'PostgreSQL store, postgres://user:password@host:port/database (when set, used instead of the SQLite file)',
  },
  snapshotTtl: { env: 'WFM_SNAPSHOT_TTL_SECONDS', default: '3600', help: 'seconds a paging snapshot (asOf) stays readable' },
  port: { env: 'WFM_PORT', default: '8080', help: 'HTTP port (0 = any free port)' },
  host: { env: 'WFM_HOST', default: '127.0.0.1', help: 'address to listen on' },
  publicUrl: { env: 'WFM_PUBLIC_URL', default: undefined, help: 'base URL used in pagination links (default: the request host)' },
  jwtSecret: { env: 'WFM_JWT_SECRET', default: undefined, help: 'token signing secret (default: generated once and kept in the store)' },
  tokenTtl: { env: 'WFM_TOKEN_TTL_SECONDS', default: '3600', help: 'lifetime of issued access tokens' },
  maxBatchEvents: { env: 'WFM_MAX_BATCH_EVENTS', default: '10000', help: 'most events in one ingest request' },
  maxBodyBytes: { env: 'WFM_MAX_BODY_BYTES', default: String(10 * 1024 * 1024), help: 'largest ingest request body' },
  logLevel: { env: 'WFM_LOG_LEVEL', default: 'info', help: 'log level: fatal, error, warn, info, debug, trace, silent' },
  nats: {
    env: 'WFM_NATS_URL',
    default: undefined,
    help: 'NATS JetStream server of the event bus (consume/publish: default nats://127.0.0.1:4222)',
  },
  natsStream: { env: 'WFM_NATS_STREAM', default: 'WFM_EVENTS', help: 'JetStream stream of event messages' },
  natsSubjectPrefix: { env: 'WFM_NATS_SUBJECT_PREFIX', default: 'wfm.events', help: 'event subjects are <prefix>.<accountId>' },
  natsDeadLetterPrefix: {
    env: 'WFM_NATS_DEAD_LETTER_PREFIX',
    default: 'wfm.deadletter',
    help: 'rejected messages go to <prefix>.<accountId>',
  },
  natsDurable: { env: 'WFM_NATS_DURABLE', default: 'wfm-ingest', help: 'durable pull consumer shared by the workers' },
} as const;

export type SettingName = keyof typeof SETTINGS;
export type RawOptions = Partial<Record<SettingName, string | undefined>>;

function pick(name: SettingName, flags: RawOptions, env: NodeJS.ProcessEnv): string | undefined {
  return flags[name] ?? env[SETTINGS[name].env] ?? SETTINGS[name].default;
}

function integer(name: SettingName, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (value === undefined || !/^\d+$/.test(value) || n < min || n > max) {
    throw new WfmError('WFM_ERR_CONFIG', `invalid ${name} (${SETTINGS[name].env}): "${value}" must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** A postgres:// URL with a host and a database, or a WFM_ERR_CONFIG error (the password is never echoed). */
function databaseUrl(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['postgres:', 'postgresql:'].includes(url.protocol) || !url.hostname || url.pathname.length < 2) {
    const shown = url
      ? `"${url.protocol}//${url.username ? `${url.username}@` : ''}${url.host}${url.pathname}"`
      : 'a string that is not a URL';
    throw new WfmError(
      'WFM_ERR_CONFIG',
      `invalid databaseUrl (DATABASE_URL): expected postgres://user:password@host:port/database, got ${shown}`,
    );
  }
  return value;
}

export function readStoreConfig(flags: RawOptions, env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const url = databaseUrl(pick('databaseUrl', flags, env));
  return {
    db: pick('db', flags, env) as string,
    ...(url === undefined ? {} : { databaseUrl: url }),
    snapshotTtlMs: integer('snapshotTtl', pick('snapshotTtl', flags, env), 1) * 1000,
  };
}

export function readServerConfig(flags: RawOptions, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const publicUrl = pick('publicUrl', flags, env);
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicUrl)) {
    throw new WfmError('WFM_ERR_CONFIG', `invalid publicUrl (WFM_PUBLIC_URL): "${publicUrl}" must be an http(s) URL`);
  }
  const jwtSecret = pick('jwtSecret', flags, env);
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new WfmError('WFM_ERR_CONFIG', 'invalid jwtSecret (WFM_JWT_SECRET): must be at least 32 characters');
  }
  const logLevel = pick('logLevel', flags, env) as string;
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new WfmError('WFM_ERR_CONFIG', `invalid logLevel (WFM_LOG_LEVEL): "${logLevel}"`);
  }
  return {
    ...readStoreConfig(flags, env),
    port: integer('port', pick('port', flags, env), 0, 65535),
    host: pick('host', flags, env) as string,
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    jwtSecret,
    tokenTtlSeconds: integer('tokenTtl', pick('tokenTtl', flags, env), 1),
    maxBatchEvents: integer('maxBatchEvents', pick('maxBatchEvents', flags, env), 1),
    maxBodyBytes: integer('maxBodyBytes', pick('maxBodyBytes', flags, env), 1),
    logLevel,
  };
}

/** The bus settings; `url` falls back to `defaultUrl` (consume/publish) or is undefined (serve without a bus). */
export function readBusConfig(flags: RawOptions, env: NodeJS.ProcessEnv = process.env, defaultUrl?: string): BusConfig | undefined {
  const url = pick('nats', flags, env) ?? defaultUrl;
  if (url === undefined) return undefined;
  if (!/^(nats|tls):\/\/[^/\s]+$/.test(url))
    throw new WfmError('WFM_ERR_CONFIG', `invalid nats URL (WFM_NATS_URL): "${url}" must look like nats://host:port`);
  const subject = (name: SettingName): string => {
    const value = pick(name, flags, env) as string;
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(value))
      throw new WfmError('WFM_ERR_CONFIG', `invalid ${name} (${SETTINGS[name].env}): "${value}"`);
    return value;
  };
  return {
    url,
    stream: subject('natsStream'),
    subjectPrefix: subject('natsSubjectPrefix'),
    deadLetterPrefix: subject('natsDeadLetterPrefix'),
    durable: subject('natsDurable'),
  };
}
