/**
 * AHT materialisation for the PostgreSQL store: which (agent, conversation) pairs a batch
 * touches, and recomputing pairs from the events they depend on (the pure engine is
 * domain/aht.ts). The same selection as the SQLite store's handle-time.ts, read for a whole
 * chunk of pairs at once: a handful of statements per chunk, not a handful per pair (see
 * ../pair-inputs.ts).
 */
import type { SegmentHandleTime } from '../../domain/aht.js';
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
  type StoredEvent,
  storedEvent,
} from '../pair-inputs.js';
import type { DerivedTables } from './tables.js';
import { chunks, type Queryable } from './versioned-table.js';

export type { Pair } from '../pair-inputs.js';

/** Pairs recomputed together (their inputs are read and held together). */
const PAIR_CHUNK = 2000;
/** Conversations per read of their events. */
const CONVERSATION_CHUNK = 5000;
/** Later than any event: "before it" is "all". */
const NEVER = Number.MAX_SAFE_INTEGER;

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function pushAll<K, V>(map: Map<K, V[]>, key: K, values: readonly V[]): void {
  const list = map.get(key);
  if (list) list.push(...values);
  else map.set(key, [...values]);
}

export class HandleTimeDeriver {
  constructor(private readonly tables: DerivedTables) {}

  /**
   * Recomputes every pair whose handle time new events can change: every pair of a conversation
   * they name (pending, streaks, segment events), and the pairs of their agents the agent
   * derivation found (focus, idle activity, logout, profile: see agent-replay.ts
   * handleTimeConversations). `extraConversations` are conversations whose ignored events changed.
   */
  async deriveAfter(
    db: Queryable,
    accountId: string,
    fresh: readonly WfmEvent[],
    extraConversations: Iterable<string>,
    agentPairs: Iterable<Pair>,
    version: number,
    idleTimeoutMillis: number,
  ): Promise<void> {
    const conversations = new Set(extraConversations);
    for (const e of fresh) {
      const c = conversationOf(e);
      if (c !== undefined) conversations.add(c);
    }
    // A conversation's pairs are the agents of its segment events, read from its events (which
    // those pairs need anyway). What the batch wrote is not read back.
    const batch = freshEvents(fresh);
    const inputs = await this.readConversations(db, accountId, [...conversations], batch);
    const pairs = new Map<string, Pair>();
    const add = (agentId: number, conversationId: string) => pairs.set(`${agentId}\u0000${conversationId}`, { agentId, conversationId });
    for (const [c, conversation] of inputs) for (const a of agentsWithSegments(conversation)) add(a, c);
    for (const p of agentPairs) add(p.agentId, p.conversationId);
    await this.derivePairs(db, accountId, [...pairs.values()], version, idleTimeoutMillis, inputs, batch);
  }

  async allPairs(db: Queryable, accountId: string): Promise<Pair[]> {
    const res = await db.query('SELECT DISTINCT agent_id, conversation_id FROM events WHERE account_id = $1 AND rank IN (4, 8)', [
      accountId,
    ]);
    return res.rows.map((r) => ({ agentId: r.agent_id as number, conversationId: r.conversation_id as string }));
  }

  /**
   * Recomputes the closed segments of the pairs, a chunk at a time (`known`: conversations
   * already read; `batch`: the events the current write stored).
   */
  async derivePairs(
    db: Queryable,
    accountId: string,
    pairs: readonly Pair[],
    version: number,
    idleTimeoutMillis: number,
    known: Map<string, ConversationInputs> = new Map(),
    batch: FreshEvents = freshEvents([]),
  ): Promise<void> {
    // Each chunk reads into its own copy, so a rebuild holds one chunk's conversations, not the account's.
    for (const part of chunks(pairs, PAIR_CHUNK)) {
      await this.deriveChunk(db, accountId, part, version, idleTimeoutMillis, new Map(known), batch);
    }
  }

