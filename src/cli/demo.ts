import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import { hashSecret, newClientCredentials } from '../auth/credentials.js';
import { TokenService } from '../auth/tokens.js';
import { readServerConfig } from '../config.js';
import { ingestBatch } from '../ingest/ingest-batch.js';
import { openStore, signingSecret, startServer } from '../main.js';
import { simulate } from '../sim/simulate.js';
import { action, addSettings, rawSettings, SERVER_SETTINGS } from './options.js';

const DEMO_ACCOUNT = 'demo';
const HOUR = 3_600_000;

export function registerDemo(program: Command): void {
  addSettings(
    program
      .command('demo')
      .description('simulate the last 24 hours into a fresh embedded store, serve the API and print a token and example calls')
      .option('--agents <n>', 'agents to simulate', '40'),
    SERVER_SETTINGS.filter((name) => name !== 'databaseUrl'),
  ).action(
    action(async (options: Record<string, unknown>) => {
      // The demo always runs on a fresh embedded store, whatever DATABASE_URL says.
      const { databaseUrl: _ignored, ...config } = readServerConfig({ db: './data/demo.db', ...rawSettings(options) });
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${config.db}${suffix}`, { force: true });

      const store = await openStore(config);
      const now = Date.now();
      const start = Math.floor(now / HOUR) * HOUR - 24 * HOUR;
      process.stderr.write('wfm demo: simulating the last 24 hours…\n');
      let batch: unknown[] = [];
      let total = 0;
      for (const event of simulate({ seed: 1, agents: Number(options.agents ?? 40), hours: 24, start })) {
        batch.push(event);
        if (batch.length === 10_000) {
          total += (await ingestBatch(store, DEMO_ACCOUNT, batch, now)).accepted;
          batch = [];
        }
      }
      total += (await ingestBatch(store, DEMO_ACCOUNT, batch, now)).accepted;

      const { clientId, clientSecret } = newClientCredentials();
      const scopes = ['read', 'ingest', 'admin'] as const;
      await store.createClient({
        clientId,
        accountId: DEMO_ACCOUNT,
        secretHash: await hashSecret(clientSecret),
        scopes: [...scopes],
        createdAt: now,
      });
      const tokens = new TokenService(await signingSecret(store, config.jwtSecret), 24 * 3600, Date.now);
      const { token } = await tokens.issue({ accountId: DEMO_ACCOUNT, scopes: [...scopes], clientId });
      await store.close();

      const server = await startServer(config);
      const base = config.publicUrl ?? server.url.replace('127.0.0.1', 'localhost');
      process.stdout.write(
        [
          '',
          `wfm-metrics demo: ${total} simulated events for account "${DEMO_ACCOUNT}" (${config.db})`,
          `API and docs: ${base}/docs`,
          '',
          `client_id=${clientId}`,
          `client_secret=${clientSecret}`,
          `TOKEN=${token}`,
          '',
          'Try:',
          `  curl -s -H "Authorization: Bearer $TOKEN" '${base}/api/v2/account/${DEMO_ACCOUNT}/status-changes?v=2&limit=5'`,
          `  curl -s -H "Authorization: Bearer $TOKEN" '${base}/api/v2/account/${DEMO_ACCOUNT}/status-changes?v=1&limit=2'`,
          `  curl -s -H "Authorization: Bearer $TOKEN" '${base}/api/account/${DEMO_ACCOUNT}/agent-segments?limit=3'`,
          `  curl -s -H "Authorization: Bearer $TOKEN" '${base}/operations/api/account/${DEMO_ACCOUNT}/nht?fromMillis=${start}&toMillis=${start + 24 * HOUR}&interval=60&limit=1'`,
          `  curl -s -H "Authorization: Bearer $TOKEN" '${base}/api/account/${DEMO_ACCOUNT}/data-quality?limit=5'`,
          `  curl -s -d grant_type=client_credentials -d client_id=${clientId} -d client_secret=${clientSecret} ${base}/oauth/token`,
          '',
          'Ctrl-C stops the server.',
          '',
        ].join('\n'),
      );
      const stop = async () => {
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }),
  );
}
