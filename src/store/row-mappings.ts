/**
 * The derived tables every backend keeps, described once: their columns (with a
 * backend-neutral kind), how a record becomes a row and back, and the key that tells two rows
 * apart when a recompute replaces a scope. Each backend's tables.ts adapts the value kinds to
 * its own types (SQLite: booleans as 0/1; PostgreSQL: free text as UTF-8 BYTEA, which can hold
 * U+0000) and builds its VersionedTable from these specs.
 */
import type { WorkloadProfileWrite } from '../domain/agent-workload.js';
import type { SegmentHandleTime } from '../domain/aht.js';
import type { ActivityRecord, DataQualityItem } from '../domain/records.js';
import type { CountedMessage, SegmentSpan } from '../domain/segments.js';
import { activityRecordKey, dataQualityKey } from './derived-rows.js';
import type { SegmentSummary } from './store.js';

/** The end_time of a span that is still open (larger than any event time). */
export const OPEN_END = 8_640_000_000_000_000;

export type Row = Record<string, unknown>;

/**
 * What a column holds, independent of the backend: `int` an integer (times are epoch ms),
 * `text` an identifier or code (compared by byte), `freeText` user text that may hold any code
 * point, `bool` a flag.
 */
export type ValueKind = 'int' | 'text' | 'freeText' | 'bool';

export interface ColumnSpec {
  name: string;
  kind: ValueKind;
}

/**
 * A derived table: `toRow` gives the values in column order (free text as string or null,
 * flags as booleans), `fromRow` reads a row whose values are in that same neutral form.
 */
export interface DerivedTableSpec<T> {
  name: string;
  columns: readonly ColumnSpec[];
  toRow(item: T): unknown[];
  fromRow(row: Row): T;
  /** equal for two items exactly when every stored field is equal */
  keyOf(item: T): string;
  /** the time column a time-partitioned backend partitions the table by, if it does */
  partitionKey?: string;
}

export interface SessionRow {
  agentId: number;
  sessionId: number;
  start: number;
  end: number | null;
}

export type WorkloadSegmentRow = Pick<
  SegmentSpan,
  'agentId' | 'segmentId' | 'conversationId' | 'skillId' | 'start' | 'end' | 'startEventId'
>;
export type WorkloadMessageRow = Pick<CountedMessage, 'agentId' | 'time' | 'skillId' | 'segmentId' | 'eventId'>;
export interface WorkloadProfileRow extends WorkloadProfileWrite {
  agentId: number;
}

const cols = (spec: Record<string, ValueKind>): ColumnSpec[] => Object.entries(spec).map(([name, kind]) => ({ name, kind }));

/** Open spans are stored with end_time OPEN_END, so overlap queries need one index. */
export const endOrOpen = (end: number | null): number => end ?? OPEN_END;
export const openOrEnd = (end: unknown): number | null => (end === OPEN_END ? null : (end as number));

export const ACTIVITY_COLUMNS = cols({
  time: 'int',
  agent_id: 'int',
  session_id: 'int',
  sequence_number: 'int',
  event_id: 'text',
  status_type: 'int',
  status_sub_type: 'int',
  has_reason: 'bool',
  reason_id: 'int',
  reason_text: 'freeText',
  prev_status_change_time: 'int',
  employee_id: 'text',
  login_name: 'freeText',
  user_name: 'freeText',
  group_id: 'int',
});

export function activityToRow(r: ActivityRecord): unknown[] {
  const hasReason = r.statusReasonId !== undefined;
  return [
    r.time,
    r.agentId,
    r.sessionId,
    r.sequenceNumber,
    r.eventId,
    r.statusType,
    r.statusSubType,
    hasReason,
    hasReason ? r.statusReasonId : null,
    hasReason ? (r.statusReasonText ?? null) : null,
    r.prevStatusChangeTime,
    r.employeeId,
    r.agentLoginName,
    r.agentUserName,
    r.agentGroupId,
  ];
}

