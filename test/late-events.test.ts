/**
 * Late events that land in earlier sessions (spec/operations.md: "Late events recompute only the
 * sessions and conversations they touch"). A store replays a late event's agent from a
 * checkpoint at a session start up to the next session start where its machines are back in
 * the stored state; whatever the window, the answers must be those of a full replay.
 *
 * Each run: a simulated multi-day stream (an agent works one shift a day) arrives in order with
 * some events held back, then the held-back events and messy extra ones (logins that split a
 * session, logouts, statuses, profile writes, focus changes, segment events, agent messages at
 * existing instants or next to them) arrive late in random batches, then the rest of the stream
 * in order. Every answer (status changes, data quality, AHT segments with their units, with and
 * without an idle timeout, NHT facts) must equal a fresh store's given every event at once in the
 * total order — on both stores.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { WfmEvent } from '../src/domain/events.js';
import { compareEvents } from '../src/domain/events.js';
import { ingestBatch } from '../src/ingest/ingest-batch.js';
import { simulate } from '../src/sim/simulate.js';
import type { Store } from '../src/store/store.js';
import { DAY0, STORES } from './support/harness.js';

const HOUR = 3_600_000;
const HOURS = 72;
const START = DAY0 - 10 * 24 * HOUR;
const NOW = DAY0 + 30 * 24 * HOUR;
const WINDOW = { from: START - HOUR, to: START + (HOURS + 24) * HOUR };

interface Extra {
  kind: 'login' | 'logout' | 'status' | 'profile' | 'focus' | 'blur' | 'segmentStart' | 'segmentEnd' | 'agentMessage';
  /** which existing event's instant (modulo the stream's length) */
  at: number;
  /** ms added to that instant */
  jitter: number;
  agent: number;
  /** which of the stream's conversations (modulo their number) */
  conversation: number;
  groupId: number | undefined;
  status: 'ONLINE' | 'AWAY' | 'BACK_SOON' | 'OFFLINE';
}

const extraArb: fc.Arbitrary<Extra> = fc.record({
  kind: fc.constantFrom('login', 'logout', 'status', 'status', 'profile', 'focus', 'blur', 'segmentStart', 'segmentEnd', 'agentMessage'),
  at: fc.nat(),
  jitter: fc.constantFrom(0, 0, 1, -1, 60_000),
  agent: fc.integer({ min: 1, max: 3 }),
  conversation: fc.nat(),
  groupId: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  status: fc.constantFrom('ONLINE', 'AWAY', 'BACK_SOON', 'OFFLINE'),
});

const runArb = fc.record({
  seed: fc.integer({ min: 1, max: 100_000 }),
  /** events held back from the in-order arrival (indexes modulo the stream's length) */
  held: fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
  extras: fc.array(extraArb, { maxLength: 8 }),
  /** where the in-order head ends (per mille of the stream) */
  headEnd: fc.integer({ min: 500, max: 1000 }),
  /** late batches: a cut after each late event or not, and a shuffle */
  cuts: fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
  shuffleKeys: fc.array(fc.nat(), { minLength: 20, maxLength: 20 }),
  /** with an idle timeout, any event of the agent inside a segment is activity that counts */
  idleTimeoutMillis: fc.constantFrom(0, 60_000, 300_000),
});

function extraEvent(x: Extra, index: number, stream: readonly WfmEvent[], conversations: readonly string[]): WfmEvent {
  const id = `late-${index}`;
  const time = (stream[x.at % stream.length] as WfmEvent).time + x.jitter;
  const agentId = x.agent;
  const conversationId = conversations[x.conversation % conversations.length] as string;
  const groupId = x.groupId === undefined ? {} : { groupId: x.groupId };
  switch (x.kind) {
    case 'login':
      return { id, type: 'agent.login', time, agentId, ...groupId };
    case 'logout':
      return { id, type: 'agent.logout', time, agentId };
    case 'status':
      return { id, type: 'agent.status', time, agentId, status: x.status };
    case 'profile':
      return { id, type: 'agent.profile', time, agentId, groupId: x.groupId ?? 9, maxSlots: 2 };
    case 'focus':
      return { id, type: 'workspace.focus', time, agentId, conversationId };
    case 'blur':
      return { id, type: 'workspace.blur', time, agentId, conversationId };
    case 'segmentStart':
      return { id, type: 'segment.start', time, agentId, conversationId, skillId: 1 };
    case 'segmentEnd':
      return { id, type: 'segment.end', time, agentId, conversationId, endReason: 'closedByAgent' };
    case 'agentMessage':
      return { id, type: 'message', time, agentId, conversationId, from: 'agent' };
  }
}

