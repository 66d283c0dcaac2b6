import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { readStoreConfig } from '../config.js';
import { importFiles } from '../ingest/import-files.js';
import { openStore } from '../main.js';
import { requireAccount } from './account-option.js';
import { action, addSettings, positiveInt, rawSettings, STORE_SETTINGS } from './options.js';

export function registerImport(program: Command): void {
  addSettings(
    program
      .command('import')
      .description('import NDJSON event files (.ndjson or .ndjson.gz), streamed in batches; safe to re-run')
      .argument('<files...>', 'NDJSON files, optionally gzip-compressed (.gz)')
      .requiredOption('--account <accountId>', 'the account the events belong to')
      .option('--batch-size <lines>', 'lines per all-or-nothing batch', '10000')
      .option('--rejects <file>', 'write bad lines with their reasons to this file and go on, instead of stopping'),
    STORE_SETTINGS,
  ).action(
    action(async (files: string[], options: Record<string, unknown>) => {
      const accountId = requireAccount(options.account);
      const batchSize = positiveInt('--batch-size', options.batchSize);
      const store = await openStore(readStoreConfig(rawSettings(options)));
      const rejectsStream = typeof options.rejects === 'string' ? createWriteStream(options.rejects) : undefined;
      const started = Date.now();
      const tty = process.stderr.isTTY;
      try {
        const stats = await importFiles({
          store,
          accountId,
          files,
          batchSize,
          now: Date.now,
          ...(rejectsStream ? { rejects: (line: string) => rejectsStream.write(`${line}\n`) } : {}),
          onBatch: (s) => {
            if (tty) process.stderr.write(`\r${s.lines.toLocaleString('en-US')} lines, ${s.accepted.toLocaleString('en-US')} accepted…`);
          },
        });
        if (tty) process.stderr.write('\n');
        const seconds = (Date.now() - started) / 1000;
        const rate = Math.round(stats.lines / Math.max(seconds, 0.001));
        process.stdout.write(
          `imported ${stats.lines} lines in ${seconds.toFixed(1)} s: accepted ${stats.accepted}, duplicates ${stats.duplicates}, rejected ${stats.rejected} (${rate} lines/s)\n`,
        );
      } finally {
        if (tty) process.stderr.write('\n');
        await new Promise<void>((resolve) => (rejectsStream ? rejectsStream.end(resolve) : resolve()));
        await store.close();
      }
    }),
  );
}
