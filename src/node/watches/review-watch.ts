// A person's verdict on a task's work, commented on the issue: `/p2p-dev approve [task]` or `/p2p-dev changes
// <task> <what to change>`. As for a stop (stop-watch.ts), nothing a person writes is believed as it stands: a
// node checks with the collaborator permission API that the author may write to the repository, and only then
// relays the verdict as the action's own `review` message for each task it is for (review-requests.ts), which
// the fold believes. Idle nodes (a node waiting on a review is idle) see the comments in their readings; the
// workflow's check-trigger job relays a verdict as soon as it is written (src/trigger/relay-review.ts). The
// fold keeps the first verdict on a task; a node does not relay a comment already relayed. A verdict may also
// be a review of the task's pull request (Approve, Request changes): idle nodes read the reviews of the tasks
// awaiting one (pull-reviews.ts: a free 304 while nobody reviewed) and relay them the same way, a request for
// changes with its line comments.
import type { RunState } from '../../protocol/fold.js';
import type { ThreadComment, Trust } from '../../protocol/thread-comment.js';
import { canStart, permissionOf } from '../../github/permission.js';
import { getErrorMessage } from '../../errors.js';
import { foldThread, type RunContext } from '../loop/context.js';
import { keepTrying } from '../loop/keep-trying.js';
import { reviewBody } from '../loop/message-bodies.js';
import { reviewTargets, type ReviewAsk } from '../../protocol/review-requests.js';
import { peopleCommands } from './stop-watch.js';
import { PullReviewReader } from '../../github/pull-reviews.js';
import {
  notAVerdict,
  pullVerdicts,
  relayedReviews,
  relayedVerdicts,
  reviewedPulls,
  type PullReview,
  type ReviewedPull,
} from '../../protocol/pull-review-verdicts.js';
import { pullReviewPollMs } from '../loop/polling.js';

/** People's verdicts on this run's tasks, oldest first (peopleCommands: by a person, after the run began). */
export function reviewRequests(
  comments: readonly ThreadComment[],
  state: RunState,
  trust: Trust,
  command: string,
): ReviewAsk[] {
  if (!state.plan) return [];
  return peopleCommands(comments, state, trust, command).flatMap(({ command: c, ...who }) => {
    if (c.kind !== 'review') return [];
    const { kind: _kind, ...verdict } = c;
    return [{ ...who, ...verdict }];
  });
}

/** The comments a review message of this run already relays. */
const relayed = (state: RunState): Set<number> => relayedVerdicts(state, 'comment_id');

/** Whether any task of the run asks for a review (most runs: none, and nothing is looked at). */
function asksForReviews(state: RunState): boolean {
  for (const r of state.tasks.values()) if (r.task.review === 'required') return true;
  return false;
}

/** Where a verdict was given, for the log. */
const source = (ask: ReviewAsk): string =>
  ask.reviewId !== undefined
    ? `review ${ask.reviewId} of pull request #${ask.pull}`
    : `comment ${ask.commentId}`;

export class ReviewWatch {
  /** Verdicts judged already (relayed, refused, or for no task awaiting one): `c<comment>`, `r<review>`. */
  private readonly judged = new Set<string>();
  /** Whether a person may give a verdict: write permission, asked once per login. */
  private readonly allowed = new Map<string, boolean>();
  private readonly pulls: PullReviewReader;
  /** The reviews of each awaited pull request, as last read. */
  private readonly reviewsOf = new Map<number, PullReview[]>();
  private lastPullReading = -Infinity;
  private readonly failedPulls = new Set<number>();
  /** Reviews whose not counting was logged. */
  private readonly explained = new Set<number>();

  constructor(private readonly ctx: RunContext) {
    this.pulls = new PullReviewReader(ctx.client);
  }

  /**
   * Read the reviews of the pull requests of the tasks awaiting a review, at most once per poll interval
   * (pullReviewPollMs): a free 304 while nobody reviewed. Nothing to read while no task awaits a review.
   */
  async readPulls(state: RunState): Promise<void> {
    const { ctx } = this;
    if (state.stopped || !state.plan || !asksForReviews(state)) return;
    const now = ctx.client.clock.now();
    if (now - this.lastPullReading < pullReviewPollMs(ctx.config)) return;
    const targets = reviewedPulls(state, now);
    if (targets.length === 0) return;
    this.lastPullReading = now;
    for (const { pull, task } of targets) {
      try {
        const reviews = await this.pulls.read(pull);
        if (reviews) {
          this.reviewsOf.set(pull, reviews);
          this.explainIgnored(
            targets.find((t) => t.pull === pull)!,
            reviews,
          );
        }
        this.failedPulls.delete(pull);
      } catch (error) {
        if (!this.failedPulls.has(pull))
          ctx.log.warning(
            `could not read the reviews of pull request #${pull} (${task}): ${getErrorMessage(error)}; a verdict commented on the issue still counts`,
          );
        this.failedPulls.add(pull);
      }
    }
  }

