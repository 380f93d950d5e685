// The attempts before a takeover that could still change who holds the task: the one before (its heartbeats,
// its outcome) and any it took over from whose finished work may yet be recorded late. While a takeover's
// agent runs, its node watches them, and stops its agent if one of them had finished first.
import { getErrorMessage } from '../../errors.js';
import type { AttemptRecord } from '../../protocol/fold.js';
import { watchEvery } from '../watches/watch-every.js';
import { foldThread, type RunContext } from '../loop/context.js';
import type { HeldClaim } from './held-claim.js';

/**
 * The earlier attempts of a task whose last write could still change who holds it: the one before (its
 * heartbeats, its outcome), and any taken over from whose finished work may yet be recorded late.
 */
export function attemptsThatMayStillWrite(
  ctx: RunContext,
  choice: { task: string; attempt: number },
): AttemptRecord[] {
  const state = foldThread(ctx);
  const attempts = state.tasks.get(choice.task)?.attempts.slice(0, choice.attempt - 1) ?? [];
  return attempts.filter(
    (a, i) => !a.closing && (i === choice.attempt - 2 || a.outcome === 'expired' || a.rescued === true),
  );
}

/**
 * While the agent runs on a takeover, look now and then (a free 304 while nothing changed) at the attempts it
 * took over from: if one had finished its work in time and its outcome now comes in, this attempt is
 * superseded and its agent is stopped. Resolves when `stop` is called.
 */
export function watchForEarlierOutcome(
  ctx: RunContext,
  claim: HeldClaim,
): { stop: () => Promise<void>; watching: boolean } {
  const earlier = attemptsThatMayStillWrite(ctx, claim).filter((a) => a.outcome !== 'failed');
  if (earlier.length === 0) return { watching: false, stop: () => Promise.resolve() };
  const watch = watchEvery(ctx.sleep, supersedeWatchMs(ctx.config), async () => {
    if (claim.lost) return true;
    await checkSuperseded(ctx, claim, earlier);
    return claim.lost !== undefined;
  });
  return {
    watching: true,
    stop: async () => {
      await watch.stop();
      // One last look before the work is delivered (the lease may be lost by now: the work still counts).
      if (!claim.superseded) await checkSuperseded(ctx, claim, earlier);
    },
  };
}

/** How often a takeover's node looks for an earlier attempt's late outcome while its agent runs. */
export function supersedeWatchMs(config: { pollMs: number }): number {
  return Math.min(Math.max(config.pollMs * 5, 5000), 30_000);
}

async function checkSuperseded(ctx: RunContext, claim: HeldClaim, earlier: AttemptRecord[]): Promise<void> {
  let changed = false;
  for (const a of earlier) {
    try {
      changed = (await ctx.thread.reload(a.commentId)) || changed;
    } catch (error) {
      ctx.log.debug(`could not read attempt ${a.attempt} of ${claim.task}: ${getErrorMessage(error)}`);
    }
  }
  try {
    // Its node's next claim may carry that outcome (carried-outcome.ts): a new comment, at the thread's end.
    if (ctx.thread.canReadTail()) changed = (await ctx.thread.readTail()).added.length > 0 || changed;
  } catch (error) {
    ctx.log.debug(`could not read the end of the thread: ${getErrorMessage(error)}`);
  }
  if (!changed) return;
  const state = foldThread(ctx);
  const attempts = state.tasks.get(claim.task)?.attempts ?? [];
  const mine = attempts[claim.attempt - 1];
  const winner = attempts.find((a) => a.outcome === 'completed');
  if (mine?.nonce === claim.nonce && mine.outcome !== 'superseded') return;
  const why = winner
    ? `attempt ${winner.attempt} by ${winner.node} had finished first; its outcome came in late`
    : 'the claim no longer holds the task';
  claim.superseded = why;
  claim.lost = why;
  ctx.log.warning(`${claim.task}: stopping: ${why}`);
  claim.onLost?.(why);
}
