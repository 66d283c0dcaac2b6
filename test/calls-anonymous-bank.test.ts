/**
 * The call-log import on small inline fixtures: the Anonymous Bank format and each of its quirks,
 * the time rules (midnight, clock skew, DST on synthetic dates), ids, sessions, overlapping
 * services, reported rows, idempotent re-import, and the engine's answers for the events.
 * (Format: Anonymous Bank call-center data, Technion SEE lab (I. Guedj & A. Mandelbaum).)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AgentDirectory, agentIdOfName } from '../src/calls/agent-ids.js';
import { ANONYMOUS_BANK } from '../src/calls/anonymous-bank.js';
import { AgentDays, callEvents, sessionEvents } from '../src/calls/call-events.js';
import type { CallRecord } from '../src/calls/call-log-format.js';
import { CALL_LOG_FORMATS } from '../src/calls/formats.js';
import { type CallImportStats, importCallLogs, type RowReport } from '../src/calls/import-calls.js';
import { localInstantMs, wallClockMs } from '../src/calls/local-time.js';
import { compareEvents, type WfmEvent } from '../src/domain/events.js';
import { ACCOUNT, type Harness, harness } from './support/harness.js';

const TZ = 'Asia/Jerusalem';
const HEADER =
  'vru+line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\tvru_time\tq_start\tq_exit\tq_time\toutcome\tser_start\tser_exit\tser_time\tserver';

type Field =
  | 'vruLine'
  | 'callId'
  | 'customer'
  | 'priority'
  | 'type'
  | 'date'
  | 'vruEntry'
  | 'vruExit'
  | 'vruTime'
  | 'qStart'
  | 'qExit'
  | 'qTime'
  | 'outcome'
  | 'serStart'
  | 'serExit'
  | 'serTime'
  | 'server';
const ORDER: Field[] = [
  'vruLine',
  'callId',
  'customer',
  'priority',
  'type',
  'date',
  'vruEntry',
  'vruExit',
  'vruTime',
  'qStart',
  'qExit',
  'qTime',
  'outcome',
  'serStart',
  'serExit',
  'serTime',
  'server',
];
/** A served PS call on 1999-01-05: queued 10:00:10, served 10:01:00–10:04:00 by ANAT. */
const SERVED: Record<Field, string> = {
  vruLine: 'AA0101',
  callId: '1001',
  customer: '12345',
  priority: '1',
  type: 'PS',
  date: '990105',
  vruEntry: '10:00:00',
  vruExit: '10:00:10',
  vruTime: '10',
  qStart: '10:00:10',
  qExit: '10:01:00',
  qTime: '50',
  outcome: 'AGENT',
  serStart: '10:01:00',
  serExit: '10:04:00',
  serTime: '180',
  server: 'ANAT',
};
const row = (over: Partial<Record<Field, string>> = {}): string => ORDER.map((f) => over[f] ?? SERVED[f]).join('\t');

/** Epoch ms of a Jerusalem winter (+02:00) local time. */
const jlm = (date: string, hms: string): number => Date.parse(`${date}T${hms.padStart(8, '0')}+02:00`);

const parse = (line: string, tz = TZ) => ANONYMOUS_BANK.parseRow(line, tz);
function call(line: string, tz = TZ): CallRecord {
  const r = parse(line, tz);
  if (!r.ok) throw new Error(`expected a call, got ${JSON.stringify(r.issue)}`);
  return r.call;
}
function issue(line: string): { code: string; message: string } {
  const r = parse(line);
  if (r.ok) throw new Error('expected a skipped row');
  return r.issue;
}

