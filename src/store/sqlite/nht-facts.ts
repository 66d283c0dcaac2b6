/**
 * Reads the NHT facts of a window (already widened to whole hours) from the materialised
 * workload tables, as of a version. The pure computation is domain/nht.ts.
 */
import type Database from 'better-sqlite3';
import { TYPE_RANK } from '../../domain/events.js';
import type { NhtFacts } from '../../domain/nht.js';
import { agentsOf, assembleNhtFacts, type QueuedRow, startingConversationsOf } from '../nht-facts-assembly.js';
import type { TimeWindow } from '../store.js';
import type { DerivedTables } from './tables.js';

const QUEUED_RANK = TYPE_RANK['conversation.queued'];

export function readNhtFacts(
  db: Database.Database,
  tables: DerivedTables,
  accountId: string,
  version: number,
  window: TimeWindow,
): NhtFacts {
  const span = { account: accountId, from: window.from, to: window.to };
  const sessions = tables.sessions.visible('account_id = @account AND end_time > @from AND start_time < @to', span, version);
  // A segment that ends at the hour start still reports its duration there (s = e counts too).
  const segments = tables.workloadSegments.visible('account_id = @account AND end_time >= @from AND start_time < @to', span, version);
  const countedMessages = tables.messages.visible('account_id = @account AND time >= @from AND time < @to', span, version);

  // Queue waits need each conversation that starts a segment in the span, back to its previous start.
  const startingConversations = startingConversationsOf(segments, window.from);
  const conversationSegments = startingConversations.length
    ? tables.workloadSegments.visible(
        'account_id = @account AND conversation_id IN (SELECT value FROM json_each(@conversations))',
        { account: accountId, conversations: JSON.stringify(startingConversations) },
        version,
      )
    : [];
  const queuedInSpan = db
    .prepare(
      `SELECT conversation_id, skill_id, time, event_id FROM events
       WHERE account_id = @account AND rank = ${QUEUED_RANK} AND time >= @from AND time < @to AND version <= @version`,
    )
    .all({ ...span, version }) as QueuedRow[];
  const queuedOfStarting = startingConversations.length
    ? (db
        .prepare(
          `SELECT conversation_id, skill_id, time, event_id FROM events
           WHERE account_id = @account AND conversation_id IN (SELECT value FROM json_each(@conversations))
             AND rank = ${QUEUED_RANK} AND time < @to AND version <= @version`,
        )
        .all({ account: accountId, conversations: JSON.stringify(startingConversations), to: window.to, version }) as QueuedRow[])
    : [];
  const agents = agentsOf({ sessions, segments });
  const profile = agents.length
    ? tables.profile.visible(
        'account_id = @account AND agent_id IN (SELECT value FROM json_each(@agents)) AND time < @to',
        { account: accountId, agents: JSON.stringify(agents), to: window.to },
        version,
      )
    : [];

  return assembleNhtFacts({
    sessions,
    segments,
    conversationSegments,
    countedMessages,
    queued: [...queuedInSpan, ...queuedOfStarting],
    profile,
  });
}
