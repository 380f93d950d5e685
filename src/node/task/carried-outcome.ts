// An outcome carried by the node's next claim. When an attempt ends and the node has another task to claim at
// once, its claim comment records the outcome too (`prior`): one write instead of two, and a thread that only
// grows at its end (a listing of what was added shows the outcome). The fold reads the carried outcome as the
// earlier comment's edit made at the carrier's time (fold.ts, carryOutcomes). The outcome waits only for the
// step that follows the attempt: any action but a claim writes it into its own comment first, and so does a
// claim that cannot be posted.
import { fold, type RunState } from '../../protocol/fold.js';
import type { PriorOutcome, Result, Task } from '../../protocol/messages.js';
import type { RunContext } from '../loop/context.js';
import type { WorkResult } from '../agent/quality-gate.js';
import type { HeldClaim } from './held-claim.js';
import type { LeaseEdit } from '../watches/lease-keeper.js';
import { claimBody, priorOutcome, type ClaimFields } from '../loop/message-bodies.js';

export interface PendingOutcome {
  claim: HeldClaim;
  /** The final write's fields: the outcome, and what every write of the claim carries. */
  fields: ClaimFields & { state: 'completed' | 'failed' };
  task: Task;
  run: WorkResult;
  ok: boolean;
  error?: string | undefined;
  result: Result;
  finishedAt?: number | undefined;
}

/**
 * Whether an outcome may wait for the next claim: its lease has more than half of it left (the wait is a
 * reading of the thread and a post), and nothing ends the run's work (a lost lease, a stop).
 */
export function mayCarry(ctx: RunContext, claim: HeldClaim): boolean {
  if (claim.lost || claim.stopped || claim.superseded) return false;
  return ctx.client.clock.now() < claim.keeper.deadline() - claim.keeper.lease / 2;
}

/** The longest an outcome waits for a reading or a post before it is edited into its own comment after all. */
export const CARRY_PATIENCE_MS = 10_000;

/**
 * Wait for `work` (the reading before the next claim, or the claim's post); when it has not settled within the
 * outcome's patience (CARRY_PATIENCE_MS, and never more than half of what is left of its lease), `writeOwn`
 * writes the outcome into its own comment meanwhile: GitHub may be holding the node back, and the outcome
 * must not wait with it. Both may land; the first outcome stands (fold.ts). Resolves with whether it was written.
 */
export async function withinPatience<T>(
  ctx: RunContext,
  pending: PendingOutcome,
  work: Promise<T>,
  writeOwn: () => Promise<void>,
): Promise<{ value: T; writtenOwn: boolean }> {
  const left = pending.claim.keeper.deadline() - ctx.client.clock.now();
  const ms = Math.max(0, Math.min(CARRY_PATIENCE_MS, left / 2));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  const first = await Promise.race([
    work.then(
      () => 'done' as const,
      () => 'done' as const,
    ),
    late,
  ]);
  clearTimeout(timer);
  if (first === 'done') return { value: await work, writtenOwn: false };
  await writeOwn();
  return { value: await work, writtenOwn: true };
}

/** The run as it stands once the outcome is written: the next action is decided from it. */
export function foldWithPending(ctx: RunContext, pending: PendingOutcome): RunState {
  const { commentId, edit } = pending.claim.keeper.nextWrite();
  const body = claimBody(ctx.config, pending.claim.nonce, pending.fields, edit);
  const at = new Date(ctx.client.clock.now()).toISOString();
  const comments = ctx.thread.all().map((c) => (c.id === commentId ? { ...c, body, updated_at: at } : c));
  return fold(comments, { run: ctx.config.run, trust: ctx.trust });
}

/** The outcome as the next claim carries it, counted as the held claim's next write. */
export async function carriedPrior(
  ctx: RunContext,
  pending: PendingOutcome,
): Promise<{ prior: PriorOutcome; edit: LeaseEdit }> {
  const edit = await pending.claim.keeper.carriedWrite();
  return { prior: priorOutcome(ctx.config, pending.claim.nonce, pending.fields, edit), edit };
}

/** The claim that carries the outcome was posted (created at `createdAt`): log the outcome as recorded. */
export function noteCarried(
  ctx: RunContext,
  pending: PendingOutcome,
  edit: LeaseEdit,
  carrier: { id: number; created_at: string },
): void {
  const inTime = pending.claim.keeper.carried(edit, Date.parse(carrier.created_at));
  if (!inTime) warnLate(ctx, pending);
  logOutcome(ctx, pending, ` (recorded with the next claim, comment ${carrier.id})`);
}

/** An outcome that landed after its lease ran out: what it still counts for. */
export function warnLate(ctx: RunContext, o: Pick<PendingOutcome, 'task' | 'ok' | 'finishedAt'>): void {
  ctx.log.warning(
    o.finishedAt !== undefined && o.ok
      ? `${o.task.id}: GitHub held this node back until after its lease ran out, but the work had ended in time: the outcome stands unless a takeover completed first`
      : `${o.task.id}: the outcome was written after the lease ran out; it counts only if nobody took over`,
  );
}

export function logOutcome(
  ctx: RunContext,
  o: Pick<PendingOutcome, 'task' | 'ok' | 'error' | 'run'>,
  where = '',
): void {
  ctx.log.info(
    `${o.ok ? '✅' : '❌'} ${o.task.id} ${o.ok ? 'completed' : 'failed'} in ${Math.round(o.run.durationMs / 1000)}s${o.error ? `: ${o.error}` : ''}${where}`,
  );
}
