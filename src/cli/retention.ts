import type { Command } from 'commander';
import { readStoreConfig } from '../config.js';
import { WfmError } from '../errors.js';
import { openStore } from '../main.js';
import { requireAccount } from './account-option.js';
import { action, addSettings, rawSettings, STORE_SETTINGS } from './options.js';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/**
 * A duration such as `90d`, `12h`, `2w`: a whole number and one unit (s, m, h, d, w), in ms.
 *
 * @example parseDuration('90d') === 90 * 86_400_000
 */
export function parseDuration(value: unknown): number {
  const m = typeof value === 'string' ? /^(\d+)([smhdw])$/.exec(value.trim()) : null;
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new WfmError(
      'WFM_ERR_BAD_REQUEST',
      `--older-than must be a whole number and a unit s, m, h, d or w, such as 90d or 12h (got "${String(value)}")`,
    );
  }
  return ms;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function registerRetention(program: Command): void {
  addSettings(
    program
      .command('retention')
      .description(
        'remove raw events and derived data older than a duration, in whole UTC months (PostgreSQL drops partitions; SQLite deletes rows); snapshots of the affected accounts expire',
      )
      .requiredOption('--older-than <duration>', 'age of the data to remove, e.g. 90d, 12h, 2w (units s, m, h, d, w)')
      .option('--account <accountId>', 'only this account (PostgreSQL then deletes its rows instead of dropping partitions)'),
    STORE_SETTINGS,
  ).action(
    action(async (options: Record<string, unknown>) => {
      const age = parseDuration(options.olderThan);
      const accountId = options.account === undefined ? undefined : requireAccount(options.account);
      const store = await openStore(readStoreConfig(rawSettings(options)));
      try {
        const cutoff = Date.now() - age;
        const outcome = await store.retention(cutoff, accountId);
        const out: string[] = [
          `retention: removed data before ${iso(outcome.before)} (the cutoff ${iso(cutoff)} rounded down to the start of its UTC month)${
            accountId === undefined ? '' : ` of account ${accountId}`
          }`,
        ];
        if (outcome.partitions.length > 0) out.push(`dropped ${outcome.partitions.length} partitions: ${outcome.partitions.join(', ')}`);
        for (const a of outcome.accounts) {
          out.push(`${a.accountId}: ${a.events} events removed; snapshots older than version ${a.floor} expire (410)`);
        }
        if (outcome.accounts.length === 0 && outcome.partitions.length === 0) out.push('nothing was that old');
        process.stdout.write(`${out.join('\n')}\n`);
      } finally {
        await store.close();
      }
    }),
  );
}
