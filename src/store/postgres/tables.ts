/**
 * The derived tables of the PostgreSQL store, each a {@link VersionedTable} with its row mapping
 * (the same rows as the SQLite store's tables.ts, in PostgreSQL types).
 */
import type { WorkloadProfileWrite } from '../../domain/agent-workload.js';
import type { SegmentHandleTime } from '../../domain/aht.js';
import type { ActivityRecord, DataQualityItem } from '../../domain/records.js';
import type { CountedMessage, SegmentSpan } from '../../domain/segments.js';
import { activityRecordKey, dataQualityKey } from '../derived-rows.js';
import { OPEN_END } from './migrations.js';
import { type Column, type ColumnType, type Row, VersionedTable } from './versioned-table.js';

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

const cols = (spec: Record<string, ColumnType>): Column[] => Object.entries(spec).map(([name, type]) => ({ name, type }));

/** Free text kept as UTF-8 bytes (it may hold U+0000, which PostgreSQL text cannot). */
const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
const text = (b: unknown): string => (b as Buffer).toString('utf8');

export const ACTIVITY_COLUMNS = cols({
  time: 'bigint',
  agent_id: 'bigint',
  session_id: 'bigint',
  sequence_number: 'bigint',
  event_id: 'text',
  status_type: 'bigint',
  status_sub_type: 'bigint',
  has_reason: 'boolean',
  reason_id: 'bigint',
  reason_text: 'bytea',
  prev_status_change_time: 'bigint',
  employee_id: 'text',
  login_name: 'bytea',
  user_name: 'bytea',
  group_id: 'bigint',
});

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
    agentLoginName: text(row.login_name),
    agentUserName: text(row.user_name),
    agentGroupId: row.group_id as number,
  };
  if (row.has_reason) {
    r.statusReasonId = (row.reason_id as number | null) ?? -1;
    r.statusReasonText = row.reason_text === null ? null : text(row.reason_text);
  }
  return r;
}

export function rowToIssue(row: Row): DataQualityItem {
  const item: DataQualityItem = { kind: row.kind as DataQualityItem['kind'], eventId: row.event_id as string, time: row.time as number };
  if (row.agent_id !== null) item.agentId = row.agent_id as number;
  if (row.conversation_id !== null) item.conversationId = row.conversation_id as string;
  return item;
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

function segmentRow(s: SegmentHandleTime): unknown[] {
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

const endOrOpen = (end: number | null): number => end ?? OPEN_END;
const openOrEnd = (end: unknown): number | null => (end === OPEN_END ? null : (end as number));

export function derivedTables() {
  return {
    activity: new VersionedTable<ActivityRecord>(
      'activity_records',
      ACTIVITY_COLUMNS,
      (r) => {
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
          hasReason && r.statusReasonText !== undefined && r.statusReasonText !== null ? bytes(r.statusReasonText) : null,
          r.prevStatusChangeTime,
          r.employeeId,
          bytes(r.agentLoginName),
          bytes(r.agentUserName),
          r.agentGroupId,
        ];
      },
      rowToActivityRecord,
      activityRecordKey,
    ),
    issues: new VersionedTable<DataQualityItem>(
      'data_quality',
      cols({ time: 'bigint', event_id: 'text', kind: 'text', agent_id: 'bigint', conversation_id: 'text' }),
      (i) => [i.time, i.eventId, i.kind, i.agentId ?? null, i.conversationId ?? null],
      rowToIssue,
      dataQualityKey,
    ),
    segments: new VersionedTable<SegmentHandleTime>(
      'segments',
      cols({
        segment_id: 'text',
        conversation_id: 'text',
        agent_id: 'bigint',
        skill_id: 'bigint',
        employee_id: 'text',
        group_id: 'bigint',
        start_time: 'bigint',
        end_time: 'bigint',
        end_reason: 'text',
        total_handle_ms: 'bigint',
        in_focus_ms: 'bigint',
        units: 'text',
      }),
      segmentRow,
      rowToSegment,
      (s) => JSON.stringify(segmentRow(s)),
    ),
    sessions: new VersionedTable<SessionRow>(
      'workload_sessions',
      cols({ agent_id: 'bigint', session_id: 'bigint', start_time: 'bigint', end_time: 'bigint' }),
      (s) => [s.agentId, s.sessionId, s.start, endOrOpen(s.end)],
      (r) => ({
        agentId: r.agent_id as number,
        sessionId: r.session_id as number,
        start: r.start_time as number,
        end: openOrEnd(r.end_time),
      }),
      (s) => `${s.agentId}/${s.sessionId}/${s.start}/${s.end}`,
    ),
    workloadSegments: new VersionedTable<WorkloadSegmentRow>(
      'workload_segments',
      cols({
        agent_id: 'bigint',
        segment_id: 'text',
        conversation_id: 'text',
        skill_id: 'bigint',
        start_time: 'bigint',
        end_time: 'bigint',
        start_event_id: 'text',
      }),
      (s) => [s.agentId, s.segmentId, s.conversationId, s.skillId, s.start, endOrOpen(s.end), s.startEventId],
      (r) => ({
        agentId: r.agent_id as number,
        segmentId: r.segment_id as string,
        conversationId: r.conversation_id as string,
        skillId: r.skill_id as number,
        start: r.start_time as number,
        end: openOrEnd(r.end_time),
        startEventId: r.start_event_id as string,
      }),
      (s) => JSON.stringify([s.segmentId, s.skillId, s.end, s.startEventId]),
    ),
    messages: new VersionedTable<WorkloadMessageRow>(
      'workload_messages',
      cols({ agent_id: 'bigint', time: 'bigint', skill_id: 'bigint', segment_id: 'text', event_id: 'text' }),
      (m) => [m.agentId, m.time, m.skillId, m.segmentId, m.eventId],
      (r) => ({
        agentId: r.agent_id as number,
        time: r.time as number,
        skillId: r.skill_id as number,
        segmentId: r.segment_id as string,
        eventId: r.event_id as string,
      }),
      (m) => JSON.stringify([m.eventId, m.skillId, m.segmentId]),
    ),
    profile: new VersionedTable<WorkloadProfileRow>(
      'workload_profile',
      cols({ agent_id: 'bigint', time: 'bigint', rank: 'bigint', event_id: 'text', max_slots: 'bigint', skills: 'text' }),
      (p) => [p.agentId, p.time, p.rank, p.eventId, p.maxSlots ?? null, p.skills === undefined ? null : JSON.stringify(p.skills)],
      (r) => {
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
      (p) => JSON.stringify([p.eventId, p.maxSlots ?? null, p.skills ?? null]),
    ),
  };
}

export type DerivedTables = ReturnType<typeof derivedTables>;
