/**
 * HTTP ingest: the events of the file POSTed in 1,000-event NDJSON batches over loopback to
 * `wfm serve` on a fresh SQLite file, one batch in flight (so the events arrive in order, as
 * from the file), each answered once durable. Compared with `wfm import` of the same store.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ACCOUNT } from './import.js';
import { nowMs } from './machine.js';

export interface IngestRun {
  events: number;
  batches: number;
  seconds: number;
  perSecond: number;
}

export async function httpIngest(file: string, url: string, token: string, batchSize = 1000): Promise<IngestRun> {
  const endpoint = `${url}/api/account/${ACCOUNT}/events`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' };
  let events = 0;
  let batches = 0;
  const post = async (lines: string[]): Promise<void> => {
    if (lines.length === 0) return;
    const response = await fetch(endpoint, { method: 'POST', headers, body: lines.join('\n') });
    const text = await response.text();
    if (!response.ok) throw new Error(`POST events answered ${response.status}: ${text.slice(0, 300)}`);
    const { accepted } = JSON.parse(text) as { accepted: number };
    if (accepted !== lines.length) throw new Error(`POST events accepted ${accepted} of ${lines.length}`);
    events += accepted;
    batches++;
  };
  const started = nowMs();
  let batch: string[] = [];
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
    if (line === '') continue;
    batch.push(line);
    if (batch.length >= batchSize) {
      await post(batch);
      batch = [];
    }
  }
  await post(batch);
  const seconds = (nowMs() - started) / 1000;
  return { events, batches, seconds, perSecond: events / seconds };
}
