/** The NATS of the bus tests: a fresh stream, subjects and consumer per use, and the CLI flags naming them. */
import type { JetStreamManager } from 'nats';
import type { BusConfig } from '../../src/ingest/nats-bus.js';
import { deadLetterStream } from '../../src/ingest/nats-bus.js';

export const NATS_URL = process.env.WFM_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export function freshBus(): BusConfig {
  const tag = `t${process.pid}x${Math.random().toString(36).slice(2, 8)}`;
  return {
    url: NATS_URL,
    stream: `WFMTEST_${tag.toUpperCase()}`,
    subjectPrefix: `wfmtest.${tag}.events`,
    deadLetterPrefix: `wfmtest.${tag}.dead`,
    durable: `wfm-test-${tag}`,
  };
}

/** The `wfm consume|publish|serve` flags that select this bus. */
export function busFlags(bus: BusConfig): string[] {
  return [
    '--nats',
    bus.url,
    '--nats-stream',
    bus.stream,
    '--nats-subject-prefix',
    bus.subjectPrefix,
    '--nats-dead-letter-prefix',
    bus.deadLetterPrefix,
    '--nats-durable',
    bus.durable,
  ];
}

export async function dropBus(jsm: JetStreamManager, bus: BusConfig): Promise<void> {
  for (const stream of [bus.stream, deadLetterStream(bus)]) await jsm.streams.delete(stream).catch(() => undefined);
}