async function ingest(store: Store, account: string, events: readonly WfmEvent[]): Promise<void> {
  if (events.length === 0) return;
  const result = await ingestBatch(store, account, events, NOW);
  assert.equal(result.accepted, events.length, JSON.stringify(result));
}

/** Every answer of an account, as text. */
async function answers(store: Store, account: string): Promise<Record<string, string>> {
  const { version } = await store.accountVersion(account);
  const page = { offset: 0, limit: 1_000_000 };
  const segments = [];
  for await (const s of store.segmentsEndingIn(account, version, WINDOW)) segments.push(s);
  return {
    statusChanges: JSON.stringify(await store.statusChanges(account, version, WINDOW, { kind: 'none' }, page)),
    dataQuality: JSON.stringify(await store.dataQuality(account, version, WINDOW, page)),
    segments: JSON.stringify(segments),
    // Facts are sets (read in no particular order): compare them sorted.
    nhtFacts: JSON.stringify(
      Object.entries(await store.nhtFacts(account, version, WINDOW)).map(([k, list]: [string, unknown[]]) => [
        k,
        list.map((f) => JSON.stringify(f)).sort(),
      ]),
    ),
  };
}

for (const factory of STORES) {
  describe(`late events in earlier sessions (${factory.name})`, { timeout: 900_000 }, () => {
    let arrived: Store;
    let reference: Store;
    let run = 0;
    before(async () => {
      arrived = await factory.open({ now: () => NOW, snapshotTtlMs: HOUR });
      reference = await factory.open({ now: () => NOW, snapshotTtlMs: HOUR });
    });
    after(async () => {
      await arrived.close();
      await reference.close();
    });

    test('in order, then late events, then the rest: the answers of a fresh store given every event at once', async () => {
      await fc.assert(
        fc.asyncProperty(runArb, async ({ seed, held, extras, headEnd, cuts, shuffleKeys, idleTimeoutMillis }) => {
          const account = `late${++run}`;
          for (const store of [arrived, reference]) await store.updateSettings(account, { idleTimeoutMillis });
          const stream = [...simulate({ seed, agents: 3, hours: HOURS, start: START })];
          const conversations = [...new Set(stream.flatMap((e) => ('conversationId' in e ? [e.conversationId] : [])))];
          const heldIds = new Set(held.map((h) => (stream[h % stream.length] as WfmEvent).id));
          const late = [...stream.filter((e) => heldIds.has(e.id)), ...extras.map((x, i) => extraEvent(x, i, stream, conversations))];
          const onTime = stream.filter((e) => !heldIds.has(e.id));
          const split = Math.floor((onTime.length * headEnd) / 1000);

          // The head in order (a few batches), the late events shuffled in random batches, the tail in order.
          for (let i = 0; i < split; i += 1500) await ingest(arrived, account, onTime.slice(i, Math.min(split, i + 1500)));
          const shuffled = late
            .map((e, i) => ({ e, key: shuffleKeys[i % shuffleKeys.length] as number, i }))
            .sort((a, b) => a.key - b.key || a.i - b.i);
          let batch: WfmEvent[] = [];
          for (const [i, { e }] of shuffled.entries()) {
            batch.push(e);
            if (cuts[i % cuts.length] || i === shuffled.length - 1) {
              await ingest(arrived, account, batch);
              batch = [];
            }
          }
          await ingest(arrived, account, onTime.slice(split));

          await ingest(reference, account, [...onTime, ...late].sort(compareEvents));
          const expected = await answers(reference, account);
          const actual = await answers(arrived, account);
          for (const key of Object.keys(expected)) assert.equal(actual[key], expected[key], `${key} differ`);
        }),
        { numRuns: factory.name === 'sqlite' ? 40 : 15 },
      );
    });
  });
}
