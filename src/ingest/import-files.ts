/**
 * The file ingest path: NDJSON files (gzip allowed) streamed line by line in constant memory,
 * written in batches through the same validated batch write as HTTP.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Cause } from '../errors.js';
import { WfmError } from '../errors.js';
import type { Store } from '../store/store.js';
import { ingestBatch } from './ingest-batch.js';
import { UnparsableLine } from './parse-body.js';

export interface ImportStats {
  accepted: number;
  duplicates: number;
  rejected: number;
  lines: number;
}

export interface ImportOptions {
  store: Store;
  accountId: string;
  files: readonly string[];
  batchSize: number;
  now: () => number;
  /** when given, bad lines are written here (one JSON object per line) and the import goes on */
  rejects?: (line: string) => void;
  onBatch?: (stats: ImportStats) => void;
}

interface PendingLine {
  file: string;
  line: number;
  text: string;
  raw: unknown;
}

/**
 * Imports the files in order. Without `rejects`, the first batch holding a bad line stops the
 * import with an error naming `file:line`, the reason and the last line stored; nothing of that
 * batch is stored. Re-running an import is safe: stored events come back as duplicates.
 */
export async function importFiles(options: ImportOptions): Promise<ImportStats> {
  const stats: ImportStats = { accepted: 0, duplicates: 0, rejected: 0, lines: 0 };
  let lastStored: string | undefined;
  let batch: PendingLine[] = [];

  const flush = async (): Promise<void> => {
    let pending = batch;
    batch = [];
    while (pending.length > 0) {
      try {
        const result = await ingestBatch(
          options.store,
          options.accountId,
          pending.map((p) => p.raw),
          options.now(),
        );
        stats.accepted += result.accepted;
        stats.duplicates += result.duplicates;
        const last = pending[pending.length - 1] as PendingLine;
        lastStored = `${last.file}:${last.line}`;
        break;
      } catch (err) {
        if (!(err instanceof WfmError) || err.causes.every((c) => c.index === undefined)) throw err;
        const bad = badLines(pending, err.causes);
        if (!options.rejects) throw stopError(bad, lastStored);
        for (const [p, reasons] of bad) options.rejects(JSON.stringify({ file: p.file, line: p.line, reasons, text: p.text }));
        stats.rejected += bad.size;
        pending = pending.filter((p) => !bad.has(p));
      }
    }
    options.onBatch?.(stats);
  };

  for (const file of options.files) {
    let input: NodeJS.ReadableStream = createReadStream(file);
    if (file.endsWith('.gz')) input = input.pipe(createGunzip());
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    let lineNo = 0;
    try {
      for await (const text of lines) {
        lineNo++;
        if (text.trim() === '') continue;
        stats.lines++;
        batch.push({ file, line: lineNo, text, raw: parseLine(text) });
        if (batch.length >= options.batchSize) await flush();
      }
    } catch (err) {
      if (err instanceof WfmError) throw err;
      throw new WfmError('WFM_ERR_BAD_REQUEST', `cannot read ${file}: ${(err as Error).message}`);
    }
  }
  await flush();
  return stats;
}

function parseLine(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    return new UnparsableLine(`not valid JSON: ${(err as Error).message}`);
  }
}

function badLines(pending: PendingLine[], causes: Cause[]): Map<PendingLine, string[]> {
  const bad = new Map<PendingLine, string[]>();
  for (const c of causes) {
    const p = pending[c.index as number];
    if (!p) continue;
    const reason = c.field ? `${c.field}: ${c.message}` : c.message;
    const list = bad.get(p);
    if (list) list.push(reason);
    else bad.set(p, [reason]);
  }
  return bad;
}

function stopError(bad: Map<PendingLine, string[]>, lastStored: string | undefined): WfmError {
  const first = [...bad.entries()].sort((a, b) => a[0].line - b[0].line);
  const causes = first.map(([p, reasons]) => ({ message: `${p.file}:${p.line}: ${reasons.join('; ')}` }));
  const head = causes[0]?.message ?? 'bad line';
  const stored = lastStored ? `last line stored: ${lastStored}` : 'nothing was stored';
  return new WfmError('WFM_ERR_BAD_REQUEST', `import stopped at ${head} (${stored}; use --rejects FILE to skip bad lines)`, causes);
}
