/**
 * `wfm publish`: sends an NDJSON file to the event stream in batches of lines. Each message's
 * `Nats-Msg-Id` is a hash of the account and the body, so publishing the same file twice is a
 * no-op on the bus within its duplicate window (and harmless after it: the store deduplicates).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { NatsConnection } from 'nats';
import type { BusConfig } from './nats-bus.js';

export interface PublishStats {
  lines: number;
  messages: number;
  duplicates: number;
}

/** The message id of a batch: `<accountId>:<sha256 of account and body>`. */
export function batchMessageId(accountId: string, body: string): string {
  return `${accountId}:${createHash('sha256').update(accountId).update('\n').update(body).digest('base64url')}`;
}

/** The message id of one event, as engineering.md prescribes: `<accountId>:<eventId>`. */
export function eventMessageId(accountId: string, eventId: string): string {
  return `${accountId}:${eventId}`;
}

export async function publishFile(
  nc: NatsConnection,
  bus: BusConfig,
  accountId: string,
  file: string,
  batchLines: number,
): Promise<PublishStats> {
  const js = nc.jetstream();
  const subject = `${bus.subjectPrefix}.${accountId}`;
  const stats: PublishStats = { lines: 0, messages: 0, duplicates: 0 };
  let input: NodeJS.ReadableStream = createReadStream(file);
  if (file.endsWith('.gz')) input = input.pipe(createGunzip());
  let batch: string[] = [];
  const send = async (): Promise<void> => {
    if (batch.length === 0) return;
    const body = batch.join('\n');
    const single = batch.length === 1 ? idOf(body) : undefined;
    batch = [];
    const msgID = single === undefined ? batchMessageId(accountId, body) : eventMessageId(accountId, single);
    const ack = await js.publish(subject, body, { msgID });
    stats.messages++;
    if (ack.duplicate) stats.duplicates++;
  };
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line.trim() === '') continue;
    stats.lines++;
    batch.push(line);
    if (batch.length >= batchLines) await send();
  }
  await send();
  return stats;
}

function idOf(line: string): string | undefined {
  try {
    const parsed = JSON.parse(line) as { id?: unknown };
    return typeof parsed.id === 'string' ? parsed.id : undefined;
  } catch {
    return undefined;
  }
}
