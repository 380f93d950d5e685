// How long the rest of a run should take, and when it began: the checklist's footer. Pure.
import { TERMINAL, type GoneNodes, type TaskView } from './decide.js';
import type { AttemptRecord, RunState } from './fold.js';

export function runStart(state: RunState): number | undefined {
  const bids = [...state.terms.values()].flatMap((t) => t.bids.map((b) => b.created));
  if (bids.length > 0) return Math.min(...bids);
  return state.plan?.created;
}

/** Claim to outcome, for the tasks this run completed. */
function completedDurations(views: Iterable<TaskView>, state: RunState): number[] {
  const out: number[] = [];
  for (const v of views) {
    const a: AttemptRecord | undefined = v.last;
    if (v.status !== 'completed' || !a || a.endedAt === undefined) continue;
    if (state.tasks.get(v.id)?.task.completed_in) continue;
    out.push(Math.max(0, a.endedAt - a.created));
  }
  return out;
}

/**
 * How long the rest should take: every unfinished task is assumed to take the completed ones' average (a
 * running one, what is left of it), shared among the nodes still working (not gone, not left), and never
 * less than the longest single task left. Undefined when nothing completed yet or nothing is left.
 */
export function estimateLeft(
  state: RunState,
  views: ReadonlyMap<string, TaskView>,
  now: number,
  gone: GoneNodes,
): number | undefined {
  const durations = completedDurations(views.values(), state);
  if (durations.length === 0) return undefined;
  const average = durations.reduce((a, b) => a + b, 0) / durations.length;
  const open = [...views.values()].filter((v) => !TERMINAL.has(v.status));
  if (open.length === 0) return undefined;
  let work = 0;
  let longest = 0;
  for (const v of open) {
    const left = v.status === 'running' && v.last ? Math.max(0, average - (now - v.last.created)) : average;
    work += left;
    longest = Math.max(longest, left);
  }
  const working = [...state.nodes.values()].filter((n) => !gone.has(n.id) && !n.spent).length;
  return Math.max(longest, work / Math.max(1, working));
}
