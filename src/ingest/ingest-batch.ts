import type { Cause } from '../errors.js';
import { WfmError } from '../errors.js';
import type { CanonicalEvent, Store } from '../store/store.js';
import { UnparsableLine } from './parse-body.js';
import { canonicalEventJson, validateEvent } from './validate-event.js';

export interface BatchResult {
  accepted: number;
  duplicates: number;
}

const STORED_CONFLICT = 'id is already stored with different content';

/**
 * The one batch write every ingest path ends in: validate → deduplicate within the batch →
 * store atomically. All-or-nothing (spec/events.md): any invalid event makes it a 400 listing
 * every bad event, conflicts included; conflicts alone make it a 409; nothing is stored then.
 */
export async function ingestBatch(store: Store, accountId: string, raws: readonly unknown[], nowMs: number): Promise<BatchResult> {
  const invalid: Cause[] = [];
  const conflicts: Cause[] = [];
  const unique: CanonicalEvent[] = [];
  const uniqueIndex: number[] = [];
  const seen = new Map<string, { canonical: string; index: number }>();
  let batchDuplicates = 0;

  raws.forEach((raw, index) => {
    if (raw instanceof UnparsableLine) {
      invalid.push({ index, message: raw.message });
      return;
    }
    const result = validateEvent(raw, { nowMs, accountId });
    if (!result.ok) {
      const id = idOf(raw);
      for (const c of result.causes) invalid.push(withId({ index, ...c }, id));
      return;
    }
    const canonical = canonicalEventJson(result.event);
    const earlier = seen.get(result.event.id);
    if (!earlier) {
      seen.set(result.event.id, { canonical, index });
      unique.push({ event: result.event, canonical });
      uniqueIndex.push(index);
    } else if (earlier.canonical === canonical) {
      batchDuplicates++;
    } else {
      conflicts.push({
        index,
        id: result.event.id,
        field: 'id',
        message: `id is used by a different event at index ${earlier.index} of this batch`,
      });
    }
  });

  const storedConflicts = (positions: number[]): Cause[] =>
    positions.map((p) => ({
      index: uniqueIndex[p] as number,
      id: (unique[p] as CanonicalEvent).event.id,
      field: 'id',
      message: STORED_CONFLICT,
    }));

  if (invalid.length > 0 || conflicts.length > 0) {
    const all = [...invalid, ...conflicts, ...storedConflicts(await store.findConflicts(accountId, unique))];
    throw rejection(all, invalid.length > 0);
  }
  const outcome = await store.ingest(accountId, unique);
  if (outcome.conflicts.length > 0) throw rejection(storedConflicts(outcome.conflicts), false);
  return { accepted: outcome.accepted, duplicates: outcome.duplicates + batchDuplicates };
}

function rejection(causes: Cause[], anyInvalid: boolean): WfmError {
  causes.sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  const bad = new Set(causes.map((c) => c.index)).size;
  return anyInvalid
    ? new WfmError('WFM_ERR_BAD_REQUEST', `${bad} bad event(s) in the batch; nothing was stored`, causes)
    : new WfmError('WFM_ERR_CONFLICT', `${bad} event(s) reuse an id with different content; nothing was stored`, causes);
}

function idOf(raw: unknown): string | undefined {
  if (typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string') return raw.id;
  return undefined;
}

function withId(cause: Cause, id: string | undefined): Cause {
  return id === undefined
    ? cause
    : { index: cause.index as number, id, ...(cause.field === undefined ? {} : { field: cause.field }), message: cause.message };
}
