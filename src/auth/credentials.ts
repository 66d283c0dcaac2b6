import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export const SCOPES = ['read', 'ingest', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** A new client id and secret; the secret is shown once and only its hash is stored. */
export function newClientCredentials(): { clientId: string; clientSecret: string } {
  return { clientId: `wfm_${randomBytes(12).toString('hex')}`, clientSecret: randomBytes(32).toString('base64url') };
}

/**
 * Hashes a client secret with scrypt and a random salt.
 *
 * @example await verifySecret('s3cret', await hashSecret('s3cret')) // true
 */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, 32);
  return `scrypt$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(secret, Buffer.from(salt, 'base64url'), expected.length);
  return timingSafeEqual(expected, actual);
}

/** Parses `read,ingest` into scopes, or returns the unknown names. */
export function parseScopes(list: string): { scopes: Scope[]; unknown: string[] } {
  const names = list.split(/[,\s]+/).filter(Boolean);
  const unknown = names.filter((n) => !(SCOPES as readonly string[]).includes(n));
  const scopes = SCOPES.filter((s) => names.includes(s));
  return { scopes, unknown };
}