describe('anonymous-bank format: one row → one call', () => {
  test('a served row: conversation id, skill, queue entry and service in local time on the row date', () => {
    assert.deepEqual(call(row()), {
      conversationId: '990105-AA0101-1001',
      day: '1999-01-05',
      skillId: 1,
      queuedAt: jlm('1999-01-05', '10:00:10'),
      service: { agentName: 'ANAT', start: jlm('1999-01-05', '10:01:00'), end: jlm('1999-01-05', '10:04:00') },
      partial: [],
    });
  });

  test('every call type has its documented skill id; the registry knows the format', () => {
    const ids = ['PS', 'PE', 'IN', 'NE', 'NW', 'TT'].map((type) => call(row({ type })).skillId);
    assert.deepEqual(ids, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(
      ANONYMOUS_BANK.skills.map((s) => [s.code, s.skillId]),
      [
        ['PS', 1],
        ['PE', 2],
        ['IN', 3],
        ['NE', 4],
        ['NW', 5],
        ['TT', 6],
      ],
    );
    assert.equal(CALL_LOG_FORMATS.get('anonymous-bank'), ANONYMOUS_BANK);
  });

  test('times without a leading zero, and a CR left at the line end', () => {
    const c = call(
      `${row({ vruEntry: '7:02:40', vruExit: '7:02:47', qStart: '7:02:47', qExit: '7:03:05', serStart: '7:03:05', serExit: '7:05:00' })}\r`,
    );
    assert.equal(c.queuedAt, jlm('1999-01-05', '07:02:47'));
    assert.deepEqual(c.service, { agentName: 'ANAT', start: jlm('1999-01-05', '07:03:05'), end: jlm('1999-01-05', '07:05:00') });
  });

  test('midnight: a column more than 12 h earlier than vru_entry is on the next day; smaller differences are skew', () => {
    const crossing = call(
      row({ vruEntry: '23:55:00', vruExit: '23:55:10', qStart: '23:55:10', qExit: '23:58:00', serStart: '23:58:00', serExit: '0:01:10' }),
    );
    assert.deepEqual(crossing.service, { agentName: 'ANAT', start: jlm('1999-01-05', '23:58:00'), end: jlm('1999-01-06', '00:01:10') });
    // January 1999 has such rows: vru_entry 23:59:48, no queue, service 0:00:01–0:00:24 next day
    const after = call(
      row({
        vruEntry: '23:59:48',
        vruExit: '23:59:48',
        qStart: '0:00:00',
        qExit: '0:00:00',
        qTime: '0',
        serStart: '0:00:01',
        serExit: '0:00:24',
      }),
    );
    assert.equal(after.queuedAt, jlm('1999-01-05', '23:59:48'));
    assert.deepEqual(after.service, { agentName: 'ANAT', start: jlm('1999-01-06', '00:00:01'), end: jlm('1999-01-06', '00:00:24') });
    assert.equal(after.day, '1999-01-05', 'the row keeps its own date');
    // clock skew: vru_exit 37 s before vru_entry stays on the same day
    const skew = call(
      row({
        vruEntry: '15:46:01',
        vruExit: '15:45:24',
        vruTime: '-37',
        qStart: '15:45:24',
        qExit: '15:46:41',
        serStart: '15:46:41',
        serExit: '15:50:00',
      }),
    );
    assert.equal(skew.queuedAt, jlm('1999-01-05', '15:45:24'));
  });

  test('queued at q_start, or at vru_exit without a queue, never after ser_start', () => {
    assert.equal(call(row()).queuedAt, jlm('1999-01-05', '10:00:10'));
    // no queue, and the service starts a second before vru_exit (as the file's 4th row does)
    const c = call(
      row({
        vruEntry: '7:41:16',
        vruExit: '7:41:26',
        qStart: '0:00:00',
        qExit: '0:00:00',
        qTime: '0',
        serStart: '7:41:25',
        serExit: '7:44:53',
      }),
    );
    assert.equal(c.queuedAt, jlm('1999-01-05', '07:41:25'));
    const late = call(row({ qStart: '10:01:30', serStart: '10:01:00' }));
    assert.equal(late.queuedAt, jlm('1999-01-05', '10:01:00'));
  });

  test('q_start 0:00:00 means "did not queue" unless q_time is positive: then the call queued at midnight', () => {
    const c = call(
      row({
        vruEntry: '23:59:54',
        vruExit: '23:59:54',
        vruTime: '0',
        qStart: '0:00:00',
        qExit: '0:00:27',
        qTime: '27',
        serStart: '0:00:26',
        serExit: '0:01:33',
      }),
    );
    assert.equal(c.queuedAt, jlm('1999-01-06', '00:00:00'));
  });

  test('HANG in the VRU asks for no agent (no arrival); HANG after queueing is an arrival without a service', () => {
    const vru = call(
      row({
        outcome: 'HANG',
        qStart: '0:00:00',
        qExit: '0:00:00',
        qTime: '0',
        serStart: '0:00:00',
        serExit: '0:00:00',
        serTime: '0',
        server: 'NO_SERVER',
      }),
    );
    assert.equal(vru.queuedAt, undefined);
    assert.equal(vru.service, undefined);
    const abandoned = call(row({ outcome: 'HANG', serStart: '0:00:00', serExit: '0:00:00', serTime: '0', server: 'NO_SERVER' }));
    assert.equal(abandoned.queuedAt, jlm('1999-01-05', '10:00:10'));
    assert.equal(abandoned.service, undefined);
    assert.deepEqual(abandoned.partial, []);
  });

  test('AGENT rows without a server name or a service start give the arrival only, reported as partial', () => {
    const noServer = call(row({ server: 'NO_SERVER' }));
    assert.equal(noServer.queuedAt, jlm('1999-01-05', '10:00:10'));
    assert.equal(noServer.service, undefined);
    assert.deepEqual(
      noServer.partial.map((p) => p.code),
      ['noServer'],
    );
    const noStart = call(row({ serStart: '0:00:00', serExit: '0:00:00', serTime: '0' }));
    assert.equal(noStart.service, undefined);
    assert.deepEqual(
      noStart.partial.map((p) => p.code),
      ['noServiceStart'],
    );
  });

  test('PHANTOM rows, unknown call types and malformed rows are skipped with a reason', () => {
    assert.equal(issue(row({ outcome: 'PHANTOM', server: 'NO_SERVER' })).code, 'phantom');
    assert.deepEqual(issue(row({ type: 'AA' })), { code: 'unknownCallType', message: 'unknown call type "AA"' });
    const spaces = issue(row().replaceAll('\t', ' '));
    assert.equal(spaces.code, 'malformed');
    assert.match(spaces.message, /expected 17 tab-separated fields, found 1 \(fields separated by spaces\?\)/);
    assert.match(issue(row().split('\t').slice(0, 16).join('\t')).message, /found 16/);
    assert.match(issue(row({ serStart: '25:00:00' })).message, /ser_start "25:00:00" is not a time/);
    assert.match(issue(row({ date: '990230' })).message, /date "990230"/);
    assert.match(issue(row({ outcome: 'DONE' })).message, /outcome "DONE"/);
    assert.match(issue(row({ server: '' })).message, /server/);
    assert.match(issue(row({ callId: 'x1' })).message, /call_id/);
    assert.match(issue(row({ serTime: '1.5' })).message, /ser_time/);
  });

  test("customer_id in a spreadsheet's scientific notation (as in the January file) is accepted: the column is not used", () => {
    assert.equal(call(row({ customer: '6.02E+11' })).conversationId, '990105-AA0101-1001');
  });

  test('the header is recognised (vru+line or vru.line); a header of another layout is refused', () => {
    assert.equal(ANONYMOUS_BANK.classifyFirstLine(HEADER), 'header');
    assert.equal(ANONYMOUS_BANK.classifyFirstLine(`\uFEFF${HEADER.replace('vru+line', 'vru.line')}\r`), 'header');
    assert.equal(ANONYMOUS_BANK.classifyFirstLine(row()), 'data');
    assert.throws(() => ANONYMOUS_BANK.classifyFirstLine('vru+line\tcall_id\tdate'), /not an anonymous-bank header/);
  });
});

describe('local times: DST rules on synthetic dates', () => {
  const wall = (y: number, m: number, d: number, hms: string) => {
    const [h, mi, s] = hms.split(':').map(Number) as [number, number, number];
    return wallClockMs({ year: y, month: m, day: d }, 0, h * 3600 + mi * 60 + s);
  };

  test('a skipped local time is shifted forward by the gap; a repeated one takes the earlier offset', () => {
    // New York 2021-03-14: 02:00 EST → 03:00 EDT; 02:30 never happened → 03:30 EDT
    assert.equal(localInstantMs(wall(2021, 3, 14, '2:30:00'), 'America/New_York'), Date.parse('2021-03-14T03:30:00-04:00'));
    // New York 2021-11-07: 02:00 EDT → 01:00 EST; 01:30 happened twice → the first (EDT)
    assert.equal(localInstantMs(wall(2021, 11, 7, '1:30:00'), 'America/New_York'), Date.parse('2021-11-07T01:30:00-04:00'));
    // and around them the ordinary offsets
    assert.equal(localInstantMs(wall(2021, 3, 14, '1:59:59'), 'America/New_York'), Date.parse('2021-03-14T01:59:59-05:00'));
    assert.equal(localInstantMs(wall(2021, 11, 7, '2:00:00'), 'America/New_York'), Date.parse('2021-11-07T02:00:00-05:00'));
    // Jerusalem 1999: summer time from 2 April 02:00 to 3 September 02:00
    assert.equal(localInstantMs(wall(1999, 4, 2, '2:30:00'), TZ), Date.parse('1999-04-02T03:30:00+03:00'));
    assert.equal(localInstantMs(wall(1999, 9, 3, '1:30:00'), TZ), Date.parse('1999-09-03T01:30:00+03:00'));
    // January 1999 in Jerusalem is +02:00
    assert.equal(localInstantMs(wall(1999, 1, 1, '1:00:00'), TZ), Date.parse('1999-01-01T01:00:00+02:00'));
  });

  test('the rule applies to rows: --tz America/New_York on the change days', () => {
    const hang = { outcome: 'HANG', serStart: '0:00:00', serExit: '0:00:00', serTime: '0', server: 'NO_SERVER' };
    const spring = call(
      row({ ...hang, date: '210314', vruEntry: '2:29:50', vruExit: '2:30:10', qStart: '2:30:10', qExit: '2:31:00' }),
      'America/New_York',
    );
    assert.equal(spring.queuedAt, Date.parse('2021-03-14T03:30:10-04:00'));
    const autumn = call(
      row({ ...hang, date: '211107', vruEntry: '1:29:50', vruExit: '1:30:00', qStart: '1:30:00', qExit: '1:31:00' }),
      'America/New_York',
    );
    assert.equal(autumn.queuedAt, Date.parse('2021-11-07T01:30:00-04:00'));
  });
});

describe('agent ids and events', () => {
  test('an agent id is derived from the name alone: fixed values, any order, any file', () => {
    assert.equal(agentIdOfName('ANAT'), 34763857930875);
    assert.equal(agentIdOfName('EREZ'), 123343416166215);
    const a = new AgentDirectory();
    const b = new AgentDirectory();
    const names = ['ANAT', 'DANA', 'EREZ', 'MICHAL'];
    const idsA = names.map((n) => a.idOf(n));
    const idsB = [...names].reverse().map((n) => b.idOf(n));
    assert.deepEqual(idsA, idsB.reverse());
    assert.ok(idsA.every((r) => r.ok && Number.isSafeInteger(r.agentId) && r.agentId >= 1));
    assert.deepEqual(a.entries(), b.entries());
  });

  test('two names deriving one id: the later-seen one is refused, in every row', () => {
    const d = new AgentDirectory(() => 42);
    assert.deepEqual(d.idOf('ANAT'), { ok: true, agentId: 42 });
    const refused = d.idOf('DANA');
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? '' : refused.message, /"DANA" derives the id 42, which belongs to "ANAT": refused/);
    assert.deepEqual(d.idOf('ANAT'), { ok: true, agentId: 42 });
    assert.deepEqual(d.entries(), [{ name: 'ANAT', agentId: 42 }]);
    // an earlier mapping claims ids first
    const e = new AgentDirectory();
    e.preload([{ name: 'ANAT', agentId: agentIdOfName('ANAT') }]);
    assert.throws(() => e.preload([{ name: 'DANA', agentId: 7 }]), /derived id/);
  });

  test('event ids are <conversationId>:<kind>; at one millisecond they sort queued < start < focus < in < out < blur < end', () => {
    const c = call(row({ serStart: '10:01:00', serExit: '10:01:00', serTime: '0', qStart: '10:01:00' }));
    const events = callEvents(c, 7);
    const sorted = [...events].sort(compareEvents);
    assert.deepEqual(
      sorted.map((e) => e.id),
      ['queued', 'start', 'focus', 'message-in', 'message-out', 'blur', 'end'].map((k) => `990105-AA0101-1001:${k}`),
    );
    assert.deepEqual(
      sorted.map((e) => [e.type, 'from' in e ? e.from : '']),
      [
        ['conversation.queued', ''],
        ['segment.start', ''],
        ['workspace.focus', ''],
        ['message', 'consumer'],
        ['message', 'agent'],
        ['workspace.blur', ''],
        ['segment.end', ''],
      ],
    );
    assert.deepEqual(
      callEvents({ ...c, service: undefined } as never, 7).map((e) => e.id),
      ['990105-AA0101-1001:queued'],
    );
  });

  test('sessions: first start to last end per local day; a day reaching into the next day is one session with it', () => {
    const days = new AgentDays();
    const t = (d: string, hms: string) => jlm(d, hms);
    days.add(1, 'ANAT', '1999-01-05', t('1999-01-05', '09:00:00'), t('1999-01-05', '09:10:00'));
    days.add(1, 'ANAT', '1999-01-05', t('1999-01-05', '23:58:00'), t('1999-01-06', '00:02:00'));
    days.add(1, 'ANAT', '1999-01-06', t('1999-01-06', '00:01:00'), t('1999-01-06', '00:03:00')); // before the 5th ends
    days.add(1, 'ANAT', '1999-01-06', t('1999-01-06', '08:00:00'), t('1999-01-06', '08:30:00'));
    days.add(1, 'ANAT', '1999-01-07', t('1999-01-07', '08:30:00'), t('1999-01-07', '08:40:00'));
    days.add(2, 'DANA', '1999-01-05', t('1999-01-05', '10:00:00'), t('1999-01-05', '10:05:00'));
    days.add(2, 'DANA', '1999-01-06', t('1999-01-05', '10:05:00'), t('1999-01-06', '10:06:00')); // touching
    const sessions = days.sessions();
    assert.deepEqual(
      sessions.map((s) => [s.agentId, s.firstDay, s.lastDay, s.login, s.logout]),
      [
        [1, '1999-01-05', '1999-01-06', t('1999-01-05', '09:00:00'), t('1999-01-06', '08:30:00')],
        [1, '1999-01-07', '1999-01-07', t('1999-01-07', '08:30:00'), t('1999-01-07', '08:40:00')],
        [2, '1999-01-05', '1999-01-06', t('1999-01-05', '10:00:00'), t('1999-01-06', '10:06:00')],
      ],
    );
    assert.deepEqual(sessionEvents(sessions[0] as never), [
      {
        id: `agent-1-1999-01-05:login`,
        type: 'agent.login',
        time: t('1999-01-05', '09:00:00'),
        agentId: 1,
        status: 'ONLINE',
        loginName: 'ANAT',
        maxSlots: 1,
      },
      { id: `agent-1-1999-01-05:logout`, type: 'agent.logout', time: t('1999-01-06', '08:30:00'), agentId: 1 },
    ] satisfies WfmEvent[]);
  });
});

