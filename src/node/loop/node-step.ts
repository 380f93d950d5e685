// What a node does next, decided as etcd's raft decides: a step function per phase of the node's life, of
// the folded run state, the clocks and the node's own small memory, returning one action and the memory after
// it. Nothing here reads a clock or talks to GitHub; run-node.ts performs the action and steps again.
import type { BidRecord, RunState } from '../../protocol/fold.js';
import {
  chooseTask,
  currentLeader,
  electionDue,
  liveAttemptOf,
  nextLapse,
  runFinished,
  tally,
  type GoneNodes,
  type TaskStatus,
} from '../../protocol/decide.js';
import type { Phase } from './api-ledger.js';
import {
  claimStaggerMs,
  electionWaitMs,
  idleBackOffMs,
  idleCapMs,
  planTailThreshold,
  PLAN_TAIL_WATCH_MS,
  tailProbeMs,
  watchesTail,
  type PollSettings,
} from './polling.js';
import { lookDueIn, type JobsLookFacts } from '../watches/liveness-watch.js';
import type { Hearing } from '../../protocol/hearing.js';
import type { StopRequest } from '../watches/stop-watch.js';
import type { ReviewAsk } from '../../protocol/review-requests.js';

export type TaskChoice = NonNullable<ReturnType<typeof chooseTask>>;

/** Everything the node knows at the moment it decides. */
export interface NodeView {
  state: RunState;
  /** GitHub's clock (server ms), which stamps every comment. */
  serverNow: number;
  /** The runner's clock (local ms): settle windows and the node's own waits. */
  localNow: number;
  settings: PollSettings & { listingLagMs: number; nodeId: string; instance: number };
  thread: { size: number; canReadTail: boolean };
  /** This node's bids still standing, by term, with when each was sent (local ms). */
  candidacies: ReadonlyMap<number, { nonce: string; postedAt: number }>;
  /** Nodes whose jobs have ended, by the last look at the Actions API. */
  gone: GoneNodes;
  /** What this node could hear: a silent node's lease is judged by it. */
  hearing: Hearing;
  jobs: JobsLookFacts;
  /** How much longer optional waits are (1, or more while the repository's API budget is low). */
  stretch: number;
  /** A person's comment asking to stop the run that this node has not judged yet. */
  stopRequest?: StopRequest;
  /** Why the run is stopped, when the fold or the stop beacon says it is. */
  stoppedBy?: string;
  /** A person's verdict on a task's work that this node has not judged yet (and nobody relayed). */
  reviewRequest?: ReviewAsk;
}

/** What the node remembers between steps, besides the thread. */
export interface NodeMemory {
  /** A node tries to lead a term once. */
  leadAttemptedTerm: number;
  /** Steps in a row with nothing to claim: the idle back-off grows with them. */
  idleRounds: number;
  /** What a reading of the thread is for, in the API ledger, when the node is not electing or catching up. */
  waitingFor: Phase;
  /** When this node, not a candidate, started waiting for another's plan (local ms). */
  planAwaitedSince?: number;
  /** A takeover whose owner's last write was read again just now: claim it without reading again. */
  confirmedTakeover?: string;
  /** A task whose silent owner's job was looked at before taking it over (its job may still run). */
  lookedBeforeTakeover?: string;
}

export const FIRST_MEMORY: NodeMemory = { leadAttemptedTerm: 0, idleRounds: 0, waitingFor: 'waiting' };

export type NodeAction =
  | { kind: 'leave'; warning?: string; notice?: string; spare?: string }
  | { kind: 'lead'; leader: BidRecord }
  | { kind: 'stand'; term: number; why: string }
  /** Ask for the comment after the last one known until the plan comes, for `forMs` (a long thread). */
  | { kind: 'watch-for-plan'; forMs: number; probeMs: number }
  /** Sleep; an optional wait is stretched while the budget is low. */
  | { kind: 'wait'; ms: number; optional: boolean }
  /** Read the run's jobs (the Actions API): who is gone. */
  | { kind: 'look-at-jobs'; why?: string }
  /** Between two readings, ask for the comment after the last one known until one comes or a deadline. */
  | { kind: 'watch-tail'; untilLocal: number; lookAtLocal: number; lapseServer: number; probeMs: number }
  /** Read the last write of a gone node's attempt before taking its task over. */
  | { kind: 'confirm-takeover'; task: string; attempt: number }
  | { kind: 'close'; choice: TaskChoice }
  /** Check that who asked to stop the run may write to the repository, and relay the stop if so. */
  | { kind: 'judge-stop'; request: StopRequest }
  /** Check that who gave a verdict on a task's work may write to the repository, and relay it if so. */
  | { kind: 'judge-review'; request: ReviewAsk }
  | { kind: 'claim'; choice: TaskChoice };

