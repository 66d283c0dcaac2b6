import { closeSync, openSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import { parseRfc3339 } from '../domain/time.js';
import { WfmError } from '../errors.js';
import { simulateToNdjson } from '../sim/simulate.js';
import { action, positiveInt } from './options.js';

export const DEFAULT_SIMULATION_START = '2026-03-30T00:00:00Z';

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('write a deterministic synthetic contact-center span as NDJSON events (same options → same bytes)')
    .option('--seed <n>', 'random seed', '1')
    .option('--agents <n>', 'number of agents', '40')
    .option('--hours <n>', 'hours to simulate', '24')
    .option('--skills <n>', 'number of skills (ids 1..n)', '4')
    .option('--start <time>', 'RFC 3339 start instant', DEFAULT_SIMULATION_START)
    .option('--out <file>', 'write to this file instead of standard output')
    .action(
      action(async (options: Record<string, unknown>) => {
        const start = parseRfc3339(String(options.start));
        if (typeof start === 'string') throw new WfmError('WFM_ERR_BAD_REQUEST', `--start must be an RFC 3339 date-time: ${start}`);
        const simulation = {
          seed: positiveInt('--seed', options.seed, 0),
          agents: positiveInt('--agents', options.agents),
          hours: positiveInt('--hours', options.hours),
          skills: positiveInt('--skills', options.skills),
          start,
        };
        const fd = typeof options.out === 'string' ? openSync(options.out, 'w') : 1;
        try {
          const n = simulateToNdjson(simulation, (chunk) => writeFully(fd, chunk));
          if (fd !== 1) process.stderr.write(`wfm: wrote ${n} events to ${options.out}\n`);
        } finally {
          if (fd !== 1) closeSync(fd);
        }
      }),
    );
}

/** Synchronous write that waits out a full non-blocking pipe (EAGAIN) instead of buffering. */
function writeFully(fd: number, chunk: string): void {
  let buf = Buffer.from(chunk);
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(fd, buf));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}
