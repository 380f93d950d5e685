// Racing a claim comment for a task: post it, wait out the settle window, decide only from a listing that
// shows it (and the previous attempt's last write), and keep it only if the fold says this node won. Also the
// closing claim that fails a task whose last allowed attempt fell silent.
import { getErrorMessage } from '../../errors.js';
import { surelyAfter } from '../../protocol/server-time.js';
import type { RunState } from '../../protocol/fold.js';
import { capToAskNow, giveBack, ownClaim, settleGrant } from './attempt-cap.js';
import type { Claim } from '../../protocol/messages.js';
import { carriedPrior, noteCarried, withinPatience, type PendingOutcome } from './carried-outcome.js';
import { foldThread, type RunContext } from '../loop/context.js';
import { waitingFor } from '../loop/watchdog.js';
import { keepTrying } from '../loop/keep-trying.js';
import { LeaseKeeper } from '../watches/lease-keeper.js';
import { leaseNow, noteLease } from '../watches/held-leases.js';
import { claimBody, newNonce, type ClaimFields } from '../loop/message-bodies.js';
import type { ThreadComment } from '../../protocol/thread-comment.js';
import type { HeldClaim } from './held-claim.js';
import { attemptsThatMayStillWrite } from './earlier-attempts.js';
import { recordPending } from './record-outcome.js';

/**
 * Read the thread until a listing shows `commentId` (and so, listings being prefixes in time, every comment
 * posted before it). Only what was added since the last reading is read (the end of the full listing, whose
 * pages only grow at the end): a race is decided by comments created, and the view already has the edits that
 * made the task claimable; the previous attempt's last edit is read on its own (settlePreviousAttempt).
 * False when `abandon` says to stop waiting.
 */
function untilListed(ctx: RunContext, commentId: number, abandon: () => boolean): Promise<boolean> {
  return waitingFor(ctx, `a listing that shows comment ${commentId}`, () =>
    readUntilListed(ctx, commentId, abandon),
  );
}

async function readUntilListed(ctx: RunContext, commentId: number, abandon: () => boolean): Promise<boolean> {
  for (;;) {
    if (abandon()) return false;
    try {
      if (ctx.thread.canReadTail()) {
        const tail = await ctx.thread.readTail();
        if (tail.unsure) await ctx.thread.refresh();
      } else await ctx.thread.refresh();
    } catch (error) {
      ctx.log.warning(`reading the thread failed: ${getErrorMessage(error)}`);
    }
    if (ctx.thread.has(commentId)) return true;
    await ctx.sleep(Math.min(ctx.config.pollMs, 1000));
  }
}

/**
 * A takeover is judged by the previous attempt's last write before the claim: its heartbeats (was its lease
 * still running?) and a late outcome (did it finish first?). Those are edits to an old comment, which a
 * listing of what was added does not show, and which a read from a lagging replica may not show yet. So read
 * that comment on its own, once any read is sure to show every write made before the claim (GitHub's listing
 * lag, `listing-lag-ms`, after the claim's second), and read the end of the thread again.
 */
async function settlePreviousAttempt(
  ctx: RunContext,
  choice: { task: string; attempt: number },
  claimCreated: string,
): Promise<void> {
  if (choice.attempt < 2) return;
  const earlier = attemptsThatMayStillWrite(ctx, choice);
  if (earlier.length === 0) return;
  const waitMs = surelyAfter(Date.parse(claimCreated)) + ctx.config.listingLagMs - ctx.client.clock.now();
  if (waitMs > 0) {
    ctx.log.info(
      `waiting ${Math.ceil(waitMs / 1000)}s until any read shows attempt ${choice.attempt - 1}'s last write before this claim`,
    );
    await waitingFor(
      ctx,
      `GitHub's listing lag to pass before reading attempt ${choice.attempt - 1} of ${choice.task} again`,
      () => ctx.sleep(waitMs),
    );
  }
  for (const a of earlier)
    await keepTrying(ctx, `reading attempt ${a.attempt} of ${choice.task} again`, () =>
      ctx.thread.reload(a.commentId),
    );
  await keepTrying(ctx, 'reading the end of the thread', () => ctx.thread.readTail());
}

