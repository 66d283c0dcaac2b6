/**
 * `wfm report`: every column on hand-built events with known answers (the metrics.md §3 worked
 * example as skill 1, plus a skill-2 agent whose work spans two hours), the CSV and table
 * shapes, a window longer than one 7-day piece, and clear errors for bad arguments.
 * The CLI runs from dist/ (dist/src/cli/wfm.js) on a temporary SQLite file.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { computeNht } from '../src/domain/nht.js';
import { ingestBatch } from '../src/ingest/ingest-batch.js';
import { BUSIEST_CSV_COLUMNS, renderCsv, renderTable, SKILL_CSV_COLUMNS } from '../src/report/render.js';
import { buildWindowReport, hourPieces, windowProblems } from '../src/report/window-report.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';

const CLI = fileURLToPath(new URL('../src/cli/wfm.js', import.meta.url));
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WFM_') && k !== 'DATABASE_URL'));
const execFileAsync = promisify(execFile);

const ACCOUNT = 'acme';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** 2026-03-30T00:00:00Z, the spec's example day */
const DAY0 = Date.UTC(2026, 2, 30);
const t = (hhmm: string, day = DAY0): number => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return day + h * HOUR + m * MIN;
};
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * Skill 1: the worked example of metrics.md §3 (agent 1, maxSlots 2, 09:00–10:00): NHT 1350 s,
 * load 0.75, 4 messages, 2 handled, 2 arrivals. Focus adds AHT: c1 focused 09:05–09:25 (units
 * 09:15–09:20 pending and 09:20–09:25 streak: 600 s; in focus 1200 s), c2 focused 09:44–10:00
 * (no unit; in focus 960 s): mean AHT 300 s, mean in focus 1080 s.
 */
const SKILL1 = [
  { id: 'w01', type: 'agent.login', time: t('09:00'), agentId: 1, maxSlots: 2 },
  { id: 'w02', type: 'conversation.queued', time: t('09:00'), conversationId: 'c1', skillId: 1, reason: 'new' },
  { id: 'w03', type: 'segment.start', time: t('09:00'), conversationId: 'c1', agentId: 1, skillId: 1 },
  { id: 'w03f', type: 'workspace.focus', time: t('09:05'), agentId: 1, conversationId: 'c1' },
  { id: 'w04', type: 'message', time: t('09:10'), conversationId: 'c1', from: 'agent', agentId: 1 },
  { id: 'w05', type: 'message', time: t('09:15'), conversationId: 'c1', from: 'consumer' },
  { id: 'w06', type: 'message', time: t('09:20'), conversationId: 'c1', from: 'agent', agentId: 1 },
  { id: 'w07', type: 'conversation.queued', time: t('09:20'), conversationId: 'c2', skillId: 1, reason: 'new' },
  { id: 'w07b', type: 'workspace.blur', time: t('09:25'), agentId: 1, conversationId: 'c1' },
  { id: 'w08', type: 'segment.start', time: t('09:30'), conversationId: 'c2', agentId: 1, skillId: 1 },
  { id: 'w09', type: 'message', time: t('09:40'), conversationId: 'c1', from: 'agent', agentId: 1 },
  { id: 'w09f', type: 'workspace.focus', time: t('09:44'), agentId: 1, conversationId: 'c2' },
  { id: 'w10', type: 'message', time: t('09:45'), conversationId: 'c2', from: 'agent', agentId: 1 },
  { id: 'w11', type: 'agent.logout', time: t('10:00'), agentId: 1 },
  { id: 'w12', type: 'segment.end', time: t('10:00'), conversationId: 'c1', agentId: 1, endReason: 'closedByAgent' },
  { id: 'w13', type: 'segment.end', time: t('10:00'), conversationId: 'c2', agentId: 1, endReason: 'closedByConsumer' },
];

/**
 * Skill 2, shifted by `shift` ms: agent 2 (maxSlots 1) logged in 09:00–11:00 holds c3 09:55–10:30
 * and answers only at 10:05 and 10:20. Hour 09: work 300 s by segment time, nothing handled
 * (hourly NHT −1); hour 10: work 1800 s, c3 handled: NHT over both hours (300 + 1800) ÷ 1 = 2100 s.
 * Load: 2100 s of work over 7200 s logged in = 0.2917. AHT: pending at the start (consumer at
 * 09:54), focus from 09:57: units 09:57–10:05 and 10:10–10:20 = 1080 s; in focus 09:57–10:30 =
 * 1980 s. Arrivals: c3 at 09:50, and c4 at 10:15 (never assigned).
 */
