/**
 * The derived tables of the PostgreSQL store: each a {@link VersionedTable} built from the shared
 * spec in ../row-mappings.ts, in PostgreSQL types. Free text is kept as its UTF-8 bytes (BYTEA):
 * it may hold U+0000, which PostgreSQL text cannot.
 */
import type { ActivityRecord } from '../../domain/records.js';
import {
  ACTIVITY_COLUMNS as ACTIVITY_SPEC,
  type ColumnSpec,
  DERIVED_TABLES,
  type DerivedTableSpec,
  rowToIssue,
  rowToSegment,
  type ValueKind,
  withCodecs,
} from '../row-mappings.js';
import { type Column, type ColumnType, type Row, VersionedTable } from './versioned-table.js';

export type { SessionRow, WorkloadMessageRow, WorkloadProfileRow, WorkloadSegmentRow } from '../row-mappings.js';
export { rowToIssue, rowToSegment };

const TYPES: Record<ValueKind, ColumnType> = { int: 'bigint', text: 'text', freeText: 'bytea', bool: 'boolean' };
const ENCODE = { freeText: (s: unknown) => Buffer.from(s as string, 'utf8') };
const DECODE = { freeText: (b: unknown) => (b as Buffer).toString('utf8') };

const pgColumns = (columns: readonly ColumnSpec[]): Column[] => columns.map((c) => ({ name: c.name, type: TYPES[c.kind] }));

export const ACTIVITY_COLUMNS = pgColumns(ACTIVITY_SPEC);

/** Reads an activity_records row (free text arrives as bytes). */
export const rowToActivityRecord: (row: Row) => ActivityRecord = withCodecs(DERIVED_TABLES.activity, ENCODE, DECODE).fromRow;

function table<T>(spec: DerivedTableSpec<T>): VersionedTable<T> {
  const { toRow, fromRow } = withCodecs(spec, ENCODE, DECODE);
  return new VersionedTable<T>(spec.name, pgColumns(spec.columns), toRow, fromRow, spec.keyOf, spec.partitionKey);
}

export function derivedTables() {
  const t = DERIVED_TABLES;
  return {
    activity: table(t.activity),
    issues: table(t.issues),
    segments: table(t.segments),
    sessions: table(t.sessions),
    workloadSegments: table(t.workloadSegments),
    messages: table(t.messages),
    profile: table(t.profile),
  };
}

export type DerivedTables = ReturnType<typeof derivedTables>;
