// A node's life: announce itself and stand for leader, then follow the thread. It leads when the fold says
// so, stands again when a leader falls silent before publishing, claims and runs tasks once a plan is out,
// and leaves when every task is completed, failed or skipped.
import { fold, type RunState } from '../protocol/fold.js';
import {
  chooseTask,
  currentLeader,
  electionDue,
  liveAttemptOf,
  nextLapse,
  runFinished,
  tally,
  taskViews,
} from '../protocol/decide.js';
import { makeTrust } from '../protocol/thread-comment.js';
import { decode } from '../protocol/codec.js';
import { keepTrying, type NodeContext } from './context.js';
import { ApiLedger, type Phase } from './api-ledger.js';
import { lead } from './leadership.js';
import { bidBody, newNonce } from './message-bodies.js';
import { LeaseKeeper } from './lease-keeper.js';
import type { ThreadComment } from '../protocol/thread-comment.js';
import { claimTask, closeTask, runTask } from './work.js';
import { deliveryBlocker, TaskBranches } from '../delivery/task-branch.js';
import { secureWorkspace } from '../delivery/persisted-credentials.js';
import { getErrorMessage } from '../errors.js';
import { LivenessWatch } from './liveness-watch.js';
import { Headroom } from './headroom.js';

export interface NodeOutcome {
  role: 'leader' | 'worker';
  nodeId: string;
  completed: number;
  failed: number;
  /** The run's plan could not be made (set on every node); the leader's step fails with it. */
  planningError?: string;
  state: RunState;
}

const isPlan = (comment: ThreadComment): boolean => {
  const decoded = decode(comment.body);
  return decoded.kind === 'message' && decoded.message.type === 'plan';
};

