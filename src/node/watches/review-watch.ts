// A person's verdict on a task's work, commented on the issue: `/p2p-dev approve [task]` or `/p2p-dev changes
// <task> <what to change>`. As for a stop (stop-watch.ts), nothing a person writes is believed as it stands: a
// node checks with the collaborator permission API that the author may write to the repository, and only then
// relays the verdict as the action's own `review` message for each task it is for (review-requests.ts), which
// the fold believes. Idle nodes (a node waiting on a review is idle) see the comments in their readings; the
// workflow's check-trigger job relays a verdict as soon as it is written (src/trigger/relay-review.ts). The
// fold keeps the first verdict on a task; a node does not relay a comment already relayed.
import type { RunState } from '../../protocol/fold.js';
import type { ThreadComment, Trust } from '../../protocol/thread-comment.js';
import { canStart, permissionOf } from '../../github/permission.js';
import { getErrorMessage } from '../../errors.js';
import { foldThread, type RunContext } from '../loop/context.js';
import { keepTrying } from '../loop/keep-trying.js';
import { reviewBody } from '../loop/message-bodies.js';
import { reviewTargets, type ReviewAsk } from '../../protocol/review-requests.js';
import { peopleCommands } from './stop-watch.js';

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
function relayed(state: RunState): Set<number> {
  const ids = new Set<number>();
  for (const e of state.entries)
    if (
      e.status !== 'forged' &&
      e.status !== 'other-run' &&
      e.message?.type === 'review' &&
      e.message.comment_id
    )
      ids.add(e.message.comment_id);
  return ids;
}

export class ReviewWatch {
  /** Verdicts judged already (relayed, refused, or for no task awaiting one). */
  private readonly judged = new Set<number>();
  /** Whether a person may give a verdict: write permission, asked once per login. */
  private readonly allowed = new Map<string, boolean>();

  constructor(private readonly ctx: RunContext) {}

  /** The oldest verdict this node has not judged and nobody has relayed, while the run is not stopped. */
  pending(state: RunState): ReviewAsk | undefined {
    if (state.stopped || !state.plan) return undefined;
    const done = relayed(state);
    const command = this.ctx.config.triggerCommand ?? '/p2p-dev';
    return reviewRequests(this.ctx.thread.all(), state, this.ctx.trust, command).find(
      (r) => !this.judged.has(r.commentId) && !done.has(r.commentId),
    );
  }

  /** Check who gave the verdict; relay it for each task it is for when they may write to the repository. */
  async judge(ask: ReviewAsk): Promise<void> {
    const { ctx } = this;
    this.judged.add(ask.commentId);
    let allowed = this.allowed.get(ask.login);
    if (allowed === undefined) {
      try {
        const permission = await keepTrying(
          ctx,
          `checking whether ${ask.login} may review the run's work`,
          () => permissionOf(ctx.client, ask.login),
        );
        allowed = canStart(permission);
        this.allowed.set(ask.login, allowed);
      } catch (error) {
        ctx.log.warning(`could not check who reviewed the work: ${getErrorMessage(error)}`);
        return;
      }
    }
    if (!allowed) {
      ctx.log.info(
        `ignoring the verdict of ${ask.login} in comment ${ask.commentId}: reviewing takes write permission`,
      );
      return;
    }
    const state = foldThread(ctx);
    const targets = reviewTargets(state, ctx.client.clock.now(), ask);
    if ('refused' in targets) {
      ctx.log.info(`not relaying the verdict in comment ${ask.commentId}: ${targets.refused}`);
      return;
    }
    for (const task of targets.tasks) {
      ctx.log.info(
        `👀 ${ask.login} ${ask.verdict === 'approved' ? 'approved' : 'asked for changes to'} ${task} (comment ${ask.commentId}): relaying it`,
      );
      await keepTrying(ctx, `relaying the review of ${task}`, () =>
        ctx.thread.post(reviewBody(ctx.config, ask, task, targets.comments)),
      );
    }
  }
}