  /** Say once per review why an approval or a request for changes is not taken as the verdict. */
  private explainIgnored(target: ReviewedPull, reviews: readonly PullReview[]): void {
    for (const r of reviews) {
      if (this.explained.has(r.id) || (r.state !== 'APPROVED' && r.state !== 'CHANGES_REQUESTED')) continue;
      const why = notAVerdict(target, r, this.ctx.trust);
      if (!why) continue;
      this.explained.add(r.id);
      this.ctx.log.info(
        `not taking review ${r.id} of pull request #${target.pull} by ${r.login} as the verdict on ${target.task}: ${why}`,
      );
    }
  }

  /**
   * The oldest verdict this node has not judged and nobody has relayed, while the run is not stopped: those
   * commented on the issue first, then the reviews of the tasks' pull requests.
   */
  pending(state: RunState): ReviewAsk | undefined {
    if (state.stopped || !state.plan) return undefined;
    const done = relayed(state);
    const command = this.ctx.config.triggerCommand ?? '/p2p-dev';
    const commented = reviewRequests(this.ctx.thread.all(), state, this.ctx.trust, command).find(
      (r) => !this.judged.has(`c${r.commentId}`) && !done.has(r.commentId!),
    );
    if (commented || this.reviewsOf.size === 0) return commented;
    const reviewed = relayedReviews(state);
    for (const target of reviewedPulls(state, this.ctx.client.clock.now())) {
      const reviews = this.reviewsOf.get(target.pull) ?? [];
      const ask = pullVerdicts(target, reviews, reviewed, this.ctx.trust).find(
        (r) => !this.judged.has(`r${r.reviewId}`),
      );
      if (ask) return ask;
    }
    return undefined;
  }

  /** Check who gave the verdict; relay it for each task it is for when they may write to the repository. */
  async judge(ask: ReviewAsk): Promise<void> {
    const { ctx } = this;
    this.judged.add(ask.reviewId !== undefined ? `r${ask.reviewId}` : `c${ask.commentId}`);
    const allowed = await this.mayReview(ask.login);
    if (allowed === undefined) return;
    if (!allowed) {
      ctx.log.info(
        `ignoring the verdict of ${ask.login} in ${source(ask)}: reviewing takes write permission`,
      );
      return;
    }
    // Read what was added since (another node may have relayed it meanwhile) before writing a relay.
    await keepTrying(ctx, 'reading the thread', () => ctx.thread.refresh());
    const state = foldThread(ctx);
    const already =
      ask.reviewId !== undefined
        ? relayedReviews(state).has(ask.reviewId)
        : relayed(state).has(ask.commentId!);
    if (already) return;
    const targets = reviewTargets(state, ctx.client.clock.now(), ask);
    if ('refused' in targets) {
      ctx.log.info(`not relaying the verdict in ${source(ask)}: ${targets.refused}`);
      return;
    }
    const comments = await this.withLineComments(ask, targets.comments);
    for (const task of targets.tasks) {
      ctx.log.info(
        `👀 ${ask.login} ${ask.verdict === 'approved' ? 'approved' : 'asked for changes to'} ${task} (${source(ask)}): relaying it`,
      );
      await keepTrying(ctx, `relaying the review of ${task}`, () =>
        ctx.thread.post(reviewBody(ctx.config, ask, task, comments)),
      );
    }
  }

  /** Whether `login` may write to the repository (asked once); undefined when it could not be told. */
  private async mayReview(login: string): Promise<boolean | undefined> {
    const { ctx } = this;
    const known = this.allowed.get(login);
    if (known !== undefined) return known;
    try {
      const permission = await keepTrying(ctx, `checking whether ${login} may review the run's work`, () =>
        permissionOf(ctx.client, login),
      );
      const allowed = canStart(permission);
      this.allowed.set(login, allowed);
      return allowed;
    } catch (error) {
      ctx.log.warning(`could not check who reviewed the work: ${getErrorMessage(error)}`);
      return undefined;
    }
  }

  /** A review asking for changes: its body, then what it said on the lines of the diff. */
  private async withLineComments(ask: ReviewAsk, comments: string): Promise<string> {
    if (ask.verdict !== 'changes' || ask.reviewId === undefined || ask.pull === undefined) return comments;
    try {
      const lines = await keepTrying(this.ctx, `reading the comments of review ${ask.reviewId}`, () =>
        this.pulls.comments(ask.pull!, ask.reviewId!),
      );
      return [comments.trim(), lines && `On the diff:\n${lines}`].filter(Boolean).join('\n\n');
    } catch (error) {
      this.ctx.log.warning(
        `could not read the line comments of ${source(ask)}: ${getErrorMessage(error)}; relaying its summary`,
      );
      return comments;
    }
  }
}
