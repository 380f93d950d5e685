// A person's verdict given as a review of a task's pull request: GitHub's "Approve" or "Request changes" on
// the pull request the task's work opened. As for a verdict commented on the issue (review-requests.ts),
// nothing GitHub lists is believed as it stands: a node checks that the reviewer may write to the repository
// and relays the verdict as the action's own `review` message, which the fold believes. Here, what to read
// (the pull requests of the tasks awaiting a review) and which of their reviews are verdicts. Pure.
import { taskViews } from './decide.js';
import type { RunState } from './run-state.js';
import type { Trust } from './thread-comment.js';
import type { ReviewAsk } from './review-requests.js';

/** A review as GitHub lists it (`GET /repos/{o}/{r}/pulls/{n}/reviews`), the fields a verdict needs. */
export interface PullReview {
  id: number;
  login: string;
  userId: number;
  state: string;
  body: string;
  /** Server time it was submitted (ms); absent for a pending review. */
  submittedAt?: number;
  commitId?: string;
  htmlUrl?: string;
}

/** A pull request whose reviews give the verdict on a task awaiting one. */
export interface ReviewedPull {
  task: string;
  pull: number;
  /** The commit the work was delivered as: a review of another commit is not of this work. */
  commit?: string;
  /** When the work ended (server ms): a review submitted before it is not of this work. */
  since: number;
}

/** The number of a pull request from its URL (`…/pull/12`). */
export function pullNumber(url: string | undefined): number | undefined {
  const m = /\/pull\/(\d+)(?:[/?#]|$)/.exec(url ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The pull requests of the tasks awaiting a review at `now`, in plan order. */
export function reviewedPulls(state: RunState, now: number): ReviewedPull[] {
  const pulls: ReviewedPull[] = [];
  for (const view of taskViews(state, now).values()) {
    if (view.status !== 'review') continue;
    const record = state.tasks.get(view.id)!;
    const carried = record.task.completed_in;
    const result = view.last?.result;
    const pull = pullNumber(result?.pr ?? carried?.pr);
    if (pull === undefined) continue;
    pulls.push({
      task: view.id,
      pull,
      ...(result?.commit ? { commit: result.commit } : {}),
      // GitHub gives a review's time to the second.
      since: carried && !result ? 0 : Math.floor((view.last?.endedAt ?? 0) / 1000) * 1000,
    });
  }
  return pulls;
}

/** The review ids this run's review messages already relay. */
export function relayedReviews(state: RunState): Set<number> {
  const ids = new Set<number>();
  for (const e of state.entries)
    if (e.status === 'accepted' && e.message?.type === 'review' && e.message.review_id)
      ids.add(e.message.review_id);
  return ids;
}

/**
 * The verdicts among a pull request's reviews, oldest first: approvals and requests for changes, submitted
 * after the work ended, of the work's commit, by anyone but the action itself (its own identity writes the
 * pull request; it does not review it), and not relayed already.
 */
export function pullVerdicts(
  target: ReviewedPull,
  reviews: readonly PullReview[],
  relayed: ReadonlySet<number>,
  trust: Trust,
): ReviewAsk[] {
  const asks: ReviewAsk[] = [];
  for (const r of reviews) {
    const verdict =
      r.state === 'APPROVED' ? 'approved' : r.state === 'CHANGES_REQUESTED' ? 'changes' : undefined;
    if (!verdict || r.submittedAt === undefined || r.submittedAt < target.since) continue;
    if (target.commit && r.commitId && r.commitId !== target.commit) continue;
    if (trust.ids.has(r.userId) || relayed.has(r.id)) continue;
    asks.push({
      reviewId: r.id,
      pull: target.pull,
      login: r.login,
      id: r.userId,
      verdict,
      task: target.task,
      comments: r.body,
      ...(r.htmlUrl ? { htmlUrl: r.htmlUrl } : {}),
    });
  }
  return asks.sort((a, b) => a.reviewId! - b.reviewId!);
}
