// Decisions as pure functions of the folded run state and the (server) clock: who leads, what each task's
// status is, what this node should claim next, whether the run is over.
import {
  type AttemptRecord,
  type BidRecord,
  type Evidence,
  type NodeInfo,
  type RunState,
  type TaskRecord,
} from './fold.js';
import { surelyAfter } from './server-time.js';
import { HEARS_ALL, heardLeaseEnd, type Hearing } from './hearing.js';
import type { Priority } from './messages.js';
import { budgetSpent } from './cost.js';
import { formatCost } from './usage.js';
import { reviewOf, type ReviewView } from './review-view.js';

/**
 * `skipped`: never run (it cannot, a dependency failed or was skipped, or the budget was spent before it
 * started); `stopped`: a person stopped the run before the task completed; `review`: its work is done and
 * waits for a person's verdict (the task asks for a review), holding its dependents back.
 */
export type TaskStatus =
  'blocked' | 'claimable' | 'running' | 'review' | 'completed' | 'failed' | 'skipped' | 'stopped';
export const TERMINAL: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'skipped', 'stopped']);

const PRIORITY_RANK: Record<Priority, number> = { high: 0, medium: 1, low: 2 };

/**
 * Whether the lease of `node`'s comment counts as run out for a reader deciding at `now` to take over. The
 * fold accepts a takeover only from a comment stamped after the lease's end (`leaseExpiredAt`), so a node
 * waits until a comment it posts now is sure to be stamped later than that: a full second past it; and it
 * counts only the silence it could have heard (`heardLeaseEnd`), which is never shorter.
 */
export function lapsed(ev: Evidence, now: number, node = '', hearing: Hearing = HEARS_ALL): boolean {
  return now >= surelyAfter(heardLeaseEnd(ev, node, hearing));
}

export function isAlive(attempt: AttemptRecord, now: number, hearing: Hearing = HEARS_ALL): boolean {
  return attempt.outcome === 'open' && !lapsed(attempt.ev, now, attempt.node, hearing);
}

/** The highest term that has a leader, with that leader. */
export function currentLeader(state: RunState): BidRecord | undefined {
  let best: BidRecord | undefined;
  for (const { leader } of state.terms.values()) {
    if (leader && (!best || leader.term > best.term)) best = leader;
  }
  return best;
}

/**
 * The term a node should stand in now, if any: when no plan is out and the current leader has fallen silent
 * for longer than its lease, a new election is due.
 */
export function electionDue(state: RunState, now: number, hearing: Hearing = HEARS_ALL): number | undefined {
  if (state.plan || state.stopped) return undefined;
  const leader = currentLeader(state);
  if (!leader) return state.terms.size === 0 ? 1 : undefined;
  return lapsed(leader.ev, now, leader.node, hearing) ? leader.term + 1 : undefined;
}

/** Nodes known to be gone: their job has ended (the Actions API), with its id and when (server ms). */
export type GoneNodes = ReadonlyMap<string, { job: number; endedAt: number }>;

const NOBODY_GONE: GoneNodes = new Map();

export interface TaskView {
  id: string;
  status: TaskStatus;
  /** Why a task is skipped, failed or stopped. */
  reason?: string;
  /** Set when the run's budget or a stop, not the task itself, decided its status. */
  cause?: 'budget' | 'stop';
  attempts: number;
  last?: AttemptRecord;
  /** For a claimable task: the server time it became claimable. */
  claimableSince?: number;
  /** Claimable because the last attempt's node is gone, though its lease still runs. */
  takeover?: { node: string; job: number; ended_at: number };
  /** For a task that asks for a review, once its work is done: the verdict, or until when one is awaited. */
  review?: ReviewView;
}

export { DEFAULT_REVIEW_TIMEOUT_MS, type ReviewView } from './review-view.js';

interface ViewContext {
  state: RunState;
  now: number;
  gone: GoneNodes;
  hearing: Hearing;
  maxAttempts: number;
  views: Map<string, TaskView>;
  visit: (id: string, path: Set<string>) => TaskView;
}

/**
 * Every task's status at `now`, in plan order. A task is completed once any attempt is (a takeover of it
 * may be superseded); an open attempt whose node is `gone` does not hold its task. Once the budget is spent
 * no agent starts, and once the run is stopped every task not completed, failed or skipped is stopped
 * (`limited`).
 */
