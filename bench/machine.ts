/** The machine a benchmark ran on, and the project's paths (shared by every measurement family). */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
}

export function machine(): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  };
}

/** The project root: this file runs as dist/bench/machine.js. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The compiled CLI, run as a child process for the file imports and the server. */
export const CLI = `${ROOT}dist/src/cli/wfm.js`;
/** Generated data sets (kept across runs) and per-run scratch files; git-ignored. */
export const DATA_DIR = `${ROOT}bench/data`;
export const RESULTS_FILE = `${ROOT}bench/results.json`;

/** Milliseconds since an arbitrary origin, for measuring spans. */
export const nowMs = (): number => performance.now();

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Logs a progress line on stderr with the seconds since start (the table goes to stdout). */
export function progress(message: string): void {
  process.stderr.write(`bench [${Math.round(performance.now() / 1000)} s]: ${message}\n`);
}