function skill2(tag: string, shift: number) {
  const at = (hhmm: string): number => t(hhmm) + shift;
  const c3 = `c3${tag}`;
  return [
    { id: `${tag}x01`, type: 'agent.login', time: at('09:00'), agentId: 2, maxSlots: 1 },
    { id: `${tag}x02`, type: 'conversation.queued', time: at('09:50'), conversationId: c3, skillId: 2, reason: 'new' },
    { id: `${tag}x03`, type: 'message', time: at('09:54'), conversationId: c3, from: 'consumer' },
    { id: `${tag}x04`, type: 'segment.start', time: at('09:55'), conversationId: c3, agentId: 2, skillId: 2 },
    { id: `${tag}x05`, type: 'workspace.focus', time: at('09:57'), agentId: 2, conversationId: c3 },
    { id: `${tag}x06`, type: 'message', time: at('10:05'), conversationId: c3, from: 'agent', agentId: 2 },
    { id: `${tag}x07`, type: 'message', time: at('10:10'), conversationId: c3, from: 'consumer' },
    { id: `${tag}x08`, type: 'conversation.queued', time: at('10:15'), conversationId: `c4${tag}`, skillId: 2, reason: 'new' },
    { id: `${tag}x09`, type: 'message', time: at('10:20'), conversationId: c3, from: 'agent', agentId: 2 },
    { id: `${tag}x10`, type: 'segment.end', time: at('10:30'), conversationId: c3, agentId: 2, endReason: 'closedByAgent' },
    { id: `${tag}x11`, type: 'agent.logout', time: at('11:00'), agentId: 2 },
  ];
}

/** The second copy of skill 2 sits on the boundary of the first two 7-day pieces of a window from DAY0 00:00. */
const SHIFT = 6 * DAY + 14 * HOUR;
const EVENTS = [...SKILL1, ...skill2('a', 0), ...skill2('b', SHIFT)];

const SKILL1_ROW = {
  skillId: 1,
  segments: 2,
  arrivals: 2,
  avgHandleTime: 300,
  avgInFocusTime: 1080,
  netHandleTime: 1350,
  handledSegments: 2,
  messagesSent: 4,
  workTime: 2700,
  avgAvailableLoad: 0.75,
};
const SKILL2_ROW = {
  skillId: 2,
  segments: 1,
  arrivals: 2,
  avgHandleTime: 1080,
  avgInFocusTime: 1980,
  netHandleTime: 2100,
  handledSegments: 1,
  messagesSent: 2,
  workTime: 2100,
  avgAvailableLoad: 0.2917,
};
const hourRow = (start: number, arrivals: number, handledSegments: number, netHandleTime: number) => ({
  timestamp: `${new Date(start).toISOString().slice(0, 19)}+00:00`,
  epochTimestamp: start,
  arrivals,
  handledSegments,
  netHandleTime,
});

let dir: string;
let db: string;

