// Writing an attempt's outcome into its claim comment: the result (what the agent did, what was delivered,
// what the attempt cost in requests), kept trying through GitHub's refusals for as long as finished work is
// worth waiting for; and the record of an attempt superseded by an earlier one that had finished first.
import { getErrorMessage } from '../../errors.js';
import { decode } from '../../protocol/codec.js';
import type { Result } from '../../protocol/messages.js';
import { logOutcome, warnLate, type PendingOutcome } from './carried-outcome.js';
import { type RunContext } from '../loop/context.js';
import { keepTrying } from '../loop/keep-trying.js';
import { type LeaseEdit } from '../watches/lease-keeper.js';
import { claimBody } from '../loop/message-bodies.js';
import { type WorkResult } from '../agent/quality-gate.js';
import type { ThreadComment } from '../../protocol/thread-comment.js';
import type { Delivered } from '../../delivery/task-branch.js';
import { heldFields, type HeldClaim, type TaskEnd } from './held-claim.js';

/**
 * Write an outcome that waited for a next claim into its own comment (no claim carries it). The node read the
 * thread just before, to decide that: no reading goes along.
 */
export async function recordPending(ctx: RunContext, pending: PendingOutcome): Promise<void> {
  await recordOutcome(ctx, pending, false);
}

/** The outcome's result: what the agent did, what was delivered, and what the attempt cost in requests. */
export function resultOf(
  ctx: RunContext,
  claim: HeldClaim,
  o: {
    run: WorkResult;
    ok: boolean;
    error?: string | undefined;
    delivered?: Delivered | undefined;
    finishedAt?: number | undefined;
  },
): Result {
  const { run, delivered } = o;
  const { stats } = ctx.client;
  return {
    exit_code: run.exitCode,
    duration_ms: run.durationMs,
    output_tail: run.outputTail,
    ...(o.error ? { error: o.error } : {}),
    ...(run.usage ? { usage: run.usage } : {}),
    ...(run.runs > 0 ? { runs: run.runs } : {}),
    ...(run.check ? { check: run.check } : {}),
    ...(delivered
      ? {
          changes: delivered.changes,
          ...(delivered.diff ? { diff: delivered.diff } : {}),
          ...(delivered.branch ? { branch: delivered.branch } : {}),
          ...(delivered.commit ? { commit: delivered.commit } : {}),
          ...(delivered.pr ? { pr: delivered.pr } : {}),
          ...(delivered.prError ? { pr_error: delivered.prError.slice(0, 2000) } : {}),
        }
      : {}),
    ...(o.ok && o.finishedAt !== undefined ? { finished_at: Math.round(o.finishedAt) } : {}),
    // Counted so far, plus the edit that records this result.
    api: {
      requests: stats.counted - claim.statsBefore.counted + 1,
      writes: stats.writes - claim.statsBefore.writes,
    },
  };
}

/**
 * Write the outcome into the claim. Finished work is worth waiting for: through a used-up hourly budget and
 * its reset, if need be. What changed during the run is read while the outcome is written, so the next claim
 * goes out sooner (the outcome joins the view from the edit's answer, and a reading from a replica without it
 * cannot replace it); that reading stands for a fresh one only if it ended within a poll interval of the
 * outcome getting through.
 */
export async function recordOutcome(ctx: RunContext, o: PendingOutcome, readAlong = true): Promise<TaskEnd> {
  const { config, log } = ctx;
  const { claim, task, finishedAt } = o;
  const outcome = o.fields.state;
  const final = (edit: LeaseEdit): string => claimBody(config, claim.nonce, o.fields, edit);
  let caughtUpAt = -Infinity;
  const catchUp = readAlong
    ? ctx.thread.refresh().then(
        () => ((caughtUpAt = Date.now()), true),
        () => false,
      )
    : Promise.resolve(false);
  try {
    let tried = false;
    const counted = await keepTrying(
      ctx,
      `recording the outcome of ${task.id}`,
      () => {
        const again = tried;
        tried = true;
        return again
          ? claim.keeper.writeFinalAgain(final, (c) => carries(c, claim.nonce, outcome))
          : claim.keeper.write(final, true);
      },
      finishedAt !== undefined ? Math.max(OUTCOME_PATIENCE_MS, 3 * config.leaseMs) : undefined,
    );
    if (!counted) warnLate(ctx, o);
  } catch (writeError) {
    log.warning(`could not record the outcome of ${task.id}: ${getErrorMessage(writeError)}`);
    return { outcome: 'fenced', viewIsFresh: false };
  }
  logOutcome(ctx, o);
  // A reading that ended well before the outcome got through (GitHub held the write back) is stale by now.
  const caughtUp = await catchUp;
  return { outcome, viewIsFresh: caughtUp && Date.now() - caughtUpAt <= config.pollMs };
}

/** Whether a claim comment carries this attempt's outcome already (its nonce, in that state). */
function carries(comment: ThreadComment, nonce: string, outcome: 'completed' | 'failed'): boolean {
  const d = decode(comment.body);
  return (
    d.kind === 'message' &&
    d.message.type === 'claim' &&
    d.message.nonce === nonce &&
    d.message.state === outcome
  );
}

/** How long a node keeps trying to record finished work: GitHub's primary budget resets every hour. */
const OUTCOME_PATIENCE_MS = 75 * 60_000;

/** The attempt was superseded: its agent was stopped; record it as failed, deliver nothing. */
export async function recordSuperseded(ctx: RunContext, claim: HeldClaim, run: WorkResult): Promise<TaskEnd> {
  const { config, log } = ctx;
  claim.keeper.stop();
  const result: Result = {
    exit_code: run.exitCode,
    duration_ms: run.durationMs,
    output_tail: run.outputTail,
    error: `superseded: ${claim.superseded}`,
    ...(run.usage ? { usage: run.usage } : {}),
    ...(run.runs > 0 ? { runs: run.runs } : {}),
  };
  try {
    await keepTrying(ctx, `recording that ${claim.task} was superseded`, () =>
      claim.keeper.write(
        (edit) => claimBody(config, claim.nonce, heldFields(claim, { state: 'failed', result }), edit),
        true,
      ),
    );
  } catch (error) {
    log.warning(`could not record that ${claim.task} was superseded: ${getErrorMessage(error)}`);
  }
  log.info(`⏭️ ${claim.task}: left to the earlier attempt, which had finished first`);
  return { outcome: 'superseded', viewIsFresh: false };
}