export interface Decision {
  action: NodeAction;
  memory: NodeMemory;
}

/** The next action: leave when the run is over, else elect until a plan is out, then work. */
export function step(view: NodeView, memory: NodeMemory): Decision {
  const { state } = view;
  if (state.plan?.error !== undefined)
    return {
      action: { kind: 'leave', warning: `the run has no tasks: planning failed: ${state.plan.error}` },
      memory,
    };
  if (view.stoppedBy) return { action: { kind: 'leave', notice: view.stoppedBy }, memory };
  if (runFinished(state, view.serverNow, view.settings.listingLagMs))
    return { action: { kind: 'leave' }, memory };
  if (view.stopRequest) return { action: { kind: 'judge-stop', request: view.stopRequest }, memory };
  if (view.reviewRequest) return { action: { kind: 'judge-review', request: view.reviewRequest }, memory };
  return state.plan ? stepWorker(view, memory) : stepElecting(view, memory);
}

/** No plan yet: lead the term this node won, stand when the leader fell silent, or wait for the plan. */
export function stepElecting(view: NodeView, memory: NodeMemory): Decision {
  const { state, settings, localNow } = view;
  const leader = currentLeader(state);
  const won = leader ? view.candidacies.get(leader.term) : undefined;
  if (
    leader &&
    won?.nonce === leader.nonce &&
    memory.leadAttemptedTerm < leader.term &&
    localNow - won.postedAt >= settings.settleMs
  )
    return { action: { kind: 'lead', leader }, memory: { ...memory, leadAttemptedTerm: leader.term } };
  const due = electionDue(state, view.serverNow, view.hearing);
  if (due !== undefined && !view.candidacies.has(due) && due > memory.leadAttemptedTerm) {
    const why = `the term ${due - 1} leader fell silent before publishing a plan: standing for term ${due}`;
    return { action: { kind: 'stand', term: due, why }, memory };
  }
  const mine = view.candidacies.get(leader?.term ?? 1);
  const planAwaitedSince = !leader || mine ? undefined : (memory.planAwaitedSince ?? localNow);
  const next = { ...memory, planAwaitedSince };
  const waited = planAwaitedSince !== undefined ? localNow - planAwaitedSince : -1;
  if (waited >= 0 && view.thread.size >= planTailThreshold(waited) && view.thread.canReadTail)
    return {
      action: { kind: 'watch-for-plan', forMs: PLAN_TAIL_WATCH_MS, probeMs: tailProbeMs(settings) },
      memory: next,
    };
  const settleLeftMs = mine ? mine.postedAt + settings.settleMs - localNow : Infinity;
  const ms = electionWaitMs(settings, { candidate: !!mine, leader: !!leader, settleLeftMs });
  return { action: { kind: 'wait', ms, optional: false }, memory: next };
}

const takeoverKey = (c: { task: string; attempt: number }): string => `${c.task}#${c.attempt}`;

/** A plan is out: claim (or close) the task chosen for this node, hold back for nodes ahead, or idle. */
export function stepWorker(view: NodeView, memory: NodeMemory): Decision {
  const { state, serverNow, settings } = view;
  const me = { node: settings.nodeId, instance: settings.instance };
  const choice = chooseTask(state, serverNow, me, claimStaggerMs(settings), view.gone, view.hearing);
  if (!choice) return stepIdle(view, memory);
  const silent = silentOwner(view, choice);
  if (silent && memory.lookedBeforeTakeover !== takeoverKey(choice))
    // Its lease has run out as far as this node could hear: before paying for a second agent, look whether
    // its job still runs (it may be sitting out a limit GitHub gave it alone) or has ended.
    return {
      action: { kind: 'look-at-jobs', why: `before taking ${choice.task} over from ${silent}` },
      memory: { ...memory, lookedBeforeTakeover: takeoverKey(choice) },
    };
  if (choice.notBefore > serverNow)
    // Other idle nodes are ahead for this task: give them the time to claim it.
    return {
      action: { kind: 'wait', ms: Math.min(settings.pollMs, choice.notBefore - serverNow), optional: false },
      memory: { ...memory, waitingFor: 'holding back' },
    };
  const { confirmedTakeover, ...rest } = memory;
  if (choice.takeover && confirmedTakeover !== takeoverKey(choice))
    // The Actions API says the owner's job has ended: confirm with a direct read of what it last wrote (a
    // listing may lag) that it recorded nothing since, then take over without waiting out its lease.
    return {
      action: { kind: 'confirm-takeover', task: choice.task, attempt: choice.attempt - 1 },
      memory: { ...memory, confirmedTakeover: takeoverKey(choice) },
    };
  const kind = choice.attempt > (state.plan?.maxAttempts ?? 0) ? 'close' : 'claim';
  return { action: { kind, choice }, memory: { ...rest, idleRounds: 0 } };
}

