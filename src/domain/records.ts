/** Derived records: a pure function of an account's events and settings (spec/metrics.md). */

export const STATUS_TYPE = { status: 1, login: 3, logout: 4 } as const;
export const STATUS_SUBTYPE = { OFFLINE: 1, ONLINE: 2, BACK_SOON: 3, AWAY: 4 } as const;

/** The profile as of an instant; defaults per spec/events.md. */
export interface Profile {
  employeeId: string;
  loginName: string;
  userName: string;
  groupId: number;
  /** undefined means "the account's defaultMaxSlots" (a setting, resolved by the caller) */
  maxSlots: number | undefined;
  skills: number[];
}

export const DEFAULT_PROFILE: Readonly<Profile> = Object.freeze({
  employeeId: '',
  loginName: '',
  userName: '',
  groupId: -1,
  maxSlots: undefined,
  skills: [],
});

/** One agent state change (spec/metrics.md §1). Times are epoch ms. */
export interface ActivityRecord {
  agentId: number;
  time: number;
  sessionId: number;
  sequenceNumber: number;
  statusType: number;
  statusSubType: number;
  /** present only on AWAY records */
  statusReasonId?: number;
  /** present only on AWAY records (null when none was given) */
  statusReasonText?: string | null;
  prevStatusChangeTime: number | null;
  /** the event that produced the record: the last tie-breaker of the API order */
  eventId: string;
  employeeId: string;
  agentLoginName: string;
  agentUserName: string;
  agentGroupId: number;
}

export const DATA_QUALITY_KINDS = [
  'statusWithoutSession',
  'offlineWithoutSession',
  'loginWhileSessionOpen',
  'logoutWithoutSession',
  'segmentStartWhileOpen',
  'segmentEndWithoutStart',
  'blurNotInFocus',
] as const;
export type DataQualityKind = (typeof DATA_QUALITY_KINDS)[number];

/** One inconsistent input event, stored and handled by the stated rule, listed for the user. */
export interface DataQualityItem {
  kind: DataQualityKind;
  eventId: string;
  time: number;
  agentId?: number;
  conversationId?: string;
}

/** Compare activity records in the API order: (time, agentId, sessionId, sequenceNumber, eventId). */
export function compareActivityRecords(a: ActivityRecord, b: ActivityRecord): number {
  return (
    a.time - b.time ||
    a.agentId - b.agentId ||
    a.sessionId - b.sessionId ||
    a.sequenceNumber - b.sequenceNumber ||
    (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0)
  );
}
