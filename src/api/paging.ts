/**
 * Paging shared by every list endpoint (spec/api.md "Pagination links"): window and limit
 * rules, the snapshot a request answers from, and the first/previous/next/last links.
 */
import { createHash } from 'node:crypto';
import { parseRfc3339 } from '../domain/time.js';
import type { Cause } from '../errors.js';
import { badRequest, WfmError } from '../errors.js';
import type { Store, TimeWindow } from '../store/store.js';
import type { SnapshotMark, SnapshotTokens } from './snapshot-token.js';

export const DAY_MS = 24 * 3600 * 1000;

export interface Snapshot extends SnapshotMark {
  token: string;
}

/**
 * The snapshot a list request answers from: the one named by `asOf`, or a new one at the
 * account's current version. An expired mark is a 410; a forged or garbled one a 400.
 */
export async function resolveSnapshot(
  store: Store,
  tokens: SnapshotTokens,
  accountId: string,
  asOf: string | undefined,
  now: number,
  ttlMs: number,
): Promise<Snapshot> {
  const account = await store.accountVersion(accountId);
  if (asOf === undefined) {
    const mark = { version: account.version, issuedAt: now };
    return { ...mark, token: tokens.sign(mark) };
  }
  const mark = tokens.read(asOf);
  if (!mark || mark.version > account.version) {
    throw badRequest('invalid asOf snapshot mark', [
      { field: 'asOf', message: 'not a snapshot mark issued by this service; start again from the first link' },
    ]);
  }
  if (now - mark.issuedAt > ttlMs || mark.version < account.floor) {
    throw new WfmError('WFM_ERR_SNAPSHOT_EXPIRED', 'the snapshot of this page has expired; start again from the first link (without asOf)');
  }
  return { ...mark, token: asOf };
}

/** The parameters that move a walk through a list rather than choose the list. */
const WALK_PARAMETERS = new Set(['offset', 'limit', 'asOf']);

/**
 * A list's identity within a snapshot: its path and every query parameter except offset, limit
 * and asOf (sorted), hashed to 16 base64url characters. Pages with the same key, read as of the
 * same snapshot, have the same count.
 */
export function listKeyOf(path: string, params: URLSearchParams): string {
  const chosen = [...params]
    .filter(([name]) => !WALK_PARAMETERS.has(name))
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .sort();
  return createHash('sha256')
    .update(`${path}?${chosen.join('&')}`)
    .digest('base64url')
    .slice(0, 16);
}

/**
 * Counting a list costs a scan of its whole window on every page, so the first page of a walk
 * puts the count in the snapshot mark of its links (signed, bound to the list): later pages of
 * the same list read it from there. The count the snapshot carries for `listKey`, if any.
 */
export function carriedCount(snapshot: Snapshot, listKey: string): number | undefined {
  return snapshot.list?.key === listKey ? snapshot.list.count : undefined;
}

/**
 * The snapshot mark a page's links carry: the one the request came with (a later page of a
 * walk), or a new one for the same snapshot that also carries the list's count.
 */
export function linkMark(tokens: SnapshotTokens, snapshot: Snapshot, asOf: string | undefined, listKey: string, count: number): string {
  return asOf ?? tokens.sign({ version: snapshot.version, issuedAt: snapshot.issuedAt, list: { key: listKey, count } });
}

/**
 * Reads a from/to pair given as RFC 3339 strings: both or neither (default: the `defaultSpan`
 * before `now`), from < to, span ≤ maxSpan. Adds every problem to `causes`.
 */
export function readWindow(
  query: { from?: string | undefined; to?: string | undefined },
  now: number,
  defaultSpanMs: number,
  maxSpanMs: number,
  causes: Cause[],
  names: { from: string; to: string } = { from: 'from', to: 'to' },
): TimeWindow {
  if (query.from === undefined && query.to === undefined) return { from: now - defaultSpanMs, to: now };
  const from = readInstant(query.from, names.from, causes);
  const to = readInstant(query.to, names.to, causes);
  return checkWindow(from, to, maxSpanMs, causes, names);
}