/**
 * How many idle nodes stay once no task is left to claim or waiting on others: enough to take over from a node
 * that dies or to retry an attempt that fails, and to run a revision a reviewer asks for. The others leave.
 * Three, not two: a node can die without its job ending for minutes (a lost runner), and still count here; the
 * simulation found two such deaths among two staying nodes leaving a task unclaimed (seed 9600171).
 */
export const STAYING_IDLE_NODES = 3;

/**
 * Why this node leaves the run early, or undefined: when only running tasks (and tasks awaiting a review) are
 * left, the idle nodes past the first STAYING_IDLE_NODES by instance have nothing to do but read the thread
 * (a counted reading each time the thread changes) until the run ends. The lowest instances stay, so every
 * node reckons the same ones, and the lowest idle node never leaves.
 */
function spareNode(
  idle: readonly { id: string }[],
  me: string,
  counts: Record<TaskStatus, number>,
): string | undefined {
  if (counts.claimable > 0 || counts.blocked > 0 || counts.running + counts.review === 0) return undefined;
  const rank = idle.findIndex((n) => n.id === me);
  if (rank < STAYING_IDLE_NODES) return undefined;
  const waiting = counts.running + counts.review;
  return `no task is left to claim: ${waiting} task(s) ${counts.review > 0 ? 'running or awaiting a review' : 'running'}, and ${STAYING_IDLE_NODES} idle nodes of lower instance stay to take over should one fail`;
}

/** The node that fell silent on the chosen task, when taking it over rests on its silence and a look can tell. */
function silentOwner(view: NodeView, choice: TaskChoice): string | undefined {
  if (choice.takeover || !view.jobs.canLook) return undefined;
  const last = view.state.tasks.get(choice.task)?.attempts.at(-1);
  if (!last || last.outcome !== 'open' || !view.state.nodes.get(last.node)?.runner) return undefined;
  return last.node;
}

/**
 * Nothing to claim. Look at the jobs when a look is due (a node holding a task may be gone); otherwise wait:
 * back off gently while tasks wait on others (one finishing is an edit, which only a reading shows) or the
 * thread is short (a reading is a free 304); when only running tasks are left, watch the end of the thread
 * until a comment comes, a lease may have run out, a look is due, or the cap (to see the run end).
 */
export function stepIdle(view: NodeView, memory: NodeMemory): Decision {
  const { state, serverNow, settings, localNow, stretch } = view;
  // The nodes still in the run with nothing to do, by instance: not gone, not left, no task running.
  const idle = [...state.nodes.values()]
    .filter((n) => !view.gone.has(n.id) && !n.spent && !liveAttemptOf(state, n.id, serverNow, view.hearing))
    .sort((a, b) => a.instance - b.instance || (a.id < b.id ? -1 : 1));
  const counts = tally(state, serverNow);
  const spare = spareNode(idle, settings.nodeId, counts);
  if (spare) return { action: { kind: 'leave', spare }, memory };
  const lookIn = lookDueIn(view.jobs, state, settings.nodeId, idle.length, stretch > 1, localNow);
  if (lookIn === 0) return { action: { kind: 'look-at-jobs' }, memory };
  const idleRounds = memory.idleRounds + 1;
  const next: NodeMemory = { ...memory, idleRounds, waitingFor: 'idle' };
  const { blocked } = counts;
  if (!watchesTail({ blocked, threadSize: view.thread.size, canReadTail: view.thread.canReadTail })) {
    // (lookIn is stretched already when the budget is low.)
    const ms = Math.min(idleBackOffMs(settings, idleRounds), lookIn / stretch);
    return { action: { kind: 'wait', ms, optional: true }, memory: next };
  }
  return {
    action: {
      kind: 'watch-tail',
      untilLocal: localNow + idleCapMs(settings) * stretch,
      lookAtLocal: localNow + lookIn,
      lapseServer: nextLapse(state, serverNow, view.hearing),
      probeMs: settings.pollMs,
    },
    memory: next,
  };
}
