/**
 * Helpers every backend shares for replacing an agent's derived rows with a recomputed set:
 * rows that did not change stay as they are (so snapshots and history stay small); only the
 * difference is superseded and inserted.
 */
import type { ActivityRecord, DataQualityItem } from '../domain/records.js';

/** A string that is equal for two records exactly when every field is equal. */
export function activityRecordKey(r: ActivityRecord): string {
  return JSON.stringify([
    r.agentId,
    r.time,
    r.sessionId,
    r.sequenceNumber,
    r.statusType,
    r.statusSubType,
    'statusReasonId' in r ? r.statusReasonId : null,
    'statusReasonText' in r ? r.statusReasonText : undefined,
    r.prevStatusChangeTime,
    r.eventId,
    r.employeeId,
    r.agentLoginName,
    r.agentUserName,
    r.agentGroupId,
  ]);
}

export function dataQualityKey(i: DataQualityItem): string {
  return JSON.stringify([i.kind, i.eventId, i.time, i.agentId ?? null, i.conversationId ?? null]);
}

/**
 * Splits a recomputed set against the current rows: which current rows to supersede (by their
 * handle) and which new rows to insert.
 */
export function diffRows<T, H>(
  current: ReadonlyArray<{ handle: H; row: T }>,
  next: readonly T[],
  keyOf: (row: T) => string,
): { supersede: H[]; insert: T[] } {
  const remaining = new Map<string, H[]>();
  for (const { handle, row } of current) {
    const key = keyOf(row);
    const list = remaining.get(key);
    if (list) list.push(handle);
    else remaining.set(key, [handle]);
  }
  const insert: T[] = [];
  for (const row of next) {
    const list = remaining.get(keyOf(row));
    if (list && list.length > 0) list.pop();
    else insert.push(row);
  }
  const supersede: H[] = [];
  for (const list of remaining.values()) supersede.push(...list);
  return { supersede, insert };
}