  private async deriveChunk(
    db: Queryable,
    accountId: string,
    pairs: readonly Pair[],
    version: number,
    idleTimeoutMillis: number,
    conversations: Map<string, ConversationInputs>,
    batch: FreshEvents,
  ): Promise<void> {
    const missing = [...new Set(pairs.map((p) => p.conversationId))].filter((c) => !conversations.has(c));
    for (const [c, conversation] of await this.readConversations(db, accountId, missing, batch)) conversations.set(c, conversation);

    const results: Array<{ key: [string, number]; next: SegmentHandleTime[] }> = [];
    const spansByAgent = new Map<number, PairSpan[]>();
    for (const pair of pairs) {
      const span = pairSpan(pair, conversations.get(pair.conversationId) as ConversationInputs);
      if (span === undefined) results.push({ key: [pair.conversationId, pair.agentId], next: [] });
      else pushTo(spansByAgent, pair.agentId, span);
    }
    if (spansByAgent.size > 0) {
      const agents = await this.readAgents(db, accountId, spansByAgent, batch);
      const ignoredOfConversation = await this.ignoredOfConversations(db, accountId, [
        ...new Set([...spansByAgent.values()].flatMap((spans) => spans.map((s) => s.pair.conversationId))),
      ]);
      for (const [agentId, spans] of spansByAgent) {
        const agent = agents.get(agentId) as AgentInputs;
        for (const span of spans) {
          const { conversationId } = span.pair;
          const conversation = conversations.get(conversationId) as ConversationInputs;
          const ignored = ignoredOfConversation.get(conversationId) ?? [];
          results.push({ key: [conversationId, agentId], next: computePair(span, conversation, agent, ignored, idleTimeoutMillis) });
        }
      }
    }
    await this.tables.segments.replace(db, accountId, ['conversation_id', 'agent_id'], results, version);
  }

  /**
   * The conversations' events in the total order, and their tracked segments. Of a conversation
   * with events in the batch, only those before its first fresh one are read, with a count of
   * the stored ones from there on to check they are the fresh ones (see withFresh).
   */
  private async readConversations(
    db: Queryable,
    accountId: string,
    ids: string[],
    batch: FreshEvents,
  ): Promise<Map<string, ConversationInputs>> {
    const events = new Map<string, StoredEvent[]>();
    const reread: string[] = [];
    for (const part of chunks(ids, CONVERSATION_CHUNK)) {
      const fresh = part.map((c) => batch.byConversation.get(c) ?? []);
      const res = await db.query(
        `SELECT u.c, null::bigint AS n, e.body FROM unnest($2::text[], $3::bigint[]) AS u(c, m)
           JOIN events e ON e.account_id = $1 AND e.conversation_id = u.c AND e.time < u.m
         UNION ALL
         SELECT u.c, (SELECT count(*) FROM events e WHERE e.account_id = $1 AND e.conversation_id = u.c AND e.time >= u.m), null
           FROM unnest($2::text[], $3::bigint[]) AS u(c, m) WHERE u.m < ${NEVER}`,
        [accountId, part, fresh.map((f) => f[0]?.time ?? NEVER)],
      );
      const counts = new Map<string, number>();
      for (const r of res.rows) {
        if (r.n === null) pushTo(events, r.c as string, storedEvent(r.body as string));
        else counts.set(r.c as string, r.n as number);
      }
      part.forEach((c, i) => {
        events.get(c)?.sort(compareStored);
        const f = fresh[i] as StoredEvent[];
        if (f.length === 0) return;
        if (counts.get(c) === f.length) pushAll(events, c, f);
        else reread.push(c);
      });
    }
    for (const part of chunks(reread, CONVERSATION_CHUNK)) {
      for (const c of part) events.delete(c);
      const res = await db.query('SELECT conversation_id, body FROM events WHERE account_id = $1 AND conversation_id = ANY($2::text[])', [
        accountId,
        part,
      ]);
      for (const r of res.rows) pushTo(events, r.conversation_id as string, storedEvent(r.body as string));
      for (const c of part) events.get(c)?.sort(compareStored);
    }
    const out = new Map<string, ConversationInputs>();
    for (const c of ids) out.set(c, conversationInputs(events.get(c) ?? []));
    return out;
  }

