// Delivering an attempt's work: its branch pushed (a failed run's to the failed-attempt branch) and its pull
// request opened, with what failed said plainly.
import { getErrorMessage } from '../../errors.js';
import { type RunContext } from '../loop/context.js';
import { type WorkResult } from '../agent/quality-gate.js';
import type { Task } from '../../protocol/messages.js';
import type { Delivered, DependencyBranch } from '../../delivery/task-branch.js';
import type { HeldClaim } from './held-claim.js';

/** Push the work to its branch (a failed run's to the failed-attempt branch) and open its pull request. */
export async function deliverWork(
  ctx: RunContext,
  branches: NonNullable<RunContext['branches']>,
  w: {
    claim: HeldClaim;
    task: Task;
    run: WorkResult;
    deps: DependencyBranch[];
    ok: boolean;
    error: string | undefined;
    watching: boolean;
  },
): Promise<{ ok: boolean; error: string | undefined; delivered?: Delivered }> {
  const { log, config } = ctx;
  const { task, run } = w;
  // A task that asks for a review gets a pull request to review it on, even when the issue gets the one.
  const reviewOnly =
    task.review === 'required' && !config.delivery?.createPr && (config.delivery?.reviewPr ?? false);
  try {
    const delivered = await branches.deliver({
      task,
      attempt: w.claim.attempt,
      node: config.nodeId,
      ok: w.ok,
      ...(w.error ? { failure: w.error } : {}),
      deps: w.deps,
      createPr: (config.delivery?.createPr ?? false) || reviewOnly,
      reviewOnly,
      ...(run.check ? { check: run.check } : {}),
      ...(run.usage ? { usage: run.usage } : {}),
      // A takeover that could still lose to a late outcome never pushes over the branch of the work that wins.
      ownBranch: w.watching,
    });
    if (!delivered.changes)
      log.info(`${task.id}: the agent changed nothing, so there is no branch or pull request`);
    else
      log.info(
        `${task.id}: pushed ${delivered.branch}${delivered.pr ? `; pull request ${delivered.pr}` : ''}`,
      );
    if (delivered.prError)
      log.warning(`${task.id}: the pull request could not be opened: ${delivered.prError}`);
    return { ok: w.ok, error: w.error, delivered };
  } catch (deliveryError) {
    const why = getErrorMessage(deliveryError);
    log.warning(`${task.id}: could not push the work: ${why}`);
    if (!w.ok) return { ok: false, error: w.error };
    return { ok: false, error: `the agent succeeded but its work could not be pushed: ${why}` };
  }
}
