/**
 * AHT materialisation for the SQLite store: which (agent, conversation) pairs a batch touches,
 * and recomputing one pair from the events it depends on (the pure engine is domain/aht.ts).
 */
import type Database from 'better-sqlite3';
import { computePairHandleTimes } from '../../domain/aht.js';
import type { WfmEvent } from '../../domain/events.js';
import { compareEvents, conversationOf } from '../../domain/events.js';
import { trackSegments } from '../../domain/segments.js';
import type { DerivedTables } from './tables.js';

export interface Pair {
  agentId: number;
  conversationId: string;
}

const parse = (bodies: string[]): WfmEvent[] => bodies.map((b) => JSON.parse(b) as WfmEvent);

export class HandleTimeDeriver {
  private readonly stmt;

  constructor(
    db: Database.Database,
    private readonly tables: DerivedTables,
  ) {
    this.stmt = {
      conversationEvents: db
        .prepare('SELECT body FROM events WHERE account_id = ? AND conversation_id = ? ORDER BY time, rank, event_id')
        .pluck(),
      conversationAgents: db
        // INDEXED BY: without statistics the planner would scan the account's events.
        .prepare(
          'SELECT DISTINCT agent_id FROM events INDEXED BY events_by_conversation WHERE account_id = ? AND conversation_id = ? AND rank IN (4, 8)',
        )
        .pluck(),
      allPairs: db.prepare('SELECT DISTINCT agent_id, conversation_id FROM events WHERE account_id = ? AND rank IN (4, 8)'),
      agentWindow: db
        .prepare('SELECT body FROM events WHERE account_id = ? AND agent_id = ? AND time >= ? AND time <= ? ORDER BY time, rank, event_id')
        .pluck(),
      lastFocusBefore: db
        .prepare('SELECT max(time) FROM events WHERE account_id = ? AND agent_id = ? AND time < ? AND rank IN (5, 9)')
        .pluck(),
      focusChangesBetween: db
        .prepare('SELECT body FROM events WHERE account_id = ? AND agent_id = ? AND time >= ? AND time < ? AND rank IN (5, 7, 9)')
        .pluck(),
      profileWrites: db.prepare('SELECT body FROM events WHERE account_id = ? AND agent_id = ? AND rank IN (0, 1) AND time <= ?').pluck(),
      ignoredOfAgent: db
        .prepare(
          `SELECT event_id FROM data_quality INDEXED BY data_quality_by_agent
           WHERE account_id = ? AND agent_id = ? AND time >= ? AND time <= ? AND valid_to IS NULL
             AND kind IN ('blurNotInFocus', 'offlineWithoutSession')`,
        )
        .pluck(),
      ignoredOfConversation: db
        .prepare('SELECT event_id FROM data_quality WHERE account_id = ? AND conversation_id = ? AND valid_to IS NULL')
        .pluck(),
    };
  }

  /**
   * The pairs whose handle time new events can change: every pair of a conversation they name
   * (pending, streaks, segment events), and the pairs of their agents the agent derivation found
   * (focus, idle activity, logout, profile: see agent-replay.ts handleTimeConversations).
   */
  affectedPairs(accountId: string, fresh: readonly WfmEvent[], extraConversations: Iterable<string>, agentPairs: Iterable<Pair>): Pair[] {
    const conversations = new Set(extraConversations);
    for (const e of fresh) {
      const c = conversationOf(e);
      if (c !== undefined) conversations.add(c);
    }
    const pairs = new Map<string, Pair>();
    const add = (agentId: number, conversationId: string) => pairs.set(`${agentId}\u0000${conversationId}`, { agentId, conversationId });
    for (const c of conversations) {
      for (const a of this.stmt.conversationAgents.all(accountId, c) as number[]) add(a, c);
    }
    for (const p of agentPairs) add(p.agentId, p.conversationId);
    return [...pairs.values()];
  }

  allPairs(accountId: string): Pair[] {
    return (this.stmt.allPairs.all(accountId) as Array<{ agent_id: number; conversation_id: string }>).map((r) => ({
      agentId: r.agent_id,
      conversationId: r.conversation_id,
    }));
  }

  /**
   * Recomputes the closed segments of one pair. Reads only what the pair depends on: the
   * conversation's events, the agent's events over the span of the pair's segments, what set
   * the agent's focus before it, its profile writes, and the ignored events the agent machine
   * already listed as data-quality rows.
   */
  derivePair(accountId: string, pair: Pair, version: number, idleTimeoutMillis: number): void {
    const { agentId, conversationId } = pair;
    const conversationEvents = parse(this.stmt.conversationEvents.all(accountId, conversationId) as string[]);
    const closed = trackSegments(conversationEvents).segments.filter((s) => s.agentId === agentId && s.end !== null);
    const scope = 'account_id = ? AND conversation_id = ? AND agent_id = ?';
    if (closed.length === 0) {
      this.tables.segments.replace(accountId, scope, [accountId, conversationId, agentId], [], version);
      return;
    }
    const from = closed[0]?.start as number;
    const to = closed[closed.length - 1]?.end as number;
    const focusSince = (this.stmt.lastFocusBefore.get(accountId, agentId, from) as number | null) ?? from;
    const events = new Map<string, WfmEvent>();
    const add = (list: WfmEvent[]) => {
      for (const e of list) events.set(e.id, e);
    };
    add(conversationEvents);
    add(parse(this.stmt.agentWindow.all(accountId, agentId, from, to) as string[]));
    add(parse(this.stmt.focusChangesBetween.all(accountId, agentId, focusSince, from) as string[]));
    add(parse(this.stmt.profileWrites.all(accountId, agentId, to) as string[]));
    const ignoredEventIds = new Set<string>([
      ...(this.stmt.ignoredOfAgent.all(accountId, agentId, focusSince, to) as string[]),
      ...(this.stmt.ignoredOfConversation.all(accountId, conversationId) as string[]),
    ]);
    const sorted = [...events.values()].sort(compareEvents);
    const results = computePairHandleTimes(agentId, conversationId, sorted, { idleTimeoutMillis }, { ignoredEventIds });
    this.tables.segments.replace(accountId, scope, [accountId, conversationId, agentId], results, version);
  }
}
