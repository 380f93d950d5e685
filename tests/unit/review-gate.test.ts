// Human gates: a task that asks for a review holds its dependents until a person's verdict, relayed by the
// action, says so; changes asked send the work back as a revision the dependents then wait for; nobody's
// verdict in time skips them. The fold believes only the action's review messages.
import { describe, expect, it } from 'vitest';
import { fold } from '../../src/protocol/fold.js';
import { chooseTask, runFinished, taskViews } from '../../src/protocol/decide.js';
import { renderChecklist } from '../../src/protocol/checklist.js';
import { reviewTargets } from '../../src/protocol/review-requests.js';
import { parseCommand } from '../../src/trigger/commands.js';
import { tasksFromIssue } from '../../src/tasks/issue-tasks.js';
import { MALLORY, RUN, T0, ThreadBuilder, task, trust } from '../helpers/thread-builder.js';

const HOUR = 3600_000;

/** task-1 (asks for a review) completed at T0+10 s; task-2 depends on it. */
function gated(): ThreadBuilder {
  const t = new ThreadBuilder();
  t.bid('n1', T0);
  t.plan(
    'n1',
    [task('task-1', { review: 'required' }), task('task-2', { depends_on: ['task-1'] })],
    T0 + 1000,
    {
      review_timeout_ms: HOUR,
    },
  );
  const c = t.claim('n1', 'task-1', T0 + 2000);
  t.update(c, T0 + 10_000, {
    state: 'completed',
    result: { exit_code: 0, duration_ms: 1, output_tail: '', branch: 'p2p/issue-1/task-1' },
  });
  return t;
}

const state = (t: ThreadBuilder) => fold(t.comments, { run: RUN, trust });
const me = { node: 'n1', instance: 1 };

describe('a task that asks for a review', () => {
  it('awaits a verdict once its work is done, and its dependents wait with it', () => {
    const s = state(gated());
    const views = taskViews(s, T0 + 20_000);
    expect(views.get('task-1')).toMatchObject({
      status: 'review',
      review: { state: 'awaiting', until: T0 + 10_000 + HOUR },
    });
    expect(views.get('task-2')!.status).toBe('blocked');
    expect(chooseTask(s, T0 + 20_000, me)).toBeUndefined();
    expect(runFinished(s, T0 + 20_000)).toBe(false);
    const { body } = renderChecklist({ state: s, now: T0 + 20_000, command: '/ai' });
    expect(body).toContain('👀 awaiting review until 11:00:10 UTC');
    expect(body).toContain('`/ai approve task-1`');
  });

  it('an approval relayed by the action lets the dependents start; a claim before it does not count', () => {
    const t = gated();
    const early = t.claim('n2', 'task-2', T0 + 15_000);
    t.review('task-1', 'approved', T0 + 30_000);
    const s = state(t);
    expect(s.entries.find((e) => e.commentId === early.id)!.note).toMatch(/had not been reviewed/);
    const views = taskViews(s, T0 + 31_000);
    expect(views.get('task-1')).toMatchObject({
      status: 'completed',
      review: { state: 'approved', by: 'maria' },
    });
    expect(chooseTask(s, T0 + 31_000, me)?.task).toBe('task-2');
  });

  it('an approval written by anyone but the action is not believed', () => {
    const t = gated();
    t.review('task-1', 'approved', T0 + 30_000, {}, MALLORY);
    expect(taskViews(state(t), T0 + 31_000).get('task-1')!.status).toBe('review');
  });

  it('changes asked make a revision holding the comments, which the dependents then wait for', () => {
    const t = gated();
    t.review('task-1', 'changes', T0 + 30_000, { comments: 'use the logger' });
    const s = state(t);
    const revision = s.tasks.get('task-1.r1')!;
    expect(revision.task).toMatchObject({ depends_on: ['task-1'], review: 'required' });
    expect(revision.task.body).toContain('> use the logger');
    expect(s.tasks.get('task-2')!.task.depends_on).toEqual(['task-1', 'task-1.r1']);
    expect(chooseTask(s, T0 + 31_000, me)?.task).toBe('task-1.r1');
    // The revision done and approved: now task-2.
    const c = t.claim('n1', 'task-1.r1', T0 + 32_000);
    t.update(c, T0 + 40_000, {
      state: 'completed',
      result: { exit_code: 0, duration_ms: 1, output_tail: '' },
    });
    expect(taskViews(state(t), T0 + 41_000).get('task-1.r1')!.status).toBe('review');
    expect(chooseTask(state(t), T0 + 41_000, me)).toBeUndefined();
    t.review('task-1.r1', 'approved', T0 + 50_000);
    expect(chooseTask(state(t), T0 + 51_000, me)?.task).toBe('task-2');
  });

  it('with no verdict in time, the dependents are skipped and the run ends', () => {
    const s = state(gated());
    const later = T0 + 10_000 + HOUR;
    const views = taskViews(s, later);
    expect(views.get('task-1')).toMatchObject({ status: 'completed', review: { state: 'timed-out' } });
    expect(views.get('task-2')).toMatchObject({
      status: 'skipped',
      reason: 'dependency task-1 was not reviewed within 60 min',
    });
    expect(runFinished(s, later)).toBe(true);
  });

  it('a verdict on work not done yet is ignored, and only the first verdict stands', () => {
    const t = new ThreadBuilder();
    t.bid('n1', T0);
    t.plan('n1', [task('task-1', { review: 'required' })], T0 + 1000);
    const tooEarly = t.review('task-1', 'approved', T0 + 1500);
    const c = t.claim('n1', 'task-1', T0 + 2000);
    t.update(c, T0 + 10_000, {
      state: 'completed',
      result: { exit_code: 0, duration_ms: 1, output_tail: '' },
    });
    t.review('task-1', 'changes', T0 + 20_000);
    const second = t.review('task-1', 'approved', T0 + 21_000);
    const s = state(t);
    expect(s.entries.find((e) => e.commentId === tooEarly.id)!.note).toMatch(/no completed work/);
    expect(s.entries.find((e) => e.commentId === second.id)!.note).toMatch(/already reviewed/);
    expect(s.tasks.get('task-1')!.review!.verdict).toBe('changes');
  });
});

