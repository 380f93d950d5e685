// The run's budget (`max-cost-usd`, carried by the plan): what the outcomes cost, and what a spent budget
// does to the decisions (no agent starts; running tasks finish) and to the summary. Unknown costs are never
// shown as $0.00.
import { describe, expect, it } from 'vitest';
import { fold, type RunState } from '../../src/protocol/fold.js';
import { chooseTask, runFinished, taskViews } from '../../src/protocol/decide.js';
import { budgetLeft, budgetSpent, runCost } from '../../src/protocol/cost.js';
import { decode, encode } from '../../src/protocol/codec.js';
import { renderPlan } from '../../src/protocol/render.js';
import type { Claim, Plan, Result } from '../../src/protocol/messages.js';
import { renderSummary, summarize } from '../../src/aggregate/run-summary.js';
import { RUN, T0, ThreadBuilder, task, trust } from '../helpers/thread-builder.js';

const state = (t: ThreadBuilder): RunState => fold(t.comments, { run: RUN, trust });
const statuses = (s: RunState, now: number) =>
  Object.fromEntries([...taskViews(s, now)].map(([id, v]) => [id, v.status]));
const LONG: Partial<Claim> = { lease_ms: 600_000 };
const result = (usage?: Result['usage'], extra: Partial<Result> = {}): Result => ({
  exit_code: 0,
  duration_ms: 1000,
  output_tail: '',
  ...(usage ? { usage } : {}),
  ...extra,
});
const failed = (usage?: Result['usage']): Partial<Claim> => ({
  state: 'failed',
  result: result(usage, { exit_code: 1, error: 'the agent exited with 1' }),
});
const completed = (usage?: Result['usage']): Partial<Claim> => ({
  state: 'completed',
  result: result(usage),
});

function planned(tasks = ['task-1', 'task-2', 'task-3'].map((id) => task(id)), extra: Partial<Plan> = {}) {
  const t = new ThreadBuilder();
  for (const n of ['node-1', 'node-2', 'node-3', 'node-4']) t.bid(n, T0);
  t.plan('node-1', tasks, T0 + 1000, { max_attempts: 2, max_cost_usd: 1, ...extra });
  return t;
}

describe('the cost of a run', () => {
  it('adds up every outcome (an expired attempt too), the planning, and counts outcomes that did not say', () => {
    const t = planned([task('task-1'), task('task-2'), task('task-3')], {
      usage: { cost_usd: 0.05, turns: 3 },
    });
    // task-1: attempt 1 falls silent, attempt 2 takes over; attempt 1's outcome lands late (expired), but
    // its money was spent.
    const first = t.claim('node-2', 'task-1', T0 + 2000);
    const second = t.claim('node-3', 'task-1', T0 + 6000, { attempt: 2 });
    t.update(first, T0 + 8000, failed({ cost_usd: 0.3 }), T0 + 2000);
    t.update(second, T0 + 9000, completed({ cost_usd: 0.2, turns: 4 }));
    // task-2: an outcome without a cost; task-3: running, nothing recorded yet.
    const c2 = t.claim('node-4', 'task-2', T0 + 2000, LONG);
    t.update(c2, T0 + 5000, completed({ turns: 2 }));
    t.claim('node-1', 'task-3', T0 + 2000, LONG);
    const s = state(t);
    expect(s.tasks.get('task-1')!.attempts.map((a) => a.outcome)).toEqual(['expired', 'completed']);
    const cost = runCost(s);
    expect(cost).toMatchObject({ totalUsd: 0.55, unknown: 1, planningUsd: 0.05 });
    expect(Object.fromEntries(cost.perTask)).toEqual({
      'task-1': { usd: 0.5, unknown: false },
      'task-2': { usd: 0, unknown: true },
    });
    expect(s.plan?.maxCostUsd).toBe(1);
    expect(budgetLeft(s)).toBe(0.45);
    expect(budgetSpent(s)).toBe(false);
  });

  it('does not count a closing claim (no agent ran) as an outcome of unknown cost', () => {
    const t = planned([task('task-1')], { max_attempts: 1 });
    t.claim('node-2', 'task-1', T0 + 2000);
    t.claim('node-3', 'task-1', T0 + 6000, {
      attempt: 2,
      state: 'failed',
      result: result(undefined, { exit_code: null, duration_ms: 0, error: 'fell silent' }),
    });
    const s = state(t);
    expect(s.tasks.get('task-1')!.attempts.at(-1)?.closing).toBe(true);
    expect(runCost(s)).toMatchObject({ totalUsd: 0, unknown: 0 });
    expect(runCost(s).perTask.size).toBe(0);
  });

  it('has no budget unless the plan gives one, and a budget must be a positive amount', () => {
    const t = planned(undefined, { max_cost_usd: undefined });
    const c = t.claim('node-2', 'task-1', T0 + 2000, LONG);
    t.update(c, T0 + 3000, completed({ cost_usd: 50 }));
    const s = state(t);
    expect(s.plan?.maxCostUsd).toBeUndefined();
    expect(budgetLeft(s)).toBeUndefined();
    expect(budgetSpent(s)).toBe(false);
    expect(statuses(s, T0 + 3000)).toEqual({
      'task-1': 'completed',
      'task-2': 'claimable',
      'task-3': 'claimable',
    });
    const plan: Plan = {
      p2p: 1,
      type: 'plan',
      run: RUN,
      node: 'node-1',
      nonce: 'nonce-budget-0',
      term: 1,
      part: 1,
      parts: 1,
      max_attempts: 1,
      tasks: [],
      max_cost_usd: 5,
    };
    expect(renderPlan(plan)).toContain('budget $5.00');
    expect(decode(encode(plan, renderPlan(plan))).kind).toBe('message');
    for (const bad of [0, -1]) {
      const body = encode({ ...plan, max_cost_usd: 5 }, renderPlan(plan)).replace(
        '"max_cost_usd":5',
        `"max_cost_usd":${bad}`,
      );
      expect(decode(body)).toMatchObject({ kind: 'malformed' });
    }
  });
});

