import type { Command } from 'commander';
import { readStoreConfig } from '../config.js';
import { openStore } from '../main.js';
import { requireAccount } from './account-option.js';
import { action, addSettings, rawSettings, STORE_SETTINGS } from './options.js';

export function registerRebuild(program: Command): void {
  addSettings(
    program
      .command('rebuild')
      .description('recompute every derived record from the raw events (the result is identical)')
      .option('--account <accountId>', 'only this account (default: every account)'),
    STORE_SETTINGS,
  ).action(
    action(async (options: Record<string, unknown>) => {
      const store = await openStore(readStoreConfig(rawSettings(options)));
      try {
        const accounts = options.account === undefined ? await store.accountsWithEvents() : [requireAccount(options.account)];
        for (const accountId of accounts) {
          const started = Date.now();
          await store.rebuild(accountId);
          process.stdout.write(`rebuilt ${accountId} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
        }
      } finally {
        await store.close();
      }
    }),
  );
}