describe('the verdict commands', () => {
  it('read approve and changes, with the task and what to change', () => {
    expect(parseCommand('/p2p-dev approve task-1', '/p2p-dev')).toEqual({
      kind: 'review',
      verdict: 'approved',
      task: 'task-1',
      comments: '',
    });
    expect(parseCommand('/p2p-dev Changes task-2 use the logger\nand a test', '/p2p-dev')).toEqual({
      kind: 'review',
      verdict: 'changes',
      task: 'task-2',
      comments: 'use the logger\nand a test',
    });
    expect(parseCommand('/p2p-dev approve', '/p2p-dev')).toEqual({
      kind: 'review',
      verdict: 'approved',
      comments: '',
    });
    expect(parseCommand('/p2p-dev stop', '/p2p-dev')).toEqual({ kind: 'stop' });
  });

  it('are for the tasks awaiting review, as the relay sees them', () => {
    const s = state(gated());
    const ask = { commentId: 5, login: 'maria', id: 7, verdict: 'approved' as const, comments: '' };
    expect(reviewTargets(s, T0 + 20_000, ask)).toEqual({ tasks: ['task-1'], comments: '' });
    expect(reviewTargets(s, T0 + 20_000, { ...ask, task: 'task-2' })).toEqual({
      refused: 'task task-2 is not awaiting a review (it is blocked)',
    });
    expect(reviewTargets(s, T0 + 20_000, { ...ask, task: 'looks', comments: 'good' })).toEqual({
      tasks: ['task-1'],
      comments: 'looks good',
    });
  });

  it('an annotation asks a task for a review', () => {
    const [t1, t2] = tasksFromIssue({
      title: 'x',
      body: '- [ ] One (review: required)\n- [ ] Two (depends: task-1)',
    });
    expect(t1).toMatchObject({ title: 'One', review: 'required' });
    expect(t2!.review).toBeUndefined();
  });
});
