// How a node leaves a run: it says on the thread what it spent (for the run summary), logs where its
// requests went and what the repository's budget looked like, and reports what it did as the fold has it.
import type { RunState } from '../../protocol/fold.js';
import { tally, taskViews } from '../../protocol/decide.js';
import { getErrorMessage } from '../../errors.js';
import type { RunContext } from '../loop/context.js';
import { keepTrying } from '../loop/keep-trying.js';
import type { ApiLedger } from '../loop/api-ledger.js';
import type { Candidacies } from './candidacies.js';
import type { Headroom } from '../loop/headroom.js';
import { bidBody } from '../loop/message-bodies.js';
import { heldLeases } from '../watches/held-leases.js';
import { formatDuration } from '../../protocol/render.js';

export interface NodeOutcome {
  role: 'leader' | 'worker';
  nodeId: string;
  completed: number;
  failed: number;
  /** The run's plan could not be made (set on every node); the leader's step fails with it. */
  planningError?: string;
  state: RunState;
}

export async function leaveRun(
  node: { ctx: RunContext; candidacies: Candidacies; ledger: ApiLedger; headroom: Headroom },
  state: RunState,
): Promise<NodeOutcome> {
  const { ctx, ledger, headroom } = node;
  const { config, client, log } = ctx;
  node.candidacies.stopAll();
  ledger.enter('leaving');
  await recordSpend(node);
  log.info(ledger.line());
  const { remaining, limit, lowest } = client.budget;
  const longestLease = heldLeases(client).longestMs;
  if (limit !== undefined)
    log.info(
      `the repository's API budget: ${remaining} of ${limit} left at the end, ${lowest} at the least${headroom.slowedMs > 0 ? `; idle reads were slowed for ${Math.round(headroom.slowedMs / 1000)}s to leave some to the repository` : ''}${longestLease > 0 ? `; leases were lengthened up to ${formatDuration(longestLease)} (${formatDuration(config.leaseMs)} set), too few requests being left for their heartbeats` : ''}`,
    );
  const now = client.clock.now();
  const counts = tally(state, now);
  // What this node did, as the thread has it: work whose outcome the fold did not accept is not counted.
  const { completed, failed } = ownOutcomes(state, config.nodeId);
  log.info(
    `run over: ${counts.completed} completed, ${counts.failed} failed, ${counts.skipped} skipped of ${taskViews(state, now).size} task(s); this node completed ${completed}, failed ${failed}`,
  );
  return {
    role: state.plan?.leader === config.nodeId ? 'leader' : 'worker',
    nodeId: config.nodeId,
    completed,
    failed,
    ...(state.plan?.error !== undefined ? { planningError: state.plan.error } : {}),
    state,
  };
}

/** Say on the thread, in the node's first bid, what this node spent (this edit included). */
async function recordSpend(node: {
  ctx: RunContext;
  candidacies: Candidacies;
  headroom: Headroom;
}): Promise<void> {
  const { ctx, headroom } = node;
  const { config, client, log } = ctx;
  const first = node.candidacies.first;
  if (!first) return;
  const longest = heldLeases(client).longestMs;
  try {
    await keepTrying(
      ctx,
      'recording what this node spent',
      () =>
        first.keeper.write(
          (edit) =>
            bidBody(config, first.nonce, 1, 'standing', edit, {
              requests: client.stats.counted + 1,
              not_modified: client.stats.notModified,
              writes: client.stats.writes,
              ...(client.budget.limit !== undefined ? { rate_limit: client.budget.limit } : {}),
              ...(client.budget.lowest !== undefined ? { lowest_remaining: client.budget.lowest } : {}),
              ...(headroom.slowedMs > 0 ? { slowed_ms: Math.round(headroom.slowedMs) } : {}),
              ...(longest > 0 ? { longest_lease_ms: longest } : {}),
            }),
          true,
        ),
      60_000,
    );
  } catch (error) {
    log.warning(`could not record what this node spent: ${getErrorMessage(error)}`);
  }
}

/** The tasks this node completed and the attempts it failed, by the fold. */
export function ownOutcomes(state: RunState, node: string): { completed: number; failed: number } {
  let completed = 0;
  let failed = 0;
  for (const record of state.tasks.values())
    for (const a of record.attempts) {
      if (a.node !== node || a.closing) continue;
      if (a.outcome === 'completed') completed += 1;
      else if (a.outcome === 'failed') failed += 1;
    }
  return { completed, failed };
}
