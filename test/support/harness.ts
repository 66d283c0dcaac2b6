/**
 * Test harness: a fresh app on a fresh store, a client per scope set, and small request helpers.
 * Stores: every contract test loops over STORES so each backend proves the same behaviour.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import type { Scope } from '../../src/auth/credentials.js';
import { hashSecret } from '../../src/auth/credentials.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { postgresFactory } from './postgres.js';

export interface StoreFactory {
  name: string;
  open(options: { now: () => number; snapshotTtlMs: number }): Promise<Store>;
}

export const STORES: StoreFactory[] = [
  { name: 'sqlite', open: async ({ now, snapshotTtlMs }) => new SqliteStore({ file: ':memory:', snapshotTtlMs, now }) },
  // a fresh schema per open, dropped on close (test/support/postgres.ts)
  postgresFactory,
];

export const ACCOUNT = 'acme';
/** The harness app's signing secret (bearer tokens and snapshot marks). */
export const SIGNING_SECRET = 'test-secret-test-secret-test-secret-0123456789';
/** 2026-03-30T00:00:00Z, the spec's example day */
export const DAY0 = Date.UTC(2026, 2, 30);
export const at = (hhmmss: string, day = DAY0): number => {
  const [h, m, s] = hhmmss.split(':').map(Number) as [number, number, number?];
  return day + ((h * 60 + m) * 60 + (s ?? 0)) * 1000;
};

export interface Harness {
  app: FastifyInstance;
  store: Store;
  clock: { now: number };
  /** a bearer token for the account with the given scopes */
  token(scopes?: Scope[], accountId?: string): Promise<string>;
  ingest(events: unknown[], accountId?: string): Promise<{ status: number; body: any }>;
  get(url: string, scopes?: Scope[]): Promise<{ status: number; body: any; raw: string }>;
  close(): Promise<void>;
}

let clientCounter = 0;

export async function harness(
  factory: StoreFactory = STORES[0] as StoreFactory,
  options: { snapshotTtlMs?: number; maxBatchEvents?: number; maxBodyBytes?: number } = {},
): Promise<Harness> {
  // The clock starts a day after the example day so its events are never "in the future".
  const clock = { now: DAY0 + 2 * 24 * 3600 * 1000 };
  const now = () => clock.now;
  const snapshotTtlMs = options.snapshotTtlMs ?? 3600_000;
  const store = await factory.open({ now, snapshotTtlMs });
  const app = await buildApp({
    store,
    signingSecret: SIGNING_SECRET,
    snapshotTtlMs,
    now,
    publicUrl: 'http://wfm.test',
    ...(options.maxBatchEvents === undefined ? {} : { maxBatchEvents: options.maxBatchEvents }),
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
  });
  const tokens = new Map<string, string>();
  const token = async (scopes: Scope[] = ['read', 'ingest', 'admin'], accountId = ACCOUNT): Promise<string> => {
    const key = `${accountId}/${scopes.join(',')}`;
    const cached = tokens.get(key);
    if (cached) return cached;
    const clientId = `test-client-${++clientCounter}`;
    await store.createClient({ clientId, accountId, secretHash: await hashSecret('secret'), scopes, createdAt: clock.now });
    const res = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'client_credentials', client_id: clientId, client_secret: 'secret' },
    });
    if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode} ${res.body}`);
    const t = res.json().access_token as string;
    tokens.set(key, t);
    return t;
  };
  return {
    app,
    store,
    clock,
    token,
    async ingest(events, accountId = ACCOUNT) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/account/${accountId}/events`,
        headers: { authorization: `Bearer ${await token(['ingest'], accountId)}`, 'content-type': 'application/json' },
        payload: JSON.stringify(events),
      });
      return { status: res.statusCode, body: res.json() };
    },
    async get(url, scopes = ['read']) {
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${await token(scopes)}` } });
      return { status: res.statusCode, body: res.body.startsWith('{') ? res.json() : undefined, raw: res.body };
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}

/** Follows `next` links from a first page, collecting pages (links are absolute: strip the base). */
export async function walkPages(h: Harness, firstUrl: string, pick: (body: any) => unknown[]): Promise<unknown[]> {
  const items: unknown[] = [];
  let url: string | undefined = firstUrl;
  for (let guard = 0; url !== undefined && guard < 10_000; guard++) {
    const res = await h.get(url);
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${res.raw}`);
    items.push(...pick(res.body));
    const refs = (res.body._metadata ?? res.body.pagination).references as Array<{ rel: string; href: string }>;
    const next = refs.find((r) => r.rel === 'next');
    url = next ? next.href.replace('http://wfm.test', '') : undefined;
  }
  return items;
}
