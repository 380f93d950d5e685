// The run's budget shared by agents side by side (BudgetLedger, src/protocol/reservations.ts): each claim
// asks for a cap, granted in log order out of what is left (the budget less what was spent less the caps still
// reserved), refused below MIN_GRANT_USD; an outcome gives back what it did not spend, and one that reported no
// cost counts its whole cap. The grants never sum past the budget, and a view that lacks an outcome's edit
// grants less, never more.
import { describe, expect, it } from 'vitest';
import { fold, type RunState } from '../../src/protocol/fold.js';
import { BudgetLedger, floorCap, MIN_GRANT_USD } from '../../src/protocol/reservations.js';
import { capToAsk } from '../../src/protocol/budget-share.js';
import { budgetLeft, budgetSpent, runCost } from '../../src/protocol/cost.js';
import { chooseTask, runFinished, taskViews } from '../../src/protocol/decide.js';
import { decode } from '../../src/protocol/codec.js';
import type { Claim, Plan, Result } from '../../src/protocol/messages.js';
import { renderSummary, summarize } from '../../src/aggregate/run-summary.js';
import { RUN, T0, ThreadBuilder, task, trust } from '../helpers/thread-builder.js';
import type { ThreadComment } from '../../src/protocol/thread-comment.js';

const state = (t: ThreadBuilder | ThreadComment[]): RunState =>
  fold(Array.isArray(t) ? t : t.comments, { run: RUN, trust });
const LONG: Partial<Claim> = { lease_ms: 600_000 };
const outcome = (cost_usd?: number, ok = true): Partial<Claim> => {
  const result: Result = {
    exit_code: ok ? 0 : 1,
    duration_ms: 1000,
    output_tail: '',
    ...(cost_usd !== undefined ? { usage: { cost_usd } } : {}),
    ...(ok ? {} : { error: 'the agent exited with 1' }),
  };
  return { state: ok ? 'completed' : 'failed', result };
};
const ask = (cap_usd: number): Partial<Claim> => ({ ...LONG, cap_usd });
const caps = (s: RunState): Record<string, number | undefined> =>
  Object.fromEntries(
    [...s.tasks.values()].flatMap((r) => r.attempts.map((a) => [`${a.task}#${a.attempt}`, a.cap?.granted])),
  );

function planned(n: number, extra: Partial<Plan> = {}, nodes = 4) {
  const t = new ThreadBuilder();
  for (let i = 1; i <= nodes; i++) t.bid(`node-${i}`, T0);
  const tasks = Array.from({ length: n }, (_, i) => task(`task-${i + 1}`));
  t.plan('node-1', tasks, T0 + 1000, { max_attempts: 2, max_cost_usd: 1, ...extra });
  return t;
}

