import type { Command } from 'commander';
import type { RawOptions, SettingName } from '../config.js';
import { SETTINGS } from '../config.js';
import { WfmError } from '../errors.js';

const FLAGS: Record<SettingName, string> = {
  db: '--db <file>',
  databaseUrl: '--database-url <url>',
  snapshotTtl: '--snapshot-ttl <seconds>',
  port: '--port <port>',
  host: '--host <address>',
  publicUrl: '--public-url <url>',
  jwtSecret: '--jwt-secret <secret>',
  tokenTtl: '--token-ttl <seconds>',
  maxBatchEvents: '--max-batch-events <n>',
  maxBodyBytes: '--max-body-bytes <bytes>',
  logLevel: '--log-level <level>',
  nats: '--nats <url>',
  natsStream: '--nats-stream <name>',
  natsSubjectPrefix: '--nats-subject-prefix <prefix>',
  natsDeadLetterPrefix: '--nats-dead-letter-prefix <prefix>',
  natsDurable: '--nats-durable <name>',
};

export const BUS_SETTINGS: readonly SettingName[] = ['nats', 'natsStream', 'natsSubjectPrefix', 'natsDeadLetterPrefix', 'natsDurable'];

/** Adds the flags of the given settings, each naming its environment variable and default. */
export function addSettings(command: Command, names: readonly SettingName[]): Command {
  for (const name of names) {
    const s = SETTINGS[name];
    const dflt = s.default === undefined ? '' : `, default ${s.default}`;
    command.option(FLAGS[name], `${s.help} (env ${s.env}${dflt})`);
  }
  return command;
}

export const STORE_SETTINGS: readonly SettingName[] = ['db', 'databaseUrl', 'snapshotTtl'];
export const SERVER_SETTINGS: readonly SettingName[] = [
  ...STORE_SETTINGS,
  'port',
  'host',
  'publicUrl',
  'jwtSecret',
  'tokenTtl',
  'maxBatchEvents',
  'maxBodyBytes',
  'logLevel',
];

/** commander's parsed options → the raw settings config.ts reads. */
export function rawSettings(options: Record<string, unknown>): RawOptions {
  const raw: RawOptions = {};
  for (const name of Object.keys(FLAGS) as SettingName[]) {
    const v = options[name];
    if (typeof v === 'string') raw[name] = v;
  }
  return raw;
}

/** Runs a command action: a WfmError prints one clear line (and its causes) and exits with its code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (err instanceof WfmError) {
        process.stderr.write(`wfm: ${err.message}\n`);
        for (const c of err.causes.slice(0, 20)) {
          const where = [c.index === undefined ? '' : `#${c.index}`, c.id ?? '', c.field ?? ''].filter(Boolean).join(' ');
          process.stderr.write(`  ${where ? `${where}: ` : ''}${c.message}\n`);
        }
        if (err.causes.length > 20) process.stderr.write(`  … and ${err.causes.length - 20} more\n`);
        process.exit(err.exitCode);
      }
      process.stderr.write(`wfm: internal error: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    }
  };
}

/** Parses a positive integer option or fails with a clear message. */
export function positiveInt(name: string, value: unknown, min = 1): number {
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < min || !Number.isSafeInteger(n)) {
    throw new WfmError('WFM_ERR_BAD_REQUEST', `${name} must be an integer ≥ ${min} (got "${String(value)}")`);
  }
  return n;
}