/** Post a claim comment; undefined (and logged) when GitHub would not take it within a lease. */
async function postClaim(ctx: RunContext, task: string, body: string): Promise<ThreadComment | undefined> {
  try {
    return await keepTrying(
      ctx,
      `claiming ${task}`,
      // A claim answered 5xx may have landed: posted again at once (keepTrying), not after plugin-retry's
      // back-off, so that the copy the fold counts (the first) is still fresh when this node adopts it.
      () => ctx.thread.post(body, { retries: 0 }),
      ctx.config.leaseMs,
    );
  } catch (error) {
    ctx.log.warning(`could not claim ${task}: ${getErrorMessage(error)}`);
    return undefined;
  }
}

/**
 * Post a claim and wait for the verdict. Returns the claim when this node won it. `chosenFrom`: the state the
 * node chose the task from, which the cap it asks of the run's budget is worked out from (the thread, if absent).
 */
export async function claimTask(
  ctx: RunContext,
  choice: { task: string; attempt: number; takeover?: Claim['takeover'] },
  chosenFrom?: RunState,
  carry?: PendingOutcome,
): Promise<{ claim: HeldClaim; state: RunState } | undefined> {
  const { config, log } = ctx;
  const nonce = newNonce();
  const statsBefore = { counted: ctx.client.stats.counted, writes: ctx.client.stats.writes };
  const capUsd = capToAskNow(ctx, chosenFrom);
  const carried = carry ? await carriedPrior(ctx, carry) : undefined;
  const fields: ClaimFields = {
    task: choice.task,
    attempt: choice.attempt,
    state: 'claimed',
    ...(choice.takeover ? { takeover: choice.takeover } : {}),
    ...(capUsd !== undefined ? { cap_usd: capUsd } : {}),
    ...(carried ? { prior: carried.prior } : {}),
  };
  // The settle window runs from when the claim was sent: its comment is stamped between send and answer.
  const postedAt = Date.now();
  const lease = leaseNow(ctx, true); // one the budget can pay for
  const post = postClaim(ctx, choice.task, claimBody(config, nonce, fields, lease));
  let posted: ThreadComment | undefined;
  if (carry && carried) {
    // Held back or not posted: the outcome goes into its own comment after all.
    const waited = await withinPatience(ctx, carry, post, () => recordPending(ctx, carry));
    posted = waited.value;
    if (posted && !waited.writtenOwn) noteCarried(ctx, carry, carried.edit, posted);
    else if (!waited.writtenOwn) await recordPending(ctx, carry);
  } else posted = await post;
  if (!posted) return undefined;
  noteLease(ctx, lease.leaseMs, lease.heartbeatMs, `the claim on ${choice.task}`);
  const lost = (reason: string): void => {
    claim.lost = reason;
    claim.onLost?.(reason);
  };
  const claim: HeldClaim = {
    task: choice.task,
    attempt: choice.attempt,
    nonce,
    ...(choice.takeover ? { takeover: choice.takeover } : {}),
    ...(capUsd !== undefined ? { capUsd } : {}),
    ...(carried ? { prior: carried.prior } : {}),
    statsBefore,
    keeper: new LeaseKeeper(ctx, posted.id, Date.parse(posted.created_at), lost, lease.leaseMs),
  };
  claim.keeper.start((edit) => claimBody(config, nonce, fields, edit), false);
  log.info(
    `🎯 claimed ${choice.task} (attempt ${choice.attempt}) in comment ${posted.id}; waiting ${config.settleMs}ms for rivals`,
  );

  // Decide only from a listing that shows this claim, once the settle window has passed.
  await ctx.sleep(Math.max(0, config.settleMs - (Date.now() - postedAt)));
  const seen = await untilListed(ctx, posted.id, () => claim.lost !== undefined);
  if (!seen) {
    log.warning(`gave up the claim on ${choice.task}: ${claim.lost}`);
    return undefined;
  }
  await settlePreviousAttempt(ctx, choice, posted.created_at);
  const state = await settleGrant(ctx, claim, foldThread(ctx));
  return (await judgeClaim(ctx, claim, fields, posted.id, state)) ? { claim, state } : undefined;
}

