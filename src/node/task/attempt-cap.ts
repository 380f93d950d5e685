// An attempt's cap out of the run's budget, as the node claiming it sees it: what its claim asks for, what the
// fold granted it (re-read when the view granted less than asked: a view lacking an outcome's edit grants less
// than the thread does, never more), and giving a refused claim back without starting its agent.
import { getErrorMessage } from '../../errors.js';
import { capToAsk } from '../../protocol/budget-share.js';
import type { AttemptRecord, RunState } from '../../protocol/fold.js';
import type { Refusal } from '../../protocol/reservations.js';
import { formatCost } from '../../protocol/usage.js';
import type { Result } from '../../protocol/messages.js';
import { foldThread, type RunContext } from '../loop/context.js';
import { keepTrying } from '../loop/keep-trying.js';
import { claimBody, type ClaimFields } from '../loop/message-bodies.js';
import type { LeaseKeeper } from '../watches/lease-keeper.js';

/** The cap this node asks for the attempt it is about to claim, from `state`; undefined without a budget. */
export function capToAskNow(ctx: RunContext, state = foldThread(ctx)): number | undefined {
  return capToAsk(state, ctx.client.clock.now(), ctx.config.nodeId, ctx.config.maxTaskCostUsd);
}

/** This node's claim as the fold has it: its attempt if it holds one, its refusal if the budget refused it. */
export function ownClaim(
  state: RunState,
  claim: { task: string; attempt: number; nonce: string },
): { attempt?: AttemptRecord; refusal?: Refusal & { commentId: number; updated: number; leaseMs: number } } {
  const attempt = state.tasks.get(claim.task)?.attempts[claim.attempt - 1];
  if (attempt?.nonce === claim.nonce) return { attempt };
  // The first copy of a claim posted twice is the one the fold judged.
  const entry = state.entries.find(
    (e) => e.message?.type === 'claim' && e.message.nonce === claim.nonce && e.status !== 'duplicate',
  );
  const refusal = entry ? state.budget?.refused.get(entry.commentId) : undefined;
  return refusal && entry
    ? {
        refusal: {
          ...refusal,
          commentId: entry.commentId,
          updated: entry.updated,
          leaseMs: entry.message?.type === 'claim' ? entry.message.lease_ms : 0,
        },
      }
    : {};
}

/**
 * The state to judge this node's claim from. The view may not show an outcome written just before the claim
 * (edits reach a view with a full reading, which it may not have had since): a view without it grants less
 * than the thread does, never more. So when the claim was refused or granted less than it asked, the thread is
 * read once more first.
 */
export async function settleGrant(
  ctx: RunContext,
  claim: { task: string; attempt: number; nonce: string; capUsd?: number },
  state: RunState,
): Promise<RunState> {
  if (claim.capUsd === undefined) return state;
  const { attempt, refusal } = ownClaim(state, claim);
  const granted = attempt?.cap?.granted;
  if (!refusal && (granted === undefined || granted >= claim.capUsd)) return state;
  try {
    await ctx.thread.refresh();
  } catch (error) {
    ctx.log.warning(`reading the thread failed: ${getErrorMessage(error)}`);
    return state;
  }
  return foldThread(ctx);
}

/**
 * The budget refused the claim: its agent does not start. The claim is recorded failed, having spent nothing,
 * so that if a fuller view of the thread grants it after all, the attempt gives its cap back at once.
 */
export async function giveBack(
  ctx: RunContext,
  keeper: LeaseKeeper,
  fields: ClaimFields & { nonce: string },
  refusal: Refusal & { commentId: number; updated: number; leaseMs: number },
): Promise<void> {
  const error = `not started: the run's budget had ${formatCost(refusal.left)} left to grant when it was claimed, less than an agent starts with`;
  const result: Result = {
    exit_code: null,
    duration_ms: 0,
    output_tail: '',
    error,
    usage: { cost_usd: 0 },
  };
  const { nonce, ...rest } = fields;
  keeper.stop();
  keeper.retarget(refusal.commentId, refusal.updated, refusal.leaseMs || ctx.config.leaseMs);
  try {
    await keepTrying(ctx, `giving ${fields.task} back`, () =>
      keeper.write((edit) => claimBody(ctx.config, nonce, { ...rest, state: 'failed', result }, edit), true),
    );
  } catch (writeError) {
    ctx.log.warning(`could not give ${fields.task} back: ${getErrorMessage(writeError)}`);
  }
  ctx.log.info(`💸 ${fields.task}: ${error}`);
}

/** What the granted cap is called in what the attempt reports. */
export function capInput(granted: number, maxTaskCostUsd: number | undefined): string {
  return granted === maxTaskCostUsd ? 'max-task-cost-usd' : "its share of the run's budget (max-cost-usd)";
}
