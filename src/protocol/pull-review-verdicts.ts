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
  /** The account's type: `User`, `Bot`. */
  userType?: string;
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
  /** When the attempt that did the work was claimed (server ms): a review submitted before it is not of it. */
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
    const commit = result ? result.commit : carried?.commit;
    // Its pull request opens before the outcome is written, so from the claim on (GitHub gives a review's
    // time to the second). Carried work: a review of its commit whenever given (a person may approve after
    // the earlier run's nodes left, then re-run); without its commit, from this run's plan on.
    const since = result ? (view.last?.created ?? 0) : commit ? 0 : (state.plan?.created ?? 0);
    pulls.push({
      task: view.id,
      pull,
      ...(commit ? { commit } : {}),
      since: Math.floor(since / 1000) * 1000,
    });
  }
  return pulls;
}

/**
 * What this run's review messages already relay, whether the fold took them or not (a verdict that came too
 * late is not relayed again), the action's own only: the issue comments (`comment_id`) or the pull request
 * reviews (`review_id`) they were given in.
 */
export function relayedVerdicts(state: RunState, by: 'comment_id' | 'review_id'): Set<number> {
  const ids = new Set<number>();
  for (const e of state.entries) {
    if (e.status === 'forged' || e.status === 'other-run' || e.message?.type !== 'review') continue;
    const id = e.message[by];
    if (id) ids.add(id);
  }
  return ids;
}

/** The review ids this run's review messages already relay (relayedVerdicts). */
export const relayedReviews = (state: RunState): Set<number> => relayedVerdicts(state, 'review_id');

/** A review by an account that is not a person: a bot, or one of the identities the run trusts. */
function notAPerson(r: PullReview, trust: Trust): boolean {
  return (
    trust.ids.has(r.userId) ||
    trust.logins.has(r.login.toLowerCase()) ||
    r.userType === 'Bot' ||
    r.login.endsWith('[bot]')
  );
}

/** Why a review is not a verdict on the work, or undefined when it is one. */
export function notAVerdict(target: ReviewedPull, r: PullReview, trust: Trust): string | undefined {
  if (r.state !== 'APPROVED' && r.state !== 'CHANGES_REQUESTED') return 'it gives no verdict';
  if (r.submittedAt === undefined || r.submittedAt < target.since)
    return 'it was submitted before the work was done';
  if (target.commit && r.commitId !== target.commit)
    return `it reviews commit ${(r.commitId ?? 'none').slice(0, 7)}, not the work's ${target.commit.slice(0, 7)} (commits pushed to the pull request since are not the task's work)`;
  if (notAPerson(r, trust)) return 'it was not written by a person';
  return undefined;
}

/**
 * The verdicts among a pull request's reviews, oldest first: each person's latest approval or request for
 * changes of the work's commit, submitted since its attempt began, by a person (not the action, a bot or a
 * trusted identity), not relayed already.
 */
export function pullVerdicts(
  target: ReviewedPull,
  reviews: readonly PullReview[],
  relayed: ReadonlySet<number>,
  trust: Trust,
): ReviewAsk[] {
  // A person's latest verdict stands (GitHub's too): one who asked for changes, then approved, approved; one
  // whose latest verdict was dismissed has none (the dismissal does not bring back the one before).
  const latest = new Map<number, PullReview>();
  for (const r of reviews) {
    const asGiven = r.state === 'DISMISSED' ? { ...r, state: 'APPROVED' } : r;
    if (notAVerdict(target, asGiven, trust) !== undefined) continue;
    const before = latest.get(r.userId);
    if (!before || r.id > before.id) latest.set(r.userId, r);
  }
  const asks: ReviewAsk[] = [];
  for (const r of latest.values()) {
    if (relayed.has(r.id) || r.state === 'DISMISSED') continue;
    asks.push({
      reviewId: r.id,
      pull: target.pull,
      login: r.login,
      id: r.userId,
      verdict: r.state === 'APPROVED' ? 'approved' : 'changes',
      task: target.task,
      comments: r.body,
      ...(r.htmlUrl ? { htmlUrl: r.htmlUrl } : {}),
    });
  }
  return asks.sort((a, b) => a.reviewId! - b.reviewId!);
}