export function checkWindow(
  from: number | undefined,
  to: number | undefined,
  maxSpanMs: number,
  causes: Cause[],
  names: { from: string; to: string },
): TimeWindow {
  if (from === undefined || to === undefined) return { from: 0, to: 0 };
  if (from >= to) causes.push({ field: names.from, message: `must be before ${names.to}` });
  else if (to - from > maxSpanMs) causes.push({ field: names.to, message: `the window may span at most ${maxSpanMs / DAY_MS} days` });
  return { from, to };
}

function readInstant(value: string | undefined, field: string, causes: Cause[]): number | undefined {
  if (value === undefined) {
    causes.push({ field, message: 'required when the other end of the window is given' });
    return undefined;
  }
  const parsed = parseRfc3339(value);
  if (typeof parsed === 'string') {
    causes.push({ field, message: parsed });
    return undefined;
  }
  return parsed;
}

/**
 * A window given either as RFC 3339 `from`/`to` or as epoch-ms `fromMillis`/`toMillis` (not
 * both forms); defaults to the `defaultSpanMs` before `now`.
 */
export function readWindowEitherForm(
  query: { from?: string | undefined; to?: string | undefined; fromMillis?: number | undefined; toMillis?: number | undefined },
  now: number,
  defaultSpanMs: number,
  maxSpanMs: number,
  causes: Cause[],
): TimeWindow {
  const millis = query.fromMillis !== undefined || query.toMillis !== undefined;
  if (!millis) return readWindow(query, now, defaultSpanMs, maxSpanMs, causes);
  if (query.from !== undefined || query.to !== undefined) {
    causes.push({ field: 'fromMillis', message: 'give either from/to or fromMillis/toMillis, not both' });
    return { from: 0, to: 0 };
  }
  for (const field of ['fromMillis', 'toMillis'] as const) {
    if (query[field] === undefined) causes.push({ field, message: 'required when the other end of the window is given' });
  }
  return checkWindow(query.fromMillis, query.toMillis, maxSpanMs, causes, { from: 'fromMillis', to: 'toMillis' });
}

/** Offset and limit with the endpoint's default and maximum. */
export function readPage(
  query: { offset?: number | undefined; limit?: number | undefined },
  defaultLimit: number,
  maxLimit: number,
  causes: Cause[],
): { offset: number; limit: number } {
  const offset = query.offset ?? 0;
  const limit = query.limit ?? defaultLimit;
  if (offset < 0) causes.push({ field: 'offset', message: 'must be ≥ 0' });
  if (limit < 1 || limit > maxLimit) causes.push({ field: 'limit', message: `must be from 1 to ${maxLimit}` });
  return { offset, limit };
}

export interface Link {
  rel: 'self' | 'first' | 'previous' | 'next' | 'last';
  href: string;
}

/**
 * The links of a page: absolute URLs repeating every parameter of the request, with offset,
 * limit and the snapshot mark set.
 */
export function pageLinks(
  baseUrl: string,
  path: string,
  params: URLSearchParams,
  page: { offset: number; limit: number },
  count: number,
  snapshotToken: string,
): Link[] {
  const href = (offset: number): string => {
    const p = new URLSearchParams(params);
    p.set('offset', String(offset));
    p.set('limit', String(page.limit));
    p.set('asOf', snapshotToken);
    return `${baseUrl}${path}?${p.toString()}`;
  };
  const links: Link[] = [
    { rel: 'self', href: href(page.offset) },
    { rel: 'first', href: href(0) },
  ];
  if (page.offset > 0) links.push({ rel: 'previous', href: href(Math.max(0, page.offset - page.limit)) });
  if (page.offset + page.limit < count) links.push({ rel: 'next', href: href(page.offset + page.limit) });
  if (count > page.limit) links.push({ rel: 'last', href: href(Math.floor((count - 1) / page.limit) * page.limit) });
  return links;
}

export function throwIfCauses(causes: Cause[]): void {
  if (causes.length > 0) throw badRequest('invalid request parameters', causes);
}
