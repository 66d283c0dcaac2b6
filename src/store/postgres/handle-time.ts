/**
 * AHT materialisation for the PostgreSQL store: which (agent, conversation) pairs a batch
 * touches, and recomputing pairs from the events they depend on (the pure engine is
 * domain/aht.ts). The same selection as the SQLite store's handle-time.ts, read for many pairs
 * at once: a handful of statements per chunk of pairs, not a handful per pair.
 */
import { computePairHandleTimes } from '../../domain/aht.js';
import type { WfmEvent } from '../../domain/events.js';
import { agentOf, compareEvents, conversationOf, TYPE_RANK } from '../../domain/events.js';
import { trackSegments } from '../../domain/segments.js';
import type { DerivedTables } from './tables.js';
import { chunks, type Queryable } from './versioned-table.js';

export interface Pair {
  agentId: number;
  conversationId: string;
}

/** Pairs recomputed together (their events are read together). */
const PAIR_CHUNK = 500;
const FOCUS_RANKS = new Set([5, 9]);
const FOCUS_CHANGE_RANKS = new Set([5, 7, 9]);
const PROFILE_RANKS = new Set([0, 1]);

const rankOf = (e: WfmEvent): number => TYPE_RANK[e.type];

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The span a pair's closed segments cover, and what set the agent's focus before it. */
interface PairSpan {
  pair: Pair;
  conversationEvents: WfmEvent[];
  from: number;
  to: number;
  focusSince: number;
}

export class HandleTimeDeriver {
  constructor(private readonly tables: DerivedTables) {}

  /**
   * The pairs whose handle time new events can change: every pair of a conversation they name
   * (pending, streaks, segment events), and the pairs of their agents the agent derivation found
   * (focus, idle activity, logout, profile: see agent-replay.ts handleTimeConversations).
   */
  async affectedPairs(
    db: Queryable,
    accountId: string,
    fresh: readonly WfmEvent[],
    extraConversations: Iterable<string>,
    agentPairs: Iterable<Pair>,
  ): Promise<Pair[]> {
    const conversations = new Set(extraConversations);
    for (const e of fresh) {
      const c = conversationOf(e);
      if (c !== undefined) conversations.add(c);
    }
    const pairs = new Map<string, Pair>();
    const add = (agentId: number, conversationId: string) => pairs.set(`${agentId}\u0000${conversationId}`, { agentId, conversationId });
    for (const part of chunks([...conversations], 5000)) {
      const res = await db.query(
        'SELECT DISTINCT agent_id, conversation_id FROM events WHERE account_id = $1 AND conversation_id = ANY($2::text[]) AND rank IN (4, 8)',
        [accountId, part],
      );
      for (const r of res.rows) add(r.agent_id as number, r.conversation_id as string);
    }
    for (const p of agentPairs) add(p.agentId, p.conversationId);
    return [...pairs.values()];
  }

  async allPairs(db: Queryable, accountId: string): Promise<Pair[]> {
    const res = await db.query('SELECT DISTINCT agent_id, conversation_id FROM events WHERE account_id = $1 AND rank IN (4, 8)', [
      accountId,
    ]);
    return res.rows.map((r) => ({ agentId: r.agent_id as number, conversationId: r.conversation_id as string }));
  }

  /**
   * Recomputes the closed segments of the pairs. Reads only what each pair depends on: the
   * conversation's events, the agent's events over the span of the pair's segments, what set
   * the agent's focus before it, its profile writes, and the ignored events the agent machine
   * already listed as data-quality rows.
   */
  async derivePairs(db: Queryable, accountId: string, pairs: readonly Pair[], version: number, idleTimeoutMillis: number): Promise<void> {
    for (const part of chunks(pairs, PAIR_CHUNK)) await this.deriveChunk(db, accountId, part, version, idleTimeoutMillis);
  }

  private async deriveChunk(db: Queryable, accountId: string, pairs: readonly Pair[], version: number, idleTimeoutMillis: number) {
    const byConversation = await this.conversationEvents(db, accountId, [...new Set(pairs.map((p) => p.conversationId))]);
    const tracked = new Map<string, ReturnType<typeof trackSegments>>();
    const empty: Pair[] = [];
    const spans: PairSpan[] = [];
    for (const pair of pairs) {
      const conversationEvents = byConversation.get(pair.conversationId) ?? [];
      let tracking = tracked.get(pair.conversationId);
      if (!tracking) {
        tracking = trackSegments(conversationEvents);
        tracked.set(pair.conversationId, tracking);
      }
      const closed = tracking.segments.filter((s) => s.agentId === pair.agentId && s.end !== null);
      if (closed.length === 0) empty.push(pair);
      else {
        const from = closed[0]?.start as number;
        spans.push({ pair, conversationEvents, from, to: closed[closed.length - 1]?.end as number, focusSince: from });
      }
    }

    const results: Array<{ key: [string, number]; next: ReturnType<typeof computePairHandleTimes> }> = empty.map((p) => ({
      key: [p.conversationId, p.agentId],
      next: [],
    }));
    if (spans.length > 0) {
      await this.findFocusSince(db, accountId, spans);
      // One read per agent over the union of its pairs' spans; each pair filters its own part.
      const ranges = new Map<number, { lo: number; hi: number }>();
      for (const s of spans) {
        const r = ranges.get(s.pair.agentId);
        if (r) {
          r.lo = Math.min(r.lo, s.focusSince);
          r.hi = Math.max(r.hi, s.to);
        } else ranges.set(s.pair.agentId, { lo: s.focusSince, hi: s.to });
      }
      const agentEvents = await this.agentEvents(db, accountId, ranges);
      const ignoredOfAgent = await this.ignoredOfAgents(db, accountId, ranges);
      const ignoredOfConversation = await this.ignoredOfConversations(db, accountId, [...new Set(spans.map((s) => s.pair.conversationId))]);

      for (const s of spans) {
        const { agentId, conversationId } = s.pair;
        const events = new Map<string, WfmEvent>();
        for (const e of s.conversationEvents) events.set(e.id, e);
        for (const e of agentEvents.get(agentId) ?? []) {
          const rank = rankOf(e);
          const inWindow = e.time >= s.from && e.time <= s.to;
          const focusBefore = e.time >= s.focusSince && e.time < s.from && FOCUS_CHANGE_RANKS.has(rank);
          const profileWrite = PROFILE_RANKS.has(rank) && e.time <= s.to;
          if (inWindow || focusBefore || profileWrite) events.set(e.id, e);
        }
        const ignoredEventIds = new Set<string>(ignoredOfConversation.get(conversationId) ?? []);
        for (const i of ignoredOfAgent.get(agentId) ?? []) if (i.time >= s.focusSince && i.time <= s.to) ignoredEventIds.add(i.eventId);
        const sorted = [...events.values()].sort(compareEvents);
        results.push({
          key: [conversationId, agentId],
          next: computePairHandleTimes(agentId, conversationId, sorted, { idleTimeoutMillis }, { ignoredEventIds }),
        });
      }
    }
    await this.tables.segments.replace(db, accountId, ['conversation_id', 'agent_id'], results, version);
  }

