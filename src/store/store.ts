/**
 * The storage port. Every backend (sqlite/, postgres/, memory/) implements it with the same
 * behaviour, proven by one contract test suite run against each.
 *
 * Snapshots: every write transaction that stores something bumps the account's version;
 * derived rows carry the version range in which they are current, so a read "as of version v"
 * sees exactly what a read at that moment saw (spec/api.md "Pagination links").
 */
import type { SegmentHandleTime } from '../domain/aht.js';
import type { WfmEvent } from '../domain/events.js';
import type { NhtFacts, NhtHour } from '../domain/nht.js';
import type { ActivityRecord, DataQualityItem } from '../domain/records.js';

/** A validated event with its canonical JSON (the idempotency identity). */
export interface CanonicalEvent {
  event: WfmEvent;
  canonical: string;
}

export interface IngestOutcome {
  /** newly stored */
  accepted: number;
  /** identical to a stored event (the batch itself is deduplicated before the store sees it) */
  duplicates: number;
  /** positions (in the input array) of events whose id is stored with other content */
  conflicts: number[];
  /** the account's version after the write (unchanged when nothing was stored) */
  version: number;
}

export interface TimeWindow {
  from: number;
  to: number;
}

export type ActivityFilter =
  | { kind: 'none' }
  | { kind: 'agentId'; value: number }
  | { kind: 'employeeId'; value: string }
  | { kind: 'groupId'; value: number };

export interface PageRequest {
  offset: number;
  limit: number;
  /**
   * the list's count at this version when the caller knows it already (an earlier page of the
   * walk counted it): the store answers it as the count instead of counting again
   */
  knownCount?: number;
}

export interface Page<T> {
  count: number;
  items: T[];
}

export interface AgentActivityGroup {
  agentId: number;
  records: ActivityRecord[];
}

export interface ApiClient {
  clientId: string;
  accountId: string;
  secretHash: string;
  scopes: string[];
  createdAt: number;
}

export interface AccountVersion {
  /** the current version: reads without a snapshot mark answer as of it */
  version: number;
  /** snapshots of versions below this one have expired (settings changed, retention dropped data) */
  floor: number;
}

/** Per-account settings (spec/events.md "Account settings"). */
export interface AccountSettings {
  defaultMaxSlots: number;
  idleTimeoutMillis: number;
}

export const DEFAULT_SETTINGS: Readonly<AccountSettings> = Object.freeze({ defaultMaxSlots: 4, idleTimeoutMillis: 0 });

export const SEGMENT_SORT_FIELDS = ['endTime', 'startTime', 'conversationId', 'agentId', 'employeeId', 'skillId', 'groupId'] as const;
export type SegmentSortField = (typeof SEGMENT_SORT_FIELDS)[number];

export interface SegmentFilters {
  conversationId?: string;
  agentId?: number;
  employeeId?: string;
  skillId?: number;
  groupId?: number;
}

/** A closed segment as a list shows it: everything but its handle-time units. */
export type SegmentSummary = Omit<SegmentHandleTime, 'units'>;

export interface SegmentQuery {
  /** selects segments by end time: from ≤ end < to */
  window: TimeWindow;
  filters: SegmentFilters;
  sort: { field: SegmentSortField; descending: boolean };
  page: PageRequest;
}

/** What {@link Store.retention} removed. */
export interface RetentionOutcome {
  /** everything before this instant (the start of the UTC month holding the cutoff) is gone */
  before: number;
  /** the accounts that lost raw events: how many, and their new snapshot floor */
  accounts: Array<{ accountId: string; events: number; floor: number }>;
  /** partitions dropped (PostgreSQL without an account); empty when rows were deleted instead */
  partitions: string[];
}

export interface Store {
  /** 'sqlite', 'postgres' or 'memory' */
  readonly kind: string;
  close(): Promise<void>;
  /** throws when the store cannot be reached */
  ping(): Promise<void>;

  /** Stores new events and recomputes what they affect, atomically; nothing is written when any conflicts. */
  ingest(accountId: string, events: readonly CanonicalEvent[]): Promise<IngestOutcome>;
  /** Positions of events whose id is stored with other content (no write). */
  findConflicts(accountId: string, events: readonly CanonicalEvent[]): Promise<number[]>;

  accountVersion(accountId: string): Promise<AccountVersion>;

  statusChanges(
    accountId: string,
    version: number,
    window: TimeWindow,
    filter: ActivityFilter,
    page: PageRequest,
  ): Promise<Page<ActivityRecord>>;
  /** v1: agents with at least one matching record, by agentId, each with all its matching records */
  statusChangesByAgent(
    accountId: string,
    version: number,
    window: TimeWindow,
    filter: ActivityFilter,
    page: PageRequest,
  ): Promise<Page<AgentActivityGroup>>;
  dataQuality(accountId: string, version: number, window: TimeWindow, page: PageRequest): Promise<Page<DataQualityItem>>;

  settings(accountId: string): Promise<AccountSettings>;
  /**
   * Changes settings and recomputes every derived record they affect, past included, in one
   * switch: reads answer from the old settings until it, and snapshots taken before expire.
   */
  updateSettings(accountId: string, changes: Partial<AccountSettings>): Promise<AccountSettings>;

  /** AHT: closed segments ending in the window, filtered, sorted (ties by segmentId), paged; without their units. */
  segments(accountId: string, version: number, query: SegmentQuery): Promise<Page<SegmentSummary>>;
  segment(accountId: string, version: number, segmentId: string): Promise<SegmentHandleTime | undefined>;
  /** Every closed segment ending in the window, by (end, segmentId), streamed. */
  segmentsEndingIn(accountId: string, version: number, window: TimeWindow): AsyncIterable<SegmentHandleTime>;

  /** The NHT facts touching [from, to) (whole hours: the caller widens the window), as of a version. */
  nhtFacts(accountId: string, version: number, window: TimeWindow): Promise<NhtFacts>;
  /** The cached NHT hours among `hourStarts` that answer `version` (see nht-hour-cache.ts), by start. */
  cachedNhtHours(accountId: string, version: number, hourStarts: readonly number[]): Promise<Map<number, NhtHour>>;
  /** Keeps NHT hours computed from the facts visible at `version`; best effort (a busy store may skip it). */
  cacheNhtHours(accountId: string, version: number, hours: readonly NhtHour[]): Promise<void>;

  /** Raw events of one account in (time, type rank, id) order, as canonical JSON lines. */
  exportEvents(accountId: string): AsyncIterable<string>;
  /** Accounts that have stored events. */
  accountsWithEvents(): Promise<string[]>;
  /** Recomputes every derived record of the account from its raw events. */
  rebuild(accountId: string): Promise<void>;
  /**
   * Removes whole UTC months before the month holding `cutoffMs`, of every account or of one:
   * raw events and their id-ledger entries, and the derived rows of that time (records,
   * data quality, segments, counted messages, sessions and segment spans that ended before it;
   * of the profile writes only the last `maxSlots` and `skills` write per agent stays). Derived
   * rows of later times stay as they are, and so does each agent's saved state; a later replay
   * of an agent (a late event, a rebuild, a settings change) sees only the remaining events.
   * The affected accounts' snapshots expire (410).
   */
  retention(cutoffMs: number, accountId?: string): Promise<RetentionOutcome>;

  createClient(client: ApiClient): Promise<void>;
  findClient(clientId: string): Promise<ApiClient | undefined>;
  /** A named secret generated once and kept, so every process on one store shares it. */
  sharedSecret(name: string, generate: () => string): Promise<string>;
}
