/** Running the CLI as a child process: a clean environment, its output, and its peak RSS. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { CLI, nowMs } from './machine.js';

/** The caller's environment without the store/server settings, so flags alone configure the child. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WFM_') && k !== 'DATABASE_URL') env[k] = v;
  return env;
}

export interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
  wallSeconds: number;
  /** peak resident set size in MiB, null when it could not be read */
  peakRssMiB: number | null;
  /** how the peak was read */
  peakSource: string;
}

const TIME = '/usr/bin/time';

/**
 * Runs `node dist/src/cli/wfm.js ...args` to completion. The peak RSS is the kernel's
 * high-water mark: `/usr/bin/time -f %M` (getrusage of the exited child) when present, else the
 * last VmHWM read from /proc/PID/status while polling every 50 ms.
 */
export async function runCli(args: readonly string[], rssFile: string): Promise<ChildRun> {
  const useTime = existsSync(TIME);
  rmSync(rssFile, { force: true });
  const command = useTime ? TIME : process.execPath;
  const argv = useTime ? ['-f', '%M', '-o', rssFile, process.execPath, CLI, ...args] : [CLI, ...args];
  const started = nowMs();
  const child = spawn(command, argv, { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-20_000);
  });
  let hwmKiB = 0;
  const poll = useTime
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) hwmKiB = Math.max(hwmKiB, Number(m[1]));
        } catch {
          // the process is gone
        }
      }, 50);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  if (poll) clearInterval(poll);
  const wallSeconds = (nowMs() - started) / 1000;
  let peakRssMiB: number | null = hwmKiB > 0 ? hwmKiB / 1024 : null;
  if (useTime) {
    const text = existsSync(rssFile) ? readFileSync(rssFile, 'utf8').trim().split('\n').pop() : undefined;
    peakRssMiB = text && /^\d+$/.test(text) ? Number(text) / 1024 : null;
    rmSync(rssFile, { force: true });
  }
  return { code, stdout, stderr, wallSeconds, peakRssMiB, peakSource: useTime ? '/usr/bin/time %M' : '/proc VmHWM' };
}
