// What a node asks of the run's budget when it claims a task: the cap its claim carries (`cap_usd`), which the
// fold then grants out of what is left (BudgetLedger). Pure: the view and the clock are given.
import type { RunState } from './fold.js';
import { liveAttemptOf, taskViews, type GoneNodes } from './decide.js';
import { HEARS_ALL, type Hearing } from './hearing.js';
import { floorCap, MIN_GRANT_USD } from './reservations.js';

/**
 * `max-task-cost-usd` when it is set; otherwise an equal share of what is left of the budget among the agents
 * that could start side by side now: the tasks still to run (claimable, or waiting on dependencies or the
 * budget), or the nodes free to run them (this one among them), whichever are fewer. Never less than an
 * agent starts with (MIN_GRANT_USD). Undefined when the run has no budget.
 */
export function capToAsk(
  state: RunState,
  now: number,
  me: string,
  maxTaskCostUsd?: number,
  gone: GoneNodes = new Map(),
  hearing: Hearing = HEARS_ALL,
): number | undefined {
  const left = state.budget?.leftUsd;
  if (left === undefined) return undefined;
  if (maxTaskCostUsd !== undefined) return maxTaskCostUsd;
  let toRun = 0;
  for (const view of taskViews(state, now, gone, hearing).values())
    if (view.status === 'claimable' || view.status === 'blocked') toRun += 1;
  const free = new Set([me]);
  for (const n of state.nodes.values())
    if (n.instance > 0 && !n.spent && !gone.has(n.id) && !liveAttemptOf(state, n.id, now, hearing))
      free.add(n.id);
  const share = left / Math.max(1, Math.min(toRun, free.size));
  return Math.max(floorCap(share), MIN_GRANT_USD);
}
