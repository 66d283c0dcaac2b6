import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { readStoreConfig } from '../config.js';
import { openStore } from '../main.js';
import { requireAccount } from './account-option.js';
import { action, addSettings, rawSettings, STORE_SETTINGS } from './options.js';

export function registerExport(program: Command): void {
  addSettings(
    program
      .command('export')
      .description("write an account's raw events as canonical NDJSON (which `wfm import` takes back)")
      .requiredOption('--account <accountId>', 'the account to export')
      .option('--out <file>', 'write to this file instead of standard output'),
    STORE_SETTINGS,
  ).action(
    action(async (options: Record<string, unknown>) => {
      const accountId = requireAccount(options.account);
      const store = await openStore(readStoreConfig(rawSettings(options)));
      const out: Writable = typeof options.out === 'string' ? createWriteStream(options.out) : process.stdout;
      try {
        for await (const line of store.exportEvents(accountId)) {
          if (!out.write(`${line}\n`)) await new Promise((resolve) => out.once('drain', resolve));
        }
      } finally {
        if (out !== process.stdout) await new Promise((resolve) => out.end(resolve));
        await store.close();
      }
    }),
  );
}
