// src/node/loop/: the node's loop and its plumbing. The loop (this file) reads the thread, folds it, asks the
// pure step functions (node-step.ts, with the waits named in polling.ts) for the next action and performs it;
// beside it: what a joined node holds (context.ts, node-config.ts), how it keeps trying a call through
// GitHub's refusals (keep-trying.ts), the watchdog that explains every wait (watchdog.ts), what it has spent
// of the API budget (api-ledger.ts, headroom.ts) and the bodies of the comments it writes (message-bodies.ts).
// The other folders are what the loop performs: membership/ (joining, standing for leader, the plan,
// leaving), task/ (a claim, its agent, its outcome), agent/ (running the agent and the gate) and watches/
// (the keepers and watchers that run beside an agent).
//
// A node's life: join the run (announce itself and stand for leader), then follow the thread: read it, fold
// it, let the step functions (node-step.ts) decide the next action, perform it, and again, until the run is
// over. Every decision is in the step functions; this file only performs them.
import { fold, type RunState } from '../../protocol/fold.js';
import { liveAttemptOf, tally, type GoneNodes } from '../../protocol/decide.js';
import { decode } from '../../protocol/codec.js';
import type { ThreadComment } from '../../protocol/thread-comment.js';
import { foldThread, type NodeContext, type RunContext } from './context.js';
import { keepTrying } from './keep-trying.js';
import { ApiLedger } from './api-ledger.js';
import { lead } from '../membership/publish-plan.js';
import { claimTask, closeTask } from '../task/claim-task.js';
import { recordPending } from '../task/record-outcome.js';
import { runTask } from '../task/run-task.js';
import { foldWithPending, mayCarry, withinPatience, type PendingOutcome } from '../task/carried-outcome.js';
import { getErrorMessage } from '../../errors.js';
import { LivenessWatch } from '../watches/liveness-watch.js';
import { Headroom } from './headroom.js';
import { Candidacies } from '../membership/candidacies.js';
import { joinRun } from '../membership/join-run.js';
import { ReviewWatch } from '../watches/review-watch.js';
import { StopWatch } from '../watches/stop-watch.js';
import { ChecklistKeeper } from '../watches/checklist-keeper.js';
import { leaveRun, type NodeOutcome } from '../membership/leave-run.js';
import { FIRST_MEMORY, step, type NodeAction, type NodeMemory, type NodeView } from './node-step.js';
import { firstReadingWaitMs, lostClaimPauseMs, readingPhase } from './polling.js';
import { waitsFor } from './watchdog.js';

export { ownOutcomes, type NodeOutcome } from '../membership/leave-run.js';

/** A node that has joined: its context and the parts that remember between steps. */
interface Member {
  ctx: RunContext;
  candidacies: Candidacies;
  ledger: ApiLedger;
  liveness: LivenessWatch;
  headroom: Headroom;
  stops: StopWatch;
  reviews: ReviewWatch;
  checklist: ChecklistKeeper;
  /** The comments whose rejection was logged already. */
  loggedRejections: Set<number>;
  lastTally: string;
  /** The outcome of the attempt that just ended, when the next claim may carry it (carried-outcome.ts). */
  pending?: PendingOutcome;
}

export async function runNode(ctx: NodeContext): Promise<NodeOutcome> {
  ctx.watchdog?.start();
  try {
    return await followRun(ctx);
  } finally {
    ctx.watchdog?.stop();
  }
}

async function followRun(ctx: NodeContext): Promise<NodeOutcome> {
  const ledger = new ApiLedger(ctx.client.stats);
  const { run, candidacies } = await joinRun(ctx);
  const member: Member = {
    ctx: run,
    candidacies,
    ledger,
    liveness: new LivenessWatch(run),
    headroom: new Headroom(ctx.client, ctx.log),
    stops: new StopWatch(run),
    reviews: new ReviewWatch(run),
    checklist: new ChecklistKeeper(run),
    loggedRejections: new Set(),
    lastTally: '',
  };
  let state: RunState;
  try {
    state = await followThread(member);
  } finally {
    // An outcome still waiting for a claim is written whatever ended the loop.
    await writePending(member);
    // The workspace's git as the node found it, not as the agents left it, for the job's later steps.
    try {
      run.branches?.leave();
    } catch (error) {
      ctx.log.warning(`could not put the workspace's git config back: ${getErrorMessage(error)}`);
    }
  }
  return leaveRun(member, state);
}

