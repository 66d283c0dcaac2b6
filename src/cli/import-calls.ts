import { createWriteStream, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AgentDirectory, type AgentMappingEntry } from '../calls/agent-ids.js';
import type { CallLogFormat } from '../calls/call-log-format.js';
import { CALL_LOG_FORMATS } from '../calls/formats.js';
import { type CallImportStats, importCallLogs, type RowReport } from '../calls/import-calls.js';
import { readStoreConfig } from '../config.js';
import { WfmError } from '../errors.js';
import { openStore } from '../main.js';
import { requireAccount } from './account-option.js';
import { action, addSettings, positiveInt, rawSettings, STORE_SETTINGS } from './options.js';

const DEFAULT_TZ = 'Asia/Jerusalem';

export function registerImportCalls(program: Command): void {
  addSettings(
    program
      .command('import-calls')
      .description(
        'import voice call logs as events (a queue entry, and per service a segment with focus and messages; agents logged in per day); safe to re-run',
      )
      .argument('<files...>', 'call-log files, read in order (one run computes agent sessions over all of them)')
      .requiredOption('--format <name>', `the log's format: ${[...CALL_LOG_FORMATS.keys()].join(', ')}`)
      .requiredOption('--account <accountId>', 'the account the events belong to')
      .option('--tz <zone>', "IANA zone of the log's clock times", DEFAULT_TZ)
      .option(
        '--mapping <file>',
        'JSON file of agent names → ids and call types → skill ids: read first if it exists, then written (default: printed)',
      )
      .option('--rejects <file>', 'write each skipped or partial row (file, line, reason) to this file as NDJSON instead of standard error')
      .option('--batch-size <events>', 'events per all-or-nothing batch', '10000')
      .option('--rows-per-pass <rows>', 'rows held in memory at once (the files are read once more per this many rows)', '20000'),
    STORE_SETTINGS,
  ).action(
    action(async (files: string[], options: Record<string, unknown>) => {
      const accountId = requireAccount(options.account);
      const format = CALL_LOG_FORMATS.get(String(options.format));
      if (!format) {
        throw new WfmError(
          'WFM_ERR_BAD_REQUEST',
          `--format must be one of ${[...CALL_LOG_FORMATS.keys()].join(', ')} (got "${String(options.format)}")`,
        );
      }
      const timeZone = String(options.tz);
      const batchSize = positiveInt('--batch-size', options.batchSize);
      const rowsPerPass = positiveInt('--rows-per-pass', options.rowsPerPass);
      const mappingFile = typeof options.mapping === 'string' ? options.mapping : undefined;
      const agents = new AgentDirectory();
      if (mappingFile && existsSync(mappingFile)) loadMapping(mappingFile, agents);

      const store = await openStore(readStoreConfig(rawSettings(options)));
      const rejects = typeof options.rejects === 'string' ? createWriteStream(options.rejects) : undefined;
      const report = (r: RowReport): void => {
        if (rejects) rejects.write(`${JSON.stringify(r)}\n`);
        else process.stderr.write(`${r.file}${r.line > 0 ? `:${r.line}` : ''}: ${r.kind} (${r.code}): ${r.message}\n`);
      };
      const tty = process.stderr.isTTY;
      const started = Date.now();
      try {
        const stats = await importCallLogs({
          store,
          accountId,
          files,
          format,
          timeZone,
          now: Date.now,
          batchSize,
          rowsPerPass,
          agents,
          onRow: report,
          onBatch: (s) => {
            if (tty && rejects) process.stderr.write(`\r${s.events.toLocaleString('en-US')} events written…`);
          },
        });
        if (tty && rejects) process.stderr.write('\n');
        process.stdout.write(summary(stats, (Date.now() - started) / 1000));
        const mapping = mappingJson(format, agents.entries());
        if (mappingFile) {
          writeFileSync(`${mappingFile}.tmp`, mapping);
          renameSync(`${mappingFile}.tmp`, mappingFile);
          process.stdout.write(`mapping written to ${mappingFile}\n`);
        } else {
          process.stdout.write(mapping);
        }
      } finally {
        await new Promise<void>((resolve) => (rejects ? rejects.end(resolve) : resolve()));
        await store.close();
      }
    }),
  );
}

function summary(s: CallImportStats, seconds: number): string {
  const issues = Object.entries(s.issues)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return (
    `imported ${s.rows} rows in ${seconds.toFixed(1)} s: ${s.imported} imported (${s.partial} in part, ${s.endedInVru} ended in the VRU), ` +
    `${s.skipped} skipped; ${s.arrivals} arrivals, ${s.services} services, ${s.agents} agents, ${s.sessions} sessions; ` +
    `events: ${s.events} sent, accepted ${s.accepted}, duplicates ${s.duplicates}, refused ${s.refused}\n` +
    (issues ? `reported rows by reason: ${issues}\n` : '')
  );
}

function mappingJson(format: CallLogFormat, agents: AgentMappingEntry[]): string {
  return `${JSON.stringify({ format: format.name, skills: format.skills, agents }, null, 2)}\n`;
}

/** Registers the agents of an earlier mapping file, so a name colliding with one of them is refused. */
function loadMapping(file: string, agents: AgentDirectory): void {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { agents?: unknown };
    const list = Array.isArray(json.agents) ? json.agents : [];
    const entries = list.map((e: unknown) => {
      const { name, agentId } = (e ?? {}) as { name?: unknown; agentId?: unknown };
      if (typeof name !== 'string' || typeof agentId !== 'number')
        throw new Error('each agent needs a string "name" and a number "agentId"');
      return { name, agentId };
    });
    agents.preload(entries);
  } catch (err) {
    throw new WfmError('WFM_ERR_BAD_REQUEST', `cannot read the mapping ${file}: ${(err as Error).message}`);
  }
}
