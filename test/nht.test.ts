import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { AgentStatus, QueueReason, WfmEvent } from '../src/domain/events.js';
import type { Bucket } from '../src/domain/intervals.js';
import { bucketsOverlapping } from '../src/domain/intervals.js';
import type { NhtFacts, NhtInterval, NhtQuery, NhtSkillRow, Ratio } from '../src/domain/nht.js';
import { addRatio, computeNht, defaultSkillIds, nhtHourlyDetail, ratioEquals, roundHalfAwayFromZero } from '../src/domain/nht.js';
import { nhtFactsFromEvents } from '../src/domain/nht-facts.js';

// ---------------------------------------------------------------------------------------------
// Builders

const MIN = 60_000;
/** 2026-03-30 at hh:mm[:ss[.mmm]] UTC */
const T = (hhmm: string): number => Date.parse(`2026-03-30T${hhmm}Z`);

/** Event factory with unique ids in creation order (`prefix` lets a test pick the id order). */
function events() {
  let n = 0;
  const id = (p: string): string => `${p}${String(++n).padStart(4, '0')}`;
  return {
    login: (
      time: number,
      agentId: number,
      extra: { maxSlots?: number; skills?: number[]; status?: AgentStatus } = {},
      p = 'L',
    ): WfmEvent => ({
      id: id(p),
      type: 'agent.login',
      time,
      agentId,
      ...extra,
    }),
    profile: (time: number, agentId: number, extra: { maxSlots?: number; skills?: number[] }, p = 'P'): WfmEvent => ({
      id: id(p),
      type: 'agent.profile',
      time,
      agentId,
      ...extra,
    }),
    status: (time: number, agentId: number, status: AgentStatus): WfmEvent => ({
      id: id('S'),
      type: 'agent.status',
      time,
      agentId,
      status,
    }),
    logout: (time: number, agentId: number): WfmEvent => ({ id: id('O'), type: 'agent.logout', time, agentId }),
    queued: (time: number, conversationId: string, skillId: number, reason: QueueReason = 'new'): WfmEvent => ({
      id: id('Q'),
      type: 'conversation.queued',
      time,
      conversationId,
      skillId,
      reason,
    }),
    start: (time: number, agentId: number, conversationId: string, skillId: number, p = 'B'): WfmEvent => ({
      id: id(p),
      type: 'segment.start',
      time,
      agentId,
      conversationId,
      skillId,
    }),
    end: (time: number, agentId: number, conversationId: string): WfmEvent => ({
      id: id('E'),
      type: 'segment.end',
      time,
      agentId,
      conversationId,
      endReason: 'closedByAgent',
    }),
    agentMsg: (time: number, agentId: number, conversationId: string): WfmEvent => ({
      id: id('M'),
      type: 'message',
      time,
      conversationId,
      from: 'agent',
      agentId,
    }),
    consumerMsg: (time: number, conversationId: string): WfmEvent => ({
      id: id('C'),
      type: 'message',
      time,
      conversationId,
      from: 'consumer',
    }),
  };
}

type Q = Partial<NhtQuery> & Pick<NhtQuery, 'fromMs' | 'toMs'>;
const query = (q: Q): NhtQuery => ({ intervalMinutes: 60, defaultMaxSlots: 4, ...q });
const nht = (evs: WfmEvent[], q: Q): NhtSkillRow[] => computeNht(nhtFactsFromEvents('acme', evs), query(q));
/** The intervals of one skill. */
const rowOf = (rows: NhtSkillRow[], skillId: number): NhtInterval[] => {
  const row = rows.find((r) => r.skillId === skillId);
  assert.ok(row, `no row for skill ${skillId}`);
  return row.metricsByIntervals;
};
const first = (rows: NhtSkillRow[], skillId: number): NhtInterval => rowOf(rows, skillId)[0] as NhtInterval;
const HOURLY = ['avgAvailableLoad', 'messagesSent', 'handledSegments', 'avgSegmentWorkTime', 'netHandleTime'] as const;
const hourly = (i: NhtInterval): Record<string, number> => Object.fromEntries(HOURLY.map((k) => [k, i[k]]));

/**
 * §3 worked example: agent 7 (maxSlots 2) logged in 09:00–10:00, a skill-1 segment
 * 09:00–10:00 with 3 messages and a second 09:30–10:00 with 1.
 */
function workedExample(): WfmEvent[] {
  const e = events();
  return [
    e.login(T('09:00'), 7, { maxSlots: 2 }),
    e.start(T('09:00'), 7, 'c1', 1),
    e.agentMsg(T('09:05'), 7, 'c1'),
    e.agentMsg(T('09:20'), 7, 'c1'),
    e.start(T('09:30'), 7, 'c2', 1),
    e.agentMsg(T('09:40'), 7, 'c1'),
    e.agentMsg(T('09:45'), 7, 'c2'),
    e.end(T('10:00'), 7, 'c1'),
    e.end(T('10:00'), 7, 'c2'),
    e.logout(T('10:00'), 7),
  ];
}

const WORKED_HOURLY = { avgAvailableLoad: 0.75, messagesSent: 4, handledSegments: 2, avgSegmentWorkTime: 675, netHandleTime: 1350 };

// ---------------------------------------------------------------------------------------------

