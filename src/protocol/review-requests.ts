// People's verdicts on tasks' work, as comments on the issue (`/p2p-dev approve task-1`, `/p2p-dev changes
// task-1 <what to change>`), and what a relay of one writes. Nothing a person writes is believed as it stands:
// a node (or the workflow's check-trigger job) checks that they may write to the repository, then writes the
// action's own `review` message for each task the verdict is for, which the fold believes (fold-review.ts).
// Pure.
import { taskViews } from './decide.js';
import type { RunState } from './run-state.js';

/** A person's verdict as they commented it (or reviewed the task's pull request). `task` absent: every task awaiting review (approve only). */
export interface ReviewAsk {
  /** Where it was given: a comment on the issue, or a review of the task's pull request `pull`. */
  commentId?: number;
  reviewId?: number;
  pull?: number;
  login: string;
  id: number;
  htmlUrl?: string;
  verdict: 'approved' | 'changes';
  task?: string;
  comments: string;
}

/**
 * The tasks a verdict is for, as this view of the run shows them: the named task while it awaits review;
 * without one (or with a word that is no task of the run, then part of the comments), the only task awaiting
 * review, or for an approval every such task. Else why none.
 */
export function reviewTargets(
  state: RunState,
  now: number,
  ask: ReviewAsk,
): { tasks: string[]; comments: string } | { refused: string } {
  const views = taskViews(state, now);
  const awaiting = [...views.values()].filter((v) => v.status === 'review').map((v) => v.id);
  if (ask.task && state.tasks.has(ask.task)) {
    const view = views.get(ask.task)!;
    if (view.status !== 'review')
      return { refused: `task ${ask.task} is not awaiting a review (it is ${view.status})` };
    return { tasks: [ask.task], comments: ask.comments };
  }
  const comments = [ask.task, ask.comments].filter(Boolean).join(' ');
  if (awaiting.length === 0) return { refused: 'no task is awaiting a review' };
  if (awaiting.length === 1 || ask.verdict === 'approved') return { tasks: awaiting, comments };
  return { refused: `name the task to send back: ${awaiting.join(', ')} await a review` };
}