describe('the ledger of the run’s budget', () => {
  it('grants caps in log order out of what is left, the last one only what is left', () => {
    const t = planned(5);
    // Four nodes side by side, each asking $0.30 of a $1.00 budget (the report: $1.00 three times, then $0.10).
    // In log order, (created, id): node-4's claim, a second earlier than the others, is granted first.
    for (let i = 1; i <= 4; i++) t.claim(`node-${i}`, `task-${i}`, T0 + (i === 4 ? 2000 : 3000), ask(0.3));
    const s = state(t);
    expect(caps(s)).toEqual({ 'task-4#1': 0.3, 'task-1#1': 0.3, 'task-2#1': 0.3, 'task-3#1': 0.1 });
    expect(s.tasks.get('task-3')!.attempts[0]!.cap).toEqual({ asked: 0.3, granted: 0.1 });
    expect(s.budget).toMatchObject({ spentUsd: 0, reservedUsd: 1, leftUsd: 0 });
    expect(budgetLeft(s)).toBe(0);
    expect(budgetSpent(s)).toBe(true);
  });

  it('refuses a claim that would be left less than an agent starts with: it does not count, the task stays claimable', () => {
    const t = planned(3);
    t.claim('node-1', 'task-1', T0 + 2000, ask(0.5));
    t.claim('node-2', 'task-2', T0 + 2000, ask(0.49));
    const refused = t.claim('node-3', 'task-3', T0 + 3000, ask(0.25));
    const s = state(t);
    expect(caps(s)).toEqual({ 'task-1#1': 0.5, 'task-2#1': 0.49 });
    expect(s.tasks.get('task-3')!.attempts).toHaveLength(0);
    expect(s.tasks.get('task-3')!.lostClaims).toEqual([refused.id]);
    expect(s.budget!.refused.get(refused.id)).toEqual({ asked: 0.25, left: 0.01 });
    const entry = s.entries.find((e) => e.commentId === refused.id)!;
    expect(entry).toMatchObject({ status: 'ignored' });
    expect(entry.note).toMatch(/budget had \$0\.0100 left to grant, less than an agent starts with/);
    expect(MIN_GRANT_USD).toBe(0.02);
    // While the two running attempts hold their caps, the task waits for the budget: no node is offered it.
    const views = taskViews(s, T0 + 4000);
    expect(views.get('task-3')).toMatchObject({ status: 'blocked', cause: 'budget' });
    expect(views.get('task-3')!.reason).toMatch(/waiting for the run's budget: \$0\.01 is left to grant/);
    expect(chooseTask(s, T0 + 4000, { node: 'node-3', instance: 3 })).toBeUndefined();
    expect(runFinished(s, T0 + 4000)).toBe(false);
  });

  it('gives back what an attempt did not spend when its outcome is written, to the claims made after it', () => {
    const t = planned(4);
    const c1 = t.claim('node-1', 'task-1', T0 + 2000, ask(0.5));
    t.claim('node-2', 'task-2', T0 + 2000, ask(0.5));
    t.update(c1, T0 + 5000, outcome(0.1)); // spent $0.10 of its $0.50: $0.40 comes back at T0+5000
    t.claim('node-3', 'task-3', T0 + 4000, ask(0.3)); // before the outcome: nothing is left
    t.claim('node-4', 'task-4', T0 + 5000, ask(0.3)); // in the outcome's second: $0.40 is left
    const s = state(t);
    expect(caps(s)).toEqual({ 'task-1#1': 0.5, 'task-2#1': 0.5, 'task-4#1': 0.3 });
    expect(s.tasks.get('task-3')!.attempts).toHaveLength(0);
    expect(s.budget).toMatchObject({ spentUsd: 0.1, reservedUsd: 0.8 });
    expect(budgetLeft(s)).toBe(0.1);
    // task-3 may start now that $0.10 is left: an equal share of it among the tasks still to run.
    expect(taskViews(s, T0 + 6000).get('task-3')?.status).toBe('claimable');
    expect(capToAsk(s, T0 + 6000, 'node-3')).toBe(0.1);
  });

  it('counts the whole cap of an outcome that reported no cost, and says so in the summary', () => {
    const t = planned(3);
    const c1 = t.claim('node-1', 'task-1', T0 + 2000, ask(0.4));
    t.update(c1, T0 + 3000, outcome(undefined));
    const c2 = t.claim('node-2', 'task-2', T0 + 4000, ask(0.4));
    t.update(c2, T0 + 5000, outcome(0.15));
    const s = state(t);
    expect(s.budget).toMatchObject({ spentUsd: 0.55, reservedUsd: 0, wholeCapOutcomes: 1 });
    expect(budgetLeft(s)).toBe(0.45);
    // The reported total is what the agents said; the budget counts more, never less.
    expect(runCost(s)).toMatchObject({ totalUsd: 0.15, unknown: 1 });
    const text = renderSummary(summarize(s, T0 + 6000));
    expect(text).toContain(
      'Budget: $0.45 of $1.00 left. 1 outcome(s) that reported no cost count their whole cap against it.',
    );
  });

  it('keeps the cap of an attempt that never writes an outcome: once its node fell silent, the budget is spent', () => {
    const t = planned(2, { max_attempts: 1 });
    t.claim('node-1', 'task-1', T0 + 2000, { cap_usd: 0.99 }); // lease 3 s, never heard from again
    const s = state(t);
    expect(taskViews(s, T0 + 3000).get('task-2')).toMatchObject({ status: 'blocked', cause: 'budget' });
    const later = taskViews(s, T0 + 10_000);
    expect(later.get('task-2')).toMatchObject({ status: 'skipped', cause: 'budget' });
    expect(later.get('task-2')!.reason).toBe("not run: the run's budget of $1.00 was spent");
  });

  it('counts planning as spent, grants no cap to a closing claim, and reserves nothing for a claim without cap_usd', () => {
    const t = planned(2, { max_attempts: 1, usage: { cost_usd: 0.2 } });
    t.claim('node-1', 'task-1', T0 + 2000, { cap_usd: 0.5 }); // falls silent (lease 3 s)
    t.claim('node-2', 'task-1', T0 + 7000, { attempt: 2, ...outcome(undefined, false) }); // closes it
    const old = t.claim('node-3', 'task-2', T0 + 8000, LONG); // an older node's claim: no cap_usd
    expect(decode(old.body).kind).toBe('message');
    const s = state(t);
    expect(s.tasks.get('task-1')!.attempts.map((a) => [a.closing ?? false, a.cap?.granted])).toEqual([
      [false, 0.5],
      [true, undefined],
    ]);
    expect(s.tasks.get('task-2')!.attempts[0]!.cap).toBeUndefined();
    expect(s.budget).toMatchObject({ spentUsd: 0.2, reservedUsd: 0.5, leftUsd: 0.3 });
  });

  it('never grants caps that sum past the budget, whatever the asks, outcomes and costs (agents keeping to their caps)', () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let run = 0; run < 300; run++) {
      const max = floorCap(0.05 + rand() * 3);
      const planning = rand() < 0.3 ? floorCap(rand() * 0.2) : 0;
      const ledger = new BudgetLedger(max, planning);
      const granted: { grant: number; end?: number; spend?: number }[] = [];
      let at = 0;
      for (let id = 0; id < 30; id++) {
        at += Math.floor(rand() * 3) * 1000;
        const asked = floorCap(0.01 + rand() * max);
        const { grant, refusal } = ledger.claim({ commentId: id, at, askedUsd: asked });
        // What is really committed when this agent starts: planning, what every ended attempt spent, and the
        // whole cap of every attempt still running (its agent may spend all of it).
        let committed = planning;
        for (const g of granted)
          committed += g.end !== undefined && g.end <= at ? (g.spend ?? g.grant) : g.grant;
        if (refusal) {
          expect(refusal.left).toBeLessThan(Math.min(MIN_GRANT_USD, asked));
          expect(committed + MIN_GRANT_USD).toBeGreaterThan(max - 1e-9);
          continue;
        }
        const cap = grant!.granted;
        expect(cap).toBeGreaterThanOrEqual(Math.min(MIN_GRANT_USD, asked));
        expect(cap).toBeLessThanOrEqual(asked);
        expect(committed + cap).toBeLessThanOrEqual(max + 1e-9);
        // Most attempts end, a little later, having spent some of their cap (reported, or not: then all of it).
        if (rand() < 0.85) {
          const end = at + Math.floor(rand() * 8) * 1000;
          const reported = rand() < 0.8 ? floorCap(rand() * cap) : undefined;
          ledger.ends(id, { at: end, ...(reported !== undefined ? { reportedUsd: reported } : {}) });
          granted.push({ grant: cap, end, ...(reported !== undefined ? { spend: reported } : {}) });
        } else granted.push({ grant: cap });
      }
      ledger.settle();
      expect(ledger.spentUsd + ledger.reservedUsd).toBeLessThanOrEqual(max + 1e-9);
    }
  });

  it('grants less, never more, in a view that lacks an outcome written before the claim', () => {
    const t = planned(3);
    const c1 = t.claim('node-1', 'task-1', T0 + 2000, ask(0.6));
    const c2 = t.claim('node-2', 'task-2', T0 + 3000, ask(0.6));
    const before = structuredClone(t.comments); // as a node read the thread before c1's outcome
    t.update(c1, T0 + 4000, outcome(0.1));
    const c3 = t.claim('node-3', 'task-3', T0 + 5000, ask(0.6));
    const full = state(t);
    // The view: the new comment c3 is listed, but c1's edit is not.
    const view = state([...before, structuredClone(c3)]);
    expect(caps(full)).toEqual({ 'task-1#1': 0.6, 'task-2#1': 0.4, 'task-3#1': 0.5 });
    expect(caps(view)).toEqual({ 'task-1#1': 0.6, 'task-2#1': 0.4 });
    expect(view.budget!.refused.has(c3.id)).toBe(true);
    expect(caps(state([...structuredClone(t.comments).filter((c) => c.id !== c2.id)]))).toMatchObject({
      'task-3#1': 0.6,
    });
  });
});

