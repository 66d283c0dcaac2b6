import type { Command } from 'commander';
import { hashSecret, newClientCredentials, parseScopes } from '../auth/credentials.js';
import { readStoreConfig } from '../config.js';
import { WfmError } from '../errors.js';
import { openStore } from '../main.js';
import { requireAccount } from './account-option.js';
import { action, addSettings, rawSettings, STORE_SETTINGS } from './options.js';

export function registerClient(program: Command): void {
  const client = program.command('client').description('manage API clients (OAuth 2.0 client credentials)');
  addSettings(
    client
      .command('create')
      .description('create a client for an account; prints its secret once (only a hash is stored)')
      .requiredOption('--account <accountId>', 'the account the client may access')
      .requiredOption('--scopes <list>', 'comma-separated scopes: read, ingest, admin')
      .option('--json', 'print {"client_id", "client_secret"} as JSON'),
    STORE_SETTINGS,
  ).action(
    action(async (options: Record<string, unknown>) => {
      const accountId = requireAccount(options.account);
      const { scopes, unknown } = parseScopes(String(options.scopes));
      if (unknown.length > 0 || scopes.length === 0) {
        throw new WfmError(
          'WFM_ERR_BAD_REQUEST',
          `--scopes must list read, ingest and/or admin (unknown: ${unknown.join(', ') || 'none given'})`,
        );
      }
      const store = await openStore(readStoreConfig(rawSettings(options)));
      try {
        const { clientId, clientSecret } = newClientCredentials();
        await store.createClient({ clientId, accountId, secretHash: await hashSecret(clientSecret), scopes, createdAt: Date.now() });
        if (options.json) process.stdout.write(`${JSON.stringify({ client_id: clientId, client_secret: clientSecret })}\n`);
        else {
          process.stdout.write(
            `client_id:     ${clientId}\nclient_secret: ${clientSecret}\naccount:       ${accountId}\nscopes:        ${scopes.join(',')}\n` +
              'The secret is shown only now; store it safely.\n',
          );
        }
      } finally {
        await store.close();
      }
    }),
  );
}