/**
 * A small log for the engine. Agents: DANA with overlapping services (later takes the focus),
 * a nested one, two starting together, a 0-second one; EREZ across midnight into the next day.
 */
function fixtureRows(): string[] {
  const s = (
    callId: string,
    vruLine: string,
    serStart: string,
    serExit: string,
    serTime: string,
    server: string,
    extra: Partial<Record<Field, string>> = {},
  ) =>
    row({
      callId,
      vruLine,
      qStart: serStart,
      qExit: serStart,
      serStart,
      serExit,
      serTime,
      server,
      vruEntry: '9:00:00',
      vruExit: serStart,
      ...extra,
    });
  return [
    HEADER,
    s('2001', 'AA0101', '10:00:00', '10:10:00', '600', 'DANA'), // A: focus taken at 10:05 by B
    s('2002', 'AA0102', '10:05:00', '10:20:00', '900', 'DANA'), // B
    s('2003', 'AA0103', '11:00:00', '11:30:00', '1800', 'DANA'), // C: focus taken at 11:10 by D, never back
    s('2004', 'AA0104', '11:10:00', '11:15:00', '300', 'DANA'), // D nested in C
    s('2005', 'AA0105', '12:00:00', '12:05:00', '300', 'DANA'), // E and F start together:
    s('2006', 'AA0106', '12:00:00', '12:03:00', '180', 'DANA'), //   F's focus id sorts later, F holds it
    s('2007', 'AA0107', '13:00:00', '13:00:00', '0', 'DANA', { type: 'NE' }), // 0 s
    '',
    row({ callId: '3001', outcome: 'PHANTOM', server: 'NO_SERVER' }), // line 10
    row({ callId: '3002', server: 'NO_SERVER' }), // line 11: arrival only
    row().replaceAll('\t', ' '), // line 12: malformed
    row({ callId: '3003', type: 'AA' }), // line 13
    row({
      callId: '3004',
      outcome: 'HANG',
      qStart: '0:00:00',
      qExit: '0:00:00',
      qTime: '0',
      serStart: '0:00:00',
      serExit: '0:00:00',
      serTime: '0',
      server: 'NO_SERVER',
    }), // VRU only
    // EREZ: 23:58 → 0:02 on the 5th, then 0:01 → 0:03 and 9:00 → 9:05 on the 6th: one session
    s('4001', 'AA0201', '23:58:00', '0:02:00', '240', 'EREZ', { vruEntry: '23:57:00' }),
    s('4002', 'AA0202', '0:01:00', '0:03:00', '120', 'EREZ', { vruEntry: '0:00:30', date: '990106' }),
    s('4003', 'AA0203', '9:00:00', '9:05:00', '300', 'EREZ', { date: '990106' }),
    s('4004', 'AA0204', '9:00:00', '9:05:00', '300', 'EREZ', { date: '990107' }),
  ];
}