export function taskViews(
  state: RunState,
  now: number,
  gone: GoneNodes = NOBODY_GONE,
  hearing: Hearing = HEARS_ALL,
): Map<string, TaskView> {
  const views = new Map<string, TaskView>();
  const spent = budgetState(state, now, gone, hearing);
  const ctx: ViewContext = {
    state,
    now,
    gone,
    hearing,
    maxAttempts: state.plan?.maxAttempts ?? 1,
    views,
    visit: (id, path) => {
      const known = views.get(id);
      if (known) return known;
      const view = limited(state, ctx.maxAttempts, spent, ownView(ctx, id, path));
      views.set(id, view);
      return view;
    },
  };
  const ordered = [...state.tasks.values()].sort((a, b) => a.order - b.order);
  for (const record of ordered) ctx.visit(record.task.id, new Set());
  return views;
}

/** A task's status from its own attempts and its dependencies, before any budget or stop. */
function ownView(ctx: ViewContext, id: string, path: Set<string>): TaskView {
  const { state, now, gone, hearing, maxAttempts } = ctx;
  const record = state.tasks.get(id);
  if (!record) return { id, status: 'skipped', reason: `unknown task ${id}`, attempts: 0 };
  const closing = record.attempts.find((a) => a.closing);
  const ran = record.attempts.filter((a) => !a.closing);
  const done = ran.find((a) => a.outcome === 'completed');
  const last = done ?? ran.at(-1);
  const base = { id, attempts: ran.length, ...(last ? { last } : {}) };
  // A gone owner frees its task early only for another attempt (never to close it), and only if it wrote
  // nothing after its job ended.
  const goneOwner = last && last.outcome === 'open' ? gone.get(last.node) : undefined;
  const ownerGone =
    goneOwner && ran.length < maxAttempts && last!.updated <= surelyAfter(goneOwner.endedAt)
      ? goneOwner
      : undefined;
  if (record.task.error) return { ...base, status: 'skipped', reason: record.task.error };
  if (record.task.completed_in)
    return reviewed(ctx, record, {
      ...base,
      status: 'completed',
      reason: `completed in run ${record.task.completed_in.run}`,
    });
  if (done) return reviewed(ctx, record, { ...base, status: 'completed' });
  if (closing)
    return { ...base, status: 'failed', reason: `${ran.length} attempt(s); last: its node fell silent` };
  if (last && isAlive(last, now, hearing) && !ownerGone) return { ...base, status: 'running' };
  const deps = dependencies(ctx, id, path);
  if (deps.skippedBy) return { ...base, status: 'skipped', reason: deps.skippedBy };
  if (ran.length >= maxAttempts && last?.outcome === 'failed') {
    const why = last.result?.error ?? 'the agent failed';
    return { ...base, status: 'failed', reason: `${ran.length} attempt(s); last: ${why}` };
  }
  if (deps.blocked) return { ...base, status: 'blocked' };
  let since = state.plan?.created ?? 0;
  for (const dep of record.task.depends_on) since = Math.max(since, ctx.views.get(dep)?.last?.endedAt ?? 0);
  if (last && ownerGone && isAlive(last, now, hearing)) {
    since = Math.max(since, ownerGone.endedAt);
    const takeover = { node: last.node, job: ownerGone.job, ended_at: ownerGone.endedAt };
    return { ...base, status: 'claimable', claimableSince: since, takeover };
  }
  if (last) since = Math.max(since, last.endedAt ?? heardLeaseEnd(last.ev, last.node, hearing));
  return { ...base, status: 'claimable', claimableSince: since };
}

/** What a person's review (or its absence, in time) makes of a task's completed work (review-view.ts). */
function reviewed(ctx: ViewContext, record: TaskRecord, view: TaskView): TaskView {
  const made = reviewOf(ctx.state, record, ctx.now, view.last?.endedAt);
  return made ? { ...view, ...made } : view;
}

/**
 * Whether a task waits for its dependencies, or can never run because one failed or was skipped (or on a
 * cycle). A dependency the budget or a stop ended only holds its dependents back: they then get the same
 * cause, not a failure of their own.
 */
