import type { Command } from 'commander';
import { readBusConfig, readServerConfig } from '../config.js';
import { startServer } from '../main.js';
import { action, addSettings, BUS_SETTINGS, rawSettings, SERVER_SETTINGS } from './options.js';

export function registerServe(program: Command): void {
  addSettings(
    program.command('serve').description('serve the HTTP API (and its docs at /docs); with --nats, /readyz and /metrics cover the bus'),
    [...SERVER_SETTINGS, ...BUS_SETTINGS],
  ).action(
    action(async (options: Record<string, unknown>) => {
      const raw = rawSettings(options);
      const server = await startServer(readServerConfig(raw), readBusConfig(raw));
      process.stderr.write(`wfm: serving on ${server.url} (docs at ${server.url}/docs)\n`);
      const stop = async () => {
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }),
  );
}
