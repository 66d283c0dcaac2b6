/**
 * The composition root: the only place that wires adapters (store, tokens, HTTP) together.
 * CLI commands call these functions.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './api/app.js';
import type { ServerConfig, StoreConfig } from './config.js';
import { WfmError } from './errors.js';
import type { BusConfig } from './ingest/nats-bus.js';
import { busStats, connectBus, ensureBus } from './ingest/nats-bus.js';
import { PostgresStore } from './store/postgres/postgres-store.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';

/** Opens the configured store, with one clear error line when it cannot. */
export async function openStore(config: StoreConfig): Promise<Store> {
  if (config.databaseUrl !== undefined) {
    try {
      return await PostgresStore.open({ url: config.databaseUrl, snapshotTtlMs: config.snapshotTtlMs });
    } catch (err) {
      // PostgresStore.open explains in one line: unreachable, missing database, refused login, missing rights.
      throw new WfmError('WFM_ERR_CONFIG', (err as Error).message);
    }
  }
  try {
    return new SqliteStore({ file: config.db, snapshotTtlMs: config.snapshotTtlMs });
  } catch (err) {
    throw new WfmError('WFM_ERR_CONFIG', `cannot open the SQLite store at ${config.db}: ${(err as Error).message}`);
  }
}

/** The token-signing secret: configured, or generated once and kept in the store. */
export async function signingSecret(store: Store, configured: string | undefined): Promise<string> {
  return configured ?? (await store.sharedSecret('jwt-signing', () => randomBytes(48).toString('base64url')));
}

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  close(): Promise<void>;
}

/** Opens the store (and the bus, when configured), builds the app and listens; `close` stops them. */
export async function startServer(config: ServerConfig, bus?: BusConfig): Promise<RunningServer> {
  const store = await openStore(config);
  const nc = bus ? await connectBus(bus) : undefined;
  const jsm = nc && bus ? await ensureBus(nc, bus) : undefined;
  const app = await buildApp({
    ...(jsm && bus
      ? {
          readinessChecks: { bus: async () => void (await jsm.streams.info(bus.stream)) },
          busStats: () => busStats(jsm, bus),
        }
      : {}),
    store,
    signingSecret: await signingSecret(store, config.jwtSecret),
    publicUrl: config.publicUrl,
    tokenTtlSeconds: config.tokenTtlSeconds,
    snapshotTtlMs: config.snapshotTtlMs,
    maxBatchEvents: config.maxBatchEvents,
    maxBodyBytes: config.maxBodyBytes,
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
  });
  let address: string;
  try {
    address = await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await store.close();
    throw new WfmError('WFM_ERR_CONFIG', `cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`);
  }
  return {
    app,
    store,
    url: address,
    async close() {
      await app.close();
      await nc?.drain();
      await store.close();
    },
  };
}
