/**
 * AHT materialisation for the SQLite store: which (agent, conversation) pairs a batch touches,
 * and recomputing pairs from the events they depend on (the pure engine is domain/aht.ts).
 * Pairs are recomputed in chunks, each input read once per chunk (see ../pair-inputs.ts).
 */
import type Database from 'better-sqlite3';
import type { WfmEvent } from '../../domain/events.js';
import { conversationOf } from '../../domain/events.js';
import {
  type AgentInputs,
  agentRange,
  agentsWithSegments,
  type ConversationInputs,
  compareStored,
  computePair,
  conversationInputs,
  FOCUS_SETTING_RANKS,
  type FreshEvents,
  freshEvents,
  type Pair,
  type PairSpan,
  pairSpan,
  storedEvent,
  withFresh,
} from '../pair-inputs.js';
import type { DerivedTables } from './tables.js';

export type { Pair } from '../pair-inputs.js';

/** Pairs recomputed together (their inputs are held in memory together). */
const PAIR_CHUNK = 2000;
const PAIR_SCOPE = 'account_id = ? AND conversation_id = ? AND agent_id = ?';

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
      conversationCountFrom: db.prepare('SELECT count(*) FROM events WHERE account_id = ? AND conversation_id = ? AND time >= ?').pluck(),
      conversationEventsBefore: db
        .prepare('SELECT body FROM events WHERE account_id = ? AND conversation_id = ? AND time < ? ORDER BY time, rank, event_id')
        .pluck(),
      allPairs: db.prepare('SELECT DISTINCT agent_id, conversation_id FROM events WHERE account_id = ? AND rank IN (4, 8)'),
      agentRange: db
        .prepare('SELECT body FROM events WHERE account_id = ? AND agent_id = ? AND time >= ? AND time <= ? ORDER BY time, rank, event_id')
        .pluck(),
      agentCountIn: db.prepare('SELECT count(*) FROM events WHERE account_id = ? AND agent_id = ? AND time >= ? AND time <= ?').pluck(),
      agentRangeBefore: db
        .prepare('SELECT body FROM events WHERE account_id = ? AND agent_id = ? AND time >= ? AND time < ? ORDER BY time, rank, event_id')
        .pluck(),
      lastFocusBefore: db
        .prepare(
          `SELECT max(time) FROM events WHERE account_id = ? AND agent_id = ? AND time < ? AND rank IN (${FOCUS_SETTING_RANKS.join(', ')})`,
        )
        .pluck(),
      // No ORDER BY: it would make the planner walk all the agent's events instead of its few profile writes.
      profileWritesBefore: db
        .prepare('SELECT body FROM events WHERE account_id = ? AND agent_id = ? AND rank IN (0, 1) AND time < ?')
        .pluck(),
      ignoredOfAgent: db.prepare(
        `SELECT event_id, time FROM data_quality INDEXED BY data_quality_by_agent
           WHERE account_id = ? AND agent_id = ? AND time >= ? AND time <= ? AND valid_to IS NULL
             AND kind IN ('blurNotInFocus', 'offlineWithoutSession')`,
      ),
      ignoredOfConversation: db
        .prepare('SELECT event_id FROM data_quality WHERE account_id = ? AND conversation_id = ? AND valid_to IS NULL')
        .pluck(),
    };
  }

  /**
   * Recomputes every pair whose handle time new events can change: every pair of a conversation
   * they name (pending, streaks, segment events), and the pairs of their agents the agent
   * derivation found (focus, idle activity, logout, profile: see agent-replay.ts
   * handleTimeConversations). `extraConversations` are conversations whose ignored events changed.
   */
  deriveAfter(
    accountId: string,
    fresh: readonly WfmEvent[],
    extraConversations: Iterable<string>,
    agentPairs: Iterable<Pair>,
    version: number,
    idleTimeoutMillis: number,
  ): void {
    const conversations = new Set(extraConversations);
    for (const e of fresh) {
      const c = conversationOf(e);
      if (c !== undefined) conversations.add(c);
    }
    // A conversation's pairs are the agents of its segment events, read from its events (which
    // those pairs need anyway). What the batch wrote is not read back.
    const batch = freshEvents(fresh);
    const inputs = new Map<string, ConversationInputs>();
    const pairs = new Map<string, Pair>();
    const add = (agentId: number, conversationId: string) => pairs.set(`${agentId}\u0000${conversationId}`, { agentId, conversationId });
    for (const c of conversations) {
      const conversation = this.readConversation(accountId, c, batch);
      inputs.set(c, conversation);
      for (const a of agentsWithSegments(conversation)) add(a, c);
    }
    for (const p of agentPairs) add(p.agentId, p.conversationId);
    this.derivePairs(accountId, [...pairs.values()], version, idleTimeoutMillis, inputs, batch);
  }

  allPairs(accountId: string): Pair[] {
    return (this.stmt.allPairs.all(accountId) as Array<{ agent_id: number; conversation_id: string }>).map((r) => ({
      agentId: r.agent_id,
      conversationId: r.conversation_id,
    }));
  }

  /**
   * Recomputes the closed segments of the pairs, a chunk at a time (`known`: conversations
   * already read; `batch`: the events the current write stored).
   */
  derivePairs(
    accountId: string,
    pairs: readonly Pair[],
    version: number,
    idleTimeoutMillis: number,
    known: Map<string, ConversationInputs> = new Map(),
    batch: FreshEvents = freshEvents([]),
  ): void {
    for (let i = 0; i < pairs.length; i += PAIR_CHUNK) {
      // Each chunk reads into its own copy, so a rebuild holds one chunk's conversations, not the account's.
      this.deriveChunk(accountId, pairs.slice(i, i + PAIR_CHUNK), version, idleTimeoutMillis, new Map(known), batch);
    }
  }

  private deriveChunk(
    accountId: string,
    pairs: readonly Pair[],
    version: number,
    idleTimeoutMillis: number,
    conversations: Map<string, ConversationInputs>,
    batch: FreshEvents,
  ): void {
    const spansByAgent = new Map<number, PairSpan[]>();
    for (const pair of pairs) {
      let conversation = conversations.get(pair.conversationId);
      if (!conversation) {
        conversation = this.readConversation(accountId, pair.conversationId, batch);
        conversations.set(pair.conversationId, conversation);
      }
      const span = pairSpan(pair, conversation);
      if (span === undefined)
        this.tables.segments.replace(accountId, PAIR_SCOPE, [accountId, pair.conversationId, pair.agentId], [], version);
      else {
        const spans = spansByAgent.get(pair.agentId);
        if (spans) spans.push(span);
        else spansByAgent.set(pair.agentId, [span]);
      }
    }
    const ignoredByConversation = new Map<string, string[]>();
    for (const [agentId, spans] of spansByAgent) {
      const agent = this.readAgent(accountId, agentId, spans, batch);
      for (const span of spans) {
        const { conversationId } = span.pair;
        let ignored = ignoredByConversation.get(conversationId);
        if (!ignored) {
          ignored = this.stmt.ignoredOfConversation.all(accountId, conversationId) as string[];
          ignoredByConversation.set(conversationId, ignored);
        }
        const results = computePair(span, conversations.get(conversationId) as ConversationInputs, agent, ignored, idleTimeoutMillis);
        this.tables.segments.replace(accountId, PAIR_SCOPE, [accountId, conversationId, agentId], results, version);
      }
    }
  }

  private readConversation(accountId: string, conversationId: string, batch: FreshEvents): ConversationInputs {
    const s = this.stmt;
    const events = withFresh(
      batch.byConversation.get(conversationId) ?? [],
      (m) => s.conversationCountFrom.get(accountId, conversationId, m) as number,
      (m) => (s.conversationEventsBefore.all(accountId, conversationId, m) as string[]).map(storedEvent),
      () => (s.conversationEvents.all(accountId, conversationId) as string[]).map(storedEvent),
    );
    return conversationInputs(events);
  }

  private readAgent(accountId: string, agentId: number, spans: readonly PairSpan[], batch: FreshEvents): AgentInputs {
    const s = this.stmt;
    const { lo, hi } = agentRange(spans);
    const start = (s.lastFocusBefore.get(accountId, agentId, lo) as number | null) ?? lo;
    const ignored = s.ignoredOfAgent.all(accountId, agentId, start, hi) as Array<{ event_id: string; time: number }>;
    const fresh = (batch.byAgent.get(agentId) ?? []).filter((e) => e.time >= start && e.time <= hi);
    return {
      events: withFresh(
        fresh,
        (m) => s.agentCountIn.get(accountId, agentId, m, hi) as number,
        (m) => (s.agentRangeBefore.all(accountId, agentId, start, m) as string[]).map(storedEvent),
        () => (s.agentRange.all(accountId, agentId, start, hi) as string[]).map(storedEvent),
      ),
      earlierProfileWrites: (this.stmt.profileWritesBefore.all(accountId, agentId, start) as string[]).map(storedEvent).sort(compareStored),
      ignored: ignored.map((r) => ({ eventId: r.event_id, time: r.time })),
    };
  }
}