/** Read, fold, step, perform, until a step says to leave. Returns the run as the node last saw it. */
async function followThread(member: Member): Promise<RunState> {
  const { ctx, ledger } = member;
  let memory: NodeMemory = FIRST_MEMORY;
  let hasPlan = false;
  let viewIsFresh = false;
  const bid = member.candidacies.first;
  if (bid) await ctx.sleep(firstReadingWaitMs(ctx.config, Date.now() - bid.postedAt));
  for (;;) {
    ledger.enter(readingPhase(hasPlan, ledger.phase, memory.waitingFor));
    if (!viewIsFresh) await readThread(member);
    const written = observe(member);
    const gone = member.liveness.gone(written);
    // The checklist shows what is written; the next action is decided as if the outcome waiting were.
    await member.checklist.update(written, gone);
    const state = member.pending ? foldWithPending(ctx, member.pending) : written;
    await member.reviews.readPulls(state);
    hasPlan = !!state.plan;
    const view = viewOf(member, state, gone);
    member.liveness.explainSpared(state, view.hearing, view.serverNow);
    const decision = step(view, memory);
    memory = decision.memory;
    ctx.watchdog?.decided(waitsFor(decision.action));
    if (decision.action.kind !== 'claim') await writePending(member);
    if (decision.action.kind === 'leave') {
      // A spare node leaving early leaves its changes to the nodes that stay (the run goes on): no edit of
      // its own just for leaving.
      await member.checklist.update(foldThread(ctx), gone, !decision.action.spare);
      if (decision.action.warning) ctx.log.warning(decision.action.warning);
      if (decision.action.notice) ctx.log.info(`🛑 leaving: ${decision.action.notice}`);
      if (decision.action.spare) ctx.log.info(`leaving early: ${decision.action.spare}`);
      return state;
    }
    viewIsFresh = await perform(member, decision.action, state);
  }
}

/** Read what changed; an outcome waiting for the next claim is not held up by a slow reading. */
async function readThread(member: Member): Promise<void> {
  const { ctx, pending } = member;
  const reading = keepTrying(ctx, 'reading the thread', () => ctx.thread.refresh());
  if (!pending) {
    await reading;
    return;
  }
  await withinPatience(ctx, pending, reading, () => writePending(member));
}

/** Fold the thread, log what it skipped and how the tasks stand, and settle the node's bids. */
function observe(member: Member): RunState {
  const { ctx, loggedRejections } = member;
  const state = foldThread(ctx);
  for (const entry of state.entries) {
    if (entry.status === 'accepted' || entry.status === 'ignored' || loggedRejections.has(entry.commentId))
      continue;
    loggedRejections.add(entry.commentId);
    ctx.log.info(
      `skipping comment ${entry.commentId} by ${entry.author}: ${entry.status}${entry.note ? ` (${entry.note})` : ''}`,
    );
  }
  member.candidacies.settle(state);
  if (state.plan) {
    const summary = Object.entries(tally(state, ctx.client.clock.now()))
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ');
    if (summary !== member.lastTally) ctx.log.info(`tasks: ${summary}`);
    member.lastTally = summary;
  }
  return state;
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value !== undefined ? { [key]: value } : {}) as { [P in K]?: V };

function viewOf(member: Member, state: RunState, gone: GoneNodes): NodeView {
  const { config, thread, client } = member.ctx;
  return {
    state,
    serverNow: client.clock.now(),
    localNow: Date.now(),
    settings: config,
    thread: { size: thread.size(), canReadTail: thread.canReadTail() },
    candidacies: member.candidacies.byTerm,
    gone,
    hearing: member.liveness.hearing(state),
    jobs: member.liveness.facts(),
    stretch: member.headroom.stretch(),
    ...optional('stopRequest', member.stops.pending(state)),
    ...optional('stoppedBy', member.stops.stoppedBy(state)),
    ...optional('reviewRequest', member.reviews.pending(state)),
  };
}

/** Perform one action. Returns whether the node's view of the thread is as fresh as a reading now would be. */
async function perform(member: Member, action: NodeAction, state: RunState): Promise<boolean> {
  const { ctx, ledger, headroom } = member;
  const { log } = ctx;
  switch (action.kind) {
    case 'leave':
      return true;
    case 'lead': {
      ledger.enter('leading');
      const keeper = member.candidacies.byTerm.get(action.leader.term)!.keeper;
      // With the plan out, the live checklist and how to stop the run.
      const announce = async (plan: ThreadComment[]): Promise<void> => {
        await member.checklist.post(
          fold([...ctx.thread.all(), ...plan], { run: ctx.config.run, trust: ctx.trust }),
        );
        await member.stops.postBeacon();
      };
      // Everyone, this node included, learns of a failed planning from the thread.
      if ((await lead(ctx, action.leader, keeper, announce)) === 'failed-planning')
        log.warning('planning failed; the error is on the issue');
      return false;
    }
    case 'stand':
      log.info(action.why);
      await member.candidacies.stand(action.term);
      return false;
    case 'watch-for-plan':
      return watchForPlan(ctx, action);
    case 'wait':
      // An idle wait ends early when the run may have been stopped.
      await (action.optional
        ? member.stops.idleWait(action.ms, (ms) => headroom.wait(ctx.sleep, ms))
        : ctx.sleep(action.ms));
      return false;
    case 'look-at-jobs': {
      // A node that holds a task is gone: its job says so long before its lease would. Read and decide again.
      if (action.why) log.debug(`looking at the run's jobs ${action.why}`);
      const changed = await member.liveness.look();
      return !(changed && holderGone(state, member.liveness.gone(state), ctx.client.clock.now()));
    }
    case 'watch-tail':
      await watchTail(member, action);
      return false;
    case 'confirm-takeover': {
      const held = state.tasks.get(action.task)?.attempts[action.attempt - 1];
      if (held)
        await keepTrying(ctx, `reading attempt ${held.attempt} of ${action.task} again`, () =>
          ctx.thread.reload(held.commentId),
        );
      return true;
    }
    case 'close':
      ledger.enter('claiming');
      await closeTask(ctx, action.choice);
      return false;
    case 'claim':
      return claimAndRun(member, action.choice, state);
    case 'judge-stop':
      await member.stops.judge(action.request);
      return false;
    case 'judge-review':
      await member.reviews.judge(action.request);
      return false;
  }
}