describe('a spent budget', () => {
  /**
   * Budget $1.00. task-1 completes ($0.60), task-3 fails ($0.50, one attempt of two): $1.10 is spent while
   * task-2 still runs. task-4 never started; task-5 depends on it.
   */
  function spentMidRun() {
    const t = planned([
      task('task-1'),
      task('task-2'),
      task('task-3'),
      task('task-4'),
      task('task-5', { depends_on: ['task-4'] }),
    ]);
    const c1 = t.claim('node-2', 'task-1', T0 + 2000, LONG);
    const c2 = t.claim('node-3', 'task-2', T0 + 2000, LONG);
    const c3 = t.claim('node-4', 'task-3', T0 + 2000, LONG);
    t.update(c1, T0 + 3000, completed({ cost_usd: 0.6 }));
    return { t, c2, c3 };
  }

  it('is not spent before the outcomes reach it: the next task is offered', () => {
    const { t } = spentMidRun();
    const s = state(t);
    expect(budgetLeft(s)).toBe(0.4);
    expect(chooseTask(s, T0 + 3000, { node: 'node-1', instance: 1 })?.task).toBe('task-4');
  });

  it('starts no agent once spent: nothing is offered, never-started tasks are skipped, retries are not made', () => {
    const { t, c3 } = spentMidRun();
    t.update(c3, T0 + 4000, failed({ cost_usd: 0.5 }));
    const s = state(t);
    expect(budgetSpent(s)).toBe(true);
    expect(budgetLeft(s)).toBe(0);
    const now = T0 + 5000;
    const views = taskViews(s, now);
    expect(statuses(s, now)).toEqual({
      'task-1': 'completed',
      'task-2': 'running',
      'task-3': 'failed',
      'task-4': 'skipped',
      'task-5': 'skipped',
    });
    expect(views.get('task-4')).toMatchObject({
      reason: "not run: the run's budget of $1.00 was spent",
      cause: 'budget',
    });
    // Its dependency was not run for the budget, not for a failure of its own: the same reason.
    expect(views.get('task-5')?.reason).toBe("not run: the run's budget of $1.00 was spent");
    expect(views.get('task-3')?.reason).toBe(
      "1 attempt(s); last: the agent exited with 1; not retried: the run's budget of $1.00 was spent",
    );
    for (const [node, instance] of [
      ['node-1', 1],
      ['node-4', 4],
    ] as const)
      expect(chooseTask(s, now, { node, instance })).toBeUndefined();
    // The running task is waited for, and its outcome still completes it.
    expect(runFinished(s, now)).toBe(false);
  });

  it('lets a running task finish and complete; then the run is over', () => {
    const { t, c2, c3 } = spentMidRun();
    t.update(c3, T0 + 4000, failed({ cost_usd: 0.5 }));
    t.update(c2, T0 + 9000, completed({ cost_usd: 0.7 }));
    const s = state(t);
    expect(statuses(s, T0 + 9000)['task-2']).toBe('completed');
    expect(runFinished(s, T0 + 9000)).toBe(true);
    expect(runCost(s).totalUsd).toBe(1.8);
  });

  it('still allows a closing claim (no agent) for a task whose last attempt fell silent; a silent one with attempts left fails', () => {
    const t = planned([task('task-1'), task('task-2'), task('task-3')], { max_attempts: 1 });
    t.claim('node-2', 'task-1', T0 + 2000); // falls silent: lease 3 s
    const c2 = t.claim('node-3', 'task-2', T0 + 2000, LONG);
    t.update(c2, T0 + 3000, completed({ cost_usd: 2 }));
    const s = state(t);
    const choice = chooseTask(s, T0 + 7000, { node: 'node-1', instance: 1 });
    expect(choice).toMatchObject({ task: 'task-1', attempt: 2 });

    const t2 = planned([task('task-1'), task('task-2')], { max_attempts: 2 });
    t2.claim('node-2', 'task-1', T0 + 2000);
    const d = t2.claim('node-3', 'task-2', T0 + 2000, LONG);
    t2.update(d, T0 + 3000, completed({ cost_usd: 2 }));
    const s2 = state(t2);
    expect(chooseTask(s2, T0 + 7000, { node: 'node-1', instance: 1 })).toBeUndefined();
    expect(taskViews(s2, T0 + 7000).get('task-1')).toMatchObject({
      status: 'failed',
      reason: "1 attempt(s); last: its node fell silent; not retried: the run's budget of $1.00 was spent",
    });
  });
});

