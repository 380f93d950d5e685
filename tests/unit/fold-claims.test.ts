import { describe, expect, it } from 'vitest';
import { fold } from '../../src/protocol/fold.js';
import { chooseTask, liveAttemptOf, runFinished, taskViews } from '../../src/protocol/decide.js';
import { MALLORY, RUN, T0, ThreadBuilder, task, trust } from '../helpers/thread-builder.js';

const state = (t: ThreadBuilder) => fold(t.comments, { run: RUN, trust });
const status = (t: ThreadBuilder, now: number) =>
  Object.fromEntries([...taskViews(state(t), now)].map(([id, v]) => [id, v.status]));

function planned(
  tasks = [task('task-1'), task('task-2', { depends_on: ['task-1'] })],
  maxAttempts = 2,
): ThreadBuilder {
  const t = new ThreadBuilder();
  t.bid('node-1', T0);
  t.bid('node-2', T0);
  t.bid('node-3', T0);
  t.plan('node-1', tasks, T0 + 1000, { max_attempts: maxAttempts });
  return t;
}

describe('claims', () => {
  it('gives a task to the earliest claim; later claims lose', () => {
    const t = planned();
    t.claim('node-2', 'task-1', T0 + 2000);
    t.claim('node-3', 'task-1', T0 + 2000);
    const s = state(t);
    expect(s.tasks.get('task-1')?.attempts.map((a) => a.node)).toEqual(['node-2']);
    expect(s.entries.at(-1)?.note).toMatch(/lost the race for attempt 1 to node-2/);
    expect(status(t, T0 + 2500)).toEqual({ 'task-1': 'running', 'task-2': 'blocked' });
  });

  it('does not start a task before its dependencies completed', () => {
    const t = planned();
    const c1 = t.claim('node-2', 'task-1', T0 + 2000);
    t.claim('node-3', 'task-2', T0 + 2000);
    expect(state(t).tasks.get('task-2')?.attempts).toHaveLength(0);
    t.update(c1, T0 + 3000, {
      state: 'completed',
      result: { exit_code: 0, duration_ms: 1000, output_tail: '' },
    });
    expect(status(t, T0 + 3000)).toEqual({ 'task-1': 'completed', 'task-2': 'claimable' });
    t.claim('node-3', 'task-2', T0 + 3000);
    expect(state(t).tasks.get('task-2')?.attempts).toHaveLength(1);
  });

  it('lets another node take over a task whose owner fell silent, as the next attempt', () => {
    const t = planned();
    t.claim('node-2', 'task-1', T0 + 2000);
    expect(status(t, T0 + 5999)['task-1']).toBe('running');
    expect(status(t, T0 + 6000)['task-1']).toBe('claimable');
    // Too early: the owner's lease still ran when this claim was made.
    t.claim('node-3', 'task-1', T0 + 4000, { attempt: 2 });
    expect(state(t).tasks.get('task-1')?.attempts).toHaveLength(1);
    t.claim('node-3', 'task-1', T0 + 6000, { attempt: 2 });
    const s = state(t);
    expect(s.tasks.get('task-1')?.attempts.map((a) => [a.node, a.outcome])).toEqual([
      ['node-2', 'expired'],
      ['node-3', 'open'],
    ]);
    expect(liveAttemptOf(s, 'node-3', T0 + 6500)?.task).toBe('task-1');
  });

  it('voids an outcome written after the lease ran out when another node had already taken over', () => {
    const t = planned();
    const c1 = t.claim('node-2', 'task-1', T0 + 2000);
    t.claim('node-3', 'task-1', T0 + 6000, { attempt: 2 });
    t.update(
      c1,
      T0 + 8000,
      { state: 'completed', result: { exit_code: 0, duration_ms: 1, output_tail: '' } },
      T0 + 2000,
    );
    const attempts = state(t).tasks.get('task-1')!.attempts;
    expect(attempts.map((a) => a.outcome)).toEqual(['expired', 'open']);
  });

  it('accepts a late outcome when nobody took over, and then refuses later claims', () => {
    const t = planned();
    const c1 = t.claim('node-2', 'task-1', T0 + 2000);
    t.update(
      c1,
      T0 + 8000,
      { state: 'completed', result: { exit_code: 0, duration_ms: 1, output_tail: '' } },
      T0 + 2000,
    );
    t.claim('node-3', 'task-1', T0 + 9000, { attempt: 2 });
    const s = state(t);
    expect(s.tasks.get('task-1')!.attempts.map((a) => a.outcome)).toEqual(['completed']);
    expect(s.entries.at(-1)?.note).toMatch(/already completed/);
  });

  it('keeps a heartbeating owner alive however long it runs', () => {
    const t = planned();
    const c1 = t.claim('node-2', 'task-1', T0 + 2000);
    let last = T0 + 2000;
    for (let at = T0 + 4000; at <= T0 + 20_000; at += 2000) {
      t.update(c1, at, { state: 'running' }, last);
      last = at;
    }
    t.claim('node-3', 'task-1', T0 + 21_000, { attempt: 2 });
    expect(state(t).tasks.get('task-1')!.attempts).toHaveLength(1);
    expect(status(t, T0 + 23_999)['task-1']).toBe('running');
    expect(status(t, T0 + 24_000)['task-1']).toBe('claimable');
  });

  it('fails a task after max attempts and skips what depends on it', () => {
    const t = planned(undefined, 2);
    const fail = {
      state: 'failed' as const,
      result: { exit_code: 1, duration_ms: 5, output_tail: '', error: 'exit 1' },
    };
    const c1 = t.claim('node-2', 'task-1', T0 + 2000);
    t.update(c1, T0 + 3000, fail);
    expect(status(t, T0 + 3000)['task-1']).toBe('claimable');
    const c2 = t.claim('node-3', 'task-1', T0 + 3000, { attempt: 2 });
    t.update(c2, T0 + 4000, fail);
    t.claim('node-1', 'task-1', T0 + 5000, { attempt: 3 });
    const s = state(t);
    expect(s.tasks.get('task-1')!.attempts).toHaveLength(2);
    const views = taskViews(s, T0 + 5000);
    expect(views.get('task-1')).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('exit 1'),
    });
    expect(views.get('task-2')).toMatchObject({ status: 'skipped', reason: 'dependency task-1 failed' });
    expect(runFinished(s, T0 + 5000)).toBe(true);
  });

  it('fails a task whose last allowed attempt fell silent only once a closing claim records it', () => {
    const t = planned([task('task-1')], 1);
    t.claim('node-2', 'task-1', T0 + 2000);
    const closingAt = (at: number) => t.claim('node-3', 'task-1', at, { attempt: 2, state: 'failed' });
    // The clock alone never fails a task: a lagging listing could be hiding heartbeats.
    expect(runFinished(state(t), T0 + 60_000)).toBe(false);
    expect(status(t, T0 + 6000)['task-1']).toBe('claimable');
    expect(chooseTask(state(t), T0 + 6000, { node: 'node-3', instance: 3 })).toMatchObject({ attempt: 2 });
    // A closing claim posted while the lease still ran does not count.
    closingAt(T0 + 4000);
    expect(status(t, T0 + 6000)['task-1']).toBe('claimable');
    closingAt(T0 + 6000);
    expect(status(t, T0 + 6000)['task-1']).toBe('failed');
    // Once any listing would show an outcome of finished work written before the closing claim (it would win).
    expect(runFinished(state(t), T0 + 6000)).toBe(false);
    expect(runFinished(state(t), T0 + 6000 + 21_000)).toBe(true);
    const view = taskViews(state(t), T0 + 6000).get('task-1')!;
    expect(view).toMatchObject({ attempts: 1, reason: '1 attempt(s); last: its node fell silent' });
    expect(view.last?.node).toBe('node-2');
  });

  it('refuses a closing claim while the last attempt is alive or after it ended', () => {
    const t = planned([task('task-1')], 1);
    const c = t.claim('node-2', 'task-1', T0 + 2000);
    t.update(c, T0 + 3000, { state: 'completed', result: { exit_code: 0, duration_ms: 1, output_tail: '' } });
    t.claim('node-3', 'task-1', T0 + 9000, { attempt: 2, state: 'failed' });
    expect(status(t, T0 + 9000)['task-1']).toBe('completed');
    // Beyond the limit, only a failed closing claim may come.
    const u = planned([task('task-1')], 1);
    u.claim('node-2', 'task-1', T0 + 2000);
    u.claim('node-3', 'task-1', T0 + 9000, { attempt: 2, state: 'claimed' });
    expect(state(u).tasks.get('task-1')!.attempts).toHaveLength(1);
  });

  it('skips tasks the plan marked as unable to run, and the rest still runs', () => {
    const t = planned([
      task('a', { error: 'dependency cycle: a → b → a' }),
      task('c'),
      task('d', { depends_on: ['a'] }),
    ]);
    expect(status(t, T0 + 2000)).toEqual({ a: 'skipped', c: 'claimable', d: 'skipped' });
    t.claim('node-2', 'a', T0 + 2000);
    expect(state(t).tasks.get('a')!.attempts).toHaveLength(0);
  });

  it('gives no weight to forged claims or completions', () => {
    const t = planned();
    const forged = t.claim('node-2', 'task-1', T0 + 1500, {}, MALLORY);
    t.update(forged, T0 + 1600, {
      state: 'completed',
      result: { exit_code: 0, duration_ms: 1, output_tail: '' },
    });
    t.claim('node-3', 'task-1', T0 + 2000);
    const s = state(t);
    expect(s.tasks.get('task-1')!.attempts.map((a) => a.node)).toEqual(['node-3']);
    expect(status(t, T0 + 2000)['task-1']).toBe('running');
  });

  it('recognises a claim posted twice by a retried POST as one claim', () => {
    const t = planned();
    const first = t.claim('node-2', 'task-1', T0 + 2000);
    t.add(first.body, T0 + 3000);
    const s = state(t);
    expect(s.tasks.get('task-1')!.attempts).toHaveLength(1);
    expect(s.tasks.get('task-1')!.attempts[0]!.commentId).toBe(first.id);
  });
});

