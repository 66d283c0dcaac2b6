/**
 * Reads the NHT facts of a window (already widened to whole hours) from the materialised
 * workload tables, as of a version. The pure computation is domain/nht.ts.
 */
import { TYPE_RANK } from '../../domain/events.js';
import type { NhtFacts } from '../../domain/nht.js';
import { agentsOf, assembleNhtFacts, type QueuedRow, startingConversationsOf } from '../nht-facts-assembly.js';
import type { TimeWindow } from '../store.js';
import type { DerivedTables } from './tables.js';
import type { Queryable } from './versioned-table.js';

const QUEUED_RANK = TYPE_RANK['conversation.queued'];

export async function readNhtFacts(
  db: Queryable,
  tables: DerivedTables,
  accountId: string,
  version: number,
  window: TimeWindow,
): Promise<NhtFacts> {
  const span = [accountId, window.from, window.to];
  const sessions = await tables.sessions.visible(db, 'account_id = $1 AND end_time > $2 AND start_time < $3', span, version);
  // A segment that ends at the hour start still reports its duration there (s = e counts too).
  const segments = await tables.workloadSegments.visible(db, 'account_id = $1 AND end_time >= $2 AND start_time < $3', span, version);
  const countedMessages = await tables.messages.visible(db, 'account_id = $1 AND time >= $2 AND time < $3', span, version);

  // Queue waits need each conversation that starts a segment in the span, back to its previous start.
  const startingConversations = startingConversationsOf(segments, window.from);
  const conversationSegments = startingConversations.length
    ? await tables.workloadSegments.visible(
        db,
        'account_id = $1 AND conversation_id = ANY($2::text[])',
        [accountId, startingConversations],
        version,
      )
    : [];
  const queuedInSpan = (
    await db.query<QueuedRow>(
      `SELECT conversation_id, skill_id, time, event_id FROM events
       WHERE account_id = $1 AND rank = ${QUEUED_RANK} AND time >= $2 AND time < $3 AND version <= $4`,
      [...span, version],
    )
  ).rows;
  const queuedOfStarting = startingConversations.length
    ? (
        await db.query<QueuedRow>(
          `SELECT conversation_id, skill_id, time, event_id FROM events
           WHERE account_id = $1 AND conversation_id = ANY($2::text[]) AND rank = ${QUEUED_RANK} AND time < $3 AND version <= $4`,
          [accountId, startingConversations, window.to, version],
        )
      ).rows
    : [];
  const agents = agentsOf({ sessions, segments });
  const profile = agents.length
    ? await tables.profile.visible(
        db,
        'account_id = $1 AND agent_id = ANY($2::bigint[]) AND time < $3',
        [accountId, agents, window.to],
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