/** Whether this node won its claim, as `state` has it (after the settle window and any previous attempt). */
async function judgeClaim(
  ctx: RunContext,
  claim: HeldClaim,
  fields: ClaimFields,
  postedId: number,
  state: RunState,
): Promise<boolean> {
  const { log } = ctx;
  const { nonce } = claim;
  const attempts = state.tasks.get(claim.task)?.attempts ?? [];
  const winner = attempts[claim.attempt - 1];
  if (winner?.nonce === nonce && winner.commentId !== postedId) {
    log.info(`the claim was posted twice; keeping comment ${winner.commentId}, the first copy`);
    claim.keeper.retarget(winner.commentId, winner.updated, winner.ev.leaseMs);
  }
  if (winner?.nonce === nonce && (winner.outcome !== 'open' || attempts.at(-1) !== winner || claim.lost)) {
    // The first copy landed long before this node heard back, went unrefreshed, and was taken over.
    claim.keeper.stop();
    const why =
      winner.outcome === 'superseded'
        ? 'an earlier attempt had finished its work in time, and its outcome came in late'
        : 'its first copy fell silent and was taken over';
    log.info(`lost ${claim.task}: ${claim.lost ?? why}`);
    return false;
  }
  const { refusal } = ownClaim(state, claim);
  if (refusal) {
    await giveBack(ctx, claim.keeper, { ...fields, nonce }, refusal);
    return false;
  }
  if (!winner || winner.nonce !== nonce) {
    claim.keeper.stop();
    const entry = state.entries.find((e) => e.commentId === postedId);
    log.info(
      `lost ${claim.task}: ${entry?.note ?? (winner ? `${winner.node} claimed it first` : 'the claim did not count')}`,
    );
    return false;
  }
  if (winner.cap) claim.grantUsd = winner.cap.granted;
  log.info(
    `won ${claim.task} (attempt ${claim.attempt})${winner.cap ? `; its agents may spend $${winner.cap.granted.toFixed(4)} of the run's budget` : ''}`,
  );
  return true;
}

/**
 * Close a task whose last allowed attempt fell silent: post a claim one past the limit, already failed, and
 * wait until a listing shows it. The fold accepts it only if that attempt's lease had truly run out when it
 * was posted, so a node misled by a lagging listing cannot fail a task that is still running.
 */
export async function closeTask(
  ctx: RunContext,
  choice: { task: string; attempt: number; takeover?: Claim['takeover'] },
): Promise<boolean> {
  const { config, thread, log } = ctx;
  const nonce = newNonce();
  const error = `attempt ${choice.attempt - 1}'s node fell silent and no attempts are left`;
  let posted;
  try {
    posted = await keepTrying(
      ctx,
      `closing ${choice.task}`,
      () =>
        thread.post(
          claimBody(config, nonce, {
            task: choice.task,
            attempt: choice.attempt,
            state: 'failed',
            result: { exit_code: null, duration_ms: 0, output_tail: '', error },
            ...(choice.takeover ? { takeover: choice.takeover } : {}),
          }),
        ),
      config.leaseMs,
    );
  } catch (postError) {
    log.warning(`could not close ${choice.task}: ${getErrorMessage(postError)}`);
    return false;
  }
  log.info(`❌ closing ${choice.task} in comment ${posted.id}: ${error}`);
  await untilListed(ctx, posted.id, () => false);
  await settlePreviousAttempt(ctx, choice, posted.created_at);
  const state = foldThread(ctx);
  const entry = state.entries.find((e) => e.commentId === posted.id);
  const closed = state.tasks.get(choice.task)?.attempts.some((a) => a.closing) ?? false;
  if (!closed || entry?.status !== 'accepted')
    log.info(`${choice.task} was not closed: ${entry?.note ?? 'another record came first'}`);
  return closed;
}