export async function runNode(ctx: NodeContext): Promise<NodeOutcome> {
  const { config, thread, log, client } = ctx;
  // Before anything else, and before any agent can run: no token where the agent could read it.
  if (config.delivery)
    await secureWorkspace(
      config.delivery.token,
      {
        workspace: config.workspace,
        ...(config.delivery.home ? { home: config.delivery.home } : {}),
        ...(config.delivery.runnerTemp ? { runnerTemp: config.delivery.runnerTemp } : {}),
      },
      log,
    );
  const ledger = new ApiLedger(client.stats);
  const enter = (next: Phase): void => ledger.enter(next);
  ctx.issue = await keepTrying(ctx, `reading issue #${config.issueNumber}`, () => thread.issue());
  log.info(
    `node ${config.nodeId} (instance ${config.instance} of ${config.instances}) joins run ${config.run} on issue #${config.issueNumber}`,
  );

  // The first comment announces the node and stands it for leader; its author is the action's identity.
  // A bid is kept alive by heartbeats until a listing shows it lost, so that a leader whose own bid is still
  // hidden by a lagging listing is not taken for dead.
  const candidacies = new Map<number, { nonce: string; postedAt: number; keeper: LeaseKeeper }>();
  const stand = async (term: number): Promise<ThreadComment> => {
    const nonce = newNonce();
    const postedAt = Date.now();
    const posted = await keepTrying(ctx, `standing for leader (term ${term})`, () =>
      thread.post(bidBody(config, nonce, term, 'standing')),
    );
    const keeper = new LeaseKeeper(ctx, posted.id, Date.parse(posted.created_at), (reason) =>
      log.warning(`the bid for term ${term} lapsed: ${reason}`),
    );
    keeper.start((beat, prev) => bidBody(config, nonce, term, 'standing', beat, prev), false);
    candidacies.set(term, { nonce, postedAt, keeper });
    return posted;
  };
  const firstBid = await stand(1);
  const firstCandidacy = candidacies.get(1)!;
  if (!firstBid.user) throw new Error('the election comment came back without an author');
  ctx.trust = makeTrust(firstBid.user, config.trustedAuthors);
  log.info(
    `🎯 stood for leader (term 1) in comment ${firstBid.id}; the action writes as ${firstBid.user.login} (id ${firstBid.user.id})`,
  );

  await openBranches(ctx, firstBid.user);

  let leadAttemptedTerm = 0;
  let idleRounds = 0;
  const liveness = new LivenessWatch(ctx);
  const headroom = new Headroom(client, log);
  let state: RunState = fold([], { run: config.run, trust: ctx.trust });
  const loggedRejections = new Set<number>();
  let lastTally = '';
  let waitingFor: Phase = 'waiting';
  let planAwaitedSince: number | undefined;
  let viewIsFresh = false;

  try {
    for (;;) {
      // After a task or a claim the node catches up on the thread; otherwise it is waiting for work.
      const busy: Phase[] = ['working', 'claiming'];
      enter(!state.plan ? 'electing' : busy.includes(ledger.phase) ? 'catching up' : waitingFor);
      if (!viewIsFresh) await keepTrying(ctx, 'reading the thread', () => thread.refresh());
      viewIsFresh = false;
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
      for (const [term, candidacy] of candidacies) {
        const leader = state.terms.get(term)?.leader;
        const mine = state.entries.find(
          (e) => e.message?.nonce === candidacy.nonce && e.status !== 'duplicate',
        );
        // A bid the fold did not count (it came a moment too early) frees the node to stand again.
        if (state.plan || (leader && leader.nonce !== candidacy.nonce) || mine?.status === 'ignored') {
          candidacy.keeper.stop();
          candidacies.delete(term);
        } else if (leader) {
          // Our bid was posted twice (a retried POST): keep alive the copy the fold counts.
          candidacy.keeper.retarget(leader.commentId, leader.ev.lastAlive);
        }
      }

      if (state.plan?.error !== undefined) {
        log.warning(`the run has no tasks: planning failed: ${state.plan.error}`);
        break;
      }
      if (runFinished(state, now, config.listingLagMs)) break;

      if (!state.plan) {
        const leader = currentLeader(state);
        const candidacy = leader ? candidacies.get(leader.term) : undefined;
        if (
          leader &&
          candidacy?.nonce === leader.nonce &&
          leadAttemptedTerm < leader.term &&
          Date.now() - candidacy.postedAt >= config.settleMs
        ) {
          leadAttemptedTerm = leader.term;
          enter('leading');
          const outcome = await lead(ctx, leader, candidacy.keeper);
          if (outcome === 'failed-planning') {
            // Everyone, this node included, learns of it from the thread.
            log.warning('planning failed; the error is on the issue');
          }
          continue;
        }
        const due = electionDue(state, now);
        if (due !== undefined && !candidacies.has(due) && due > leadAttemptedTerm) {
          log.info(
            `the term ${due - 1} leader fell silent before publishing a plan: standing for term ${due}`,
          );
          await stand(due);
          continue;
        }
        // A candidate looks again the moment its settle window ends, not a whole poll later.
        const mine = candidacies.get(leader?.term ?? 1);
        const settleLeft = mine ? mine.postedAt + config.settleMs - Date.now() : Infinity;
        if (!leader || mine) planAwaitedSince = undefined;
        else planAwaitedSince ??= Date.now();
        const waited = planAwaitedSince !== undefined ? Date.now() - planAwaitedSince : -1;
        if (waited >= 0 && thread.size() >= (waited > 3000 ? 100 : 200) && thread.canReadTail()) {
          // Another node leads and its plan is taking a while (a planner command at work), or hundreds of
          // nodes bid; either way the thread is too long for a listing to be answered by a free 304. The plan
          // is a new comment: ask for just the comment after the last one known (free while there is none);
          // when one came, read the end of the thread (bids still coming are taken in), and the whole thread
          // once the plan is there, or every 15 s (the leader may fall silent).
          const until = Date.now() + 15_000;
          while (Date.now() < until) {
            await ctx.sleep(Math.min(config.pollMs, 1000));
            if (!(await thread.appended())) continue;
            const tail = await thread.readTail();
            if (tail.unsure || tail.added.length === 0) break;
            // A plan long enough to take several comments is complete only with its last part.
            if (tail.added.some(isPlan) && fold(thread.all(), { run: config.run, trust: ctx.trust }).plan) {
              // The view holds every comment up to the plan's last part: no need to read it all again.
              viewIsFresh = true;
              break;
            }
          }
          continue;
        }
        // With a leader at work the plan is moments away, and a candidate's verdict too: look often (an
        // unchanged thread costs a free 304).
        const waitMs = mine ? 500 : leader ? 1000 : config.pollMs;
        await ctx.sleep(Math.min(config.pollMs, mine && settleLeft > 0 ? settleLeft : waitMs));
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

      const stagger = config.settleMs + 2 * config.pollMs + 1000;
      const gone = liveness.gone(state);
      const me = { node: config.nodeId, instance: config.instance };
      let choice = chooseTask(state, now, me, stagger, gone);
      if (choice?.takeover && choice.notBefore <= now) {
        // The Actions API says the owner's job has ended: confirm with a direct read of what it last wrote
        // (a listing may lag) that it recorded nothing since, then take over without waiting out its lease.
        const held = state.tasks.get(choice.task)?.attempts.at(-1);
        if (held)
          await keepTrying(ctx, `reading attempt ${held.attempt} of ${choice.task} again`, () =>
            thread.reload(held.commentId),
          );
        state = fold(thread.all(), { run: config.run, trust: ctx.trust });
        const again = chooseTask(state, client.clock.now(), me, stagger, gone);
        if (again?.task !== choice.task || !again.takeover) continue;
        choice = again;
        log.info(
          `the job of ${choice.takeover!.node} has ended (job ${choice.takeover!.job}): taking ${choice.task} over without waiting for its lease`,
        );
      }
      if (choice && choice.notBefore > now) {
        // Other idle nodes are ahead for this task: give them the time to claim it.
        waitingFor = 'holding back';
        await ctx.sleep(Math.min(config.pollMs, choice.notBefore - now));
        continue;
      }
      if (!choice) {
        // Nothing to claim: read the thread more slowly while nothing changes (a 304 is free, a change is not).
        idleRounds += 1;
        waitingFor = 'idle';
        const cap = Math.max(config.pollMs, Math.min(config.leaseMs / 3, 60_000));
        const counts = tally(state, now);
        const idleNodes = [...state.nodes.values()].filter(
          (n) => !gone.has(n.id) && !liveAttemptOf(state, n.id, now),
        ).length;
        const lookIn = (): number => liveness.dueIn(state, idleNodes, headroom.stretch() > 1);
        if (lookIn() === 0 && (await liveness.look()) && holderGone(state, liveness.gone(state), now)) {
          // A node that holds a task is gone: its job says so long before its lease would. Decide again now.
          continue;
        }
        if (counts.blocked > 0 || thread.size() < 100 || !thread.canReadTail()) {
          // Tasks wait on others that run: one of those finishing (an edit, which only a reading shows) makes
          // work. Back off gently. (A thread of less than a page is read for a free 304 while unchanged.)
          const backOff = Math.min(cap, config.pollMs * 2 ** Math.min(Math.max(0, idleRounds - 3), 6));
          // (lookIn is stretched already when the budget is low.)
          await headroom.wait(ctx.sleep, Math.min(backOff, lookIn() / headroom.stretch()));
          continue;
        }
        // Only running tasks are left. New work can only come from one of them failing (its node claims the
        // next attempt itself) or falling silent: a new comment, or a lease running out. Between readings ask
        // for just the comment after the last one known (free while there is none), and read the thread when
        // one came, when a lease may have run out, or at the cap (to see the run end).
        const readAt = Date.now() + cap * headroom.stretch();
        const lapse = nextLapse(state, now);
        while (Date.now() < readAt && client.clock.now() < lapse && lookIn() > 0) {
          await headroom.wait(
            ctx.sleep,
            Math.min(
              config.pollMs,
              (readAt - Date.now()) / headroom.stretch(),
              lookIn() / headroom.stretch(),
            ),
          );
          if (await thread.appended()) break;
        }
        continue;
      }
      idleRounds = 0;
      enter('claiming');
      if (choice.attempt > (state.plan?.maxAttempts ?? 0)) {
        await closeTask(ctx, choice);
        continue;
      }
      const won = await claimTask(ctx, choice);
      if (!won) {
        await ctx.sleep(Math.min(config.pollMs, 500) * (1 + Math.random()));
        continue;
      }
      enter('working');
      const { viewIsFresh: fresh } = await runTask(ctx, won.claim, won.state);
      viewIsFresh = fresh;
    }
  } finally {
    // The workspace's git as the node found it, not as the agents left it, for the job's later steps.
    try {
      ctx.branches?.leave();
    } catch (error) {
      log.warning(`could not put the workspace's git config back: ${getErrorMessage(error)}`);
    }
  }

  for (const { keeper } of candidacies.values()) keeper.stop();
  enter('leaving');
  // Say on the thread what this node spent (this edit included), for the run summary.
  try {
    await keepTrying(
      ctx,
      'recording what this node spent',
      () =>
        firstCandidacy.keeper.write(
          (beat, prev) =>
            bidBody(config, firstCandidacy.nonce, 1, 'standing', beat, prev, {
              requests: client.stats.counted + 1,
              not_modified: client.stats.notModified,
              writes: client.stats.writes,
              ...(client.budget.limit !== undefined ? { rate_limit: client.budget.limit } : {}),
              ...(client.budget.lowest !== undefined ? { lowest_remaining: client.budget.lowest } : {}),
              ...(headroom.slowedMs > 0 ? { slowed_ms: Math.round(headroom.slowedMs) } : {}),
            }),
          true,
        ),
      60_000,
    );
  } catch (error) {
    log.warning(`could not record what this node spent: ${getErrorMessage(error)}`);
  }
  log.info(ledger.line());
  const { remaining, limit, lowest } = client.budget;
  if (limit !== undefined)
    log.info(
      `the repository's API budget: ${remaining} of ${limit} left at the end, ${lowest} at the least${headroom.slowedMs > 0 ? `; idle reads were slowed for ${Math.round(headroom.slowedMs / 1000)}s to leave some to the repository` : ''}`,
    );
  const final = taskViews(state, client.clock.now());
  const counts = tally(state, client.clock.now());
  // What this node did, as the thread has it: work whose outcome the fold did not accept is not counted.
  const { completed, failed } = ownOutcomes(state, config.nodeId);
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

/** Whether a node whose job has ended holds a task that is running as far as its lease goes. */
function holderGone(state: RunState, gone: ReadonlyMap<string, unknown>, now: number): boolean {
  if (gone.size === 0) return false;
  for (const node of gone.keys()) if (liveAttemptOf(state, node, now)) return true;
  return false;
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

/** Results become branches and pull requests when the workspace is a git checkout with an origin. */
async function openBranches(ctx: NodeContext, author: { login: string; id: number }): Promise<void> {
  const { config, log } = ctx;
  const delivery = config.delivery;
  if (!delivery) return;
  const blocker = await deliveryBlocker(config.workspace);
  if (blocker) {
    log.info(`task results are not committed: ${blocker}`);
    return;
  }
  try {
    ctx.branches = await TaskBranches.open({
      workspace: config.workspace,
      issueNumber: config.issueNumber,
      ...(delivery.baseBranch ? { baseBranch: delivery.baseBranch } : {}),
      draft: delivery.draft,
      token: delivery.token,
      author,
      client: ctx.client,
      sleep: ctx.sleep,
      log,
      scratch: config.tempDir,
      ...(delivery.gitTimeoutMs ? { gitTimeoutMs: delivery.gitTimeoutMs } : {}),
    });
    log.info(
      `each task's changes go to a branch p2p/issue-${config.issueNumber}/<task> from ${ctx.branches.baseBranch}${delivery.createPr ? ', with a pull request' : ''}`,
    );
  } catch (error) {
    log.warning(
      `task results are not committed: the git workspace could not be set up: ${getErrorMessage(error)}`,
    );
  }
}
