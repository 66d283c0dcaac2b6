import type { AgentStatus, EventKey, WfmEvent } from './events.js';
import { compareKeys, eventKey, profileFieldsOf } from './events.js';
import { applyProfileWrites } from './profile.js';
import type { ActivityRecord, DataQualityItem, Profile } from './records.js';
import { DEFAULT_PROFILE, STATUS_SUBTYPE, STATUS_TYPE } from './records.js';
import { deriveSessionId } from './session-id.js';

/**
 * Everything the per-agent activity state machine needs to continue after its last event,
 * so a batch whose events all come later can carry on without replaying the agent's history.
 */
export interface AgentActivityState {
  lastKey: EventKey | null;
  session: OpenSession | null;
  /** the profile with every write at or before lastKey.time applied */
  profile: Profile;
  /** the conversation the agent has selected on screen (for `blurNotInFocus`) */
  focus: string | null;
}

interface OpenSession {
  sessionId: number;
  start: number;
  lastSequence: number;
  lastStatusTime: number | null;
}

export function initialAgentActivityState(): AgentActivityState {
  return { lastKey: null, session: null, profile: DEFAULT_PROFILE, focus: null };
}

/** A logged-in span [start, end) of one session; end null while the session is open. */
export interface SessionSpan {
  sessionId: number;
  start: number;
  end: number | null;
}

export interface AgentActivityOutput {
  state: AgentActivityState;
  records: ActivityRecord[];
  issues: DataQualityItem[];
  /** sessions that were open or opened during this call, in order (the last may still be open) */
  sessions: SessionSpan[];
}

/**
 * True when `events` can be applied on top of `state` without replaying the agent's history:
 * every event comes after the state's last event, and no profile write lands on a millisecond
 * that already has records (a profile "as of t" also sees later writes at the same t).
 */
export function canContinue(state: AgentActivityState, events: readonly WfmEvent[]): boolean {
  const last = state.lastKey;
  if (last === null) return true;
  for (const e of events) {
    if (compareKeys(eventKey(e), last) <= 0) return false;
    if (e.time === last.time && profileFieldsOf(e) !== undefined) return false;
  }
  return true;
}

/**
 * Run the agent state machine of spec/metrics.md §1 over one agent's events: activity records,
 * logged-in sessions, and the data-quality cases of status and focus (segments: agent-workload.ts).
 * `events` must be sorted in the total order and all come after `state.lastKey`
 * (see {@link canContinue}); non-agent-activity events (segments, messages) are skipped.
 *
 * @example advanceAgentActivity('acme', 7, initialAgentActivityState(), [login, away, logout])
 */
export function advanceAgentActivity(
  accountId: string,
  agentId: number,
  state: AgentActivityState,
  events: readonly WfmEvent[],
): AgentActivityOutput {
  const records: ActivityRecord[] = [];
  const issues: DataQualityItem[] = [];
  const sessions: SessionSpan[] = [];
  let { session, profile, focus, lastKey } = state;
  const closeSession = (at: number): void => {
    if (session) sessions.push({ sessionId: session.sessionId, start: session.start, end: at });
    session = null;
  };

  const record = (
    e: WfmEvent,
    sessionId: number,
    sequenceNumber: number,
    statusType: number,
    status: AgentStatus | null,
    prevStatusChangeTime: number | null,
    reason: { reasonId?: number; reasonText?: string },
  ): void => {
    const r: ActivityRecord = {
      agentId,
      time: e.time,
      sessionId,
      sequenceNumber,
      statusType,
      statusSubType: status === null ? 0 : STATUS_SUBTYPE[status],
      prevStatusChangeTime,
      eventId: e.id,
      employeeId: profile.employeeId,
      agentLoginName: profile.loginName,
      agentUserName: profile.userName,
      agentGroupId: profile.groupId,
    };
    if (status === 'AWAY') {
      r.statusReasonId = reason.reasonId ?? -1;
      r.statusReasonText = reason.reasonText ?? null;
    }
    records.push(r);
  };
  const issue = (e: WfmEvent, kind: DataQualityItem['kind']): void => {
    const item: DataQualityItem = { kind, eventId: e.id, time: e.time, agentId };
    if ('conversationId' in e) item.conversationId = e.conversationId;
    issues.push(item);
  };

  for (let i = 0; i < events.length; i++) {
    const e = events[i] as WfmEvent;
    // A profile as of t sees every write at t, so apply this millisecond's writes first.
    if (i === 0 || (events[i - 1] as WfmEvent).time !== e.time) {
      for (let j = i; j < events.length && (events[j] as WfmEvent).time === e.time; j++) {
        const writes = profileFieldsOf(events[j] as WfmEvent);
        if (writes) profile = applyProfileWrites(profile, writes);
      }
    }
    lastKey = eventKey(e);

    switch (e.type) {
      case 'agent.login': {
        if (session) {
          issue(e, 'loginWhileSessionOpen');
          closeSession(e.time);
        }
        const sessionId = e.sessionId ?? deriveSessionId(accountId, agentId, e.time, e.id);
        const status = e.status ?? 'ONLINE';
        record(e, sessionId, -1, STATUS_TYPE.login, null, null, {});
        record(e, sessionId, 1, STATUS_TYPE.status, status, null, e);
        session = { sessionId, start: e.time, lastSequence: 1, lastStatusTime: e.time };
        break;
      }
      case 'agent.status': {
        if (!session) {
          if (e.status === 'OFFLINE') {
            issue(e, 'offlineWithoutSession');
            break;
          }
          issue(e, 'statusWithoutSession');
          const sessionId = deriveSessionId(accountId, agentId, e.time, e.id);
          record(e, sessionId, 1, STATUS_TYPE.status, e.status, null, e);
          session = { sessionId, start: e.time, lastSequence: 1, lastStatusTime: e.time };
          break;
        }
        const sequence = session.lastSequence + 1;
        record(e, session.sessionId, sequence, STATUS_TYPE.status, e.status, session.lastStatusTime, e);
        session = { ...session, lastSequence: sequence, lastStatusTime: e.time };
        break;
      }
      case 'agent.logout': {
        focus = null;
        if (!session) {
          issue(e, 'logoutWithoutSession');
          break;
        }
        record(e, session.sessionId, session.lastSequence + 1, STATUS_TYPE.logout, null, null, {});
        closeSession(e.time);
        break;
      }
      case 'workspace.focus':
        focus = e.conversationId;
        break;
      case 'workspace.blur':
        if (focus === e.conversationId) focus = null;
        else issue(e, 'blurNotInFocus');
        break;
      default:
        break;
    }
  }
  const finalSession = session as OpenSession | null;
  if (finalSession) sessions.push({ sessionId: finalSession.sessionId, start: finalSession.start, end: null });
  return { state: { lastKey, session: finalSession, profile, focus }, records, issues, sessions };
}
