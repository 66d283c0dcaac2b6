import { createHash } from 'node:crypto';

/**
 * The deterministic sessionId of a session opened without an explicit one (spec/metrics.md §1):
 * a positive safe integer derived from (account, agentId, time, opening event id).
 *
 * @example deriveSessionId('acme', 7, 1774861200000, 'ev-1') // e.g. 4015879208451123
 */
export function deriveSessionId(accountId: string, agentId: number, time: number, eventId: string): number {
  const digest = createHash('sha256').update(`${accountId}\u0000${agentId}\u0000${time}\u0000${eventId}`).digest();
  // 53 bits → [0, 2^53 - 1]; +1 keeps it ≥ 1 and ≤ MAX_SAFE_INTEGER.
  const high = digest.readUInt32BE(0) & 0x1fffff;
  const low = digest.readUInt32BE(4);
  const value = high * 2 ** 32 + low;
  return value === Number.MAX_SAFE_INTEGER ? value : value + 1;
}
