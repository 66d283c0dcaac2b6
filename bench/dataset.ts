/**
 * Deterministic simulated data sets (src/sim/simulate.ts), generated once per size and seed into
 * bench/data/ and reused by later runs. Generation and the prefix sample are streamed: neither
 * holds the file in memory.
 */
import { once } from 'node:events';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { simulateToNdjson } from '../src/sim/simulate.js';
import { DATA_DIR, nowMs, progress } from './machine.js';

export interface SizeSpec {
  /** roster: agents × hours ≈ the event count (≈ 4,760 events per agent-week) */
  agents: number;
  hours: number;
  skills: number;
  /** events of the prefix used where a whole-file pass would take too long (PostgreSQL import, HTTP ingest) */
  sample: number;
}

/** 7 days × 10 skills in both sizes, so the NHT row is a real 7-day × 10-skill query. */
export const SIZES: Record<string, SizeSpec> = {
  '1m': { agents: 210, hours: 168, skills: 10, sample: 100_000 },
  '10m': { agents: 2100, hours: 168, skills: 10, sample: 1_000_000 },
};

/** Monday 2026-03-30 00:00 UTC, the CLI's default simulation start. */
export const START = '2026-03-30T00:00:00Z';

export interface Dataset {
  file: string;
  events: number;
  bytes: number;
  agents: number;
  hours: number;
  skills: number;
  seed: number;
  start: string;
  startMs: number;
}

/** The data set of a size and seed: generated now, or reused when an earlier run finished it. */
export function dataset(size: string, seed: number): Dataset {
  const spec = SIZES[size];
  if (!spec) throw new Error(`unknown size ${size}: use ${Object.keys(SIZES).join(' or ')}`);
  mkdirSync(DATA_DIR, { recursive: true });
  const base = `${DATA_DIR}/sim-${size}-a${spec.agents}-h${spec.hours}-k${spec.skills}-s${seed}`;
  const file = `${base}.ndjson`;
  const metaFile = `${base}.json`;
  const startMs = Date.parse(START);
  const common = { file, agents: spec.agents, hours: spec.hours, skills: spec.skills, seed, start: START, startMs };
  if (existsSync(file) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { events: number; bytes: number };
    if (statSync(file).size === meta.bytes) {
      progress(`reusing ${file} (${meta.events.toLocaleString('en-US')} events)`);
      return { ...common, events: meta.events, bytes: meta.bytes };
    }
  }
  progress(`simulating ${spec.agents} agents × ${spec.hours} h × ${spec.skills} skills (seed ${seed}) into ${file}…`);
  const started = nowMs();
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  let events: number;
  try {
    events = simulateToNdjson({ seed, agents: spec.agents, hours: spec.hours, skills: spec.skills, start: startMs }, (chunk) => {
      writeSync(fd, chunk);
    });
  } finally {
    closeSync(fd);
  }
  const bytes = statSync(tmp).size;
  renameSync(tmp, file);
  writeFileSync(metaFile, `${JSON.stringify({ events, bytes, ...spec, seed, start: START })}\n`);
  progress(`simulated ${events.toLocaleString('en-US')} events in ${((nowMs() - started) / 1000).toFixed(1)} s`);
  return { ...common, events, bytes };
}

/** The first `lines` events of the data set as their own file (cached next to it), streamed. */
export async function prefixFile(data: Dataset, lines: number): Promise<{ file: string; events: number }> {
  const n = Math.min(lines, data.events);
  if (n === data.events) return { file: data.file, events: n };
  const file = data.file.replace(/\.ndjson$/, `.first${n}.ndjson`);
  if (existsSync(file)) return { file, events: n };
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  let seen = 0;
  for await (const chunk of createReadStream(data.file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let cut = -1;
    let from = 0;
    while (seen < n) {
      const nl = chunk.indexOf(0x0a, from);
      if (nl < 0) break;
      seen++;
      from = nl + 1;
      cut = nl + 1;
    }
    const part = seen < n ? chunk : chunk.subarray(0, cut);
    if (!out.write(part)) await once(out, 'drain');
    if (seen >= n) break;
  }
  out.end();
  await once(out, 'finish');
  renameSync(tmp, file);
  return { file, events: n };
}