function dependencies(
  ctx: ViewContext,
  id: string,
  path: Set<string>,
): { blocked: boolean; skippedBy?: string } {
  let blocked = false;
  for (const dep of ctx.state.tasks.get(id)?.task.depends_on ?? []) {
    if (path.has(dep)) return { blocked, skippedBy: `dependency cycle through ${dep}` };
    const depView = ctx.visit(dep, new Set([...path, id]));
    if ((depView.status === 'failed' || depView.status === 'skipped') && !depView.cause)
      return { blocked, skippedBy: `dependency ${dep} ${depView.status}` };
    if (depView.review?.state === 'timed-out')
      return { blocked, skippedBy: `dependency ${dep} was ${depView.reason ?? 'not reviewed'}` };
    if (depView.status !== 'completed') blocked = true;
  }
  return { blocked };
}

type BudgetState = 'open' | 'waiting' | 'spent';

/**
 * `spent`: less is left of the run's budget than an agent starts with (the caps still reserved counted), and
 * no running attempt holds a cap it may give part of back; `waiting`: one does.
 */
function budgetState(state: RunState, now: number, gone: GoneNodes, hearing: Hearing): BudgetState {
  const ledger = state.budget;
  if (!ledger || !budgetSpent(state)) return 'open';
  for (const record of state.tasks.values())
    for (const a of record.attempts)
      if (a.cap && ledger.holds(a.commentId) && !gone.has(a.node) && isAlive(a, now, hearing))
        return 'waiting';
  return 'spent';
}

/**
 * What the run's stop or spent budget makes of a task's own status. A stop ends every task that has not
 * completed, failed or been skipped (a running agent is stopped by its node; an outcome that completes the
 * task still counts). A spent budget starts no agent: a task never started is skipped, one that would have
 * been retried fails; running tasks finish, and a closing claim (no agent) may still be made. While running
 * attempts hold the caps that leave too little for another agent, a task that could start waits (`blocked`):
 * what they do not spend comes back when their outcomes are written.
 */
function limited(state: RunState, maxAttempts: number, budget: BudgetState, view: TaskView): TaskView {
  const { status } = view;
  if (status === 'completed' || status === 'failed' || status === 'skipped') return view;
  if (state.stopped) {
    const { claimableSince: _since, takeover: _takeover, ...rest } = view;
    return { ...rest, status: 'stopped', reason: `stopped by @${state.stopped.by}`, cause: 'stop' };
  }
  // Work awaiting its review holds no part of the budget: a spent one changes nothing of it.
  if (budget === 'open' || status === 'running' || status === 'review') return view;
  if (status === 'claimable' && view.attempts >= maxAttempts && !view.takeover) return view;
  if (budget === 'waiting' && status === 'blocked') return view;
  const { claimableSince: _since, takeover: _takeover, ...rest } = view;
  if (budget === 'waiting') {
    const left = formatCost(state.budget?.leftUsd ?? 0);
    const reason = `waiting for the run's budget: ${left} is left to grant, until a running attempt gives back what it does not spend`;
    return { ...rest, status: 'blocked', reason, cause: 'budget' };
  }
  const spent = `the run's budget of ${formatCost(state.plan?.maxCostUsd ?? 0)} was spent`;
  if (view.attempts === 0)
    return { ...rest, status: 'skipped', reason: `not run: ${spent}`, cause: 'budget' };
  const last = view.last;
  const why =
    last?.outcome === 'failed' ? (last.result?.error ?? 'the agent failed') : 'its node fell silent';
  const reason = `${view.attempts} attempt(s); last: ${why}; not retried: ${spent}`;
  return { ...rest, status: 'failed', reason, cause: 'budget' };
}

/**
 * The run is over: it was stopped, planning failed, or every task is terminal. An outcome written after
 * its lease ran out still loses to a takeover posted in its second, and a takeover's completion to a late
 * outcome of finished work written before it, which a listing may not show yet: such a task counts as done
 * only once any such write would be listed (`listingLagMs` after it: GitHub's listings lag by up to ~20 s).
 */
export function runFinished(state: RunState, now: number, listingLagMs = 20_000): boolean {
  // Stopped: every node ends its own running task and leaves; nothing else is waited for.
  if (state.stopped) return true;
  if (!state.plan) return false;
  if (state.plan.error !== undefined) return true;
  for (const view of taskViews(state, now).values()) {
    if (!TERMINAL.has(view.status)) return false;
    const last = view.last;
    if (last?.ev.late && last.endedAt !== undefined && now < surelyAfter(last.endedAt) + listingLagMs)
      return false;
    // A takeover's result (completed, failed, or a closing claim) loses to a late outcome of the finished work
    // it took over, written before it, which a listing may not show yet.
    const attempts = state.tasks.get(view.id)?.attempts ?? [];
    if (!attempts.some((a) => a.outcome === 'expired' || a.outcome === 'superseded')) continue;
    const lastEnd = Math.max(...attempts.map((a) => a.endedAt ?? 0));
    if (now < surelyAfter(lastEnd) + listingLagMs) return false;
  }
  return true;
}

