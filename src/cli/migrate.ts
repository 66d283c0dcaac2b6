import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { readStoreConfig, type StoreConfig } from '../config.js';
import { WfmError } from '../errors.js';
import { redactUrl } from '../store/postgres/connection.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { action, addSettings, rawSettings, STORE_SETTINGS } from './options.js';

export function registerMigrate(program: Command): void {
  addSettings(
    program
      .command('migrate')
      .description('apply pending schema migrations to the store and print its schema version (opening a store applies them too)'),
    STORE_SETTINGS,
  ).action(
    action(async (options: Record<string, unknown>) => {
      const config = readStoreConfig(rawSettings(options));
      const { store, from, to } = await applyMigrations(config);
      const applied = to - from;
      process.stdout.write(
        `${store}: schema version ${to}${applied === 0 ? ' (up to date)' : ` (applied ${applied} migration${applied === 1 ? '' : 's'}, from version ${from})`}\n`,
      );
    }),
  );
}

/**
 * Migrates the configured store, chosen as `openStore` chooses it (a database URL means
 * PostgreSQL): only this command needs the version before and after, which the port does not carry.
 */
async function applyMigrations(config: StoreConfig): Promise<{ store: string; from: number; to: number }> {
  if (config.databaseUrl !== undefined) {
    try {
      return { store: `PostgreSQL ${redactUrl(config.databaseUrl)}`, ...(await PostgresStore.migrate({ url: config.databaseUrl })) };
    } catch (err) {
      throw new WfmError('WFM_ERR_CONFIG', (err as Error).message);
    }
  }
  try {
    const from = existsSync(config.db) ? sqliteVersion(config.db) : 0;
    // Opening the embedded store applies its migrations.
    await new SqliteStore({ file: config.db, snapshotTtlMs: config.snapshotTtlMs }).close();
    return { store: `SQLite ${config.db}`, from, to: sqliteVersion(config.db) };
  } catch (err) {
    throw new WfmError('WFM_ERR_CONFIG', `cannot migrate the SQLite store at ${config.db}: ${(err as Error).message}`);
  }
}

function sqliteVersion(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}
