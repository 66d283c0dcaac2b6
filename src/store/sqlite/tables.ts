/**
 * The derived tables of the SQLite store: each a {@link VersionedTable} built from the shared
 * spec in ../row-mappings.ts. SQLite stores free text as TEXT (it holds U+0000) and flags as 0/1.
 */
import type Database from 'better-sqlite3';
import {
  ACTIVITY_COLUMNS as ACTIVITY_SPEC,
  DERIVED_TABLES,
  type DerivedTableSpec,
  rowToActivityRecord,
  rowToIssue,
  rowToSegment,
  withCodecs,
} from '../row-mappings.js';
import { VersionedTable } from './versioned-table.js';

export type { SessionRow, WorkloadMessageRow, WorkloadProfileRow, WorkloadSegmentRow } from '../row-mappings.js';
// Free text and identifiers read back as they were written: the shared readers need no codec here.
export { rowToActivityRecord, rowToIssue, rowToSegment };

export const ACTIVITY_COLUMNS = ACTIVITY_SPEC.map((c) => c.name);

/** better-sqlite3 binds no booleans. */
const ENCODE = { bool: (v: unknown) => (v ? 1 : 0) };

function table<T>(db: Database.Database, spec: DerivedTableSpec<T>): VersionedTable<T> {
  const { toRow, fromRow } = withCodecs(spec, ENCODE, {});
  return new VersionedTable<T>(
    db,
    spec.name,
    spec.columns.map((c) => c.name),
    toRow,
    fromRow,
    spec.keyOf,
  );
}

export function derivedTables(db: Database.Database) {
  const t = DERIVED_TABLES;
  return {
    activity: table(db, t.activity),
    issues: table(db, t.issues),
    segments: table(db, t.segments),
    sessions: table(db, t.sessions),
    workloadSegments: table(db, t.workloadSegments),
    messages: table(db, t.messages),
    profile: table(db, t.profile),
  };
}

export type DerivedTables = ReturnType<typeof derivedTables>;