/** When the first live attempt's lease runs out as far as this view shows (server time); Infinity if none. */
export function nextLapse(state: RunState, now: number, hearing: Hearing = HEARS_ALL): number {
  let first = Infinity;
  for (const record of state.tasks.values()) {
    const last = record.attempts.at(-1);
    if (last && isAlive(last, now, hearing))
      first = Math.min(first, surelyAfter(heardLeaseEnd(last.ev, last.node, hearing)));
  }
  return first;
}

/** The live attempt a node holds, if any. */
export function liveAttemptOf(
  state: RunState,
  node: string,
  now: number,
  hearing: Hearing = HEARS_ALL,
): AttemptRecord | undefined {
  for (const record of state.tasks.values()) {
    const last = record.attempts.at(-1);
    if (last && last.node === node && isAlive(last, now, hearing)) return last;
  }
  return undefined;
}

/**
 * The task this node should try to claim, and from when. Claimable tasks are ordered by priority, then plan
 * order; the idle nodes (known nodes without a live attempt, by instance) take them in turn, so nodes polling
 * at the same moment pick different tasks. When there are more idle nodes than claimable tasks, the extra
 * nodes hold back by `staggerMs` per round: they claim only if the nodes ahead of them have not (a node may
 * have died), so one claimable task does not draw a claim from every idle node.
 */
export function chooseTask(
  state: RunState,
  now: number,
  me: { node: string; instance: number },
  staggerMs = 0,
  gone: GoneNodes = NOBODY_GONE,
  hearing: Hearing = HEARS_ALL,
): { task: string; attempt: number; notBefore: number; takeover?: TaskView['takeover'] } | undefined {
  // A stopped run starts nothing; a spent budget leaves only closing claims claimable (taskViews).
  if (state.stopped) return undefined;
  const views = taskViews(state, now, gone, hearing);
  const claimable = [...state.tasks.values()]
    .filter((r) => views.get(r.task.id)?.status === 'claimable')
    .sort((a, b) => PRIORITY_RANK[a.task.priority] - PRIORITY_RANK[b.task.priority] || a.order - b.order);
  if (claimable.length === 0) return undefined;
  const idle = [...state.nodes.values()]
    .filter((n) => n.id === me.node || (!gone.has(n.id) && !liveAttemptOf(state, n.id, now, hearing)))
    .map((n) => ({ id: n.id, instance: n.id === me.node ? me.instance : n.instance }));
  if (!idle.some((n) => n.id === me.node)) idle.push({ id: me.node, instance: me.instance });
  idle.sort((a, b) => a.instance - b.instance || a.id.localeCompare(b.id));
  const rank = idle.findIndex((n) => n.id === me.node);
  const pick = claimable[rank % claimable.length]!;
  const round = Math.floor(rank / claimable.length);
  const view = views.get(pick.task.id);
  const since = view?.claimableSince ?? now;
  return {
    task: pick.task.id,
    attempt: pick.attempts.length + 1,
    notBefore: since + round * staggerMs,
    ...(view?.takeover ? { takeover: view.takeover } : {}),
  };
}

/**
 * The node of the lowest instance (then id) among those `keep` accepts: a role every node gives the same node
 * from the same fold (who repairs the checklist, who reads people's comments while agents run).
 */
export function lowestInstance(state: RunState, keep: (node: NodeInfo) => boolean): string | undefined {
  let first: NodeInfo | undefined;
  for (const n of state.nodes.values()) {
    if (!keep(n)) continue;
    if (!first || n.instance < first.instance || (n.instance === first.instance && n.id < first.id))
      first = n;
  }
  return first?.id;
}

/** Counts for logs, outputs and the summary. */
export function tally(state: RunState, now: number): Record<TaskStatus, number> {
  const counts: Record<TaskStatus, number> = {
    blocked: 0,
    claimable: 0,
    running: 0,
    review: 0,
    completed: 0,
    failed: 0,
    skipped: 0,
    stopped: 0,
  };
  for (const view of taskViews(state, now).values()) counts[view.status] += 1;
  return counts;
}
