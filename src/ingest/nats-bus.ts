/**
 * The NATS JetStream bus: one stream of event messages (subjects `<prefix>.<accountId>`), one
 * durable pull consumer shared by every worker, and a dead-letter stream outside the event
 * stream's filter so rejected messages are kept, counted and never dropped silently.
 */
import type { JetStreamManager, NatsConnection } from 'nats';
import { AckPolicy, connect, nanos } from 'nats';
import { WfmError } from '../errors.js';

export interface BusConfig {
  url: string;
  /** event stream, default WFM_EVENTS */
  stream: string;
  /** event subjects are `<subjectPrefix>.<accountId>`, default wfm.events */
  subjectPrefix: string;
  /** dead letters go to `<deadLetterPrefix>.<accountId>`, default wfm.deadletter */
  deadLetterPrefix: string;
  /** the durable consumer all workers share, default wfm-ingest */
  durable: string;
}

export const DEFAULT_BUS: Omit<BusConfig, 'url'> = {
  stream: 'WFM_EVENTS',
  subjectPrefix: 'wfm.events',
  deadLetterPrefix: 'wfm.deadletter',
  durable: 'wfm-ingest',
};

export function deadLetterStream(config: BusConfig): string {
  return `${config.stream}_DEADLETTER`;
}

/** Connects, with one clear error when the server cannot be reached. */
export async function connectBus(config: BusConfig): Promise<NatsConnection> {
  try {
    return await connect({ servers: config.url, name: 'wfm-metrics', maxReconnectAttempts: -1 });
  } catch (err) {
    throw new WfmError('WFM_ERR_UNAVAILABLE', `cannot reach NATS at ${config.url}: ${(err as Error).message}`);
  }
}

/** Creates the event stream, the dead-letter stream and the durable consumer when missing. */
export async function ensureBus(nc: NatsConnection, config: BusConfig): Promise<JetStreamManager> {
  const jsm = await nc.jetstreamManager();
  await ensureStream(jsm, config.stream, `${config.subjectPrefix}.>`);
  await ensureStream(jsm, deadLetterStream(config), `${config.deadLetterPrefix}.>`);
  try {
    await jsm.consumers.info(config.stream, config.durable);
  } catch {
    await jsm.consumers.add(config.stream, {
      durable_name: config.durable,
      ack_policy: AckPolicy.Explicit,
      // A worker killed mid-batch gets its messages redelivered to another after this.
      ack_wait: nanos(30_000),
      max_ack_pending: 1000,
    });
  }
  return jsm;
}

async function ensureStream(jsm: JetStreamManager, name: string, subject: string): Promise<void> {
  try {
    await jsm.streams.info(name);
  } catch {
    // The duplicate window makes a re-published message (same Nats-Msg-Id) a no-op on the bus;
    // the store's id ledger stays the real de-duplication.
    await jsm.streams.add({ name, subjects: [subject], duplicate_window: nanos(120_000) });
  }
}

/** Lag and dead letters, for /metrics. */
export async function busStats(
  jsm: JetStreamManager,
  config: BusConfig,
): Promise<{ pending: number; ackPending: number; deadLetters: number }> {
  const consumer = await jsm.consumers.info(config.stream, config.durable);
  const dead = await jsm.streams.info(deadLetterStream(config));
  return { pending: consumer.num_pending, ackPending: consumer.num_ack_pending, deadLetters: dead.state.messages };
}
