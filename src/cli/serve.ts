import type { Command } from 'commander';
import { readServerConfig } from '../config.js';
import { startServer } from '../main.js';
import { action, addSettings, rawSettings, SERVER_SETTINGS } from './options.js';

export function registerServe(program: Command): void {
  addSettings(program.command('serve').description('serve the HTTP API (and its docs at /docs)'), SERVER_SETTINGS).action(
    action(async (options: Record<string, unknown>) => {
      const server = await startServer(readServerConfig(rawSettings(options)));
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
