// The simulation's invariants on threads made by hand: each one added for GitHub's limits fires on the case it
// is about (a late outcome, a takeover, a redo), and holds on a clean run. Times are seconds from T0.
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/protocol/codec.js';
import type { ThreadComment } from '../../src/protocol/thread-comment.js';
import { checkInvariants, type AgentRun, type InvariantInput } from '../../sim/invariants.js';

const RUN = '8800.1';
const BOT = { login: 'github-actions[bot]', id: 41898282 };
const T0 = Date.UTC(2026, 0, 1, 12);
const s = (seconds: number) => T0 + seconds * 1000;
const LEASE = 10_000;

let ids = 1000;
function comment(body: string, created: number, updated = created): ThreadComment {
  ids += 1;
  const iso = (t: number) => new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return { id: ids, body, user: BOT, created_at: iso(s(created)), updated_at: iso(s(updated)) };
}

const envelope = (node: string, nonce: string) => ({
  p2p: 1 as const,
  run: RUN,
  node,
  nonce: `nonce-${nonce}`,
});

/**
 * A's bid and plan (one task), then the claims given as [node, attempt, state, created, updated, extra to
 * the result, the previous write (seconds; the claim's creation unless given)].
 */
function thread(
  claims: [string, number, 'running' | 'completed', number, number, Record<string, unknown>?, number?][],
): ThreadComment[] {
  const out = [
    comment(
      encode(
        {
          ...envelope('A', 'bid-a'),
          type: 'bid',
          term: 1,
          instance: 1,
          instances: 2,
          state: 'standing',
          lease_ms: LEASE,
          beat: 0,
        },
        'bid',
      ),
      0,
    ),
    comment(
      encode(
        {
          ...envelope('A', 'plan-a'),
          type: 'plan',
          term: 1,
          part: 1,
          parts: 1,
          max_attempts: 3,
          tasks: [{ id: 'task-1', title: 'Task 1', body: '', priority: 'medium', depends_on: [] }],
        },
        'plan',
      ),
      1,
    ),
  ];
  for (const [node, attempt, state, created, updated, result, prev] of claims)
    out.push(
      comment(
        encode(
          {
            ...envelope(node, `claim-${node}-${attempt}`),
            type: 'claim',
            task: 'task-1',
            attempt,
            state,
            lease_ms: LEASE,
            beat: updated > created ? 1 : 0,
            ...(updated > created ? { prev: s(prev ?? created) } : {}),
            ...(state === 'completed'
              ? { result: { exit_code: 0, duration_ms: 1000, output_tail: '', ...result } }
              : {}),
          },
          'claim',
        ),
        created,
        updated,
      ),
    );
  return out;
}

function check(
  comments: ThreadComment[],
  agentRuns: AgentRun[],
  reports: Record<string, number>,
  extra: Partial<InvariantInput> = {},
) {
  const input: InvariantInput = {
    comments,
    run: RUN,
    trusted: BOT,
    agentRuns,
    crashed: new Map(),
    reports: new Map(Object.entries(reports).map(([node, completed]) => [node, { completed }])),
    listingLagMs: 0,
    t0: T0,
    now: s(1000),
    ...extra,
  };
  return checkInvariants(input).violations;
}

const ran = (node: string, attempt: number, start: number, end: number): AgentRun => ({
  node,
  task: 'task-1',
  attempt,
  start: s(start),
  end: s(end),
  outcome: 'ok',
});

describe('the invariants added for GitHub limits', () => {
  it('hold on a run where one attempt completed and its node says so', () => {
    expect(check(thread([['A', 1, 'completed', 2, 8]]), [ran('A', 1, 2.5, 7)], { A: 1, B: 0 })).toEqual([]);
  });

  it('catch a node whose count disagrees with the thread', () => {
    expect(check(thread([['A', 1, 'completed', 2, 8]]), [ran('A', 1, 2.5, 7)], { A: 0, B: 1 })).toEqual([
      'A reports 0 completed, but the thread gives it 1 (task-1)',
      'B reports 1 completed, but the thread gives it 0',
    ]);
  });

  it('catch finished work thrown away: a late outcome lost to a takeover that completed after it', () => {
    // A finished at 8 s but its outcome landed at 90 s, after its lease (10 s from its claim at 2 s), even as
    // others heard it (75 s more while its job ran: to 87 s), and after B took over at 30 s; B completed at
    // 100 s. A's work, written first, is voided; both nodes count it.
    const violations = check(
      thread([
        ['A', 1, 'completed', 2, 90],
        ['B', 2, 'completed', 30, 100],
      ]),
      [ran('A', 1, 2.5, 8), ran('B', 2, 31, 99)],
      { A: 1, B: 1 },
    );
    expect(violations).toEqual([
      'A reports 1 completed, but the thread gives it 0',
      'the nodes report 2 completed tasks together, but 1 completed',
      'task-1: the work of A (attempt 1, agent +2.500s–+8.000s, outcome written +90.000s, now expired) was thrown away: attempt 2 by B completed it later (written +100.000s)',
    ]);
  });

  it('catch a redo started after the completion could be seen', () => {
    // A's late outcome (written at 90 s, after its lease as heard) says its work ended in time (8 s, within
    // its lease), so it stands; B, which took over at 30 s, started its agent at 110 s: 20 s after the
    // completion was there to read.
    const violations = check(
      thread([
        ['A', 1, 'completed', 2, 90, { finished_at: s(8) }],
        ['B', 2, 'running', 30, 30],
      ]),
      [ran('A', 1, 2.5, 8), { ...ran('B', 2, 110, 111), outcome: 'killed' }],
      { A: 1, B: 0 },
    );
    expect(violations).toEqual([
      'task-1: B started attempt 2 at +110.000s, after attempt 1 by A had completed it (written +90.000s; visible by +91.000s)',
    ]);
  });
});