export function rowToActivityRecord(row: Row): ActivityRecord {
  const r: ActivityRecord = {
    agentId: row.agent_id as number,
    time: row.time as number,
    sessionId: row.session_id as number,
    sequenceNumber: row.sequence_number as number,
    statusType: row.status_type as number,
    statusSubType: row.status_sub_type as number,
    prevStatusChangeTime: row.prev_status_change_time as number | null,
    eventId: row.event_id as string,
    employeeId: row.employee_id as string,
    agentLoginName: row.login_name as string,
    agentUserName: row.user_name as string,
    agentGroupId: row.group_id as number,
  };
  if (row.has_reason) {
    r.statusReasonId = (row.reason_id as number | null) ?? -1;
    r.statusReasonText = row.reason_text as string | null;
  }
  return r;
}

/**
 * A paged read of activity records selects these columns (as arrays, one per row: no object
 * with 15 named properties per row from the driver) and {@link activityFromValues} reads them.
 */
export const ACTIVITY_READ_COLUMNS = [
  'agent_id',
  'time',
  'session_id',
  'sequence_number',
  'status_type',
  'status_sub_type',
  'prev_status_change_time',
  'event_id',
  'employee_id',
  'login_name',
  'user_name',
  'group_id',
  'has_reason',
  'reason_id',
  'reason_text',
] as const;

/** An activity record from the values of {@link ACTIVITY_READ_COLUMNS}, in that order (free text decoded). */
export function activityFromValues(v: readonly unknown[]): ActivityRecord {
  const r: ActivityRecord = {
    agentId: v[0] as number,
    time: v[1] as number,
    sessionId: v[2] as number,
    sequenceNumber: v[3] as number,
    statusType: v[4] as number,
    statusSubType: v[5] as number,
    prevStatusChangeTime: v[6] as number | null,
    eventId: v[7] as string,
    employeeId: v[8] as string,
    agentLoginName: v[9] as string,
    agentUserName: v[10] as string,
    agentGroupId: v[11] as number,
  };
  if (v[12]) {
    r.statusReasonId = (v[13] as number | null) ?? -1;
    r.statusReasonText = v[14] as string | null;
  }
  return r;
}

export const ISSUE_COLUMNS = cols({ time: 'int', event_id: 'text', kind: 'text', agent_id: 'int', conversation_id: 'text' });

export function rowToIssue(row: Row): DataQualityItem {
  const item: DataQualityItem = { kind: row.kind as DataQualityItem['kind'], eventId: row.event_id as string, time: row.time as number };
  if (row.agent_id !== null) item.agentId = row.agent_id as number;
  if (row.conversation_id !== null) item.conversationId = row.conversation_id as string;
  return item;
}

export const SEGMENT_COLUMNS = cols({
  segment_id: 'text',
  conversation_id: 'text',
  agent_id: 'int',
  skill_id: 'int',
  employee_id: 'text',
  group_id: 'int',
  start_time: 'int',
  end_time: 'int',
  end_reason: 'text',
  total_handle_ms: 'int',
  in_focus_ms: 'int',
  units: 'text',
});

/** A closed segment as a row; its handle-time units are one JSON text of tuples. */
export function segmentRow(s: SegmentHandleTime): unknown[] {
  const units = s.units.map((u) => [u.sequence, u.startReason, u.endReason, u.startTimestamp, u.endTimestamp, u.handleTimeMillis]);
  return [
    s.segmentId,
    s.conversationId,
    s.agentId,
    s.skillId,
    s.employeeId,
    s.groupId,
    s.start,
    s.end,
    s.endReason,
    s.totalHandleTimeMillis,
    s.inFocusTimeMillis,
    JSON.stringify(units),
  ];
}

export function rowToSegment(row: Row): SegmentHandleTime {
  const units = (JSON.parse(row.units as string) as Array<[number, string, string, number, number, number]>).map(
    ([sequence, startReason, endReason, startTimestamp, endTimestamp, handleTimeMillis]) => ({
      sequence,
      startReason: startReason as SegmentHandleTime['units'][number]['startReason'],
      endReason: endReason as SegmentHandleTime['units'][number]['endReason'],
      startTimestamp,
      endTimestamp,
      handleTimeMillis,
    }),
  );
  return {
    segmentId: row.segment_id as string,
    conversationId: row.conversation_id as string,
    agentId: row.agent_id as number,
    skillId: row.skill_id as number,
    start: row.start_time as number,
    end: row.end_time as number,
    endReason: row.end_reason as SegmentHandleTime['endReason'],
    employeeId: row.employee_id as string,
    groupId: row.group_id as number,
    units,
    totalHandleTimeMillis: row.total_handle_ms as number,
    inFocusTimeMillis: row.in_focus_ms as number,
  };
}