describe('the cap a node asks for', () => {
  it('is an equal share of what is left among the agents that could start side by side', () => {
    const t = planned(7);
    const s = state(t);
    // Four nodes free, seven tasks: a quarter each.
    expect(capToAsk(s, T0 + 2000, 'node-1')).toBe(0.25);
    t.claim('node-1', 'task-1', T0 + 2000, ask(0.25));
    const s2 = state(t);
    // Three nodes free, $0.75 left: still a quarter.
    expect(capToAsk(s2, T0 + 2000, 'node-2')).toBe(0.25);
    // Two tasks to run and four nodes free: half each.
    expect(capToAsk(state(planned(2)), T0 + 2000, 'node-1')).toBe(0.5);
  });

  it('is max-task-cost-usd when set, never less than an agent starts with, and nothing without a budget', () => {
    const s = state(planned(3));
    expect(capToAsk(s, T0 + 2000, 'node-1', 0.4)).toBe(0.4);
    expect(capToAsk(state(planned(8, { max_cost_usd: 0.05 })), T0 + 2000, 'node-1')).toBe(MIN_GRANT_USD);
    expect(capToAsk(state(planned(3, { max_cost_usd: undefined })), T0 + 2000, 'node-1')).toBeUndefined();
  });
});

describe('the summary job’s agent (spend messages)', () => {
  const summaryJob = { run: RUN, nodeId: 'run-4242.2-node-1-beef' };
  it('takes its cap of what is left before it runs, and gives back what it did not spend after', async () => {
    const { spendBody } = await import('../../src/node/loop/message-bodies.js');
    const t = planned(1);
    const c = t.claim('node-1', 'task-1', T0 + 2000, ask(0.3));
    t.update(c, T0 + 60_000, outcome(0.25));
    const spend = t.add(
      spendBody(summaryJob, 'nonce-spend-1', { purpose: 'CI fix round 1', cap_usd: 0.75, state: 'running' }),
      T0 + 90_000,
    );
    // Running (or a job that died before it said what it spent): its whole cap is taken.
    let s = state(t);
    expect(budgetLeft(s)).toBe(0);
    expect(s.nodes.has(summaryJob.nodeId)).toBe(false);
    expect(decode(spend.body)).toMatchObject({ kind: 'message' });
    expect(spend.body).toContain(
      "💰 **SPEND** · the summary job's agent, for CI fix round 1: running, with up to $0.75",
    );
    t.edit(
      spend,
      spendBody(summaryJob, 'nonce-spend-1', {
        purpose: 'CI fix round 1',
        cap_usd: 0.75,
        state: 'done',
        usage: { cost_usd: 0.1 },
      }),
      T0 + 120_000,
    );
    s = state(t);
    expect(budgetLeft(s)).toBe(0.65);
    expect(runCost(s)).toMatchObject({ totalUsd: 0.35, summaryAgentUsd: 0.1 });
    expect(renderSummary(summarize(s, T0 + 130_000))).toContain(
      "(the summary job's agent, merging and fixing CI: $0.10)",
    );
  });
});