describe('choosing a task', () => {
  it('takes the highest priority first, and spreads idle nodes over the claimable tasks', () => {
    const t = planned([
      task('low-1', { priority: 'low' }),
      task('high-1', { priority: 'high' }),
      task('med-1'),
      task('high-2', { priority: 'high' }),
    ]);
    const s = state(t);
    const now = T0 + 2000;
    expect(chooseTask(s, now, { node: 'node-1', instance: 1 })?.task).toBe('high-1');
    expect(chooseTask(s, now, { node: 'node-2', instance: 2 })?.task).toBe('high-2');
    expect(chooseTask(s, now, { node: 'node-3', instance: 3 })?.task).toBe('med-1');
    // A node the others do not know yet still gets a turn.
    expect(chooseTask(s, now, { node: 'node-4', instance: 4 })?.task).toBe('low-1');
  });

  it('holds back the idle nodes beyond the number of claimable tasks, one round at a time', () => {
    const t = planned([task('only')]);
    const s = state(t);
    const now = T0 + 2000;
    const since = s.plan!.created;
    expect(chooseTask(s, now, { node: 'node-1', instance: 1 }, 5000)).toEqual({
      task: 'only',
      attempt: 1,
      notBefore: since,
    });
    expect(chooseTask(s, now, { node: 'node-2', instance: 2 }, 5000)?.notBefore).toBe(since + 5000);
    expect(chooseTask(s, now, { node: 'node-3', instance: 3 }, 5000)?.notBefore).toBe(since + 10_000);
  });

  it('offers nothing while a dependency runs, and the next attempt after a failure', () => {
    const t = planned();
    const c1 = t.claim('node-2', 'task-1', T0 + 2000);
    expect(chooseTask(state(t), T0 + 2500, { node: 'node-3', instance: 3 })).toBeUndefined();
    t.update(c1, T0 + 3000, { state: 'failed', result: { exit_code: 2, duration_ms: 1, output_tail: '' } });
    expect(chooseTask(state(t), T0 + 3000, { node: 'node-3', instance: 3 })).toMatchObject({
      task: 'task-1',
      attempt: 2,
    });
  });
});

