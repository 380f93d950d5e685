// What the dashboard shows, computed from the thread with the action's own parser and fold: pure, so the page
// and its tests agree with the action about every number.
import { fold, type RunState } from '../src/protocol/fold.js';
import { decode } from '../src/protocol/codec.js';
import { isAlive, tally, taskViews, type TaskStatus } from '../src/protocol/decide.js';
import { summarize, type RunSummary } from '../src/aggregate/run-summary.js';
import type { Check } from '../src/protocol/messages.js';
import { makeTrust, isTrusted, type ThreadComment } from '../src/protocol/thread-comment.js';

export const ACTIONS_BOT = { login: 'github-actions[bot]', id: 41898282 };

export interface TimelineBar {
  node: string;
  task: string;
  attempt: number;
  start: number;
  end: number;
  /** `stopped`: still open when the run was stopped (its node stops the agent and may record nothing). */
  outcome: 'completed' | 'failed' | 'running' | 'expired' | 'superseded' | 'silent' | 'stopped';
}

/** A task's check: the summary's (its last attempt's), else the latest an earlier attempt recorded. */
export interface TaskCheck {
  check: Check;
  /** Set when the check is an earlier attempt's (the last attempt has not recorded one). */
  attempt?: number;
}

export interface RunView {
  run: string;
  state: RunState;
  summary: RunSummary;
  counts: Record<TaskStatus, number>;
  activeNodes: string[];
  bars: TimelineBar[];
  startedAt?: number;
  elapsedMs?: number;
  /** Estimated time to finish, from the mean task duration and the active nodes. */
  etaMs?: number;
  /** Per task id, the check to show (verify-command), when one ran. */
  checks: Map<string, TaskCheck>;
  /** The comment that asked to stop the run, when the thread shows it (for a link). */
  stopUrl?: string;
}

export function trustFor(identity: string): ReturnType<typeof makeTrust> {
  const login = identity.trim() || ACTIONS_BOT.login;
  return makeTrust(login.toLowerCase() === ACTIONS_BOT.login ? ACTIONS_BOT : undefined, [login]);
}

/** The runs found in the thread (by the trusted identity), newest first. */
export function runsIn(comments: ThreadComment[], identity: string): string[] {
  const trust = trustFor(identity);
  const last = new Map<string, number>();
  for (const c of comments) {
    if (!isTrusted(trust, c.user)) continue;
    const d = decode(c.body);
    if (d.kind === 'message') last.set(d.message.run, Math.max(last.get(d.message.run) ?? 0, c.id));
  }
  return [...last.entries()].sort((a, b) => b[1] - a[1]).map(([run]) => run);
}

export function viewRun(comments: ThreadComment[], identity: string, run: string, now: number): RunView {
  const state = fold(comments, { run, trust: trustFor(identity) });
  const summary = summarize(state, now);
  const counts = tally(state, now);
  const bars: TimelineBar[] = [];
  const stoppedAt = state.stopped?.at;
  for (const record of state.tasks.values())
    for (const a of record.attempts) {
      if (a.closing) continue;
      const alive = isAlive(a, now);
      const open = a.outcome === 'open';
      // An agent the stop ended (its node records it failed) is shown stopped, as its task is.
      const stoppedByStop =
        stoppedAt !== undefined &&
        (a.outcome === 'open' || (a.outcome === 'failed' && (a.endedAt ?? 0) >= stoppedAt));
      const outcome: TimelineBar['outcome'] = stoppedByStop
        ? 'stopped'
        : a.outcome !== 'open'
          ? a.outcome
          : alive
            ? 'running'
            : 'silent';
      const end =
        a.endedAt ??
        (open && stoppedAt !== undefined
          ? Math.min(now, Math.max(stoppedAt, a.ev.lastAlive))
          : alive
            ? now
            : a.ev.lastAlive);
      bars.push({
        node: a.node,
        task: a.task,
        attempt: a.attempt,
        start: a.created,
        end: Math.max(end, a.created + 1000),
        outcome,
      });
    }
  const views = taskViews(state, now);
  const lease = (node: string): number =>
    Math.max(
      ...[...state.terms.values()].flatMap((t) =>
        t.bids.filter((b) => b.node === node).map((b) => b.ev.leaseMs),
      ),
      60_000,
    );
  const activeNodes = [...state.nodes.values()]
    .filter(
      (n) =>
        // A node that recorded what it spent has left.
        !n.spent &&
        (now - n.lastSeen <= lease(n.id) ||
          [...views.values()].some((v) => v.status === 'running' && v.last?.node === n.id)),
    )
    .map((n) => n.id);
  const bidTimes = [...state.terms.values()].flatMap((t) => t.bids.map((b) => b.created));
  const startedAt = bidTimes.length > 0 ? Math.min(...bidTimes) : undefined;
  const finished =
    counts.claimable + counts.blocked + counts.running + counts.review === 0 && state.plan !== undefined;
  const lastEnd = Math.max(0, ...bars.map((b) => b.end));
  const durations = summary.tasks
    .filter((t) => t.status === 'completed' && t.durationMs)
    .map((t) => t.durationMs!);
  const remaining = counts.claimable + counts.blocked + counts.running + counts.review;
  const mean = durations.length > 0 ? durations.reduce((a, b) => a + b, 0) / durations.length : undefined;
  const checks = new Map<string, TaskCheck>();
  for (const t of summary.tasks) {
    if (t.check) {
      checks.set(t.id, { check: t.check });
      continue;
    }
    const earlier = state.tasks
      .get(t.id)
      ?.attempts.filter((a) => !a.closing && a.result?.check)
      .at(-1);
    if (earlier?.result?.check) checks.set(t.id, { check: earlier.result.check, attempt: earlier.attempt });
  }
  const stopUrl = state.stopped
    ? comments.find((c) => c.id === state.stopped!.commentId)?.html_url
    : undefined;
  return {
    run,
    state,
    summary,
    checks,
    ...(stopUrl ? { stopUrl } : {}),
    counts,
    activeNodes: finished ? [] : activeNodes,
    bars,
    ...(startedAt !== undefined ? { startedAt, elapsedMs: (finished ? lastEnd : now) - startedAt } : {}),
    ...(mean !== undefined && remaining > 0
      ? { etaMs: Math.ceil(remaining / Math.max(1, activeNodes.length)) * mean }
      : finished
        ? { etaMs: 0 }
        : {}),
  };
}
