/**
 * `wfm consume`: a worker on the durable pull consumer. A message (one event, or NDJSON lines)
 * is acknowledged only after its events are durable in the store, so a worker killed mid-batch
 * loses nothing (the message is redelivered) and stores nothing twice (the store deduplicates).
 * Invalid events, conflicts and malformed messages go to the dead-letter subject with their
 * reason and are then acknowledged; a store failure is retried later (nak).
 */
import type { JsMsg, NatsConnection } from 'nats';
import { headers } from 'nats';
import type { Cause } from '../errors.js';
import { WfmError } from '../errors.js';
import type { Store } from '../store/store.js';
import { ingestBatch } from './ingest-batch.js';
import type { BusConfig } from './nats-bus.js';
import { UnparsableLine } from './parse-body.js';

const ACCOUNT = /^[A-Za-z0-9_-]{1,64}$/;
const decoder = new TextDecoder();

export interface ConsumerStats {
  messages: number;
  accepted: number;
  duplicates: number;
  deadLetters: number;
  retries: number;
}

export interface ConsumerOptions {
  nc: NatsConnection;
  bus: BusConfig;
  store: Store;
  now: () => number;
  /** messages per pull */
  batch: number;
  signal: AbortSignal;
  onMessage?: (stats: ConsumerStats) => void;
}

/** Pulls and ingests until the signal aborts. */
export async function runConsumer(options: ConsumerOptions): Promise<ConsumerStats> {
  const { nc, bus, signal } = options;
  const js = nc.jetstream();
  const consumer = await js.consumers.get(bus.stream, bus.durable);
  const stats: ConsumerStats = { messages: 0, accepted: 0, duplicates: 0, deadLetters: 0, retries: 0 };
  while (!signal.aborted) {
    const messages = await consumer.fetch({ max_messages: options.batch, expires: 1000 });
    for await (const msg of messages) {
      await handle(msg, options, stats);
      options.onMessage?.(stats);
      if (signal.aborted) break;
    }
  }
  return stats;
}

async function handle(msg: JsMsg, options: ConsumerOptions, stats: ConsumerStats): Promise<void> {
  stats.messages++;
  const accountId = msg.subject.slice(options.bus.subjectPrefix.length + 1);
  if (!ACCOUNT.test(accountId)) {
    await deadLetter(msg, options, stats, 'invalid account in subject', [
      { message: `subject ${msg.subject}: account must match ${ACCOUNT.source}` },
    ]);
    return;
  }
  const raws = parseMessage(decoder.decode(msg.data));
  try {
    const result = await ingestBatch(options.store, accountId, raws, options.now());
    stats.accepted += result.accepted;
    stats.duplicates += result.duplicates;
    // ackAck waits for the server to record the acknowledgement, so a worker that stops right
    // after never leaves a stored message unacknowledged (it would only be redelivered: harmless).
    await msg.ackAck();
  } catch (err) {
    if (err instanceof WfmError && (err.code === 'WFM_ERR_BAD_REQUEST' || err.code === 'WFM_ERR_CONFLICT')) {
      await deadLetter(msg, options, stats, err.message, err.causes);
      return;
    }
    // The store is unreachable or failed: leave the message for a later attempt.
    stats.retries++;
    msg.nak(2000);
  }
}

/** One event (a JSON object) or NDJSON lines; a line that is not JSON is reported like a bad event. */
function parseMessage(text: string): unknown[] {
  const raws: unknown[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      raws.push(JSON.parse(line));
    } catch (err) {
      raws.push(new UnparsableLine(`not valid JSON: ${(err as Error).message}`));
    }
  }
  return raws;
}

async function deadLetter(msg: JsMsg, options: ConsumerOptions, stats: ConsumerStats, reason: string, causes: Cause[]): Promise<void> {
  const accountPart = msg.subject.slice(options.bus.subjectPrefix.length + 1).replace(/[^A-Za-z0-9_-]/g, '_') || '_';
  const h = headers();
  h.set('Wfm-Reason', reason.slice(0, 500));
  h.set('Wfm-Original-Subject', msg.subject);
  const body = JSON.stringify({ reason, causes, subject: msg.subject, streamSequence: msg.seq, body: decoder.decode(msg.data) });
  // Published to a stream of its own (outside the event stream's filter), so it is kept.
  await options.nc
    .jetstream()
    .publish(`${options.bus.deadLetterPrefix}.${accountPart}`, body, { headers: h, msgID: `dead:${msg.info.stream}:${msg.seq}` });
  stats.deadLetters++;
  await msg.ackAck();
}