interface Segment {
  conversationId: string;
  agentId: number;
  skillId: number;
  startTimeL: number;
  endTimeL: number;
  totalHandleTimeMillis: number;
  inFocusTimeMillis: number;
}

describe('importCallLogs through the engine', () => {
  let dir: string;
  let crlf: string;
  let lf: string;
  let h: Harness;
  let stats: CallImportStats;
  const reports: RowReport[] = [];
  const FROM = jlm('1999-01-05', '00:00:00');
  const TO = jlm('1999-01-08', '00:00:00');
  const segments = async (hh: Harness): Promise<Segment[]> => {
    const res = await hh.get(`/api/account/${ACCOUNT}/agent-segments?fromMillis=${FROM}&toMillis=${TO}&limit=500&sort=conversationId`);
    assert.equal(res.status, 200, res.raw);
    return res.body.segments;
  };
  const statusChanges = async (hh: Harness): Promise<Array<{ agentId: number; statusType: number; time: unknown }>> => {
    const res = await hh.get(
      `/api/v2/account/${ACCOUNT}/status-changes?v=2&from=${new Date(FROM).toISOString()}&to=${new Date(TO).toISOString()}&limit=5000`,
    );
    assert.equal(res.status, 200, res.raw);
    return res.body.stateChanges;
  };
  const run = (hh: Harness, file: string, extra: Partial<Parameters<typeof importCallLogs>[0]> = {}) =>
    importCallLogs({
      store: hh.store,
      accountId: ACCOUNT,
      files: [file],
      format: ANONYMOUS_BANK,
      timeZone: TZ,
      now: () => hh.clock.now,
      ...extra,
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'calls-'));
    crlf = join(dir, 'log-crlf.txt');
    lf = join(dir, 'log-lf.txt');
    writeFileSync(crlf, `${fixtureRows().join('\r\n')}\r\n`);
    writeFileSync(lf, `${fixtureRows().join('\n')}\n`);
    h = await harness();
    stats = await run(h, crlf, { onRow: (r) => reports.push(r) });
  });
  after(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the summary counts every row; skipped and partial rows are reported with line number and reason', () => {
    assert.deepEqual(
      { ...stats, issues: { ...stats.issues } },
      {
        rows: 16,
        imported: 13,
        partial: 1,
        skipped: 3,
        endedInVru: 1,
        arrivals: 12,
        services: 11,
        agents: 2,
        sessions: 3,
        events: 12 + 11 * 6 + 3 * 2,
        accepted: 12 + 11 * 6 + 3 * 2,
        duplicates: 0,
        refused: 0,
        issues: { phantom: 1, noServer: 1, malformed: 1, unknownCallType: 1 },
      },
    );
    assert.deepEqual(
      reports.map((r) => [r.line, r.kind, r.code]),
      [
        [10, 'skipped', 'phantom'],
        [11, 'partial', 'noServer'],
        [12, 'skipped', 'malformed'],
        [13, 'skipped', 'unknownCallType'],
      ],
    );
    assert.ok(reports.every((r) => r.file === crlf && r.message.length > 0));
  });

  test('overlapping services of one agent: the later takes the focus and the earlier handle time ends there', async () => {
    const dana = agentIdOfName('DANA');
    const got = (await segments(h))
      .filter((s) => s.agentId === dana)
      .map((s) => [s.conversationId.split('-')[2], s.endTimeL - s.startTimeL, s.totalHandleTimeMillis, s.inFocusTimeMillis, s.skillId]);
    assert.deepEqual(got, [
      ['2001', 600_000, 300_000, 300_000, 1], // A until B starts
      ['2002', 900_000, 900_000, 900_000, 1], // B whole
      ['2003', 1_800_000, 600_000, 600_000, 1], // C until D starts; D's blur leaves nothing focused
      ['2004', 300_000, 300_000, 300_000, 1],
      ['2005', 300_000, 0, 0, 1], // E: F took the focus at the same instant
      ['2006', 180_000, 180_000, 180_000, 1],
      ['2007', 0, 0, 0, 4], // a 0-second service is a segment of 0 ms
    ]);
  });

  test('sessions: logged in from the first start to the last end of each day, a day reaching past midnight joined', async () => {
    const erez = agentIdOfName('EREZ');
    const dana = agentIdOfName('DANA');
    const records = await statusChanges(h);
    const sessions = (agent: number) =>
      records.filter((r) => r.agentId === agent && r.statusType !== 1).map((r) => [r.statusType, Date.parse(String(r.time))]);
    assert.deepEqual(sessions(dana), [
      [3, jlm('1999-01-05', '10:00:00')],
      [4, jlm('1999-01-05', '13:00:00')],
    ]);
    assert.deepEqual(sessions(erez), [
      [3, jlm('1999-01-05', '23:58:00')],
      [4, jlm('1999-01-06', '09:05:00')],
      [3, jlm('1999-01-07', '09:00:00')],
      [4, jlm('1999-01-07', '09:05:00')],
    ]);
    const quality = await h.get(
      `/api/account/${ACCOUNT}/data-quality?from=${new Date(FROM).toISOString()}&to=${new Date(TO).toISOString()}`,
    );
    // only the blurs of services whose focus a later one took find another conversation (or none) focused
    assert.deepEqual(
      quality.body.items.map((i: { kind: string; eventId: string }) => [i.kind, i.eventId.split('-')[2]]),
      [
        ['blurNotInFocus', '2001:blur'],
        ['blurNotInFocus', '2003:blur'],
        ['blurNotInFocus', '2005:blur'],
        ['blurNotInFocus', '4001:blur'],
      ],
    );
  });

  test('NHT of the hour: voice load 1 while serving, one agent message per call at its end', async () => {
    const hour = jlm('1999-01-05', '10:00:00');
    const res = await h.get(`/operations/api/account/${ACCOUNT}/nht?fromMillis=${hour}&toMillis=${hour + 3600_000}&tz=${TZ}&skillIds=1`);
    assert.equal(res.status, 200, res.raw);
    // DANA is busy 10:00–10:20 (20 min) of the 60 min she is logged in, and sends 2 counted
    // messages (10:10, 10:20), both skill 1: W = 1200 s over 2 handled segments
    const [b] = res.body.skillInfo[0].metricsByIntervals;
    assert.equal(b.arrivals, 3); // 2001, 2002, and 3002 (NO_SERVER) queued at 10:00:10
    assert.equal(b.handledSegments, 2);
    assert.equal(b.messagesSent, 2);
    assert.equal(b.netHandleTime, 600);
    assert.equal(b.avgAvailableLoad, 0.3333);
  });

  test('re-import is idempotent: accepted 0, every event a duplicate; the LF copy is the same log', async () => {
    const again = await run(h, crlf);
    assert.equal(again.accepted, 0);
    assert.equal(again.duplicates, stats.events);
    const asLf = await run(h, lf);
    assert.equal(asLf.accepted, 0, 'LF line ends read the same events');
    assert.equal(asLf.duplicates, stats.events);
  });

  test('any number of passes (rows held at once) gives the same events and answers', async () => {
    const other = await harness();
    try {
      const s = await run(other, lf, { rowsPerPass: 1, batchSize: 7 });
      assert.equal(s.accepted, stats.accepted);
      assert.deepEqual(await segments(other), await segments(h));
      assert.deepEqual(await statusChanges(other), await statusChanges(h));
    } finally {
      await other.close();
    }
  });

  test('a changed row under a stored id is refused and reported; the rest of the batch is written', async () => {
    const changed = join(dir, 'changed.txt');
    writeFileSync(
      changed,
      `${HEADER}\n${row({ callId: '2001', vruLine: 'AA0101', type: 'NW' })}\n${row({ callId: '5001', server: 'NO_SERVER' })}\n`,
    );
    const refused: RowReport[] = [];
    const s = await run(h, changed, { onRow: (r) => refused.push(r) });
    // every event of call 2001 differs from the stored one; call 5001 and ANAT's session are new
    assert.equal(s.refused, 7);
    assert.equal(s.accepted, 3);
    assert.deepEqual(
      refused.map((r) => [r.line, r.kind, r.code]),
      [[3, 'partial', 'noServer'], ...Array.from({ length: 7 }, () => [2, 'refused', 'conflict'])],
    );
    assert.match(refused[1]?.message ?? '', /^event 990105-AA0101-2001:\w+: id is already stored with different content/);
  });

  test('an agent-id collision refuses the later name: its rows keep their arrival, lose their segment', async () => {
    const other = await harness();
    try {
      const list: RowReport[] = [];
      const s = await run(other, lf, { agents: new AgentDirectory(() => 99), onRow: (r) => list.push(r) });
      assert.equal(s.agents, 1);
      const collided = list.filter((r) => r.code === 'agentIdCollision');
      assert.equal(collided.length, 4, 'the 4 rows of EREZ');
      assert.match(collided[0]?.message ?? '', /"EREZ" derives the id 99, which belongs to "DANA"/);
    } finally {
      await other.close();
    }
  });

  test('a row whose times lie beyond the ingest limit (24 h after now) is skipped and reported, not sent', async () => {
    const future = join(dir, 'future.txt');
    writeFileSync(future, `${row({ date: '491231', callId: '6001' })}\n${row({ callId: '6002', server: 'NO_SERVER' })}\n`);
    const list: RowReport[] = [];
    const s = await run(h, future, { onRow: (r) => list.push(r) });
    assert.deepEqual(
      list.map((r) => [r.line, r.kind, r.code]),
      [
        [1, 'skipped', 'timeOutOfRange'],
        [2, 'partial', 'noServer'],
      ],
      'a file without a header starts with data on line 1',
    );
    assert.equal(s.accepted, 1);
  });

  test('an unknown zone or a header of another layout stops the run with a clear error', async () => {
    await assert.rejects(run(h, lf, { timeZone: 'Mars/Olympus' }), /unknown time zone "Mars\/Olympus"/);
    const other = join(dir, 'other.txt');
    writeFileSync(other, 'vru+line\tfoo\n');
    await assert.rejects(run(h, other), /not an anonymous-bank header/);
  });
});
