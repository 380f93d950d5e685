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

/** A's bid and plan (one task), then the claims given as [node, attempt, state, created, updated, extra]. */
function thread(
  claims: [string, number, 'running' | 'completed', number, number, Record<string, unknown>?][],
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
  for (const [node, attempt, state, created, updated, result] of claims)
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
            ...(updated > created ? { prev: s(created) } : {}),
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

function check(comments: ThreadComment[], agentRuns: AgentRun[], reports: Record<string, number>) {
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
    // A finished at 8 s but its outcome landed at 40 s, after its lease (10 s from its claim at 2 s) and after
    // B took over at 30 s; B completed at 50 s. A's work, written first, is voided; both nodes count it.
    const violations = check(
      thread([
        ['A', 1, 'completed', 2, 40],
        ['B', 2, 'completed', 30, 50],
      ]),
      [ran('A', 1, 2.5, 8), ran('B', 2, 31, 49)],
      { A: 1, B: 1 },
    );
    expect(violations).toEqual([
      'A reports 1 completed, but the thread gives it 0',
      'the nodes report 2 completed tasks together, but 1 completed',
      'task-1: the work of A (attempt 1, agent +2.500s–+8.000s, outcome written +40.000s, now expired) was thrown away: attempt 2 by B completed it later (written +50.000s)',
    ]);
  });

  it('catch a redo started after the completion could be seen', () => {
    // A's late outcome (written at 40 s) says its work ended in time (8 s, within its lease), so it stands;
    // B, which took over at 30 s, started its agent at 60 s: 20 s after the completion was there to read.
    const violations = check(
      thread([
        ['A', 1, 'completed', 2, 40, { finished_at: s(8) }],
        ['B', 2, 'running', 30, 30],
      ]),
      [ran('A', 1, 2.5, 8), { ...ran('B', 2, 60, 61), outcome: 'killed' }],
      { A: 1, B: 0 },
    );
    expect(violations).toEqual([
      'task-1: B started attempt 2 at +60.000s, after attempt 1 by A had completed it (written +40.000s; visible by +41.000s)',
    ]);
  });
});
