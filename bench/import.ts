/**
 * File import with every derived metric computed: `wfm import FILE --account A` run as a child
 * process, exactly as a user runs it, into a fresh SQLite file or a fresh PostgreSQL database.
 * The same run gives the events/s and the process's peak RSS.
 */

import { type ChildRun, runCli } from './child.js';
import { CLI } from './machine.js';

export interface ImportRun {
  events: number;
  /** the import's own duration (after the store is open), as `wfm import` reports it */
  seconds: number;
  perSecond: number;
  run: ChildRun;
}

export const ACCOUNT = 'bench';

/** `wfm import FILE --account bench` plus the store flags (`--db F` or `--database-url U`). */
export async function importFile(file: string, storeArgs: readonly string[], rssFile: string): Promise<ImportRun> {
  const run = await runCli(['import', file, '--account', ACCOUNT, ...storeArgs], rssFile);
  if (run.code !== 0) {
    const why = run.stderr.trim().split('\n').slice(-3).join(' | ') || `exit code ${run.code}`;
    throw new Error(`node ${CLI} import failed: ${why}`);
  }
  // "imported N lines in S s: accepted A, duplicates D, rejected R (X lines/s)"
  const m = /imported (\d+) lines in ([\d.]+) s: accepted (\d+), duplicates (\d+), rejected (\d+)/.exec(run.stdout);
  if (!m) throw new Error(`unexpected output of wfm import: ${run.stdout.trim().slice(0, 300)}`);
  const lines = Number(m[1]);
  const accepted = Number(m[3]);
  if (accepted !== lines) throw new Error(`wfm import accepted ${accepted} of ${lines} lines (duplicates ${m[4]}, rejected ${m[5]})`);
  // The summary has 0.1 s resolution; fall back to the wall time for very short runs.
  const reported = Number(m[2]);
  const seconds = reported >= 1 ? reported : run.wallSeconds;
  return { events: accepted, seconds, perSecond: accepted / seconds, run };
}