async function claimAndRun(
  member: Member,
  choice: Extract<NodeAction, { kind: 'claim' }>['choice'],
  state: RunState,
): Promise<boolean> {
  const { ctx, ledger } = member;
  ledger.enter('claiming');
  if (choice.takeover)
    ctx.log.info(
      `the job of ${choice.takeover.node} has ended (job ${choice.takeover.job}): taking ${choice.task} over without waiting for its lease`,
    );
  // The lease the outcome was recorded under must still have time for the post (the reading took a while).
  if (member.pending && !mayCarry(ctx, member.pending.claim)) await writePending(member);
  const carry = member.pending;
  delete member.pending;
  const won = await claimTask(ctx, choice, state, carry);
  if (!won) {
    await ctx.sleep(lostClaimPauseMs(ctx.config, Math.random()));
    return false;
  }
  ledger.enter('working');
  const end = await runTask(ctx, won.claim, won.state, member.stops);
  if (end.pending) member.pending = end.pending;
  return end.viewIsFresh;
}

/** Write the outcome that waited for a next claim into its own comment, if one waits. */
async function writePending(member: Member): Promise<void> {
  const pending = member.pending;
  if (!pending) return;
  delete member.pending;
  await recordPending(member.ctx, pending);
}

const isPlan = (comment: ThreadComment): boolean => {
  const decoded = decode(comment.body);
  return decoded.kind === 'message' && decoded.message.type === 'plan';
};

/**
 * Another node leads and its plan is taking a while, or hundreds of nodes bid; either way the thread is too
 * long for a listing to be answered by a free 304. The plan is a new comment: ask for just the comment after
 * the last one known (free while there is none); when one came, read the end of the thread (bids still coming
 * are taken in), and the whole thread once the plan is there, or at the end of the watch (the leader may fall
 * silent). Returns whether the view already holds the whole plan.
 */
async function watchForPlan(
  ctx: RunContext,
  action: Extract<NodeAction, { kind: 'watch-for-plan' }>,
): Promise<boolean> {
  const { thread } = ctx;
  const until = Date.now() + action.forMs;
  while (Date.now() < until) {
    await ctx.sleep(action.probeMs);
    if (!(await thread.appended())) continue;
    const tail = await thread.readTail();
    if (tail.unsure || tail.added.length === 0) return false;
    // A plan long enough to take several comments is complete only with its last part; the view then holds
    // every comment up to it: no need to read it all again.
    if (tail.added.some(isPlan) && foldThread(ctx).plan) return true;
  }
  return false;
}

/**
 * Only running tasks are left: new work can only come from one of them failing (its node claims the next
 * attempt itself) or falling silent. Ask for the comment after the last one known until one comes, a lease
 * may have run out, a look at the jobs is due, or the watch ends.
 */
async function watchTail(member: Member, action: Extract<NodeAction, { kind: 'watch-tail' }>): Promise<void> {
  const { ctx, headroom } = member;
  const deadline = Math.min(action.untilLocal, action.lookAtLocal);
  while (Date.now() < deadline && ctx.client.clock.now() < action.lapseServer) {
    const stretch = headroom.stretch();
    const ms = Math.min(
      action.probeMs,
      (action.untilLocal - Date.now()) / stretch,
      (action.lookAtLocal - Date.now()) / stretch,
    );
    await headroom.wait(ctx.sleep, ms);
    if (await ctx.thread.appended()) return;
  }
}

/** Whether a node whose job has ended holds a task that is running as far as its lease goes. */
function holderGone(state: RunState, gone: ReadonlyMap<string, unknown>, now: number): boolean {
  for (const node of gone.keys()) if (liveAttemptOf(state, node, now)) return true;
  return false;
}
