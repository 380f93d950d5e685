// Re-runs resume: the tasks an earlier run of the same issue completed (a re-run of the workflow, or a new run)
// are carried into the new plan as done, with their branch and pull request, and are not run again. Pure.
import { decode } from './codec.js';
import { fold } from './fold.js';
import { taskViews } from './decide.js';
import type { Task } from './messages.js';
import { isTrusted, type ThreadComment, type Trust } from './thread-comment.js';

/** `approved`: a person approved the work (it asked for a review), which a re-run does not ask again. */
export type Completion = NonNullable<Task['completed_in']> & { title: string; approved?: boolean };

/** Every task id completed in an earlier run of this thread (the latest completion wins), with its title. */
export function earlierCompletions(
  comments: ThreadComment[],
  trust: Trust,
  currentRun: string,
  now: number,
): Map<string, Completion> {
  const runs: string[] = [];
  for (const c of [...comments].sort((a, b) => a.id - b.id)) {
    if (!isTrusted(trust, c.user)) continue;
    const d = decode(c.body);
    if (d.kind === 'message' && d.message.run !== currentRun && !runs.includes(d.message.run))
      runs.push(d.message.run);
  }
  const done = new Map<string, Completion>();
  for (const run of runs) {
    const state = fold(comments, { run, trust });
    const views = taskViews(state, now);
    for (const view of views.values()) {
      if (state.tasks.get(view.id)?.revision) continue;
      // Work sent back for changes stands as its last revision that completed (its branch holds it all).
      let last = view;
      while (last.review?.revisedIn) {
        const next = views.get(last.review.revisedIn);
        if (next?.status !== 'completed') break;
        last = next;
      }
      if (last.status !== 'completed' || last.review?.state === 'changes') continue;
      const task = state.tasks.get(view.id)!.task;
      const result = last.last?.result;
      const approved = last.review?.state === 'approved' ? { approved: true } : {};
      const completion: Completion =
        task.completed_in && last === view
          ? { ...task.completed_in, title: task.title, ...approved }
          : {
              title: task.title,
              run,
              node: last.last!.node,
              ...(result?.branch ? { branch: result.branch } : {}),
              ...(result?.pr ? { pr: result.pr } : {}),
              ...(result?.commit ? { commit: result.commit } : {}),
              ...approved,
            };
      done.set(view.id, completion);
    }
  }
  return done;
}

/** Mark the tasks completed earlier (same id and same title: the issue may have changed since). */
export function carryOver(tasks: Task[], completions: Map<string, Completion>): Task[] {
  return tasks.map((task) => {
    const done = completions.get(task.id);
    if (!done || done.title !== task.title || task.error) return task;
    const { title: _title, approved, ...completedIn } = done;
    // Approved once, it is not asked again; work a person has not approved yet waits for them in this run.
    const { review: _review, ...unreviewed } = task;
    return { ...(approved ? unreviewed : task), completed_in: completedIn };
  });
}
