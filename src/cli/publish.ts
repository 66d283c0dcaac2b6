import type { Command } from 'commander';
import { readBusConfig } from '../config.js';
import { connectBus, ensureBus } from '../ingest/nats-bus.js';
import { publishFile } from '../ingest/nats-publisher.js';
import { requireAccount } from './account-option.js';
import { DEFAULT_NATS_URL } from './consume.js';
import { action, addSettings, BUS_SETTINGS, positiveInt, rawSettings } from './options.js';

export function registerPublish(program: Command): void {
  addSettings(
    program
      .command('publish')
      .description('send an NDJSON event file (.gz too) to the NATS JetStream bus, in messages of --batch-size lines')
      .argument('<file>', 'NDJSON events')
      .requiredOption('--account <accountId>', 'the account the events belong to')
      .option('--batch-size <lines>', 'lines per message', '1000'),
    BUS_SETTINGS,
  ).action(
    action(async (file: string, options: Record<string, unknown>) => {
      const accountId = requireAccount(options.account);
      const batch = positiveInt('--batch-size', options.batchSize);
      const bus = readBusConfig(rawSettings(options), process.env, DEFAULT_NATS_URL);
      if (!bus) throw new Error('unreachable: a default bus URL is given');
      const nc = await connectBus(bus);
      try {
        await ensureBus(nc, bus);
        const stats = await publishFile(nc, bus, accountId, file, batch);
        process.stdout.write(`published ${stats.lines} lines in ${stats.messages} messages (${stats.duplicates} already on the bus)\n`);
      } finally {
        await nc.drain();
      }
    }),
  );
}
