/** Result rows, the printed table and bench/results.json. */
import { writeFileSync } from 'node:fs';
import type { Machine } from './machine.js';

export interface Row {
  name: string;
  /** null when the measurement could not be made (see `note`) */
  value: number | null;
  unit: string;
  /** what the row is compared with, measured in the same run, in `unit` */
  floor?: number;
  /** value ÷ floor */
  ratio?: number;
  /** the goal from spec/operations.md, in the terms of `met` (a ratio, or the row's unit) */
  target?: string;
  met?: boolean;
  note?: string;
}

export interface Results {
  machine: Machine;
  size: string;
  dataset: { file: string; events: number; agents: number; hours: number; skills: number; seed: number; start: string };
  startedAt: string;
  /** 1/5/15-minute load averages when the run started: other work on the machine skews absolute numbers */
  loadAverage: number[];
  wallSeconds: number;
  rows: Row[];
}

function round(value: number, unit: string): number {
  if (unit === 'ms') return Math.round(value * 100) / 100;
  if (unit === 'MiB') return Math.round(value * 10) / 10;
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 10) / 10;
}

const roundRatio = (r: number): number => Math.round(r * 1000) / 1000;

/** A measured rate compared with its floor; met when value ÷ floor ≥ minRatio (no target when minRatio is undefined). */
export function ratioRow(
  name: string,
  value: number,
  unit: string,
  floor: number | null,
  minRatio: number | undefined,
  note?: string,
): Row {
  const row: Row = { name, value: round(value, unit), unit };
  if (floor !== null && floor > 0) {
    row.floor = round(floor, unit);
    row.ratio = roundRatio(value / floor);
    if (minRatio !== undefined) {
      row.target = `ratio ≥ ${minRatio}`;
      row.met = value / floor >= minRatio;
    }
  } else if (minRatio !== undefined) {
    row.target = `ratio ≥ ${minRatio}`;
  }
  if (note !== undefined) row.note = note;
  return row;
}

/** A cost compared with a reference cost; met when value ÷ floor ≤ maxRatio. */
export function costRatioRow(name: string, value: number, unit: string, floor: number, maxRatio: number, note?: string): Row {
  const row: Row = {
    name,
    value: round(value, unit),
    unit,
    floor: round(floor, unit),
    ratio: roundRatio(value / floor),
    target: `ratio ≤ ${maxRatio}`,
    met: value / floor <= maxRatio,
  };
  if (note !== undefined) row.note = note;
  return row;
}

/** A value with an upper bound in its own unit (latency, memory). */
export function limitRow(name: string, value: number, unit: string, limit: number, note?: string): Row {
  const row: Row = { name, value: round(value, unit), unit, target: `≤ ${limit} ${unit}`, met: value <= limit };
  if (note !== undefined) row.note = note;
  return row;
}

/** A value reported without a target (floors, p50s, rows operations.md gives no goal). */
export function plainRow(name: string, value: number, unit: string, note?: string): Row {
  const row: Row = { name, value: round(value, unit), unit };
  if (note !== undefined) row.note = note;
  return row;
}

/** A row that could not be measured: value null and why; never a made-up number. */
export function missingRow(name: string, unit: string, note: string, target?: string): Row {
  const row: Row = { name, value: null, unit };
  if (target !== undefined) row.target = target;
  row.note = note;
  return row;
}

function formatNumber(n: number | undefined | null): string {
  if (n === undefined) return '';
  if (n === null) return 'n/a';
  return n.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** One aligned table: name, value, unit, floor, ratio, target, met, note. */
export function formatTable(rows: readonly Row[]): string {
  const header = ['what', 'value', 'unit', 'floor', 'ratio', 'target', 'met', 'note'];
  const cells = rows.map((r) => [
    r.name,
    formatNumber(r.value),
    r.unit,
    formatNumber(r.floor),
    formatNumber(r.ratio),
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    r.note ?? '',
  ]);
  const numeric = new Set([1, 3, 4]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) =>
    c
      .map((text, i) => (numeric.has(i) ? text.padStart(widths[i] as number) : text.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function writeResults(file: string, results: Results): void {
  // Arrays of numbers on one line, as the formatter (Biome) writes them.
  const text = JSON.stringify(results, null, 2).replace(
    /\[\s+([-\d.,\s]+?)\s+\]/g,
    (_, inner: string) => `[${inner.split(/,\s*/).join(', ')}]`,
  );
  writeFileSync(file, `${text}\n`);
}
