import type { Command } from 'commander';
import { readBusConfig, readStoreConfig } from '../config.js';
import { connectBus, ensureBus } from '../ingest/nats-bus.js';
import { runConsumer } from '../ingest/nats-consumer.js';
import { openStore } from '../main.js';
import { action, addSettings, BUS_SETTINGS, positiveInt, rawSettings, STORE_SETTINGS } from './options.js';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

export function registerConsume(program: Command): void {
  addSettings(
    program
      .command('consume')
      .description('ingest from the NATS JetStream bus: a worker on the shared durable consumer (run any number)')
      .option('--batch <n>', 'messages per pull', '16'),
    [...BUS_SETTINGS, ...STORE_SETTINGS],
  ).action(
    action(async (options: Record<string, unknown>) => {
      const raw = rawSettings(options);
      const bus = readBusConfig(raw, process.env, DEFAULT_NATS_URL);
      if (!bus) throw new Error('unreachable: a default bus URL is given');
      const batch = positiveInt('--batch', options.batch);
      const store = await openStore(readStoreConfig(raw));
      const nc = await connectBus(bus);
      await ensureBus(nc, bus);
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      process.stderr.write(`wfm: consuming ${bus.subjectPrefix}.* from ${bus.url} (stream ${bus.stream}, consumer ${bus.durable})\n`);
      try {
        const stats = await runConsumer({ nc, bus, store, now: Date.now, batch, signal: stop.signal });
        process.stdout.write(
          `consumed ${stats.messages} messages: accepted ${stats.accepted}, duplicates ${stats.duplicates}, dead letters ${stats.deadLetters}, retried ${stats.retries}\n`,
        );
      } finally {
        await nc.drain();
        await store.close();
      }
    }),
  );
}
