// A node's life: announce itself and stand for leader, then follow the thread. It leads when the fold says
// so, stands again when a leader falls silent before publishing, claims and runs tasks once a plan is out,
// and leaves when every task is completed, failed or skipped.
import { getErrorMessage } from '../errors.js';
import { fold, type RunState } from '../protocol/fold.js';
import { chooseTask, currentLeader, electionDue, runFinished, tally, taskViews } from '../protocol/decide.js';
import { makeTrust } from '../protocol/thread-comment.js';
import { persist, type NodeContext } from './context.js';
import { lead } from './leadership.js';
import { bidBody, newNonce } from './outbox.js';
import { claimTask, runTask } from './work.js';

export interface NodeOutcome {
  role: 'leader' | 'worker';
  nodeId: string;
  completed: number;
  failed: number;
  /** The run's plan could not be made (set on every node); the leader's step fails with it. */
  planningError?: string;
  state: RunState;
}

export async function runNode(ctx: NodeContext): Promise<NodeOutcome> {
  const { config, thread, log, client } = ctx;
  ctx.issue = await persist(ctx, `reading issue #${config.issueNumber}`, () => thread.issue());
  log.info(
    `node ${config.nodeId} (instance ${config.instance} of ${config.instances}) joins run ${config.run} on issue #${config.issueNumber}`,
  );

  // The first comment announces the node and stands it for leader; its author is the action's identity.
  const bids = new Map<number, number>(); // term → local time posted
  const firstBid = await persist(ctx, 'posting the election comment', () =>
    thread.post(bidBody(config, newNonce(), 1, 'standing')),
  );
  bids.set(1, Date.now());
  if (!firstBid.user) throw new Error('the election comment came back without an author');
  ctx.trust = makeTrust(firstBid.user, config.trustedAuthors);
  log.info(
    `🎯 stood for leader (term 1) in comment ${firstBid.id}; the action writes as ${firstBid.user.login} (id ${firstBid.user.id})`,
  );

  let leadAttemptedTerm = 0;
  let completed = 0;
  let failed = 0;
  let idleRounds = 0;
  let state: RunState = fold([], { run: config.run, trust: ctx.trust });
  const loggedRejections = new Set<number>();
  let lastTally = '';

  for (;;) {
    try {
      await thread.refresh();
    } catch (error) {
      await persist(ctx, 'reading the thread', () => thread.refresh()).catch((e: unknown) => {
        throw new Error(`${getErrorMessage(e)} (first failure: ${getErrorMessage(error)})`);
      });
    }
    state = fold(thread.all(), { run: config.run, trust: ctx.trust });
    for (const entry of state.entries) {
      if (
        entry.status !== 'accepted' &&
        entry.status !== 'ignored' &&
        !loggedRejections.has(entry.commentId)
      ) {
        loggedRejections.add(entry.commentId);
        log.info(
          `skipping comment ${entry.commentId} by ${entry.author}: ${entry.status}${entry.note ? ` (${entry.note})` : ''}`,
        );
      }
    }
    const now = client.clock.now();

    if (state.plan?.error !== undefined) {
      log.warning(`the run has no tasks: planning failed: ${state.plan.error}`);
      break;
    }
    if (runFinished(state, now)) break;

    if (!state.plan) {
      const leader = currentLeader(state);
      const myBidTime = leader ? bids.get(leader.term) : undefined;
      if (
        leader?.node === config.nodeId &&
        leadAttemptedTerm < leader.term &&
        myBidTime !== undefined &&
        Date.now() - myBidTime >= config.settleMs
      ) {
        leadAttemptedTerm = leader.term;
        const outcome = await lead(ctx, leader);
        if (outcome === 'failed-planning') {
          // Everyone, this node included, learns of it from the thread.
          log.warning('planning failed; the error is on the issue');
        }
        continue;
      }
      const due = electionDue(state, now);
      if (due !== undefined && !bids.has(due)) {
        log.info(`the term ${due - 1} leader fell silent before publishing a plan: standing for term ${due}`);
        await persist(ctx, `standing for term ${due}`, () =>
          thread.post(bidBody(config, newNonce(), due, 'standing')),
        );
        bids.set(due, Date.now());
        continue;
      }
      await ctx.sleep(config.pollMs);
      continue;
    }

    const counts = tally(state, now);
    const summary = Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ');
    if (summary !== lastTally) {
      log.info(`tasks: ${summary}`);
      lastTally = summary;
    }

    const choice = chooseTask(state, now, { node: config.nodeId, instance: config.instance });
    if (!choice) {
      // Nothing to claim: poll more slowly while nothing changes (a 304 is free, a change is not).
      idleRounds += 1;
      const cap = Math.max(config.pollMs, Math.min(config.leaseMs / 3, 30_000));
      await ctx.sleep(Math.min(cap, config.pollMs * 2 ** Math.min(Math.max(0, idleRounds - 3), 6)));
      continue;
    }
    idleRounds = 0;
    const won = await claimTask(ctx, choice);
    if (!won) {
      await ctx.sleep(Math.min(config.pollMs, 500) * (1 + Math.random()));
      continue;
    }
    const outcome = await runTask(ctx, won.claim, won.state);
    if (outcome === 'completed') completed += 1;
    else if (outcome === 'failed') failed += 1;
  }

  const final = taskViews(state, client.clock.now());
  const counts = tally(state, client.clock.now());
  log.info(
    `run over: ${counts.completed} completed, ${counts.failed} failed, ${counts.skipped} skipped of ${final.size} task(s); this node completed ${completed}, failed ${failed}`,
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
