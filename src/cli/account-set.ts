import type { Command } from 'commander';
import { readStoreConfig } from '../config.js';
import { WfmError } from '../errors.js';
import { openStore } from '../main.js';
import type { AccountSettings } from '../store/store.js';
import { requireAccount } from './account-option.js';
import { action, addSettings, positiveInt, rawSettings, STORE_SETTINGS } from './options.js';

export function registerAccount(program: Command): void {
  const account = program.command('account').description('account settings');
  addSettings(
    account
      .command('set')
      .description('change account settings; derived records are recomputed (past data included) and open snapshots expire')
      .requiredOption('--account <accountId>', 'the account')
      .option('--default-max-slots <n>', 'slots of an agent whose profile has no maxSlots (≥ 1)')
      .option('--idle-timeout-millis <ms>', 'AHT idle timeout in ms (0 = off)'),
    STORE_SETTINGS,
  ).action(
    action(async (options: Record<string, unknown>) => {
      const accountId = requireAccount(options.account);
      const changes: Partial<AccountSettings> = {};
      if (options.defaultMaxSlots !== undefined) changes.defaultMaxSlots = positiveInt('--default-max-slots', options.defaultMaxSlots);
      if (options.idleTimeoutMillis !== undefined)
        changes.idleTimeoutMillis = positiveInt('--idle-timeout-millis', options.idleTimeoutMillis, 0);
      if (Object.keys(changes).length === 0)
        throw new WfmError('WFM_ERR_BAD_REQUEST', 'give --default-max-slots, --idle-timeout-millis or both');
      const store = await openStore(readStoreConfig(rawSettings(options)));
      try {
        const settings = await store.updateSettings(accountId, changes);
        process.stdout.write(`${JSON.stringify(settings)}\n`);
      } finally {
        await store.close();
      }
    }),
  );
}
