/**
 * The derived tables of the SQLite store, each a {@link VersionedTable} with its row mapping.
 */
import type Database from 'better-sqlite3';
import type { WorkloadProfileWrite } from '../../domain/agent-workload.js';
import type { SegmentHandleTime } from '../../domain/aht.js';
import type { ActivityRecord, DataQualityItem } from '../../domain/records.js';
import type { CountedMessage, SegmentSpan } from '../../domain/segments.js';
import { activityRecordKey, dataQualityKey } from '../derived-rows.js';
import { OPEN_END } from './migrations.js';
import { VersionedTable } from './versioned-table.js';

type Row = Record<string, unknown>;

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

export const ACTIVITY_COLUMNS = [
  'time',
  'agent_id',
  'session_id',
  'sequence_number',
  'event_id',
  'status_type',
  'status_sub_type',
  'has_reason',
  'reason_id',
  'reason_text',
  'prev_status_change_time',
  'employee_id',
  'login_name',
  'user_name',
  'group_id',
] as const;

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

export function derivedTables(db: Database.Database) {
  return {
    activity: new VersionedTable<ActivityRecord>(
      db,
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
          hasReason ? 1 : 0,
          hasReason ? r.statusReasonId : null,
          hasReason ? (r.statusReasonText ?? null) : null,
          r.prevStatusChangeTime,
          r.employeeId,
          r.agentLoginName,
          r.agentUserName,
          r.agentGroupId,
        ];
      },
      rowToActivityRecord,
      activityRecordKey,
    ),
    issues: new VersionedTable<DataQualityItem>(
      db,
      'data_quality',
      ['time', 'event_id', 'kind', 'agent_id', 'conversation_id'],
      (i) => [i.time, i.eventId, i.kind, i.agentId ?? null, i.conversationId ?? null],
      rowToIssue,
      dataQualityKey,
    ),
    segments: new VersionedTable<SegmentHandleTime>(
      db,
      'segments',
      [
        'segment_id',
        'conversation_id',
        'agent_id',
        'skill_id',
        'employee_id',
        'group_id',
        'start_time',
        'end_time',
        'end_reason',
        'total_handle_ms',
        'in_focus_ms',
        'units',
      ],
      segmentRow,
      rowToSegment,
      (s) => JSON.stringify(segmentRow(s)),
    ),
    sessions: new VersionedTable<SessionRow>(
      db,
      'workload_sessions',
      ['agent_id', 'session_id', 'start_time', 'end_time'],
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
      db,
      'workload_segments',
      ['agent_id', 'segment_id', 'conversation_id', 'skill_id', 'start_time', 'end_time', 'start_event_id'],
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
      db,
      'workload_messages',
      ['agent_id', 'time', 'skill_id', 'segment_id', 'event_id'],
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
      db,
      'workload_profile',
      ['agent_id', 'time', 'rank', 'event_id', 'max_slots', 'skills'],
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
