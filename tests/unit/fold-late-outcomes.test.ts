// Finished work that GitHub held back, and takeovers of nodes whose job has ended: the rules every node and
// the fold apply to the thread alone.
import { describe, expect, it } from 'vitest';
import { fold } from '../../src/protocol/fold.js';
import { chooseTask, runFinished, taskViews } from '../../src/protocol/decide.js';
import type { Result } from '../../src/protocol/messages.js';
import { RUN, T0, ThreadBuilder, task, trust } from '../helpers/thread-builder.js';

const state = (t: ThreadBuilder) => fold(t.comments, { run: RUN, trust });
const outcomes = (t: ThreadBuilder, id = 'task-1') =>
  state(t)
    .tasks.get(id)!
    .attempts.map((a) => [a.node, a.outcome]);
const done = (finishedAt?: number): Result => ({
  exit_code: 0,
  duration_ms: 1,
  output_tail: '',
  ...(finishedAt !== undefined ? { finished_at: finishedAt } : {}),
});

function planned(maxAttempts = 3): ThreadBuilder {
  const t = new ThreadBuilder();
  t.bid('node-1', T0, { runner: 'runner-1' });
  t.bid('node-2', T0, { runner: 'runner-2' });
  t.bid('node-3', T0, { runner: 'runner-3' });
  t.bid('node-4', T0, { runner: 'runner-4' });
  t.plan('node-1', [task('task-1'), task('task-2', { depends_on: ['task-1'] })], T0 + 1000, {
    max_attempts: maxAttempts,
  });
  return t;
}

describe('an outcome held back past the lease, whose work ended in time', () => {
  // node-2 claims at T0+2000 with a 3 s lease (it ran out at T0+5000); its agent ended at T0+4000, but
  // GitHub held the outcome back until T0+12_000. node-3 took over at T0+8000.
  function heldBack(takeover: (t: ThreadBuilder) => void): ThreadBuilder {
    const t = planned();
    const c = t.claim('node-2', 'task-1', T0 + 2000);
    takeover(t);
    t.update(c, T0 + 12_000, { state: 'completed', result: done(T0 + 4000) }, T0 + 2000);
    return t;
  }

  it('wins over a takeover that has not completed: the takeover is superseded', () => {
    const t = heldBack((t) => t.claim('node-3', 'task-1', T0 + 8000, { attempt: 2, state: 'running' }));
    expect(outcomes(t)).toEqual([
      ['node-2', 'completed'],
      ['node-3', 'superseded'],
    ]);
    const record = state(t).tasks.get('task-1')!.attempts[0]!;
    expect(record.rescued).toBe(true);
    expect(taskViews(state(t), T0 + 13_000).get('task-1')).toMatchObject({ status: 'completed' });
  });

  it('wins over a takeover that completed after it was written', () => {
    const t = heldBack((t) => {
      const c = t.claim('node-3', 'task-1', T0 + 8000, { attempt: 2 });
      t.update(c, T0 + 15_000, { state: 'completed', result: done() });
    });
    expect(outcomes(t)).toEqual([
      ['node-2', 'completed'],
      ['node-3', 'superseded'],
    ]);
  });

  it('loses a tie to the takeover: a late outcome comes after anything else written in its second', () => {
    const t = heldBack((t) => {
      const c = t.claim('node-3', 'task-1', T0 + 8000, { attempt: 2 });
      // In time (it heartbeated at 11 s), in the same second as the held-back outcome.
      t.update(c, T0 + 12_300, { state: 'completed', result: done() }, T0 + 11_000);
      // The takeover's node claimed the dependent in that second: valid, and it stays valid.
      t.claim('node-3', 'task-2', T0 + 12_600);
    });
    expect(outcomes(t)).toEqual([
      ['node-2', 'expired'],
      ['node-3', 'completed'],
    ]);
    expect(outcomes(t, 'task-2')).toEqual([['node-3', 'open']]);
  });

  it('loses to a takeover that completed first', () => {
    const t = heldBack((t) => {
      const c = t.claim('node-3', 'task-1', T0 + 8000, { attempt: 2 });
      t.update(c, T0 + 10_000, { state: 'completed', result: done() });
    });
    expect(outcomes(t)).toEqual([
      ['node-2', 'expired'],
      ['node-3', 'completed'],
    ]);
  });

  it('wins over a chain of takeovers that have not ended, and refuses claims after it', () => {
    const t = heldBack((t) => {
      t.claim('node-3', 'task-1', T0 + 6000, { attempt: 2 });
      t.claim('node-4', 'task-1', T0 + 10_000, { attempt: 3 });
    });
    t.claim('node-1', 'task-1', T0 + 13_000, { attempt: 4 });
    expect(outcomes(t)).toEqual([
      ['node-2', 'completed'],
      ['node-3', 'superseded'],
      ['node-4', 'superseded'],
    ]);
  });

  it('loses to a takeover that failed first: the first result stands', () => {
    const t = heldBack((t) => {
      const c = t.claim('node-3', 'task-1', T0 + 6000, { attempt: 2 });
      t.update(c, T0 + 7000, { state: 'failed', result: { ...done(), exit_code: 1, error: 'no' } });
    });
    expect(outcomes(t)).toEqual([
      ['node-2', 'expired'],
      ['node-3', 'failed'],
    ]);
  });

  it('counts for dependents from the next second after it was written', () => {
    const t = heldBack((t) => t.claim('node-3', 'task-1', T0 + 8000, { attempt: 2 }));
    t.claim('node-4', 'task-2', T0 + 12_500);
    t.claim('node-1', 'task-2', T0 + 13_000);
    expect(outcomes(t, 'task-2')).toEqual([['node-1', 'open']]);
  });

  it('does not save work that ended after the lease ran out, or that says nothing of when it ended', () => {
    for (const finishedAt of [T0 + 5500, undefined]) {
      const t = planned();
      const c = t.claim('node-2', 'task-1', T0 + 2000);
      t.claim('node-3', 'task-1', T0 + 8000, { attempt: 2 });
      t.update(c, T0 + 12_000, { state: 'completed', result: done(finishedAt) }, T0 + 2000);
      expect(outcomes(t)).toEqual([
        ['node-2', 'expired'],
        ['node-3', 'open'],
      ]);
    }
  });

  it('loses to a closing claim posted before it: the task had failed on the record, and the run may be over', () => {
    const t = planned(1);
    const c = t.claim('node-2', 'task-1', T0 + 2000);
    t.claim('node-3', 'task-1', T0 + 8000, { attempt: 2, state: 'failed', result: done() });
    t.update(c, T0 + 12_000, { state: 'completed', result: done(T0 + 4000) }, T0 + 2000);
    expect(outcomes(t)).toEqual([
      ['node-2', 'expired'],
      ['node-3', 'failed'],
    ]);
    expect(taskViews(state(t), T0 + 13_000).get('task-1')!.status).toBe('failed');
  });

  it('keeps the run open for a listing lag after a takeover’s result, in case such an outcome was written first', () => {
    const t = planned();
    t.claim('node-2', 'task-1', T0 + 2000);
    const c = t.claim('node-3', 'task-1', T0 + 8000, { attempt: 2 });
    t.update(c, T0 + 9000, { state: 'completed', result: done() });
    const d = t.claim('node-4', 'task-2', T0 + 10_000);
    t.update(d, T0 + 10_500, { state: 'completed', result: done() });
    expect(runFinished(state(t), T0 + 11_000)).toBe(false);
    expect(runFinished(state(t), T0 + 9000 + 21_000)).toBe(true);
  });
});

