/**
 * The three forms of `wfm report`: an aligned table for the terminal (with units and a legend),
 * CSV (one row per skill, or with `busiest` one row per busiest hour) and JSON.
 */
import type { SkillReport, WindowReport } from './window-report.js';

export const REPORT_FORMATS = ['table', 'csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** The columns of the CSV skill rows, in order: the JSON keys of a skill. */
export const SKILL_CSV_COLUMNS = [
  'skillId',
  'segments',
  'arrivals',
  'avgHandleTime',
  'avgInFocusTime',
  'netHandleTime',
  'handledSegments',
  'messagesSent',
  'workTime',
  'avgAvailableLoad',
] as const satisfies ReadonlyArray<keyof SkillReport>;

/** The columns of the CSV busiest-hour rows. */
export const BUSIEST_CSV_COLUMNS = [
  'skillId',
  'rank',
  'timestamp',
  'epochTimestamp',
  'arrivals',
  'handledSegments',
  'netHandleTime',
] as const;

export const LEGEND = [
  'segments: closed segments ending in the window; arrivals: queue entries (conversation.queued) in the window.',
  'mean AHT, mean in focus: mean totalHandleTimeMillis and inFocusTimeMillis of those segments.',
  'NHT: load-weighted agent work attributed to the skill in the window’s hours ÷ segments handled, summed per hour',
  '  (a segment handled in k hours counts k times, as in the hourly NHT rows; spec/metrics.md §3).',
  'avg load: time-weighted mean of open segments ÷ maxSlots (at most 1) over the logged-in time of the skill’s agents.',
  'busiest hours: the local hours with the most arrivals (ties: the earlier), with that hour’s handled segments and NHT.',
  '"-": undefined (nothing to average); JSON and CSV give -1 there.',
];

/** Table cell of a value that is −1 when undefined. */
function cell(value: number, decimals: number): string {
  return value === -1 ? '-' : value.toFixed(decimals);
}

/** Columns padded to their widest cell: text left-aligned, numbers right-aligned. */
function alignRows(header: string[], rows: string[][], leftAligned: ReadonlySet<number> = new Set()): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (leftAligned.has(i) ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/**
 * The terminal summary: a heading, one row per skill, the busiest hours, and the legend.
 *
 * @example renderTable(report).split('\n')[2] // 'skill  segments  arrivals  mean AHT (s)  …'
 */
export function renderTable(report: WindowReport): string {
  const t = report.timeframe;
  const out: string[] = [
    `account ${report.accountId}: ${t.from} to ${t.to} (${t.timeZone}, ${t.hours} hours; as of version ${report.version})`,
    '',
  ];
  if (report.skills.length === 0) {
    out.push('no skill had a queue entry, a segment or an agent message in the window', '');
  } else {
    out.push(
      ...alignRows(
        ['skill', 'segments', 'arrivals', 'mean AHT (s)', 'mean in focus (s)', 'NHT (s)', 'avg load'],
        report.skills.map((s) => [
          String(s.skillId),
          String(s.segments),
          String(s.arrivals),
          cell(s.avgHandleTime, 2),
          cell(s.avgInFocusTime, 2),
          cell(s.netHandleTime, 2),
          cell(s.avgAvailableLoad, 4),
        ]),
      ),
      '',
    );
    const busiest = report.skills.flatMap((s) =>
      s.busiestHours.map((h, i) => [
        String(s.skillId),
        String(i + 1),
        h.timestamp,
        String(h.arrivals),
        String(h.handledSegments),
        cell(h.netHandleTime, 2),
      ]),
    );
    if (busiest.length > 0) {
      out.push(
        'busiest hours',
        ...alignRows(['skill', 'rank', 'hour (local start)', 'arrivals', 'handled', 'NHT (s)'], busiest, new Set([2])),
        '',
      );
    }
  }
  out.push(...LEGEND);
  return `${out.join('\n')}\n`;
}

/** One CSV row per skill, with a header of the JSON keys (durations in s, −1 when undefined). */
export function renderCsv(report: WindowReport): string {
  const rows = report.skills.map((s) => SKILL_CSV_COLUMNS.map((c) => String(s[c])).join(','));
  return `${[SKILL_CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}

/** One CSV row per busiest hour of each skill (rank 1 = the most arrivals). */
export function renderBusiestCsv(report: WindowReport): string {
  const rows = report.skills.flatMap((s) =>
    s.busiestHours.map((h, i) =>
      [s.skillId, i + 1, h.timestamp, h.epochTimestamp, h.arrivals, h.handledSegments, h.netHandleTime].map(String).join(','),
    ),
  );
  return `${[BUSIEST_CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}

export function renderJson(report: WindowReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function renderReport(report: WindowReport, format: ReportFormat, busiest: boolean): string {
  if (format === 'json') return renderJson(report);
  if (format === 'csv') return busiest ? renderBusiestCsv(report) : renderCsv(report);
  return renderTable(report);
}