  /**
   * Each agent's inputs for all agents in a few statements: where its range starts (its last
   * focus or logout before its earliest span, else that span's start); its events in the range
   * up to its latest span end (without those of the batch, checked by a count as in
   * readConversations), with its profile writes before the range; its ignored events in the range.
   */
  private async readAgents(
    db: Queryable,
    accountId: string,
    spansByAgent: Map<number, PairSpan[]>,
    batch: FreshEvents,
  ): Promise<Map<number, AgentInputs>> {
    const ids = [...spansByAgent.keys()];
    const ranges = ids.map((a) => agentRange(spansByAgent.get(a) as PairSpan[]));
    const starts = await db.query(
      `SELECT u.agent_id, coalesce((SELECT max(e.time) FROM events e
               WHERE e.account_id = $1 AND e.agent_id = u.agent_id AND e.time < u.lo AND e.rank IN (${FOCUS_SETTING_RANKS.join(', ')})),
             u.lo) AS start
         FROM unnest($2::bigint[], $3::bigint[]) AS u(agent_id, lo)`,
      [accountId, ids, ranges.map((r) => r.lo)],
    );
    const startOf = new Map(starts.rows.map((r) => [r.agent_id as number, r.start as number]));
    const agents = ids.map((agentId, i) => {
      const start = startOf.get(agentId) as number;
      const { hi } = ranges[i] as { hi: number };
      const fresh = (batch.byAgent.get(agentId) ?? []).filter((e) => e.time >= start && e.time <= hi);
      return { agentId, start, hi, fresh, upTo: fresh[0]?.time ?? NEVER };
    });
    const res = await db.query(
      `SELECT u.agent_id, 0 AS part, null::bigint AS n, e.body
         FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS u(agent_id, start, hi, up_to)
         JOIN events e ON e.account_id = $1 AND e.agent_id = u.agent_id AND e.rank IN (0, 1) AND e.time < u.start
       UNION ALL
       SELECT u.agent_id, 1, null, e.body
         FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS u(agent_id, start, hi, up_to)
         JOIN events e ON e.account_id = $1 AND e.agent_id = u.agent_id AND e.time >= u.start AND e.time <= u.hi AND e.time < u.up_to
       UNION ALL
       SELECT u.agent_id, 2, (SELECT count(*) FROM events e WHERE e.account_id = $1 AND e.agent_id = u.agent_id AND e.time >= u.up_to AND e.time <= u.hi), null
         FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS u(agent_id, start, hi, up_to) WHERE u.up_to < ${NEVER}`,
      [accountId, ids, agents.map((a) => a.start), agents.map((a) => a.hi), agents.map((a) => a.upTo)],
    );
    const earlier = new Map<number, StoredEvent[]>();
    const inRange = new Map<number, StoredEvent[]>();
    const counts = new Map<number, number>();
    for (const r of res.rows) {
      const agentId = r.agent_id as number;
      if (r.part === 2) counts.set(agentId, r.n as number);
      else pushTo(r.part === 0 ? earlier : inRange, agentId, storedEvent(r.body as string));
    }
    const reread = agents.filter((a) => a.fresh.length > 0 && counts.get(a.agentId) !== a.fresh.length);
    if (reread.length > 0) {
      for (const a of reread) inRange.delete(a.agentId);
      const all = await db.query(
        `SELECT u.agent_id, e.body FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS u(agent_id, start, hi)
           JOIN events e ON e.account_id = $1 AND e.agent_id = u.agent_id AND e.time >= u.start AND e.time <= u.hi`,
        [accountId, reread.map((a) => a.agentId), reread.map((a) => a.start), reread.map((a) => a.hi)],
      );
      for (const r of all.rows) pushTo(inRange, r.agent_id as number, storedEvent(r.body as string));
    }
    const ignored = await db.query(
      `SELECT d.agent_id, d.event_id, d.time FROM unnest($2::bigint[], $3::bigint[], $4::bigint[]) AS u(agent_id, lo, hi)
         JOIN data_quality d ON d.account_id = $1 AND d.agent_id = u.agent_id AND d.time >= u.lo AND d.time <= u.hi
          AND d.valid_to IS NULL AND d.kind IN ('blurNotInFocus', 'offlineWithoutSession')`,
      [accountId, ids, agents.map((a) => a.start), agents.map((a) => a.hi)],
    );
    const out = new Map<number, AgentInputs & { ignored: Array<{ eventId: string; time: number }> }>();
    const rereading = new Set(reread.map((a) => a.agentId));
    for (const a of agents) {
      const events = inRange.get(a.agentId) ?? [];
      if (!rereading.has(a.agentId)) events.push(...a.fresh);
      out.set(a.agentId, {
        events: events.sort(compareStored),
        earlierProfileWrites: (earlier.get(a.agentId) ?? []).sort(compareStored),
        ignored: [],
      });
    }
    for (const r of ignored.rows) out.get(r.agent_id as number)?.ignored.push({ eventId: r.event_id as string, time: r.time as number });
    return out;
  }

  private async ignoredOfConversations(db: Queryable, accountId: string, conversations: string[]): Promise<Map<string, string[]>> {
    const res = await db.query(
      'SELECT conversation_id, event_id FROM data_quality WHERE account_id = $1 AND conversation_id = ANY($2::text[]) AND valid_to IS NULL',
      [accountId, conversations],
    );
    const out = new Map<string, string[]>();
    for (const r of res.rows) pushTo(out, r.conversation_id as string, r.event_id as string);
    return out;
  }
}