describe('§3 worked example', () => {
  it('interval 60: W_A 2700 s, NHT 1350, messagesSent 4, avgSegmentWorkTime 675, avgAvailableLoad 0.75', () => {
    const rows = nht(workedExample(), { fromMs: T('09:00'), toMs: T('10:00') });
    assert.deepEqual(rows, [
      {
        skillId: 1,
        metricsByIntervals: [
          {
            timestamp: '2026-03-30T09:00',
            epochTimestamp: T('09:00'),
            arrivals: 0,
            avgTimeInQueue: -1,
            totalAgentSegmentDuration: 0, // both segments end at 10:00, in the next bucket
            avgAgentSegmentDuration: -1,
            ...WORKED_HOURLY,
          },
        ],
      },
    ]);
    const detail = nhtHourlyDetail(nhtFactsFromEvents('acme', workedExample()), query({ fromMs: T('09:00'), toMs: T('10:00') }));
    const a = detail.agents[0]?.get(7);
    assert.ok(a);
    assert.ok(ratioEquals(a.work, { n: 2_700_000n, d: 1n }), 'W_A = 2700 s');
    assert.equal(a.loggedInMs, 60 * MIN);
  });

  it('interval 15: the hourly fields are repeated in the four buckets of the hour', () => {
    const intervals = rowOf(nht(workedExample(), { fromMs: T('09:00'), toMs: T('10:00'), intervalMinutes: 15 }), 1);
    assert.deepEqual(
      intervals.map((i) => i.timestamp),
      ['2026-03-30T09:00', '2026-03-30T09:15', '2026-03-30T09:30', '2026-03-30T09:45'],
    );
    for (const i of intervals) assert.deepEqual(hourly(i), WORKED_HOURLY);
  });

  it('the bucket after the hour reports the two segments that ended there', () => {
    const i = first(nht(workedExample(), { fromMs: T('10:00'), toMs: T('11:00'), skillIds: [1] }), 1);
    assert.equal(i.totalAgentSegmentDuration, 5400); // 60 min + 30 min
    assert.equal(i.avgAgentSegmentDuration, 2700);
    assert.equal(i.messagesSent, 0);
    assert.equal(i.netHandleTime, -1);
    assert.equal(i.avgAvailableLoad, -1, 'agent 7 is not logged in at 10:00');
  });

  it('hand-built facts give the same numbers as facts derived from events', () => {
    const facts: NhtFacts = {
      sessions: [{ agentId: 7, start: T('09:00'), end: T('10:00') }],
      segments: [
        { segmentId: 'c2:7', agentId: 7, skillId: 1, start: T('09:30'), end: T('10:00') },
        { segmentId: 'c1:7', agentId: 7, skillId: 1, start: T('09:00'), end: T('10:00') },
      ],
      countedMessages: [
        { agentId: 7, time: T('09:45'), skillId: 1, segmentId: 'c2:7' },
        ...['09:05', '09:20', '09:40'].map((t) => ({ agentId: 7, time: T(t), skillId: 1, segmentId: 'c1:7' })),
      ],
      queued: [],
      segmentStarts: [],
      maxSlots: [{ agentId: 7, time: T('08:00'), value: 2, rank: 1, eventId: 'p' }],
      profileSkills: [],
    };
    const i = first(computeNht(facts, query({ fromMs: T('09:00'), toMs: T('10:00') })), 1);
    assert.deepEqual(hourly(i), WORKED_HOURLY);
  });
});

describe('bucket fields', () => {
  it('arrivals count every queue entry of the skill in the bucket, half-open', () => {
    const e = events();
    const rows = nht(
      [
        e.queued(T('09:00'), 'c1', 1),
        e.queued(T('09:14:59.999'), 'c2', 1, 'transfer'),
        e.queued(T('09:15'), 'c1', 1, 'backToQueue'),
        e.queued(T('09:20'), 'c3', 2),
        e.queued(T('09:30'), 'c4', 1), // outside [09:00, 09:30)
      ],
      { fromMs: T('09:00'), toMs: T('09:30'), intervalMinutes: 15 },
    );
    assert.deepEqual(
      rowOf(rows, 1).map((i) => i.arrivals),
      [2, 1],
    );
    assert.deepEqual(
      rowOf(rows, 2).map((i) => i.arrivals),
      [0, 1],
    );
  });

  it('avgTimeInQueue: mean wait since the latest queued entry for the skill, per start bucket', () => {
    const e = events();
    const rows = nht(
      [
        e.queued(T('08:50'), 'c1', 1),
        e.queued(T('08:55'), 'c1', 1), // the latest one counts: 5 min
        e.start(T('09:00'), 1, 'c1', 1),
        e.queued(T('09:00'), 'c2', 1),
        e.start(T('09:10'), 2, 'c2', 1), // 10 min
        e.queued(T('09:01'), 'c3', 1),
        e.start(T('09:16'), 3, 'c3', 1), // 15 min, next bucket
      ],
      { fromMs: T('09:00'), toMs: T('09:30'), intervalMinutes: 15 },
    );
    assert.deepEqual(
      rowOf(rows, 1).map((i) => i.avgTimeInQueue),
      [450, 900],
    );
  });

  it('avgTimeInQueue leaves out starts without a queued entry for their skill; −1 when none', () => {
    const e = events();
    const rows = nht([e.queued(T('09:00'), 'c1', 2), e.start(T('09:05'), 1, 'c1', 1), e.start(T('09:06'), 2, 'c9', 1)], {
      fromMs: T('09:00'),
      toMs: T('10:00'),
      skillIds: [1, 2],
    });
    assert.equal(first(rows, 1).avgTimeInQueue, -1);
    assert.equal(first(rows, 2).avgTimeInQueue, -1);
    assert.equal(first(rows, 2).arrivals, 1);
  });

  it('a start consumes the queue entry: a later start of the conversation has no wait until it is queued again', () => {
    const e = events();
    const rows = nht(
      [
        e.queued(T('09:00'), 'c1', 1),
        e.start(T('09:02'), 1, 'c1', 1), // 2 min
        e.start(T('09:04'), 2, 'c1', 1), // followed the queued entry's first start: left out
        e.queued(T('09:10'), 'c1', 1, 'backToQueue'),
        e.start(T('09:14'), 3, 'c1', 1), // 4 min
      ],
      { fromMs: T('09:00'), toMs: T('10:00') },
    );
    assert.equal(first(rows, 1).avgTimeInQueue, 180);
  });

  it('at one millisecond a queued entry precedes a start (wait 0), and the start with the smaller id is the earlier', () => {
    const e = events();
    const rows = nht(
      [
        e.queued(T('09:00'), 'c1', 1),
        e.start(T('09:00'), 1, 'c1', 1, 'Z'), // larger id: comes second, left out
        e.start(T('09:00'), 2, 'c1', 1, 'A'), // smaller id: wait 0
        e.queued(T('09:01'), 'c2', 1),
        e.start(T('09:03'), 3, 'c2', 1), // 2 min
      ],
      { fromMs: T('09:00'), toMs: T('10:00') },
    );
    assert.equal(first(rows, 1).avgTimeInQueue, 60); // (0 + 120 s) / 2
  });

  it('an ignored second start counts in no metric (neither consumes a queue entry nor has a wait)', () => {
    const e = events();
    const rows = nht(
      [e.queued(T('09:00'), 'c1', 1), e.start(T('09:02'), 1, 'c1', 1), e.start(T('09:03'), 1, 'c1', 1), e.end(T('09:30'), 1, 'c1')],
      { fromMs: T('09:00'), toMs: T('10:00') },
    );
    assert.equal(first(rows, 1).avgTimeInQueue, 120);
    assert.equal(first(rows, 1).totalAgentSegmentDuration, 28 * 60);
  });

  it('segment durations count segments of the skill that ended in the bucket, whenever they started', () => {
    const e = events();
    const rows = nht(
      [
        e.start(T('08:00'), 1, 'c1', 1),
        e.end(T('09:05'), 1, 'c1'), // 65 min, ends in 09:00
        e.start(T('09:10'), 2, 'c2', 1),
        e.end(T('09:15'), 2, 'c2'), // 5 min, ends in 09:15
        e.start(T('09:00'), 3, 'c3', 1), // still open: no duration
        e.start(T('09:01'), 4, 'c4', 2),
        e.end(T('09:02'), 4, 'c4'),
      ],
      { fromMs: T('09:00'), toMs: T('09:30'), intervalMinutes: 15 },
    );
    assert.deepEqual(
      rowOf(rows, 1).map((i) => [i.totalAgentSegmentDuration, i.avgAgentSegmentDuration]),
      [
        [3900, 3900],
        [300, 300],
      ],
    );
    assert.deepEqual(
      rowOf(rows, 2).map((i) => [i.totalAgentSegmentDuration, i.avgAgentSegmentDuration]),
      [
        [60, 60],
        [0, -1],
      ],
    );
  });
});

