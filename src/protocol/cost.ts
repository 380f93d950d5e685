// What the run has cost in money, from the folded state: the usage that accepted outcomes and the plan
// recorded, and the run's budget. Pure: every node, the summary and the dashboard add up the same figures.
import type { RunState } from './fold.js';
import { MIN_GRANT_USD } from './reservations.js';

export interface TaskCost {
  /** What the task's outcomes reported, every attempt together (superseded and expired ones too). */
  usd: number;
  /** True when an outcome of the task did not report a cost: `usd` is then a lower bound. */
  unknown: boolean;
}

export interface RunCost {
  /** Every reported cost: the tasks' outcomes, the planning and the summary job's agent. */
  totalUsd: number;
  /** Outcomes (attempts with a result, closing claims aside) whose usage has no `cost_usd`. */
  unknown: number;
  /** What planning with the agent cost, when the plan says. */
  planningUsd?: number;
  /** What the summary job's agent reported it spent (spend messages), when it ran and said. */
  summaryAgentUsd?: number;
  /** Tasks with at least one outcome; a task that recorded none has no entry. */
  perTask: Map<string, TaskCost>;
}

/** Sums of dollars, kept to a millionth so that adding many small costs does not drift. */
const add = (a: number, b: number): number => Math.round((a + b) * 1e6) / 1e6;

export function runCost(state: RunState): RunCost {
  const perTask = new Map<string, TaskCost>();
  let unknown = 0;
  let totalUsd = 0;
  for (const record of state.tasks.values()) {
    for (const a of record.attempts) {
      // A closing claim ran no agent; an attempt without a result has not recorded its outcome (yet).
      if (a.closing || !a.result) continue;
      const cost = perTask.get(a.task) ?? { usd: 0, unknown: false };
      perTask.set(a.task, cost);
      const usd = a.result.usage?.cost_usd;
      if (usd === undefined) {
        cost.unknown = true;
        unknown += 1;
        continue;
      }
      cost.usd = add(cost.usd, usd);
      totalUsd = add(totalUsd, usd);
    }
  }
  const planningUsd = state.plan?.usage?.cost_usd;
  if (planningUsd !== undefined) totalUsd = add(totalUsd, planningUsd);
  // The summary job's agent (merges, CI fix rounds): what its runs reported.
  let summaryAgentUsd: number | undefined;
  for (const spend of state.spends ?? []) {
    const usd = spend.usage?.cost_usd;
    if (usd === undefined) continue;
    summaryAgentUsd = add(summaryAgentUsd ?? 0, usd);
    totalUsd = add(totalUsd, usd);
  }
  return {
    totalUsd,
    unknown,
    ...(planningUsd !== undefined ? { planningUsd } : {}),
    ...(summaryAgentUsd !== undefined ? { summaryAgentUsd } : {}),
    perTask,
  };
}

/**
 * What is left of the run's budget to grant (never below zero): the budget less what was spent (planning, and
 * each outcome: its reported cost, or its whole cap when it reported none) less the caps still reserved by
 * attempts that have recorded no outcome (BudgetLedger). Undefined when the run has none.
 */
export function budgetLeft(state: RunState): number | undefined {
  return state.budget?.leftUsd;
}

/**
 * True once less is left of the run's budget than an agent starts with (MIN_GRANT_USD), with the caps still
 * reserved counted as spent: an attempt that gives part of its cap back can make it false again (taskViews
 * waits for those). Costs an agent did not report count as nothing only for claims that asked for no cap
 * (written before claims carried one): a budget can only stop what it is told.
 */
export function budgetSpent(state: RunState): boolean {
  const left = budgetLeft(state);
  return left !== undefined && left < MIN_GRANT_USD;
}
