// What goes into the one pull request, from the fold: the completed tasks with a branch, each after
// the tasks it depends on, whatever order the plan lists them in; the ones that changed nothing or did not
// complete are said, not merged.
import { describe, expect, it } from 'vitest';
import { fold } from '../../src/protocol/fold.js';
import { dependencyOrder, integrationPlan } from '../../src/delivery/integration-plan.js';
import { RUN, T0, ThreadBuilder, task, trust } from '../helpers/thread-builder.js';

const result = (extra: Record<string, unknown> = {}) => ({
  exit_code: 0,
  duration_ms: 1000,
  output_tail: '',
  ...extra,
});

describe('the issue’s pull request plan', () => {
  it('puts each task after its dependencies, the plan’s order otherwise', () => {
    const tasks = [
      task('task-1', { depends_on: ['task-3'] }),
      task('task-2'),
      task('task-3', { depends_on: ['task-4'] }),
      task('task-4'),
    ];
    expect(dependencyOrder(tasks).map((t) => t.id)).toEqual(['task-4', 'task-3', 'task-1', 'task-2']);
  });

  it('merges the completed tasks with a branch, and says which changed nothing or did not complete', () => {
    const t = new ThreadBuilder();
    t.bid('node-1', T0);
    t.plan(
      'node-1',
      [task('task-2', { depends_on: ['task-1'] }), task('task-1'), task('task-3'), task('task-4')],
      T0 + 3000,
    );
    const c1 = t.claim('node-1', 'task-1', T0 + 4000);
    t.update(c1, T0 + 5000, {
      state: 'completed',
      result: result({ changes: true, branch: 'p2p/issue-1/task-1', commit: 'abc' }),
    });
    const c2 = t.claim('node-1', 'task-2', T0 + 6000);
    t.update(c2, T0 + 7000, {
      state: 'completed',
      result: result({ changes: true, branch: 'p2p/issue-1/task-2', usage: { cost_usd: 0.5 } }),
    });
    const c3 = t.claim('node-1', 'task-3', T0 + 8000);
    t.update(c3, T0 + 9000, { state: 'completed', result: result({ changes: false }) });
    const c4 = t.claim('node-1', 'task-4', T0 + 10_000);
    t.update(c4, T0 + 11_000, { state: 'failed', result: result({ exit_code: 3, error: 'exited with 3' }) });
    const plan = integrationPlan(fold(t.comments, { run: RUN, trust }));
    expect(plan.merge.map((m) => [m.task.id, m.branch, m.deps])).toEqual([
      ['task-1', 'p2p/issue-1/task-1', []],
      ['task-2', 'p2p/issue-1/task-2', ['task-1']],
    ]);
    expect(plan.merge[0]!.commit).toBe('abc');
    expect(plan.merge[1]!.usage?.cost_usd).toBe(0.5);
    expect(plan.unchanged.map((x) => x.id)).toEqual(['task-3']);
    expect(plan.notCompleted).toEqual([expect.objectContaining({ why: 'failed: exited with 3' })]);
    expect(plan.notCompleted[0]!.task.id).toBe('task-4');
  });
});