describe('rounding: exact, once, half away from zero', () => {
  const durations = (...ms: number[]): NhtInterval => {
    const e = events();
    const evs = ms.flatMap((d, i) => [e.start(T('09:00'), i + 1, `c${i}`, 1), e.end(T('09:00') + d, i + 1, `c${i}`)]);
    return first(nht(evs, { fromMs: T('09:00'), toMs: T('10:00') }), 1);
  };

  it('seconds to 2 decimals at the .005 boundaries', () => {
    assert.equal(durations(1005).totalAgentSegmentDuration, 1.01);
    assert.equal(durations(1004).totalAgentSegmentDuration, 1);
    assert.equal(durations(1015).totalAgentSegmentDuration, 1.02);
    assert.equal(durations(2675).totalAgentSegmentDuration, 2.68); // a float would give 2.67
    assert.equal(durations(1000, 1011).avgAgentSegmentDuration, 1.01); // 1005.5 ms
    assert.equal(durations(1000, 1009).avgAgentSegmentDuration, 1); // 1004.5 ms
    assert.equal(durations(1000, 1010).avgAgentSegmentDuration, 1.01); // 1005 ms exactly
  });

  it('avgAvailableLoad to 4 decimals: 0.00005 rounds up, a hair below rounds down', () => {
    const load = (busyMs: number): number => {
      const e = events();
      return first(
        nht(
          [
            e.login(T('09:00'), 1, { maxSlots: 1 }),
            e.start(T('09:10'), 1, 'c1', 1),
            e.end(T('09:10') + busyMs, 1, 'c1'),
            e.logout(T('10:00'), 1),
          ],
          { fromMs: T('09:00'), toMs: T('10:00') },
        ),
        1,
      ).avgAvailableLoad;
    };
    assert.equal(load(180), 0.0001); // 180 / 3 600 000 = 0.00005
    assert.equal(load(179), 0);
    assert.equal(load(1_200_000), 0.3333);
  });

  it('roundHalfAwayFromZero rounds halves away from zero on both sides', () => {
    assert.deepEqual(
      [5n, 15n, 14n, -5n, -15n, -14n].map((n) => roundHalfAwayFromZero(n, 10n)),
      [1n, 2n, 1n, -1n, -2n, -1n],
    );
  });

  it('work shares that are not decimal fractions are summed exactly before rounding', () => {
    // maxSlots 3, one segment for the hour: W = 20 min; 3 messages in 3 segments of skill 1.
    const e = events();
    const evs = [
      e.login(T('09:00'), 1, { maxSlots: 3 }),
      e.start(T('08:00'), 1, 'c1', 1),
      e.agentMsg(T('09:10'), 1, 'c1'),
      e.end(T('09:20'), 1, 'c1'),
      e.start(T('09:20'), 1, 'c2', 1),
      e.agentMsg(T('09:30'), 1, 'c2'),
      e.end(T('09:40'), 1, 'c2'),
      e.start(T('09:40'), 1, 'c3', 1),
      e.agentMsg(T('09:50'), 1, 'c3'),
      e.end(T('10:00'), 1, 'c3'),
    ];
    const i = first(nht(evs, { fromMs: T('09:00'), toMs: T('10:00') }), 1);
    assert.equal(i.avgSegmentWorkTime, 400);
    assert.equal(i.netHandleTime, 400);
    assert.equal(i.avgAvailableLoad, 0.3333);
  });
});

