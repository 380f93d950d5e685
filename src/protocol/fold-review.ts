// How the fold (fold.ts) reads a relayed review: the first verdict on a task that asks for one, given after
// its work completed, stands. `changes` makes a revision of the task, `<root>.r<N>`: a task of its own that
// builds on the reviewed work (it depends on it, so its branch starts from it), holds what the person asked
// for in its body, asks for a review in turn, and that every task depending on the reviewed one now waits
// for as well.
import type { Review, Task } from './messages.js';
import { ignore, type Decoded, type RunState, type TaskRecord } from './run-state.js';
import { endedBefore } from './lease-evidence.js';

/** The id of the `round`th revision of `root`: `task-2.r1`. */
export const revisionId = (root: string, round: number): string => `${root}.r${round}`;

export function applyReview(state: RunState, d: Decoded, m: Review): void {
  if (!state.plan) return ignore(d, 'review before any plan');
  const record = state.tasks.get(m.task);
  if (!record) return ignore(d, `unknown task ${m.task}`);
  if (record.task.review !== 'required') return ignore(d, `task ${m.task} does not ask for a review`);
  const done = record.attempts.find((a) => a.outcome === 'completed');
  // Work an earlier run did and nobody approved (carried over) waits for a verdict from this run's plan on.
  const carried = !done && record.task.completed_in !== undefined && d.created >= state.plan.created;
  if (!carried && (!done || !endedBefore(done, d.created)))
    return ignore(d, `task ${m.task} had no completed work to review`);
  if (record.review)
    return ignore(
      d,
      `task ${m.task} was already reviewed by @${record.review.by} (${record.review.verdict})`,
    );
  record.review = {
    verdict: m.verdict,
    by: m.by.login,
    byId: m.by.id,
    at: d.created,
    comments: m.comments,
    ...(m.comment_id !== undefined ? { commentId: m.comment_id } : {}),
    ...(m.review_id !== undefined ? { reviewId: m.review_id } : {}),
    ...(m.url !== undefined ? { url: m.url } : {}),
  };
  if (m.verdict === 'changes') reviseTask(state, record, m);
}

function reviseTask(state: RunState, record: TaskRecord, m: Review): void {
  const root = record.revision?.root ?? record.task.id;
  const round = (record.revision?.round ?? 0) + 1;
  const id = revisionId(root, round);
  if (state.tasks.has(id)) {
    record.review!.comments += `\n(no revision made: the plan already has a task ${id})`;
    return;
  }
  const rootTitle = state.tasks.get(root)?.task.title ?? record.task.title;
  const task: Task = {
    id,
    title: `${rootTitle} (revision ${round}, as @${m.by.login} asked)`.slice(0, 500),
    body: revisionBody(record.task, m).slice(0, 30_000),
    priority: record.task.priority,
    depends_on: [record.task.id],
    review: 'required',
  };
  for (const other of state.tasks.values())
    if (other.task.depends_on.includes(record.task.id))
      other.task = { ...other.task, depends_on: [...other.task.depends_on, id] };
  state.tasks.set(id, {
    task,
    order: record.order + round / 1000,
    attempts: [],
    lostClaims: [],
    revision: { of: record.task.id, root, round },
  });
  record.review!.revisedIn = id;
}

function revisionBody(task: Task, m: Review): string {
  const asked = m.comments.trim() || '(no comments: look at the review on the pull request)';
  return [
    `A person reviewed the work done for task ${task.id} and asked for changes. The branch you work on`,
    'already holds that work: change it as the review asks, and keep what the review does not question.',
    '',
    `@${m.by.login} wrote:`,
    '',
    asked
      .split('\n')
      .map((l) => `> ${l}`)
      .join('\n'),
    '',
    `The task, as it was given:`,
    '',
    `### ${task.title}`,
    '',
    task.body,
  ].join('\n');
}
