import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { readStoreConfig } from '../config.js';
import { isKnownTimeZone } from '../domain/intervals.js';
import { parseRfc3339 } from '../domain/time.js';
import { WfmError } from '../errors.js';
import { openStore } from '../main.js';
import { REPORT_FORMATS, type ReportFormat, renderReport } from '../report/render.js';
import { buildWindowReport, type ReportQuery } from '../report/window-report.js';
import { requireAccount } from './account-option.js';
import { action, addSettings, positiveInt, rawSettings, STORE_SETTINGS } from './options.js';

const DEFAULT_TOP = '3';

const HELP_AFTER = `
The window is [--from, --to), whole local hours of --tz (UTC by default), of any length; it is
read in pieces of at most 7 days, as of one version of the account. Per skill:
  segments           closed segments ending in the window
  arrivals           queue entries (conversation.queued) in the window
  mean AHT (s)       mean totalHandleTimeMillis of those segments
  mean in focus (s)  mean inFocusTimeMillis of those segments
  NHT (s)            Σ load-weighted work attributed to the skill ÷ Σ segments handled, over
                     the window's hours (a segment handled in k hours counts k times; metrics.md §3)
  avg load           time-weighted mean load over the logged-in time of the skill's agents
  busiest hours      the --top local hours by arrivals, with their handled segments and NHT
Undefined averages are "-" in the table and -1 in CSV and JSON, like the NHT API.

Formats: table (default; units in the headers, a legend); csv (one row per skill, columns
${'`'}skillId,segments,arrivals,avgHandleTime,avgInFocusTime,netHandleTime,handledSegments,
messagesSent,workTime,avgAvailableLoad${'`'}; with --busiest one row per busiest hour instead:
${'`'}skillId,rank,timestamp,epochTimestamp,arrivals,handledSegments,netHandleTime${'`'}); json (every
field, busiest hours nested per skill).

Example:
  wfm report --account bank --from 1999-01-01T00:00:00+02:00 --to 1999-02-01T00:00:00+02:00 \\
    --tz Asia/Jerusalem --db /tmp/jan.db
`;

export function registerReport(program: Command): void {
  addSettings(
    program
      .command('report')
      .description('summarise a window of any length per skill: segments, arrivals, mean AHT and in-focus time, NHT, load, busiest hours')
      .requiredOption('--account <accountId>', 'the account to report on')
      .requiredOption('--from <time>', 'window start, RFC 3339 with an offset, at a local hour start (e.g. 1999-01-01T00:00:00+02:00)')
      .requiredOption('--to <time>', 'window end (exclusive), RFC 3339 with an offset, at a local hour start')
      .option('--tz <zone>', 'IANA time zone of the hours (default UTC)')
      .option('--skills <ids>', 'comma-separated skill ids (default: every skill active in the window)')
      .option('--format <format>', `output: ${REPORT_FORMATS.join(', ')}`, 'table')
      .option('--top <n>', 'busiest hours per skill (0: none)', DEFAULT_TOP)
      .option('--busiest', 'with --format csv: print the busiest hours, one row each, instead of the skill rows')
      .addHelpText('after', HELP_AFTER),
    STORE_SETTINGS,
  ).action(
    action(async (options: Record<string, unknown>) => {
      const accountId = requireAccount(options.account);
      const fromMs = readTime('--from', options.from);
      const toMs = readTime('--to', options.to);
      const timeZone = readZone(options.tz);
      const skillIds = readSkills(options.skills);
      const format = readFormat(options.format);
      const top = positiveInt('--top', options.top, 0);
      const busiest = options.busiest === true;
      if (busiest && format !== 'csv') throw new WfmError('WFM_ERR_BAD_REQUEST', '--busiest applies to --format csv only');
      const query: ReportQuery = {
        accountId,
        fromMs,
        toMs,
        top,
        ...(timeZone === undefined ? {} : { timeZone }),
        ...(skillIds === undefined ? {} : { skillIds }),
      };

      const config = readStoreConfig(rawSettings(options));
      // Opening a missing SQLite file would create an empty store: say so instead.
      if (config.databaseUrl === undefined && config.db !== ':memory:' && !existsSync(config.db)) {
        throw new WfmError('WFM_ERR_CONFIG', `no store at ${config.db} (--db, env WFM_DB): import events first`);
      }
      const store = await openStore(config);
      const tty = process.stderr.isTTY;
      try {
        const report = await buildWindowReport(store, query, (p) => {
          if (tty) process.stderr.write(`\rcomputed up to ${new Date(p.doneUntil).toISOString()}…`);
        });
        if (tty) process.stderr.write('\r\x1b[K');
        process.stdout.write(renderReport(report, format, busiest));
      } finally {
        await store.close();
      }
    }),
  );
}

function readTime(flag: string, value: unknown): number {
  const parsed = parseRfc3339(String(value));
  if (typeof parsed === 'string') {
    throw new WfmError(
      'WFM_ERR_BAD_REQUEST',
      `${flag} must be an RFC 3339 date-time with an offset, e.g. 1999-01-01T00:00:00+02:00 (got "${String(value)}": ${parsed})`,
    );
  }
  return parsed;
}

function readZone(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const zone = String(value);
  if (!isKnownTimeZone(zone))
    throw new WfmError('WFM_ERR_BAD_REQUEST', `--tz: unknown time zone "${zone}" (an IANA name, e.g. Asia/Jerusalem)`);
  return zone;
}

function readSkills(value: unknown): number[] | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const parts = text.split(',').map((p) => p.trim());
  if (!parts.every((p) => /^[1-9]\d{0,14}$/.test(p) && Number.isSafeInteger(Number(p)))) {
    throw new WfmError(
      'WFM_ERR_BAD_REQUEST',
      `--skills must be a comma-separated list of positive integer skill ids, e.g. 1,2 (got "${text}")`,
    );
  }
  return [...new Set(parts.map(Number))];
}

function readFormat(value: unknown): ReportFormat {
  const format = String(value);
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new WfmError('WFM_ERR_BAD_REQUEST', `--format must be one of ${REPORT_FORMATS.join(', ')} (got "${format}")`);
  }
  return format as ReportFormat;
}