describe('hourly fields', () => {
  it('logged-in time counts whatever the status (AWAY included)', () => {
    const e = events();
    const i = first(
      nht(
        [
          e.login(T('09:00'), 1, { maxSlots: 1 }),
          e.status(T('09:05'), 1, 'AWAY'),
          e.start(T('09:00'), 1, 'c1', 1),
          e.end(T('09:30'), 1, 'c1'),
          e.status(T('09:50'), 1, 'OFFLINE'),
        ],
        { fromMs: T('09:00'), toMs: T('10:00') },
      ),
      1,
    );
    assert.equal(i.avgAvailableLoad, 0.5);
  });

  it('overlapping or touching sessions count once (logged-in time is their union)', () => {
    const facts: NhtFacts = {
      sessions: [
        { agentId: 1, start: T('09:00'), end: T('09:40') },
        { agentId: 1, start: T('09:20'), end: T('09:50') },
        { agentId: 1, start: T('09:50'), end: null },
      ],
      segments: [{ segmentId: 's', agentId: 1, skillId: 1, start: T('09:00'), end: null }],
      countedMessages: [],
      queued: [],
      segmentStarts: [],
      maxSlots: [],
      profileSkills: [],
    };
    const a = nhtHourlyDetail(facts, query({ fromMs: T('09:00'), toMs: T('10:00'), defaultMaxSlots: 2 })).agents[0]?.get(1);
    assert.equal(a?.loggedInMs, 60 * MIN);
    assert.ok(a && ratioEquals(a.work, { n: BigInt(30 * MIN), d: 1n }));
  });

  it('an agent logged out while holding a segment: load only over logged-in time, messages still count', () => {
    const e = events();
    const i = first(
      nht(
        [
          e.login(T('09:00'), 1, { maxSlots: 1 }),
          e.start(T('09:00'), 1, 'c1', 1),
          e.logout(T('09:30'), 1),
          e.agentMsg(T('09:45'), 1, 'c1'),
          e.end(T('10:00'), 1, 'c1'),
        ],
        { fromMs: T('09:00'), toMs: T('10:00') },
      ),
      1,
    );
    assert.deepEqual(hourly(i), {
      avgAvailableLoad: 1,
      messagesSent: 1,
      handledSegments: 1,
      avgSegmentWorkTime: 1800,
      netHandleTime: 1800,
    });
  });

  it('a segment held only while logged out: messages and handled count, work 0, avgAvailableLoad −1', () => {
    const e = events();
    const i = first(
      nht([e.start(T('09:00'), 1, 'c1', 1), e.agentMsg(T('09:45'), 1, 'c1'), e.end(T('09:50'), 1, 'c1')], {
        fromMs: T('09:00'),
        toMs: T('10:00'),
      }),
      1,
    );
    assert.deepEqual(hourly(i), { avgAvailableLoad: -1, messagesSent: 1, handledSegments: 1, avgSegmentWorkTime: 0, netHandleTime: 0 });
  });

  it('maxSlots change mid-hour: load ½ then 1', () => {
    const e = events();
    const i = first(
      nht(
        [
          e.login(T('09:00'), 1, { maxSlots: 2 }),
          e.start(T('09:00'), 1, 'c1', 1),
          e.profile(T('09:30'), 1, { maxSlots: 1 }),
          e.agentMsg(T('09:45'), 1, 'c1'),
          e.end(T('10:00'), 1, 'c1'),
          e.logout(T('10:00'), 1),
        ],
        { fromMs: T('09:00'), toMs: T('10:00') },
      ),
      1,
    );
    assert.deepEqual(hourly(i), {
      avgAvailableLoad: 0.75,
      messagesSent: 1,
      handledSegments: 1,
      avgSegmentWorkTime: 2700,
      netHandleTime: 2700,
    });
  });

  it('maxSlots defaults to the account setting; a profile write in an earlier session still holds', () => {
    const e = events();
    const base = [e.login(T('09:00'), 1), e.start(T('09:00'), 1, 'c1', 1), e.agentMsg(T('09:30'), 1, 'c1'), e.logout(T('10:00'), 1)];
    const q = { fromMs: T('09:00'), toMs: T('10:00') };
    assert.equal(first(computeNht(nhtFactsFromEvents('a', base), query({ ...q, defaultMaxSlots: 3 })), 1).netHandleTime, 1200);
    const earlier = [e.login(T('07:00'), 1, { maxSlots: 2 }), e.logout(T('07:30'), 1), ...base];
    assert.equal(first(nht(earlier, q), 1).netHandleTime, 1800);
  });

  it('writes at one millisecond: the later in the total order wins (profile after login, then by id)', () => {
    const e = events();
    const evs = [
      e.profile(T('09:00'), 1, { maxSlots: 4 }, 'Pb'),
      e.profile(T('09:00'), 1, { maxSlots: 1 }, 'Pa'),
      e.login(T('09:00'), 1, { maxSlots: 3 }),
      e.start(T('09:00'), 1, 'c1', 1),
      e.agentMsg(T('09:30'), 1, 'c1'),
      e.logout(T('10:00'), 1),
    ];
    // Pb… sorts after Pa…: maxSlots 4 → W = 15 min.
    assert.equal(first(nht(evs, { fromMs: T('09:00'), toMs: T('10:00') }), 1).netHandleTime, 900);
  });

  it('huge maxSlots values stay exact (work beyond safe integers is summed as BigInt)', () => {
    const p = 1_000_000_000_039;
    const q = 1_000_000_000_061;
    const e = events();
    const evs = [
      e.login(T('09:00'), 1, { maxSlots: p }),
      e.start(T('09:00'), 1, 'c1', 1),
      e.profile(T('09:30:00.001'), 1, { maxSlots: q }),
      e.logout(T('10:00'), 1),
    ];
    const a = nhtHourlyDetail(nhtFactsFromEvents('acme', evs), query({ fromMs: T('09:00'), toMs: T('10:00') })).agents[0]?.get(1);
    assert.ok(a);
    // 1 800 001 ms ÷ p + 1 799 999 ms ÷ q
    assert.ok(ratioEquals(a.work, { n: 1_800_001n * BigInt(q) + 1_799_999n * BigInt(p), d: BigInt(p) * BigInt(q) }));
  });

  it('load is capped at 1 when open segments exceed maxSlots', () => {
    const e = events();
    const evs = [e.login(T('09:00'), 1, { maxSlots: 2 }), e.logout(T('10:00'), 1)];
    for (const c of ['c1', 'c2', 'c3']) evs.push(e.start(T('09:00'), 1, c, 1), e.agentMsg(T('09:10'), 1, c));
    const i = first(nht(evs, { fromMs: T('09:00'), toMs: T('10:00') }), 1);
    assert.equal(i.avgAvailableLoad, 1);
    assert.equal(i.netHandleTime, 1200); // 3600 s over 3 handled segments
  });

  it('attribution by message share across skills', () => {
    const e = events();
    const evs = [
      e.login(T('09:00'), 1, { maxSlots: 1 }),
      e.start(T('09:00'), 1, 'c1', 1),
      e.start(T('09:00'), 1, 'c2', 2),
      ...['09:01', '09:02', '09:03'].map((t) => e.agentMsg(T(t), 1, 'c1')),
      e.agentMsg(T('09:04'), 1, 'c2'),
      e.logout(T('10:00'), 1),
    ];
    const rows = nht(evs, { fromMs: T('09:00'), toMs: T('10:00') });
    assert.equal(first(rows, 1).netHandleTime, 2700); // ¾ of 3600 s
    assert.equal(first(rows, 1).avgSegmentWorkTime, 900);
    assert.equal(first(rows, 2).netHandleTime, 900);
    assert.equal(first(rows, 2).avgAvailableLoad, 1);
  });

  it('attribution with no counted message: by each skill’s share of segment time in the hour', () => {
    const e = events();
    const evs = [
      // agent 1: no message; skill 1 for the whole hour, skill 2 from 09:30 (and on past 10:00).
      e.login(T('09:00'), 1, { maxSlots: 2 }),
      e.start(T('09:00'), 1, 'c1', 1),
      e.start(T('09:30'), 1, 'c2', 2),
      e.logout(T('10:00'), 1),
      // agent 2 handles one skill-1 segment with a message and no work (logged out)
      e.start(T('09:00'), 2, 'c3', 1),
      e.agentMsg(T('09:10'), 2, 'c3'),
    ];
    const facts = nhtFactsFromEvents('acme', evs);
    const q = query({ fromMs: T('09:00'), toMs: T('10:00') });
    const a1 = nhtHourlyDetail(facts, q).agents[0]?.get(1);
    assert.ok(a1);
    // W = 30 min × ½ + 30 min × 1 = 45 min, split 60 : 30 → 30 min and 15 min.
    assert.ok(ratioEquals(a1.work, { n: 2_700_000n, d: 1n }));
    assert.ok(ratioEquals(a1.attributed.get(1) as Ratio, { n: 1_800_000n, d: 1n }));
    assert.ok(ratioEquals(a1.attributed.get(2) as Ratio, { n: 900_000n, d: 1n }));
    const rows = computeNht(facts, q);
    assert.equal(first(rows, 1).netHandleTime, 1800, "agent 1's share lands in skill 1's NHT");
    assert.equal(first(rows, 2).netHandleTime, -1, 'no handled segment of skill 2');
  });

  it('handledSegments: a segment is handled in every hour with a counted message', () => {
    const e = events();
    const evs = [
      e.login(T('09:00'), 1, { maxSlots: 1 }),
      e.start(T('09:00'), 1, 'c1', 1),
      e.agentMsg(T('09:10'), 1, 'c1'),
      e.agentMsg(T('09:20'), 1, 'c1'),
      e.agentMsg(T('10:10'), 1, 'c1'),
      e.end(T('11:00'), 1, 'c1'),
      e.logout(T('11:00'), 1),
    ];
    const intervals = rowOf(nht(evs, { fromMs: T('09:00'), toMs: T('11:00') }), 1);
    assert.deepEqual(
      intervals.map((i) => [i.messagesSent, i.handledSegments, i.netHandleTime, i.avgSegmentWorkTime]),
      [
        [2, 1, 3600, 1800],
        [1, 1, 3600, 3600],
      ],
    );
  });

  it('counted messages follow the total order: at the start and at the end of a segment they count', () => {
    const e = events();
    const evs = [
      e.agentMsg(T('09:00'), 1, 'c1'),
      e.start(T('09:00'), 1, 'c1', 1),
      e.agentMsg(T('09:30'), 1, 'c1'),
      e.end(T('09:30'), 1, 'c1'),
      e.agentMsg(T('09:30:00.001'), 1, 'c1'), // after the end: not counted
      e.agentMsg(T('09:40'), 1, 'c2'), // no segment on c2: not counted
      e.consumerMsg(T('09:10'), 'c1'),
    ];
    assert.equal(first(nht(evs, { fromMs: T('09:00'), toMs: T('10:00') }), 1).messagesSent, 2);
  });

  it('avgAvailableLoad members: segment of S overlapping H, or S in the profile; logged-out members add nothing', () => {
    const e = events();
    const evs = [
      e.login(T('09:00'), 1, { maxSlots: 1 }), // busy all hour on skill 1
      e.start(T('08:00'), 1, 'c1', 1),
      e.login(T('09:00'), 2, { skills: [1] }), // idle, skill 1 in profile
      e.login(T('09:00'), 3, { maxSlots: 1 }), // busy on skill 2 only: not a skill-1 member
      e.start(T('09:00'), 3, 'c3', 2),
      e.profile(T('08:00'), 4, { skills: [1] }), // skill 1 but never logged in
      e.logout(T('10:00'), 1),
      e.logout(T('10:00'), 2),
      e.logout(T('10:00'), 3),
    ];
    const rows = nht(evs, { fromMs: T('09:00'), toMs: T('10:00'), skillIds: [1, 2] });
    assert.equal(first(rows, 1).avgAvailableLoad, 0.5);
    assert.equal(first(rows, 2).avgAvailableLoad, 1);
  });

  it('membership by profile skills at some instant of H: a mid-hour write counts, an earlier replaced one does not', () => {
    const e = events();
    const base = (writes: WfmEvent[]): WfmEvent[] => [
      e.login(T('09:00'), 1, { maxSlots: 1 }),
      e.start(T('09:00'), 1, 'c1', 1),
      e.login(T('09:00'), 2),
      ...writes,
      e.logout(T('10:00'), 1),
      e.logout(T('10:00'), 2),
    ];
    const load = (writes: WfmEvent[]): number => first(nht(base(writes), { fromMs: T('09:00'), toMs: T('10:00') }), 1).avgAvailableLoad;
    assert.equal(load([]), 1);
    assert.equal(load([e.profile(T('09:40'), 2, { skills: [1] })]), 0.5);
    assert.equal(load([e.profile(T('08:00'), 2, { skills: [1] }), e.profile(T('09:00'), 2, { skills: [3] })]), 1);
    assert.equal(load([e.profile(T('08:00'), 2, { skills: [1] }), e.profile(T('09:00:00.001'), 2, { skills: [3] })]), 0.5);
    assert.equal(load([e.profile(T('10:00'), 2, { skills: [1] })]), 1, 'a write at the end of H is outside it');
  });

  it('a zero-length segment (s = e) makes its agent a member when s is in H, the hour start included', () => {
    const e = events();
    const evs = [
      e.login(T('09:00'), 1, { maxSlots: 1 }),
      e.start(T('08:00'), 1, 'c1', 2),
      e.start(T('09:00'), 1, 'c2', 1),
      e.end(T('09:00'), 1, 'c2'),
      e.start(T('09:30'), 1, 'c3', 3),
      e.end(T('09:30'), 1, 'c3'),
      e.start(T('10:00'), 1, 'c4', 4), // s = e at the end of H: outside it
      e.end(T('10:00'), 1, 'c4'),
      e.logout(T('10:00'), 1),
    ];
    const rows = nht(evs, { fromMs: T('09:00'), toMs: T('10:00'), skillIds: [1, 3, 4] });
    assert.deepEqual(
      rows.map((r) => r.metricsByIntervals[0]?.avgAvailableLoad),
      [1, 1, -1],
    );
  });

  it('a skill with nothing gets rows of 0 / −1', () => {
    const rows = nht(workedExample(), { fromMs: T('09:00'), toMs: T('10:00'), intervalMinutes: 30, skillIds: [99] });
    assert.deepEqual(
      rowOf(rows, 99),
      [T('09:00'), T('09:30')].map((t) => ({
        timestamp: new Date(t).toISOString().slice(0, 16),
        epochTimestamp: t,
        arrivals: 0,
        avgTimeInQueue: -1,
        totalAgentSegmentDuration: 0,
        avgAgentSegmentDuration: -1,
        avgAvailableLoad: -1,
        messagesSent: 0,
        handledSegments: 0,
        avgSegmentWorkTime: -1,
        netHandleTime: -1,
      })),
    );
  });

  it('hourly fields always cover the whole hour, also when the window cuts it', () => {
    const i = first(nht(workedExample(), { fromMs: T('09:50'), toMs: T('09:55'), intervalMinutes: 15 }), 1);
    assert.equal(i.timestamp, '2026-03-30T09:45');
    assert.deepEqual(hourly(i), WORKED_HOURLY);
  });

  it('skills are returned ascending and once, as requested', () => {
    const rows = nht(workedExample(), { fromMs: T('09:00'), toMs: T('10:00'), skillIds: [5, 1, 5, 3] });
    assert.deepEqual(
      rows.map((r) => r.skillId),
      [1, 3, 5],
    );
  });
});