describe('a late outcome and a takeover in the same second', () => {
  it('gives the task to the takeover: the outcome came after the lease ran out', () => {
    const t = planned([task('task-1')], 2);
    const c = t.claim('node-2', 'task-1', T0 + 2000);
    // The lease (3 s) ran out at T0 + 5000; node-3 takes over at T0 + 9100, and node-2's outcome lands at
    // T0 + 9400: the same whole second.
    t.claim('node-3', 'task-1', T0 + 9100, { attempt: 2 });
    t.update(c, T0 + 9400, { state: 'completed', result: { exit_code: 0, duration_ms: 1, output_tail: '' } });
    const attempts = state(t).tasks.get('task-1')!.attempts;
    expect(attempts.map((a) => [a.node, a.outcome])).toEqual([
      ['node-2', 'expired'],
      ['node-3', 'open'],
    ]);
  });
});

describe('a late outcome and the end of the run', () => {
  it('ends the run only once a takeover posted in the outcome’s second would be listed', () => {
    const t = planned([task('task-1')], 2);
    const c = t.claim('node-2', 'task-1', T0 + 2000);
    // The lease (3 s) ran out at T0 + 5000; the outcome lands late, at T0 + 9400.
    t.update(c, T0 + 9400, { state: 'completed', result: { exit_code: 0, duration_ms: 1, output_tail: '' } });
    expect(status(t, T0 + 9500)['task-1']).toBe('completed');
    // A listing a moment later may still lack a takeover from T0 + 9000…9999 that would void the outcome.
    expect(runFinished(state(t), T0 + 9500)).toBe(false);
    expect(runFinished(state(t), T0 + 9400 + 21_000)).toBe(true);
    // An outcome written in time ends the run at once.
    const u = planned([task('task-1')], 2);
    const d = u.claim('node-2', 'task-1', T0 + 2000);
    u.update(d, T0 + 3000, { state: 'completed', result: { exit_code: 0, duration_ms: 1, output_tail: '' } });
    expect(runFinished(state(u), T0 + 3100)).toBe(true);
  });
});

describe('a late outcome and a dependent claim in the same second', () => {
  it('counts the late completion for dependents only from the next second', () => {
    const t = planned([task('task-1'), task('task-2', { depends_on: ['task-1'] })], 2);
    const c = t.claim('node-2', 'task-1', T0 + 2000);
    t.update(c, T0 + 9100, { state: 'completed', result: { exit_code: 0, duration_ms: 1, output_tail: '' } });
    // In the outcome's own second a takeover could still win, so a dependent may not start yet...
    t.claim('node-2', 'task-2', T0 + 9500);
    expect(state(t).tasks.get('task-2')!.attempts).toHaveLength(0);
    // ...from the next second on, it may.
    t.claim('node-3', 'task-2', T0 + 10_200);
    expect(
      state(t)
        .tasks.get('task-2')!
        .attempts.map((a) => a.node),
    ).toEqual(['node-3']);
  });
});