/** The columns a segment list selects (not the units), in the order {@link segmentSummaryFromValues} reads them. */
export const SEGMENT_SUMMARY_COLUMNS = [
  'segment_id',
  'conversation_id',
  'agent_id',
  'skill_id',
  'start_time',
  'end_time',
  'end_reason',
  'employee_id',
  'group_id',
  'total_handle_ms',
  'in_focus_ms',
] as const;

export function segmentSummaryFromValues(v: readonly unknown[]): SegmentSummary {
  return {
    segmentId: v[0] as string,
    conversationId: v[1] as string,
    agentId: v[2] as number,
    skillId: v[3] as number,
    start: v[4] as number,
    end: v[5] as number,
    endReason: v[6] as SegmentSummary['endReason'],
    employeeId: v[7] as string,
    groupId: v[8] as number,
    totalHandleTimeMillis: v[9] as number,
    inFocusTimeMillis: v[10] as number,
  };
}

/**
 * Positions of the free-text columns among `names` (of the table `columns`): a backend that
 * stores free text in another form decodes the values at these positions before mapping.
 */
export function freeTextPositions(columns: readonly ColumnSpec[], names: readonly string[]): number[] {
  const freeText = new Set(columns.filter((c) => c.kind === 'freeText').map((c) => c.name));
  return names.flatMap((name, i) => (freeText.has(name) ? [i] : []));
}

