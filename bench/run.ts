/**
 * `npm run bench [-- --size 1m|10m]`: the benchmark suite of spec/operations.md "Performance
 * targets". Every throughput row is compared with a floor measured in the same run; one table
 * goes to stdout and bench/results.json.
 *
 * Options: --size 1m|10m (default 1m), --seed N (default 1), --seconds N (each load run,
 * default 10), --sample N (events for the PostgreSQL import and HTTP ingest rows; default by
 * size), --no-postgres, --keep (keep the imported store in bench/data/run/).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { dataset, prefixFile, SIZES } from './dataset.js';
import { postgresCopyFloor, type Rate, readParseFloor, removeDb, sqliteInsertFloor } from './floors.js';
import { httpIngest } from './http.js';
import { type ImportRun, importFile } from './import.js';
import { lateEventRows } from './late-event.js';
import { readRows } from './latency.js';
import { DATA_DIR, machine, nowMs, progress, RESULTS_FILE, ROOT } from './machine.js';
import { type BenchDatabase, freshDatabase, postgresProblem } from './pg.js';
import { formatTable, limitRow, missingRow, plainRow, type Row, ratioRow, writeResults } from './report.js';
import { bearerToken, startServer } from './server.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1m' },
    seed: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '10' },
    sample: { type: 'string' },
    'no-postgres': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
  strict: true,
});

const size = values.size as string;
const spec = SIZES[size];
if (!spec) {
  process.stderr.write(`bench: --size must be ${Object.keys(SIZES).join(' or ')} (got ${size})\n`);
  process.exit(2);
}
const seed = Number(values.seed);
const seconds = Number(values.seconds);
const sampleSize = values.sample === undefined ? spec.sample : Number(values.sample);
for (const [name, n] of [
  ['--seed', seed],
  ['--seconds', seconds],
  ['--sample', sampleSize],
] as const) {
  if (!Number.isSafeInteger(n) || n < (name === '--seed' ? 0 : 1)) {
    process.stderr.write(`bench: ${name} must be a positive integer\n`);
    process.exit(2);
  }
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const errorText = (err: unknown): string => ((err as Error).message ?? String(err)).split('\n')[0] as string;

const startedAt = new Date();
const loadAverage = loadavg().map((x) => Math.round(x * 100) / 100);
const started = nowMs();
const scratch = `${DATA_DIR}/run`;
mkdirSync(scratch, { recursive: true });
const rows: Row[] = [];

const data = dataset(size, seed);
const sample = await prefixFile(data, sampleSize);
const all = `${fmt(data.events)} events`;
const first = sample.events === data.events ? all : `first ${fmt(sample.events)} events`;

// ---- floors --------------------------------------------------------------------------------
progress(`floor: read + parse of ${all}…`);
const readParse = await readParseFloor(data.file);
rows.push(plainRow(`floor: NDJSON read + JSON.parse (${all})`, readParse.perSecond, 'events/s', 'reference machine ≈ 600,000/s'));

progress('floor: read + parse + keyed SQLite insert…');
const sqliteFloor = await sqliteInsertFloor(data.file, `${scratch}/floor.db`);
rows.push(
  plainRow(
    `floor: read + parse + keyed SQLite insert (${all})`,
    sqliteFloor.perSecond,
    'events/s',
    '10,000-row transactions, WAL, synchronous=FULL; reference ≈ 150,000/s',
  ),
);

let pgDatabase: BenchDatabase | undefined;
let pgProblem: string | null = values['no-postgres'] ? 'skipped (--no-postgres)' : await postgresProblem();
let copyFloor: Rate | undefined;
if (pgProblem === null) {
  try {
    pgDatabase = await freshDatabase();
    progress(`floor: read + parse + COPY into PostgreSQL (${first})…`);
    copyFloor = await postgresCopyFloor(sample.file, pgDatabase.url);
  } catch (err) {
    pgProblem = errorText(err);
  }
}
const copyName = `floor: read + parse + COPY FROM STDIN into a keyed PostgreSQL table (${first})`;
rows.push(
  copyFloor
    ? plainRow(copyName, copyFloor.perSecond, 'events/s', '10,000 rows per COPY, pg only (CopyIn in bench/pg.ts); reference ≈ 55,000/s')
    : missingRow(copyName, 'events/s', pgProblem ?? 'not measured'),
);

// ---- file imports --------------------------------------------------------------------------
const storeDb = `${scratch}/store.db`;
removeDb(storeDb);
let sqliteImport: ImportRun | undefined;
const sqliteImportName = `file import into SQLite, all derived metrics (${all})`;
const rssName = `peak RSS, wfm import of ${all} into SQLite`;
try {
  progress(`wfm import of ${all} into SQLite…`);
  sqliteImport = await importFile(data.file, ['--db', storeDb], `${scratch}/import.rss`);
  rows.push(ratioRow(sqliteImportName, sqliteImport.perSecond, 'events/s', sqliteFloor.perSecond, 0.5, 'wfm import as a child process'));
  const rss = sqliteImport.run.peakRssMiB;
  const rssNote = `${sqliteImport.run.peakSource}; target stated for 10 M events`;
  rows.push(rss === null ? missingRow(rssName, 'MiB', 'peak RSS unreadable', '≤ 512 MiB') : limitRow(rssName, rss, 'MiB', 512, rssNote));
} catch (err) {
  rows.push(missingRow(sqliteImportName, 'events/s', errorText(err), 'ratio ≥ 0.5'));
  rows.push(missingRow(rssName, 'MiB', 'import failed', '≤ 512 MiB'));
}

const pgImportName = `file import into PostgreSQL, all derived metrics (${first})`;
const pgRssName = `peak RSS, wfm import of ${first} into PostgreSQL`;
const pgStoreBuilt = existsSync(`${ROOT}dist/src/store/postgres/postgres-store.js`);
if (pgDatabase && pgStoreBuilt) {
  try {
    progress(`wfm import of ${first} into PostgreSQL…`);
    const pgImport = await importFile(sample.file, ['--database-url', pgDatabase.url], `${scratch}/import-pg.rss`);
    rows.push(
      ratioRow(
        pgImportName,
        pgImport.perSecond,
        'events/s',
        copyFloor?.perSecond ?? null,
        0.5,
        'wfm import --database-url, fresh database',
      ),
    );
    if (pgImport.run.peakRssMiB !== null) rows.push(limitRow(pgRssName, pgImport.run.peakRssMiB, 'MiB', 512, pgImport.run.peakSource));
  } catch (err) {
    rows.push(missingRow(pgImportName, 'events/s', `PostgreSQL store not available: ${errorText(err)}`, 'ratio ≥ 0.5'));
  }
} else {
  rows.push(missingRow(pgImportName, 'events/s', `PostgreSQL store not available: ${pgProblem ?? 'not built'}`, 'ratio ≥ 0.5'));
}
if (pgDatabase) await pgDatabase.drop().catch((err) => progress(`could not drop ${pgDatabase?.name}: ${errorText(err)}`));

// ---- HTTP ingest ---------------------------------------------------------------------------
const httpName = `HTTP ingest, 1,000-event batches over loopback (SQLite, ${first})`;
const httpDb = `${scratch}/http.db`;
removeDb(httpDb);
try {
  const server = await startServer(httpDb);
  try {
    const token = await bearerToken(httpDb, server.url, 'ingest', `${scratch}/client.rss`);
    progress(`HTTP ingest of ${first}…`);
    const run = await httpIngest(sample.file, server.url, token);
    rows.push(
      ratioRow(
        httpName,
        run.perSecond,
        'events/s',
        sqliteImport?.perSecond ?? null,
        0.5,
        'floor = the file import rate into SQLite above; one batch in flight, fresh store',
      ),
    );
  } finally {
    await server.stop();
  }
} catch (err) {
  rows.push(missingRow(httpName, 'events/s', errorText(err), 'ratio ≥ 0.5'));
} finally {
  removeDb(httpDb);
}

// ---- reads and late events on the imported store --------------------------------------------
if (sqliteImport) {
  const storeOptions = { db: storeDb, startMs: data.startMs, hours: data.hours, skills: data.skills, events: data.events, scratch };
  try {
    rows.push(...(await readRows({ ...storeOptions, seconds })));
  } catch (err) {
    rows.push(missingRow(`reads on the SQLite store of ${all}`, '', errorText(err)));
  }
  try {
    rows.push(...(await lateEventRows(storeOptions)));
  } catch (err) {
    rows.push(missingRow('one late event', 'ms', errorText(err), 'ratio ≤ 1'));
  }
} else {
  rows.push(missingRow(`reads and late events on the SQLite store of ${all}`, '', 'the SQLite import failed'));
}
if (!values.keep) removeDb(storeDb);

// ---- report --------------------------------------------------------------------------------
const wallSeconds = Math.round((nowMs() - started) / 100) / 10;
const host = machine();
process.stdout.write(
  `wfm-metrics benchmarks, size ${size}: ${all} (${data.agents} agents × ${data.hours} h × ${data.skills} skills, seed ${seed}); ` +
    `reads on the SQLite store of ${all}\n${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB, Node ${host.node}; ` +
    `load average at start ${loadAverage.join(' ')}; ${wallSeconds} s\n\n`,
);
process.stdout.write(`${formatTable(rows)}\n`);
writeResults(RESULTS_FILE, {
  machine: host,
  size,
  dataset: {
    file: data.file.slice(ROOT.length),
    events: data.events,
    agents: data.agents,
    hours: data.hours,
    skills: data.skills,
    seed,
    start: data.start,
  },
  startedAt: startedAt.toISOString(),
  loadAverage,
  wallSeconds,
  rows,
});
progress(`wrote ${RESULTS_FILE.slice(ROOT.length)}`);