describe('default skill set', () => {
  it('skills with a queued entry, start, end, open segment or counted message in the hours of the window', () => {
    const e = events();
    const evs = [
      e.queued(T('09:05'), 'q', 1),
      e.start(T('09:50'), 1, 'a', 2),
      e.start(T('07:00'), 2, 'b', 3),
      e.end(T('09:00'), 2, 'b'), // end at the start of the span
      e.start(T('06:00'), 3, 'c', 4), // open across the span
      e.start(T('06:00'), 4, 'd', 5),
      e.agentMsg(T('09:59'), 4, 'd'),
      e.end(T('10:00'), 4, 'd'), // counted message in span, end just after
      e.start(T('07:00'), 5, 'e', 6),
      e.end(T('08:59'), 5, 'e'), // before the span
      e.queued(T('10:00'), 'q2', 7), // after the span
    ];
    const facts = nhtFactsFromEvents('acme', evs);
    // A 15-minute window 09:15–09:30 reaches back to 09:00 and on to 10:00 through its hour.
    assert.deepEqual(defaultSkillIds(facts, query({ fromMs: T('09:15'), toMs: T('09:30'), intervalMinutes: 15 })), [1, 2, 3, 4, 5]);
    assert.deepEqual(
      computeNht(facts, query({ fromMs: T('09:15'), toMs: T('09:30'), intervalMinutes: 15 })).map((r) => r.skillId),
      [1, 2, 3, 4, 5],
    );
  });

  it('no activity: no skills', () => {
    assert.deepEqual(nht([], { fromMs: T('09:00'), toMs: T('10:00') }), []);
  });
});