/** The derived tables, by the name each backend's `derivedTables()` gives them. */
export const DERIVED_TABLES = {
  activity: {
    name: 'activity_records',
    columns: ACTIVITY_COLUMNS,
    toRow: activityToRow,
    fromRow: rowToActivityRecord,
    keyOf: activityRecordKey,
    partitionKey: 'time',
  } satisfies DerivedTableSpec<ActivityRecord>,
  issues: {
    name: 'data_quality',
    columns: ISSUE_COLUMNS,
    toRow: (i: DataQualityItem) => [i.time, i.eventId, i.kind, i.agentId ?? null, i.conversationId ?? null],
    fromRow: rowToIssue,
    keyOf: dataQualityKey,
    partitionKey: 'time',
  } satisfies DerivedTableSpec<DataQualityItem>,
  segments: {
    name: 'segments',
    columns: SEGMENT_COLUMNS,
    toRow: segmentRow,
    fromRow: rowToSegment,
    keyOf: (s: SegmentHandleTime) => JSON.stringify(segmentRow(s)),
    partitionKey: 'end_time',
  } satisfies DerivedTableSpec<SegmentHandleTime>,
  sessions: {
    name: 'workload_sessions',
    columns: cols({ agent_id: 'int', session_id: 'int', start_time: 'int', end_time: 'int' }),
    toRow: (s: SessionRow) => [s.agentId, s.sessionId, s.start, endOrOpen(s.end)],
    fromRow: (r: Row): SessionRow => ({
      agentId: r.agent_id as number,
      sessionId: r.session_id as number,
      start: r.start_time as number,
      end: openOrEnd(r.end_time),
    }),
    keyOf: (s: SessionRow) => `${s.agentId}/${s.sessionId}/${s.start}/${s.end}`,
  } satisfies DerivedTableSpec<SessionRow>,
  workloadSegments: {
    name: 'workload_segments',
    columns: cols({
      agent_id: 'int',
      segment_id: 'text',
      conversation_id: 'text',
      skill_id: 'int',
      start_time: 'int',
      end_time: 'int',
      start_event_id: 'text',
    }),
    toRow: (s: WorkloadSegmentRow) => [s.agentId, s.segmentId, s.conversationId, s.skillId, s.start, endOrOpen(s.end), s.startEventId],
    fromRow: (r: Row): WorkloadSegmentRow => ({
      agentId: r.agent_id as number,
      segmentId: r.segment_id as string,
      conversationId: r.conversation_id as string,
      skillId: r.skill_id as number,
      start: r.start_time as number,
      end: openOrEnd(r.end_time),
      startEventId: r.start_event_id as string,
    }),
    keyOf: (s: WorkloadSegmentRow) => JSON.stringify([s.segmentId, s.skillId, s.end, s.startEventId]),
  } satisfies DerivedTableSpec<WorkloadSegmentRow>,
  messages: {
    name: 'workload_messages',
    columns: cols({ agent_id: 'int', time: 'int', skill_id: 'int', segment_id: 'text', event_id: 'text' }),
    toRow: (m: WorkloadMessageRow) => [m.agentId, m.time, m.skillId, m.segmentId, m.eventId],
    fromRow: (r: Row): WorkloadMessageRow => ({
      agentId: r.agent_id as number,
      time: r.time as number,
      skillId: r.skill_id as number,
      segmentId: r.segment_id as string,
      eventId: r.event_id as string,
    }),
    keyOf: (m: WorkloadMessageRow) => JSON.stringify([m.eventId, m.skillId, m.segmentId]),
    partitionKey: 'time',
  } satisfies DerivedTableSpec<WorkloadMessageRow>,
  profile: {
    name: 'workload_profile',
    columns: cols({ agent_id: 'int', time: 'int', rank: 'int', event_id: 'text', max_slots: 'int', skills: 'text' }),
    toRow: (p: WorkloadProfileRow) => [
      p.agentId,
      p.time,
      p.rank,
      p.eventId,
      p.maxSlots ?? null,
      p.skills === undefined ? null : JSON.stringify(p.skills),
    ],
    fromRow: (r: Row): WorkloadProfileRow => {
      const p: WorkloadProfileRow = {
        agentId: r.agent_id as number,
        time: r.time as number,
        rank: r.rank as number,
        eventId: r.event_id as string,
      };
      if (r.max_slots !== null) p.maxSlots = r.max_slots as number;
      if (r.skills !== null) p.skills = JSON.parse(r.skills as string) as number[];
      return p;
    },
    keyOf: (p: WorkloadProfileRow) => JSON.stringify([p.eventId, p.maxSlots ?? null, p.skills ?? null]),
  } satisfies DerivedTableSpec<WorkloadProfileRow>,
} as const;

export type DerivedTableName = keyof typeof DERIVED_TABLES;

/**
 * Wraps a spec's row mapping with a backend's value codecs: `encode` turns a neutral value of
 * the kind into what the driver binds, `decode` turns what the driver returns back (neither is
 * called on null). Only columns whose kind has a codec pay for it.
 */
export function withCodecs<T>(
  spec: DerivedTableSpec<T>,
  encode: Partial<Record<ValueKind, (value: unknown) => unknown>>,
  decode: Partial<Record<ValueKind, (value: unknown) => unknown>>,
): { toRow: (item: T) => unknown[]; fromRow: (row: Row) => T } {
  const encoders = spec.columns.flatMap((c, i) => {
    const f = encode[c.kind];
    return f ? [[i, f] as const] : [];
  });
  const decoders = spec.columns.flatMap((c) => {
    const f = decode[c.kind];
    return f ? [[c.name, f] as const] : [];
  });
  return {
    toRow:
      encoders.length === 0
        ? spec.toRow
        : (item) => {
            const row = spec.toRow(item);
            for (const [i, f] of encoders) if (row[i] !== null && row[i] !== undefined) row[i] = f(row[i]);
            return row;
          },
    fromRow:
      decoders.length === 0
        ? spec.fromRow
        : (row) => {
            // Rows come fresh from the driver and are read once: decoding in place saves a copy per row.
            for (const [name, f] of decoders) if (row[name] !== null && row[name] !== undefined) row[name] = f(row[name]);
            return spec.fromRow(row);
          },
  };
}