describe('the summary of what the run cost', () => {
  it('says what the budget stopped, with the total and every task cost', () => {
    const t = planned([task('task-1'), task('task-2'), task('task-3'), task('task-4')], { max_cost_usd: 5 });
    const c1 = t.claim('node-2', 'task-1', T0 + 2000, LONG);
    const c2 = t.claim('node-3', 'task-2', T0 + 2000, LONG);
    t.update(c1, T0 + 3000, completed({ cost_usd: 3, input_tokens: 1200, output_tokens: 340, turns: 7 }));
    t.update(c2, T0 + 4000, failed({ cost_usd: 2.5 }));
    const summary = summarize(state(t), T0 + 5000);
    expect(summary.cost).toEqual({ totalUsd: 5.5, unknownTasks: 0 });
    expect(summary.costBudget).toEqual({ maxUsd: 5, leftUsd: 0, spent: true, notRun: 2, notRetried: 1 });
    const text = renderSummary(summary);
    expect(text).toContain(
      "The run's budget of $5.00 was spent: 2 task(s) were not run. 1 failed task(s) were not retried.",
    );
    expect(text).toContain('Agent cost of the run: $5.50 · 1.2k in / 340 out tokens · 7 turns');
    expect(text).toContain('| $3.00 · 1.2k in / 340 out tokens · 7 turns |');
    expect(text).toMatch(
      /task-3: Do task-3 \| ⏭️ skipped \(not run: the run's budget of \$5\.00 was spent\)/,
    );
  });

  it('shows a cost nobody reported as unknown, never as $0.00', () => {
    const t = planned([task('task-1'), task('task-2'), task('task-3')]);
    const c1 = t.claim('node-2', 'task-1', T0 + 2000, LONG);
    const c2 = t.claim('node-3', 'task-2', T0 + 2000, LONG);
    t.update(c1, T0 + 3000, completed({ cost_usd: 0.42 }));
    t.update(c2, T0 + 3000, completed({ turns: 5 }));
    const text = renderSummary(summarize(state(t), T0 + 4000));
    expect(text).toContain(
      'Agent cost of the run: $0.42 + unknown (1 task(s) did not report a cost) · 5 turns',
    );
    expect(text).toContain('| unknown · 5 turns |');
    expect(text).toContain(
      'Budget: $0.58 of $1.00 left. Costs the agents did not report are not counted against it.',
    );

    // No outcome reported a cost, and there is no budget: the total is unknown, and no column of "unknown".
    const t2 = planned([task('task-1')], { max_cost_usd: undefined });
    const d = t2.claim('node-2', 'task-1', T0 + 2000, LONG);
    t2.update(d, T0 + 3000, completed());
    const text2 = renderSummary(summarize(state(t2), T0 + 4000));
    expect(text2).toContain(
      'Agent cost of the run: unknown (1 task(s) did not report a cost), as the agents',
    );
    expect(text2).not.toContain('$0.00');
    expect(text2).not.toContain('agent cost |');
  });

  it('says nothing of money for a run that had no budget and whose agents ran nowhere', () => {
    const t = planned([task('task-1')], { max_cost_usd: undefined });
    const text = renderSummary(summarize(state(t), T0 + 2000));
    expect(text).not.toContain('Agent cost');
    expect(text).not.toContain('Budget');
  });
});
