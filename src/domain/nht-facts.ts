import { advanceAgentActivity, initialAgentActivityState } from './activity.js';
import type { WfmEvent } from './events.js';
import { agentOf, compareEvents, TYPE_RANK } from './events.js';
import type { NhtFacts } from './nht.js';
import { trackSegments } from './segments.js';

/**
 * The reference derivation of NHT facts from an account's raw events: sessions from the agent
 * state machine, segments and counted messages from segment tracking, queue entries, and the
 * maxSlots / skills write timelines. A store may materialise the same facts incrementally;
 * this is what they must equal. Events may come in any order (a sorted copy is used).
 *
 * @example nhtFactsFromEvents('acme', events).segments[0]?.segmentId // 'c1:7:1774861200000'
 */
export function nhtFactsFromEvents(accountId: string, events: readonly WfmEvent[]): NhtFacts {
  const sorted = [...events].sort(compareEvents);
  const tracking = trackSegments(sorted);
  const facts: NhtFacts = {
    sessions: sessionsOf(accountId, sorted),
    segments: tracking.segments.map((g) => ({
      segmentId: g.segmentId,
      agentId: g.agentId,
      skillId: g.skillId,
      start: g.start,
      end: g.end,
    })),
    countedMessages: tracking.countedMessages.map((m) => ({
      agentId: m.agentId,
      time: m.time,
      skillId: m.skillId,
      segmentId: m.segmentId,
    })),
    queued: [],
    // Ignored starts (a second start of an open pair) count in no metric, so only real segments.
    segmentStarts: tracking.segments.map((g) => ({
      conversationId: g.conversationId,
      skillId: g.skillId,
      time: g.start,
      eventId: g.startEventId,
    })),
    maxSlots: [],
    profileSkills: [],
  };
  for (const e of sorted) {
    if (e.type === 'conversation.queued') {
      facts.queued.push({ conversationId: e.conversationId, skillId: e.skillId, time: e.time, eventId: e.id });
    } else if (e.type === 'agent.login' || e.type === 'agent.profile') {
      const order = { agentId: e.agentId, time: e.time, rank: TYPE_RANK[e.type], eventId: e.id };
      if (e.maxSlots !== undefined) facts.maxSlots.push({ ...order, value: e.maxSlots });
      if (e.skills !== undefined) facts.profileSkills.push({ ...order, skills: [...e.skills] });
    }
  }
  return facts;
}

/** Logged-in spans of every agent, each agent's state machine run from its initial state. */
function sessionsOf(accountId: string, sorted: readonly WfmEvent[]): NhtFacts['sessions'] {
  const byAgent = new Map<number, WfmEvent[]>();
  for (const e of sorted) {
    const agentId = agentOf(e);
    if (agentId === undefined) continue;
    const list = byAgent.get(agentId);
    if (list) list.push(e);
    else byAgent.set(agentId, [e]);
  }
  const sessions: NhtFacts['sessions'] = [];
  for (const [agentId, agentEvents] of byAgent) {
    const out = advanceAgentActivity(accountId, agentId, initialAgentActivityState(), agentEvents);
    for (const s of out.sessions) sessions.push({ agentId, start: s.start, end: s.end });
  }
  return sessions;
}