describe('time zones', () => {
  it('Asia/Kolkata: hourly fields follow the local hour 14:00–15:00 (08:30–09:30 UTC)', () => {
    const e = events();
    const evs = [
      e.login(T('08:30'), 7, { maxSlots: 2 }),
      e.start(T('08:30'), 7, 'c1', 1),
      e.agentMsg(T('08:35'), 7, 'c1'),
      e.agentMsg(T('08:40'), 7, 'c1'),
      e.agentMsg(T('08:45'), 7, 'c1'),
      e.start(T('09:00'), 7, 'c2', 1),
      e.agentMsg(T('09:10'), 7, 'c2'),
      e.end(T('09:30'), 7, 'c1'),
      e.end(T('09:30'), 7, 'c2'),
      e.logout(T('09:30'), 7),
    ];
    const intervals = rowOf(nht(evs, { fromMs: T('08:30'), toMs: T('09:30'), intervalMinutes: 15, timeZone: 'Asia/Kolkata' }), 1);
    assert.deepEqual(
      intervals.map((i) => i.timestamp),
      ['2026-03-30T14:00:00+05:30', '2026-03-30T14:15:00+05:30', '2026-03-30T14:30:00+05:30', '2026-03-30T14:45:00+05:30'],
    );
    for (const i of intervals) assert.deepEqual(hourly(i), WORKED_HOURLY);
    // The same events in UTC hours split differently.
    const utc = rowOf(nht(evs, { fromMs: T('08:30'), toMs: T('09:30') }), 1);
    assert.deepEqual(
      utc.map((i) => i.messagesSent),
      [3, 1],
    );
  });

  it('Asia/Kathmandu: a bucket starting at hh:15 UTC counts the arrivals of its quarter hours', () => {
    const e = events();
    const evs = [e.queued(T('09:14'), 'a', 1), e.queued(T('09:15'), 'b', 1), e.queued(T('10:14'), 'c', 1), e.queued(T('10:15'), 'd', 1)];
    const intervals = rowOf(nht(evs, { fromMs: T('09:15'), toMs: T('10:15'), timeZone: 'Asia/Kathmandu' }), 1);
    assert.deepEqual(
      intervals.map((i) => [i.timestamp, i.arrivals]),
      [['2026-03-30T15:00:00+05:45', 2]],
    );
  });

  it('Europe/Berlin fall-back: the two local 02:00 hours are separate buckets', () => {
    const e = events();
    const at = (isoUtc: string): number => Date.parse(isoUtc);
    const evs = [
      e.queued(at('2026-10-25T00:30:00Z'), 'a', 1),
      e.queued(at('2026-10-25T01:10:00Z'), 'b', 1),
      e.queued(at('2026-10-25T01:20:00Z'), 'c', 1),
    ];
    const intervals = rowOf(
      nht(evs, { fromMs: at('2026-10-25T00:00:00Z'), toMs: at('2026-10-25T02:00:00Z'), timeZone: 'Europe/Berlin' }),
      1,
    );
    assert.deepEqual(
      intervals.map((i) => [i.timestamp, i.arrivals]),
      [
        ['2026-10-25T02:00:00+02:00', 1],
        ['2026-10-25T02:00:00+01:00', 2],
      ],
    );
  });

  it('a zone with an offset that is not a multiple of 15 minutes is rejected', () => {
    const from = Date.parse('1880-06-01T00:00:00Z');
    assert.throws(() => nht([], { fromMs: from, toMs: from + 3_600_000, timeZone: 'Europe/Berlin' }), /not a whole multiple of 15 minutes/);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const BASE = T('08:00');
const WINDOW = { fromMs: T('09:00'), toMs: T('11:00') };

/** Random but valid event histories over 08:00–12:00 with many same-millisecond ties. */
const arbEvents: fc.Arbitrary<WfmEvent[]> = fc
  .array(
    fc.record({
      kind: fc.constantFrom(
        'login',
        'logout',
        'status',
        'profile',
        'queued',
        'start',
        'start',
        'end',
        'end',
        'msg',
        'msg',
        'msg',
        'consumer',
      ),
      minute: fc.integer({ min: 0, max: 240 }),
      half: fc.boolean(),
      agent: fc.integer({ min: 1, max: 3 }),
      conv: fc.integer({ min: 1, max: 4 }),
      skill: fc.integer({ min: 1, max: 3 }),
      maxSlots: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      skills: fc.option(fc.subarray([1, 2, 3]), { nil: undefined }),
      idKey: fc.integer({ min: 0, max: 0xffff }),
    }),
    { maxLength: 70 },
  )
  .map((specs) =>
    specs.map((s, i): WfmEvent => {
      // Ids in random byte order relative to creation, so ties are broken in varied ways.
      const id = `${s.idKey.toString(16).padStart(4, '0')}-${i}`;
      const time = BASE + s.minute * MIN + (s.half ? 30_000 : 0);
      const conversationId = `c${s.conv}`;
      const profile = { ...(s.maxSlots !== undefined && { maxSlots: s.maxSlots }), ...(s.skills !== undefined && { skills: s.skills }) };
      switch (s.kind) {
        case 'login':
          return { id, type: 'agent.login', time, agentId: s.agent, ...profile };
        case 'logout':
          return { id, type: 'agent.logout', time, agentId: s.agent };
        case 'status':
          return { id, type: 'agent.status', time, agentId: s.agent, status: s.half ? 'AWAY' : 'ONLINE' };
        case 'profile':
          return { id, type: 'agent.profile', time, agentId: s.agent, maxSlots: s.maxSlots ?? 2, ...profile };
        case 'queued':
          return { id, type: 'conversation.queued', time, conversationId, skillId: s.skill, reason: 'new' };
        case 'start':
          return { id, type: 'segment.start', time, agentId: s.agent, conversationId, skillId: s.skill };
        case 'end':
          return { id, type: 'segment.end', time, agentId: s.agent, conversationId, endReason: 'other' };
        case 'msg':
          return { id, type: 'message', time, conversationId, from: 'agent', agentId: s.agent };
        default:
          return { id, type: 'message', time, conversationId, from: 'consumer' };
      }
    }),
  );

const arbQuery = fc.record({
  intervalMinutes: fc.constantFrom<15 | 30 | 60>(15, 30, 60),
  timeZone: fc.constantFrom<string | undefined>(undefined, 'UTC', 'Asia/Kolkata', 'Asia/Kathmandu'),
  defaultMaxSlots: fc.integer({ min: 1, max: 3 }),
});

const toQuery = (q: { intervalMinutes: 15 | 30 | 60; timeZone: string | undefined; defaultMaxSlots: number }): NhtQuery => ({
  ...WINDOW,
  intervalMinutes: q.intervalMinutes,
  defaultMaxSlots: q.defaultMaxSlots,
  ...(q.timeZone !== undefined && { timeZone: q.timeZone }),
});

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Independent oracle: W_A and logged-in time by stepping every 30 s (all change points of the
 * generated events sit on 30 s marks), load constant within a step. W in ms × 6 (lcm of 1..3).
 */
function oracle(facts: NhtFacts, agentId: number, hour: Bucket, defaultMaxSlots: number): { loggedInMs: number; work6: bigint } {
  const writes = facts.maxSlots
    .filter((w) => w.agentId === agentId)
    .sort((a, b) => a.time - b.time || a.rank - b.rank || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  let loggedInMs = 0;
  let work6 = 0n;
  for (let t = hour.start; t < hour.end; t += 30_000) {
    const inSession = facts.sessions.some((s) => s.agentId === agentId && s.start <= t && (s.end === null || t < s.end));
    if (!inSession) continue;
    loggedInMs += 30_000;
    const open = facts.segments.filter((g) => g.agentId === agentId && g.start <= t && (g.end === null || t < g.end)).length;
    const m = writes.filter((w) => w.time <= t).at(-1)?.value ?? defaultMaxSlots;
    work6 += BigInt(30_000 * Math.min(open, m) * (6 / m));
  }
  return { loggedInMs, work6 };
}

describe('properties', () => {
  it('Σ_S W_A,S = W_A exactly; W_A ≤ logged-in time; both match a 30-second stepping oracle', () => {
    fc.assert(
      fc.property(arbEvents, fc.integer({ min: 1, max: 3 }), (evs, defaultMaxSlots) => {
        const facts = nhtFactsFromEvents('acme', evs);
        const { hours, agents } = nhtHourlyDetail(facts, { ...WINDOW, intervalMinutes: 60, defaultMaxSlots });
        const allAgents = new Set([...facts.sessions, ...facts.segments].map((x) => x.agentId));
        hours.forEach((hour, h) => {
          for (const agentId of allAgents) {
            const a = agents[h]?.get(agentId);
            const work = a?.work ?? { n: 0n, d: 1n };
            const sum = [...(a?.attributed.values() ?? [])].reduce(addRatio, { n: 0n, d: 1n });
            assert.ok(ratioEquals(sum, work), 'attribution sums to W_A');
            assert.ok(work.n <= BigInt(a?.loggedInMs ?? 0) * work.d, 'W_A ≤ logged-in time');
            const o = oracle(facts, agentId, hour, defaultMaxSlots);
            assert.equal(a?.loggedInMs ?? 0, o.loggedInMs);
            assert.ok(ratioEquals(work, { n: o.work6, d: 6n }), `W_A of agent ${agentId} in hour ${h}`);
          }
        });
      }),
      { numRuns: 150 },
    );
  });

  it('outputs stay in range; hourly fields repeat across the sub-hour buckets and equal the hourly run', () => {
    fc.assert(
      fc.property(arbEvents, arbQuery, (evs, q) => {
        const facts = nhtFactsFromEvents('acme', evs);
        const query = toQuery(q);
        const rows = computeNht(facts, query);
        const hourlyRows = computeNht(facts, { ...query, intervalMinutes: 60, skillIds: rows.map((r) => r.skillId) });
        const hours = bucketsOverlapping(query.fromMs, query.toMs, 60, query.timeZone);
        rows.forEach((row, r) => {
          for (const i of row.metricsByIntervals) {
            assert.ok(i.avgAvailableLoad === -1 || (i.avgAvailableLoad >= 0 && i.avgAvailableLoad <= 1));
            for (const k of ['avgTimeInQueue', 'avgAgentSegmentDuration', 'avgSegmentWorkTime', 'netHandleTime'] as const) {
              assert.ok(i[k] === -1 || i[k] >= 0, k);
            }
            assert.equal(i.handledSegments <= i.messagesSent, true);
            const h = hours.findIndex((b) => b.start <= i.epochTimestamp && i.epochTimestamp < b.end);
            assert.deepEqual(hourly(i), hourly(hourlyRows[r]?.metricsByIntervals[h] as NhtInterval));
          }
        });
      }),
      { numRuns: 100 },
    );
  });

  it('any permutation of the events, and of the fact arrays, gives identical output', () => {
    fc.assert(
      fc.property(arbEvents, arbQuery, fc.integer(), (evs, q, seed) => {
        const query = toQuery(q);
        const expected = computeNht(
          nhtFactsFromEvents(
            'acme',
            [...evs].sort((a, b) => a.time - b.time),
          ),
          query,
        );
        const facts = nhtFactsFromEvents('acme', shuffled(evs, seed));
        const scrambled: NhtFacts = {
          sessions: shuffled(facts.sessions, seed + 1),
          segments: shuffled(facts.segments, seed + 2),
          countedMessages: shuffled(facts.countedMessages, seed + 3),
          queued: shuffled(facts.queued, seed + 4),
          segmentStarts: shuffled(facts.segmentStarts, seed + 5),
          maxSlots: shuffled(facts.maxSlots, seed + 6),
          profileSkills: shuffled(facts.profileSkills, seed + 7),
        };
        assert.deepEqual(computeNht(scrambled, query), expected);
      }),
      { numRuns: 150 },
    );
  });
});