  private async conversationEvents(db: Queryable, accountId: string, conversations: string[]): Promise<Map<string, WfmEvent[]>> {
    const res = await db.query(
      `SELECT conversation_id, body FROM events WHERE account_id = $1 AND conversation_id = ANY($2::text[])
       ORDER BY conversation_id, time, rank, event_id`,
      [accountId, conversations],
    );
    const out = new Map<string, WfmEvent[]>();
    for (const r of res.rows) pushTo(out, r.conversation_id as string, JSON.parse(r.body as string) as WfmEvent);
    return out;
  }

  /** Sets each span's focusSince: the time of the agent's last focus or blur before the span, if any. */
  private async findFocusSince(db: Queryable, accountId: string, spans: PairSpan[]): Promise<void> {
    const res = await db.query(
      `SELECT u.i, (SELECT max(e.time) FROM events e
                     WHERE e.account_id = $1 AND e.agent_id = u.agent_id AND e.time < u.since AND e.rank IN (${[...FOCUS_RANKS].join(', ')})) AS t
         FROM unnest($2::bigint[], $3::bigint[]) WITH ORDINALITY AS u(agent_id, since, i)`,
      [accountId, spans.map((s) => s.pair.agentId), spans.map((s) => s.from)],
    );
    for (const r of res.rows) {
      const span = spans[(r.i as number) - 1] as PairSpan;
      if (r.t !== null) span.focusSince = r.t as number;
    }
  }

  /** Each agent's events in [lo, hi], and its profile writes up to hi. */
  private async agentEvents(db: Queryable, accountId: string, ranges: Map<number, { lo: number; hi: number }>) {
    const agents = [...ranges.keys()];
    const res = await db.query(
      `SELECT e.body FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS u(agent_id, lo, hi)
         JOIN events e ON e.account_id = $1 AND e.agent_id = u.agent_id AND e.time >= u.lo AND e.time <= u.hi
       UNION ALL
       SELECT e.body FROM unnest($2::bigint[], $4::bigint[]) AS u(agent_id, hi)
         JOIN events e ON e.account_id = $1 AND e.agent_id = u.agent_id AND e.rank IN (0, 1) AND e.time <= u.hi`,
      [accountId, agents, agents.map((a) => ranges.get(a)?.lo), agents.map((a) => ranges.get(a)?.hi)],
    );
    const out = new Map<number, WfmEvent[]>();
    const seen = new Set<string>();
    for (const r of res.rows) {
      const e = JSON.parse(r.body as string) as WfmEvent;
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      pushTo(out, agentOf(e) as number, e);
    }
    return out;
  }

  private async ignoredOfAgents(db: Queryable, accountId: string, ranges: Map<number, { lo: number; hi: number }>) {
    const agents = [...ranges.keys()];
    const res = await db.query(
      `SELECT d.agent_id, d.event_id, d.time FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS u(agent_id, lo, hi)
         JOIN data_quality d ON d.account_id = $1 AND d.agent_id = u.agent_id AND d.time >= u.lo AND d.time <= u.hi
          AND d.valid_to IS NULL AND d.kind IN ('blurNotInFocus', 'offlineWithoutSession')`,
      [accountId, agents, agents.map((a) => ranges.get(a)?.lo), agents.map((a) => ranges.get(a)?.hi)],
    );
    const out = new Map<number, Array<{ eventId: string; time: number }>>();
    for (const r of res.rows) pushTo(out, r.agent_id as number, { eventId: r.event_id as string, time: r.time as number });
    return out;
  }

  private async ignoredOfConversations(db: Queryable, accountId: string, conversations: string[]) {
    const res = await db.query(
      'SELECT conversation_id, event_id FROM data_quality WHERE account_id = $1 AND conversation_id = ANY($2::text[]) AND valid_to IS NULL',
      [accountId, conversations],
    );
    const out = new Map<string, string[]>();
    for (const r of res.rows) pushTo(out, r.conversation_id as string, r.event_id as string);
    return out;
  }
}