async function wfm(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], { env: ENV, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as Error & { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const report = (...args: string[]) => wfm('report', '--account', ACCOUNT, '--db', db, ...args);
const NINE_TO_ELEVEN = ['--from', iso(t('09:00')), '--to', iso(t('11:00'))];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wfm-report-'));
  db = join(dir, 'report.db');
  const store = new SqliteStore({ file: db, snapshotTtlMs: 3600_000 });
  try {
    const res = await ingestBatch(store, ACCOUNT, EVENTS, DAY0 + 30 * DAY);
    assert.deepEqual(res, { accepted: EVENTS.length, duplicates: 0 });
  } finally {
    await store.close();
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('wfm report: the figures', () => {
  test('json: every column of both skills over 09:00–11:00, and the busiest hours', async () => {
    const res = await report(...NINE_TO_ELEVEN, '--format', 'json');
    assert.equal(res.code, 0, res.stderr);
    const body = JSON.parse(res.stdout);
    assert.deepEqual(Object.keys(body), ['accountId', 'version', 'timeframe', 'skills']);
    assert.equal(body.accountId, ACCOUNT);
    assert.ok(Number.isInteger(body.version) && body.version > 0);
    assert.deepEqual(body.timeframe, {
      from: '2026-03-30T09:00:00+00:00',
      to: '2026-03-30T11:00:00+00:00',
      fromMillis: t('09:00'),
      toMillis: t('11:00'),
      timeZone: 'UTC',
      hours: 2,
    });
    assert.deepEqual(body.skills, [
      { ...SKILL1_ROW, busiestHours: [hourRow(t('09:00'), 2, 2, 1350)] },
      // a tie at one arrival: the earlier hour first; hour 09 handled nothing (−1)
      { ...SKILL2_ROW, busiestHours: [hourRow(t('09:00'), 1, 0, -1), hourRow(t('10:00'), 1, 1, 1800)] },
    ]);
  });

  test('the busiest hours and arrivals agree with the NHT engine hour by hour', async () => {
    const store = new SqliteStore({ file: db, snapshotTtlMs: 3600_000 });
    try {
      const { version } = await store.accountVersion(ACCOUNT);
      const from = DAY0;
      const to = DAY0 + 9 * DAY;
      const rep = await buildWindowReport(store, { accountId: ACCOUNT, fromMs: from, toMs: to, top: 1000 });
      const facts = await store.nhtFacts(ACCOUNT, version, { from, to });
      const hourly = computeNht(facts, { fromMs: from, toMs: to, intervalMinutes: 60, defaultMaxSlots: 4, skillIds: [1, 2] });
      for (const row of hourly) {
        const skill = rep.skills.find((s) => s.skillId === row.skillId);
        assert.ok(skill);
        const busy = row.metricsByIntervals.filter((m) => m.arrivals > 0);
        assert.deepEqual(
          skill.busiestHours.map((h) => [h.epochTimestamp, h.arrivals, h.handledSegments, h.netHandleTime]).sort((a, b) => a[0]! - b[0]!),
          busy.map((m) => [m.epochTimestamp, m.arrivals, m.handledSegments, m.netHandleTime]),
        );
        assert.equal(
          skill.arrivals,
          row.metricsByIntervals.reduce((n, m) => n + m.arrivals, 0),
        );
        assert.equal(
          skill.handledSegments,
          row.metricsByIntervals.reduce((n, m) => n + m.handledSegments, 0),
        );
      }
    } finally {
      await store.close();
    }
  });

  test('a window longer than 7 days is read in pieces and gives the same sums; a piece boundary splits nothing', async () => {
    assert.deepEqual(
      [...hourPieces(DAY0, DAY0 + 10 * DAY, undefined)].map((p) => p.length),
      [168, 72],
    );
    const res = await report('--from', iso(DAY0), '--to', iso(DAY0 + 10 * DAY), '--format', 'json');
    assert.equal(res.code, 0, res.stderr);
    const body = JSON.parse(res.stdout);
    assert.equal(body.timeframe.hours, 240);
    // The second skill-2 copy runs 23:00 on day 6 to 01:00 on day 7, across the pieces.
    const b9 = DAY0 + SHIFT + 9 * HOUR;
    assert.deepEqual(body.skills, [
      { ...SKILL1_ROW, busiestHours: [hourRow(t('09:00'), 2, 2, 1350)] },
      {
        ...SKILL2_ROW,
        segments: 2,
        arrivals: 4,
        handledSegments: 2,
        messagesSent: 4,
        workTime: 4200,
        busiestHours: [hourRow(t('09:00'), 1, 0, -1), hourRow(t('10:00'), 1, 1, 1800), hourRow(b9, 1, 0, -1)],
      },
    ]);
    // The copy on its own, inside the second day window, is the same as the first copy.
    const alone = await report('--from', iso(b9), '--to', iso(b9 + 2 * HOUR), '--format', 'json', '--top', '0');
    assert.deepEqual(JSON.parse(alone.stdout).skills, [{ ...SKILL2_ROW, busiestHours: [] }]);
  });

  test('--tz: hours and timestamps are local; a DST day has 23 hours', async () => {
    const res = await report('--from', '2026-03-30T11:00:00+02:00', '--to', '2026-03-30T13:00:00+02:00', '--tz', 'Europe/Berlin');
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /2026-03-30T11:00:00\+02:00 to 2026-03-30T13:00:00\+02:00 \(Europe\/Berlin, 2 hours/);
    assert.match(res.stdout, /2026-03-30T12:00:00\+02:00/);
    const json = await report(
      '--from',
      '2026-03-29T00:00:00+01:00',
      '--to',
      '2026-03-30T00:00:00+02:00',
      '--tz',
      'Europe/Berlin',
      '--format',
      'json',
    );
    assert.equal(json.code, 0, json.stderr);
    const body = JSON.parse(json.stdout);
    assert.equal(body.timeframe.hours, 23);
    assert.deepEqual(body.skills, []);
  });

  test('--skills picks and orders skills; an unknown skill gets zeros and -1', async () => {
    const res = await report(...NINE_TO_ELEVEN, '--format', 'json', '--skills', '9,2', '--top', '1');
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(JSON.parse(res.stdout).skills, [
      { ...SKILL2_ROW, busiestHours: [hourRow(t('09:00'), 1, 0, -1)] },
      {
        skillId: 9,
        segments: 0,
        arrivals: 0,
        avgHandleTime: -1,
        avgInFocusTime: -1,
        netHandleTime: -1,
        handledSegments: 0,
        messagesSent: 0,
        workTime: 0,
        avgAvailableLoad: -1,
        busiestHours: [],
      },
    ]);
  });
});

describe('wfm report: the forms', () => {
  test('csv: a header of the JSON keys and one row per skill', async () => {
    const res = await report(...NINE_TO_ELEVEN, '--format', 'csv');
    assert.equal(res.code, 0, res.stderr);
    assert.equal(
      res.stdout,
      [SKILL_CSV_COLUMNS.join(','), '1,2,2,300,1080,1350,2,4,2700,0.75', '2,1,2,1080,1980,2100,1,2,2100,0.2917', ''].join('\n'),
    );
  });

  test('csv --busiest: one row per busiest hour', async () => {
    const res = await report(...NINE_TO_ELEVEN, '--format', 'csv', '--busiest');
    assert.equal(res.code, 0, res.stderr);
    assert.equal(
      res.stdout,
      [
        BUSIEST_CSV_COLUMNS.join(','),
        `1,1,2026-03-30T09:00:00+00:00,${t('09:00')},2,2,1350`,
        `2,1,2026-03-30T09:00:00+00:00,${t('09:00')},1,0,-1`,
        `2,2,2026-03-30T10:00:00+00:00,${t('10:00')},1,1,1800`,
        '',
      ].join('\n'),
    );
  });

  test('table (the default): a heading, aligned columns with units, busiest hours and a legend', async () => {
    const res = await report(...NINE_TO_ELEVEN);
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.split('\n');
    assert.match(
      lines[0] as string,
      /^account acme: 2026-03-30T09:00:00\+00:00 to 2026-03-30T11:00:00\+00:00 \(UTC, 2 hours; as of version \d+\)$/,
    );
    const header = lines[2] as string;
    assert.equal(header, 'skill  segments  arrivals  mean AHT (s)  mean in focus (s)  NHT (s)  avg load');
    const rows = lines.slice(4, 6);
    assert.deepEqual(
      rows.map((r) => r.trim().split(/\s+/)),
      [
        ['1', '2', '2', '300.00', '1080.00', '1350.00', '0.7500'],
        ['2', '1', '2', '1080.00', '1980.00', '2100.00', '0.2917'],
      ],
    );
    // right-aligned under their headers
    for (const line of [lines[3], ...rows]) assert.equal((line as string).length, header.length);
    const busiest = lines.indexOf('busiest hours');
    assert.ok(busiest > 0);
    assert.equal(lines[busiest + 1], 'skill  rank  hour (local start)         arrivals  handled  NHT (s)');
    assert.deepEqual(
      lines.slice(busiest + 3, busiest + 6).map((r) => r.trim().split(/\s+/)),
      [
        ['1', '1', '2026-03-30T09:00:00+00:00', '2', '2', '1350.00'],
        ['2', '1', '2026-03-30T09:00:00+00:00', '1', '0', '-'],
        ['2', '2', '2026-03-30T10:00:00+00:00', '1', '1', '1800.00'],
      ],
    );
    assert.match(res.stdout, /^NHT: /m);
    assert.match(res.stdout, /^"-": undefined/m);
  });

  test('the renderers agree with the CLI, and an empty window says so', async () => {
    const store = new SqliteStore({ file: db, snapshotTtlMs: 3600_000 });
    try {
      const rep = await buildWindowReport(store, { accountId: ACCOUNT, fromMs: t('09:00'), toMs: t('11:00'), top: 3 });
      assert.equal(renderCsv(rep), (await report(...NINE_TO_ELEVEN, '--format', 'csv')).stdout);
      const empty = await buildWindowReport(store, { accountId: ACCOUNT, fromMs: t('00:00'), toMs: t('01:00'), top: 3 });
      assert.match(renderTable(empty), /no skill had a queue entry, a segment or an agent message in the window/);
    } finally {
      await store.close();
    }
  });

  test('--help names every option and explains the columns', async () => {
    const res = await wfm('report', '--help');
    assert.equal(res.code, 0);
    for (const flag of ['--account', '--from', '--to', '--tz', '--skills', '--format', '--top', '--busiest', '--db', '--snapshot-ttl']) {
      assert.ok(res.stdout.includes(flag), `--help lacks ${flag}`);
    }
    assert.match(res.stdout, /NHT \(s\)/);
    assert.match(res.stdout, /avg load/);
  });
});

describe('wfm report: bad arguments fail with one clear line', { concurrency: 4 }, () => {
  const cases: Array<[string, string[], number, RegExp]> = [
    ['a from that is not RFC 3339', ['--from', '2026-03-30 09:00', '--to', iso(t('11:00'))], 2, /--from must be an RFC 3339 date-time/],
    [
      'a to without an offset',
      ['--from', iso(t('09:00')), '--to', '2026-03-30T11:00:00'],
      2,
      /--to must be an RFC 3339 date-time with an offset/,
    ],
    ['from after to', ['--from', iso(t('11:00')), '--to', iso(t('09:00'))], 2, /--from must be before --to/],
    ['from equal to to', ['--from', iso(t('11:00')), '--to', iso(t('11:00'))], 2, /--from must be before --to/],
    [
      'a from inside an hour',
      ['--from', iso(t('09:10')), '--to', iso(t('11:00'))],
      2,
      /--from 2026-03-30T09:10:00\+00:00 is not the start of a local hour in UTC: the report covers whole hours \(e\.g\. 2026-03-30T09:00:00\+00:00 or 2026-03-30T10:00:00\+00:00\)/,
    ],
    [
      'a UTC hour that is not a local hour',
      [...NINE_TO_ELEVEN, '--tz', 'Asia/Kolkata'],
      2,
      /--from 2026-03-30T14:30:00\+05:30 is not the start of a local hour in Asia\/Kolkata/,
    ],
    ['an unknown zone', [...NINE_TO_ELEVEN, '--tz', 'Mars/Olympus'], 2, /--tz: unknown time zone "Mars\/Olympus"/],
    ['bad skills', [...NINE_TO_ELEVEN, '--skills', '1,x'], 2, /--skills must be a comma-separated list of positive integer skill ids/],
    ['skill 0', [...NINE_TO_ELEVEN, '--skills', '0'], 2, /--skills must be/],
    ['an unknown format', [...NINE_TO_ELEVEN, '--format', 'xml'], 2, /--format must be one of table, csv, json \(got "xml"\)/],
    ['a negative top', [...NINE_TO_ELEVEN, '--top', '-1'], 2, /--top must be an integer ≥ 0/],
    ['--busiest without csv', [...NINE_TO_ELEVEN, '--busiest'], 2, /--busiest applies to --format csv only/],
  ];
  for (const [name, args, code, message] of cases) {
    test(name, async () => {
      const res = await report(...args);
      assert.equal(res.code, code, res.stderr);
      assert.match(res.stderr, /^wfm: /);
      assert.match(res.stderr, message);
      assert.equal(res.stdout, '');
    });
  }

  test('a missing option, a missing store and an unknown account', async () => {
    const missing = await wfm('report', '--account', ACCOUNT, '--db', db, '--from', iso(t('09:00')));
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /required option '--to <time>' not specified/);

    const noStore = await wfm('report', '--account', ACCOUNT, '--db', join(dir, 'nothing.db'), ...NINE_TO_ELEVEN);
    assert.equal(noStore.code, 9);
    assert.match(noStore.stderr, /^wfm: no store at .*nothing\.db/);

    const unknown = await wfm('report', '--account', 'nobody', '--db', db, ...NINE_TO_ELEVEN);
    assert.equal(unknown.code, 4);
    assert.match(unknown.stderr, /^wfm: account "nobody" has no stored events/);

    const badAccount = await wfm('report', '--account', 'a b', '--db', db, ...NINE_TO_ELEVEN);
    assert.equal(badAccount.code, 2);
    assert.match(badAccount.stderr, /--account must match/);
  });

  test('windowProblems lists both ends', () => {
    assert.equal(windowProblems(t('09:10'), t('10:20'), undefined).length, 2);
    assert.deepEqual(windowProblems(t('09:00'), t('10:00'), 'Europe/Berlin'), []);
  });
});
