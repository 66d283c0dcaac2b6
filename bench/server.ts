/** `wfm serve` as a child process on a free loopback port, and a bearer token for it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { cleanEnv, runCli } from './child.js';
import { ACCOUNT } from './import.js';
import { CLI } from './machine.js';

export interface Server {
  url: string;
  pid: number;
  /** SIGTERM (drains in-flight requests) by default; SIGKILL drops whatever an overload left queued */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `wfm serve --port 0 --db FILE --log-level silent` and waits for its "serving on" line. */
export async function startServer(db: string, extra: readonly string[] = []): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--db', db, '--log-level', 'silent', ...extra], {
    env: cleanEnv(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`wfm serve did not start in 60 s: ${text.trim()}`)), 60_000);
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      const m = /serving on (http:\/\/[^\s]+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wfm serve exited with ${code}: ${text.trim()}`));
    });
  });
  return {
    url,
    pid: child.pid as number,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A client of the bench account (`wfm client create --json`) and a bearer token from `POST /oauth/token`. */
export async function bearerToken(db: string, url: string, scopes: string, rssFile: string): Promise<string> {
  const run = await runCli(['client', 'create', '--account', ACCOUNT, '--scopes', scopes, '--json', '--db', db], rssFile);
  if (run.code !== 0) throw new Error(`wfm client create failed: ${run.stderr.trim()}`);
  const { client_id, client_secret } = JSON.parse(run.stdout) as { client_id: string; client_secret: string };
  const response = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id, client_secret }).toString(),
  });
  if (!response.ok) throw new Error(`POST /oauth/token answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