describe('a takeover of a node whose job has ended', () => {
  const ended = { node: 'node-2', job: 77, ended_at: T0 + 3000 };

  it('is accepted before the lease runs out, and the gone node is not given work', () => {
    const t = planned();
    const c = t.claim('node-2', 'task-1', T0 + 2000, { lease_ms: 900_000 });
    t.update(c, T0 + 2500, { state: 'running' });
    const gone = new Map([['node-2', { job: 77, endedAt: T0 + 3000 }]]);
    const choice = chooseTask(state(t), T0 + 4000, { node: 'node-3', instance: 3 }, 0, gone);
    expect(choice).toMatchObject({ task: 'task-1', attempt: 2, takeover: ended });
    // Without the Actions API's word the lease holds.
    expect(chooseTask(state(t), T0 + 4000, { node: 'node-3', instance: 3 })).toBeUndefined();
    t.claim('node-3', 'task-1', T0 + 4000, { attempt: 2, takeover: ended });
    expect(outcomes(t)).toEqual([
      ['node-2', 'expired'],
      ['node-3', 'open'],
    ]);
  });

  it('is refused when the owner wrote after the claim (it was alive), or names another node', () => {
    const t = planned();
    const c = t.claim('node-2', 'task-1', T0 + 2000, { lease_ms: 900_000 });
    t.claim('node-3', 'task-1', T0 + 4000, { attempt: 2, takeover: ended });
    t.update(c, T0 + 6000, { state: 'running' });
    expect(outcomes(t)).toEqual([['node-2', 'open']]);

    const u = planned();
    u.claim('node-2', 'task-1', T0 + 2000, { lease_ms: 900_000 });
    u.claim('node-3', 'task-1', T0 + 4000, { attempt: 2, takeover: { ...ended, node: 'node-4' } });
    expect(outcomes(u)).toEqual([['node-2', 'open']]);
  });

  it('is refused when the owner wrote after its job "ended" (it was another job), and never closes a task', () => {
    const t = planned();
    const c = t.claim('node-2', 'task-1', T0 + 2000, { lease_ms: 900_000 });
    t.update(c, T0 + 5000, { state: 'running' });
    t.claim('node-3', 'task-1', T0 + 6000, { attempt: 2, takeover: ended });
    expect(outcomes(t)).toEqual([['node-2', 'open']]);
    const gone = new Map([['node-2', { job: 77, endedAt: T0 + 3000 }]]);
    expect(chooseTask(state(t), T0 + 6000, { node: 'node-3', instance: 3 }, 0, gone)).toBeUndefined();

    const u = planned(1);
    u.claim('node-2', 'task-1', T0 + 2000, { lease_ms: 900_000 });
    expect(chooseTask(state(u), T0 + 4000, { node: 'node-3', instance: 3 }, 0, gone)).toBeUndefined();
    u.claim('node-3', 'task-1', T0 + 4000, { attempt: 2, state: 'failed', result: done(), takeover: ended });
    expect(outcomes(u)).toEqual([['node-2', 'open']]);
  });

  it('loses to an outcome the owner wrote before it died', () => {
    const t = planned();
    const c = t.claim('node-2', 'task-1', T0 + 2000, { lease_ms: 900_000 });
    t.update(c, T0 + 2500, { state: 'completed', result: done() });
    t.claim('node-3', 'task-1', T0 + 4000, { attempt: 2, takeover: ended });
    expect(outcomes(t)).toEqual([['node-2', 'completed']]);
  });
});