describe('the invariants of liveness under faults', () => {
  // A claimed task-1 at 2 s and last wrote at 8 s (lease 10 s: the plain lease ran to 18 s); its agent ended
  // at 12 s. Its job still ran, so its lease as any other node heard it ran 75 s longer: to 93 s. B took the
  // task over at 20 s and started its agent at 21 s.
  const a = (outcomeAt: number) =>
    ['A', 1, 'completed', 2, outcomeAt, { finished_at: s(12) }, 8] as Parameters<typeof thread>[0][0];

  it('catch an agent started on a task whose earlier attempt finished in time, as heard', () => {
    // A's outcome, held back by a silent secondary limit, landed at 40 s: late for the plain lease, in time
    // for the lease as heard. B's agent should never have started; the late outcome stands and B is
    // superseded (its agent stopped at 41 s).
    const violations = check(
      thread([a(40), ['B', 2, 'running', 20, 20]]),
      [ran('A', 1, 2.5, 12), { ...ran('B', 2, 21, 41), outcome: 'killed' }],
      { A: 1, B: 0 },
    );
    expect(violations).toEqual([
      'task-1: B started attempt 2 at +21.000s, but attempt 1 by A had finished in time (outcome written by +40.999s; its lease as B heard it ran to +93.000s)',
    ]);
  });

  it('count only the silence the claimant could hear: its deaf time makes the lease longer', () => {
    // A's outcome landed at 100 s, after its heard lease (93 s) for a node that heard everything; but B had
    // been deaf from 30 s to 60 s (an outage), which does not count: for B the lease ran to 123 s.
    const violations = check(
      thread([a(100), ['B', 2, 'completed', 20, 51]]),
      [ran('A', 1, 2.5, 12), ran('B', 2, 21, 50)],
      { A: 0, B: 1 },
      { deafAtClaim: new Map([['B task-1#2', [{ from: s(30), to: s(60) }]]]) },
    );
    expect(violations).toEqual([
      'task-1: B started attempt 2 at +21.000s, but attempt 1 by A had finished in time (outcome written by +100.999s; its lease as B heard it ran to +123.000s)',
    ]);
  });

  it('hold when the earlier outcome came after its lease as heard, and every node kept making progress', () => {
    // A's outcome landed at 100 s, after its heard lease: B's takeover, which completed at 51 s, stands.
    const progress = {
      boundMs: 100_000,
      nodes: [
        { node: 'A', times: [s(0), s(2), s(12), s(100)], end: s(101) },
        { node: 'B', times: [s(0), s(20), s(21), s(50), s(51)], end: s(140) },
      ],
    };
    expect(
      check(
        thread([a(100), ['B', 2, 'completed', 20, 51]]),
        [ran('A', 1, 2.5, 12), ran('B', 2, 21, 50)],
        { A: 0, B: 1 },
        { progress },
      ),
    ).toEqual([]);
  });

  it('catch a node that went without progress for longer than the bound', () => {
    const progress = {
      boundMs: 60_000,
      nodes: [
        { node: 'A', times: [s(0), s(2), s(12)], end: s(30) },
        { node: 'B', times: [s(0), s(10)], end: s(200) },
      ],
    };
    expect(
      check(thread([['A', 1, 'completed', 2, 8]]), [ran('A', 1, 2.5, 7)], { A: 1, B: 0 }, { progress }),
    ).toEqual(['B made no progress from +10.000s to +200.000s (190s; the bound is 60s)']);
  });
});
