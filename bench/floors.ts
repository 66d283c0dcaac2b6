/**
 * The floors of spec/operations.md "Performance targets", measured in the same run as the rows
 * they bound: what any importer of these events must at least do.
 *   - read + parse: stream the NDJSON file line by line (as `wfm import` does) and JSON.parse each line;
 *   - SQLite: read + parse + a plain keyed insert (account, event id) in 10,000-row transactions,
 *     with the store's durability (WAL, synchronous=FULL);
 *   - PostgreSQL: read + parse + COPY FROM STDIN into a keyed table, 10,000 rows per COPY (each
 *     its own transaction), default durability.
 */
import { createReadStream, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import pg from 'pg';
import { nowMs } from './machine.js';
import { CopyIn, copyText } from './pg.js';

export interface Rate {
  events: number;
  seconds: number;
  perSecond: number;
}

const BATCH = 10_000;
const ACCOUNT = 'bench';

function rate(events: number, started: number): Rate {
  const seconds = (nowMs() - started) / 1000;
  return { events, seconds, perSecond: events / seconds };
}

function lines(file: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
}

interface Parsed {
  id: string;
  time: number;
}

/** Read + JSON parse: the floor under every import. */
export async function readParseFloor(file: string): Promise<Rate> {
  const started = nowMs();
  let n = 0;
  let check = 0;
  for await (const line of lines(file)) {
    if (line === '') continue;
    const e = JSON.parse(line) as Parsed;
    check += e.id.length;
    n++;
  }
  if (check === 0 && n > 0) throw new Error('no ids parsed');
  return rate(n, started);
}

/** Read + parse + plain keyed SQLite insert, in 10,000-row transactions, into a fresh file. */
export async function sqliteInsertFloor(file: string, dbFile: string): Promise<Rate> {
  removeDb(dbFile);
  const db = new Database(dbFile);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(
      'CREATE TABLE events (account_id TEXT NOT NULL, event_id TEXT NOT NULL, time INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (account_id, event_id)) WITHOUT ROWID',
    );
    const insert = db.prepare('INSERT INTO events (account_id, event_id, time, body) VALUES (?, ?, ?, ?)');
    const write = db.transaction((rows: Array<[string, number, string]>) => {
      for (const [id, time, body] of rows) insert.run(ACCOUNT, id, time, body);
    });
    const started = nowMs();
    let n = 0;
    let batch: Array<[string, number, string]> = [];
    for await (const line of lines(file)) {
      if (line === '') continue;
      const e = JSON.parse(line) as Parsed;
      batch.push([e.id, e.time, line]);
      if (batch.length >= BATCH) {
        write(batch);
        n += batch.length;
        batch = [];
      }
    }
    write(batch);
    n += batch.length;
    return rate(n, started);
  } finally {
    db.close();
    removeDb(dbFile);
  }
}

/** Read + parse + COPY FROM STDIN into a keyed PostgreSQL table, 10,000 rows per COPY; the table is dropped after. */
export async function postgresCopyFloor(file: string, url: string): Promise<Rate> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('DROP TABLE IF EXISTS bench_copy_floor');
    await client.query(
      'CREATE TABLE bench_copy_floor (account_id TEXT NOT NULL, event_id TEXT NOT NULL, time BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (account_id, event_id))',
    );
    const copy = async (rows: string[]): Promise<number> => {
      if (rows.length === 0) return 0;
      const data = Buffer.from(rows.join(''));
      const chunks: Buffer[] = [];
      for (let at = 0; at < data.length; at += 1 << 16) chunks.push(data.subarray(at, at + (1 << 16)));
      return client.query(new CopyIn('COPY bench_copy_floor (account_id, event_id, time, body) FROM STDIN', chunks)).done;
    };
    const started = nowMs();
    let n = 0;
    let batch: string[] = [];
    for await (const line of lines(file)) {
      if (line === '') continue;
      const e = JSON.parse(line) as Parsed;
      batch.push(`${ACCOUNT}\t${copyText(e.id)}\t${e.time}\t${copyText(line)}\n`);
      if (batch.length >= BATCH) {
        n += await copy(batch);
        batch = [];
      }
    }
    n += await copy(batch);
    const result = rate(n, started);
    await client.query('DROP TABLE bench_copy_floor');
    return result;
  } finally {
    await client.end();
  }
}

export function removeDb(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
}
