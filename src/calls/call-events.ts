/**
 * A call → events, and an agent's services → login sessions (spec/operations.md "Call logs").
 *
 * Per call with conversation id C (event ids `C:<kind>`, so a re-import is idempotent):
 * - `C:queued`       conversation.queued at the queue entry (reason `new`);
 * - `C:start`        segment.start at the service start;
 * - `C:focus`        workspace.focus at the start: the agent holds the call for its whole length;
 * - `C:message-in`   consumer message at the start (the caller is waiting: the work is pending);
 * - `C:message-out`  agent message at the service end (the one counted message of the segment);
 * - `C:blur`         workspace.blur at the end;
 * - `C:end`          segment.end at the end, `closedByConsumer`.
 *
 * Order at one millisecond (events.md): queued < start < focus < message < blur < end, and
 * `message-in` < `message-out` by id, so even a 0-second service reads consumer → agent. A later
 * service of the same agent takes the focus at its start (focus replaces focus); the earlier
 * one's blur at its own end then finds another conversation focused and clears nothing, so the
 * earlier service's handle time ends where the later one starts.
 *
 * Sessions: an agent is logged in (ONLINE, `maxSlots` 1, `loginName` = the name) from the first
 * service start to the last service end of each local calendar day (by service start). The login
 * ranks first and the logout last at a millisecond, so they enclose the day's segment events.
 * When a day's session reaches into the next day's (a service past midnight ending after the next
 * day's first start, or exactly at it), the two are one session: a login inside an open session
 * would close it, and the earlier day's logout would then end the later day's session.
 */
import type { WfmEvent } from '../domain/events.js';
import type { CallRecord } from './call-log-format.js';

/**
 * The events of one call; `agentId` is its service's agent (undefined: arrival only).
 *
 * @example callEvents({ conversationId: 'c', day: '1999-01-01', skillId: 1, queuedAt: 0, partial: [] }, undefined)
 *   // [{ id: 'c:queued', type: 'conversation.queued', time: 0, conversationId: 'c', skillId: 1, reason: 'new' }]
 */
export function callEvents(call: CallRecord, agentId: number | undefined): WfmEvent[] {
  const c = call.conversationId;
  const events: WfmEvent[] = [];
  if (call.queuedAt !== undefined) {
    events.push({
      id: `${c}:queued`,
      type: 'conversation.queued',
      time: call.queuedAt,
      conversationId: c,
      skillId: call.skillId,
      reason: 'new',
    });
  }
  const service = call.service;
  if (service && agentId !== undefined) {
    const { start, end } = service;
    events.push(
      { id: `${c}:start`, type: 'segment.start', time: start, conversationId: c, agentId, skillId: call.skillId },
      { id: `${c}:focus`, type: 'workspace.focus', time: start, agentId, conversationId: c },
      { id: `${c}:message-in`, type: 'message', time: start, conversationId: c, from: 'consumer' },
      { id: `${c}:message-out`, type: 'message', time: end, conversationId: c, from: 'agent', agentId },
      { id: `${c}:blur`, type: 'workspace.blur', time: end, agentId, conversationId: c },
      { id: `${c}:end`, type: 'segment.end', time: end, conversationId: c, agentId, endReason: 'closedByConsumer' },
    );
  }
  return events;
}

/** One login session of an agent: its first and last local day, login and logout instants. */
export interface AgentSession {
  agentId: number;
  name: string;
  firstDay: string;
  lastDay: string;
  login: number;
  logout: number;
}

interface AgentDay {
  agentId: number;
  name: string;
  day: string;
  firstStart: number;
  lastEnd: number;
}

/** Collects each agent's services per local day (bounded: one entry per agent and day). */
export class AgentDays {
  private readonly days = new Map<string, AgentDay>();

  /** A service of the agent that starts on local day `day` (`YYYY-MM-DD`). */
  add(agentId: number, name: string, day: string, start: number, end: number): void {
    const key = `${agentId}|${day}`;
    const d = this.days.get(key);
    if (!d) this.days.set(key, { agentId, name, day, firstStart: start, lastEnd: end });
    else {
      d.firstStart = Math.min(d.firstStart, start);
      d.lastEnd = Math.max(d.lastEnd, end);
    }
  }

  get size(): number {
    return this.days.size;
  }

  /** The sessions, by (agentId, login); touching or overlapping days are merged. */
  sessions(): AgentSession[] {
    const all = [...this.days.values()].sort((a, b) => a.agentId - b.agentId || (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
    const sessions: AgentSession[] = [];
    let cur: AgentSession | undefined;
    for (const d of all) {
      if (cur && cur.agentId === d.agentId && d.firstStart <= cur.logout) {
        cur.lastDay = d.day;
        cur.logout = Math.max(cur.logout, d.lastEnd);
        continue;
      }
      cur = { agentId: d.agentId, name: d.name, firstDay: d.day, lastDay: d.day, login: d.firstStart, logout: d.lastEnd };
      sessions.push(cur);
    }
    return sessions;
  }
}

/** The login (ONLINE, `maxSlots` 1, `loginName`) and logout of a session; ids name the agent and first day. */
export function sessionEvents(s: AgentSession): WfmEvent[] {
  const key = `agent-${s.agentId}-${s.firstDay}`;
  return [
    { id: `${key}:login`, type: 'agent.login', time: s.login, agentId: s.agentId, status: 'ONLINE', loginName: s.name, maxSlots: 1 },
    { id: `${key}:logout`, type: 'agent.logout', time: s.logout, agentId: s.agentId },
  ];
}
