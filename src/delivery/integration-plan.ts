// What goes into the issue's one pull request, decided from the run state alone: the completed tasks that
// changed files, each with its branch, in an order where every task comes after the tasks it depends on (the
// plan's order among the rest), and the tasks left out with the reason. Pure: the git work is in
// issue-branch.ts.
import type { RunState } from '../protocol/fold.js';
import type { Check, Diff, Task } from '../protocol/messages.js';
import type { Usage } from '../protocol/usage.js';

/** The branch that holds every task's work for the issue (beside the task branches, not under them). */
export const integrationBranch = (issue: number): string => `p2p/issue-${issue}-integration`;

export interface TaskToMerge {
  task: Task;
  branch: string;
  /** The commit the task's outcome recorded (the branch may have moved since: a later run). */
  commit?: string;
  /** Its dependencies that have a branch: their commits are in this branch already. */
  deps: string[];
  check?: Check;
  usage?: Usage;
  diff?: Diff;
}

export interface LeftOut {
  task: Task;
  why: string;
}

export interface IntegrationPlan {
  merge: TaskToMerge[];
  /** Completed tasks that changed nothing: no branch, nothing to merge. */
  unchanged: Task[];
  /** Tasks that did not complete. */
  notCompleted: LeftOut[];
}

/** A completed task's branch and what its outcome said, or undefined when it has none. */
function completedWork(
  state: RunState,
  id: string,
): { branch: string; commit?: string; check?: Check; usage?: Usage; diff?: Diff } | undefined {
  const record = state.tasks.get(id);
  const done = record?.attempts.find((a) => a.outcome === 'completed' && !a.closing);
  const result = done?.result;
  if (result?.branch)
    return {
      branch: result.branch,
      ...(result.commit ? { commit: result.commit } : {}),
      ...(result.check ? { check: result.check } : {}),
      ...(result.usage ? { usage: result.usage } : {}),
      ...(result.diff ? { diff: result.diff } : {}),
    };
  // Carried over from an earlier run of the issue (its branch is still there).
  const earlier = record?.task.completed_in;
  return earlier?.branch
    ? { branch: earlier.branch, ...(earlier.commit ? { commit: earlier.commit } : {}) }
    : undefined;
}

function isCompleted(state: RunState, id: string): boolean {
  const record = state.tasks.get(id);
  return (
    record?.task.completed_in !== undefined ||
    (record?.attempts.some((a) => a.outcome === 'completed' && !a.closing) ?? false)
  );
}

/** The tasks of the plan in an order where each comes after its dependencies (plan order otherwise). */
export function dependencyOrder(tasks: Task[]): Task[] {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const out: Task[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (t: Task): void => {
    if (placed.has(t.id) || visiting.has(t.id)) return; // (a plan has no cycles; never loop on one)
    visiting.add(t.id);
    for (const dep of t.depends_on) {
      const d = byId.get(dep);
      if (d) place(d);
    }
    visiting.delete(t.id);
    placed.add(t.id);
    out.push(t);
  };
  for (const t of tasks) place(t);
  return out;
}

export function integrationPlan(state: RunState): IntegrationPlan {
  const plan: IntegrationPlan = { merge: [], unchanged: [], notCompleted: [] };
  const tasks = [...state.tasks.values()].map((r) => r.task);
  for (const task of dependencyOrder(tasks)) {
    if (!isCompleted(state, task.id)) {
      const last = state.tasks.get(task.id)?.attempts.at(-1);
      plan.notCompleted.push({
        task,
        why:
          last?.outcome === 'failed'
            ? `failed: ${last.result?.error ?? 'no reason recorded'}`
            : 'not completed',
      });
      continue;
    }
    const work = completedWork(state, task.id);
    if (!work) {
      plan.unchanged.push(task);
      continue;
    }
    const deps = task.depends_on.filter((d) => completedWork(state, d) !== undefined);
    plan.merge.push({ task, ...work, deps });
  }
  return plan;
}
