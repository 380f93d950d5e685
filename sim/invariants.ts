// The guarantees, checked on what a simulated run did: the final thread and the ledger of agent runs.
import { fold, type RunState } from '../src/protocol/fold.js';
import { decode } from '../src/protocol/codec.js';
import { TERMINAL, taskViews } from '../src/protocol/decide.js';
import { makeTrust, type ThreadComment } from '../src/protocol/thread-comment.js';
import type { AttemptRecord } from '../src/protocol/fold.js';
import { checkNoRedoAfterInTime, checkProgress, type LivenessInput } from './liveness-invariants.js';

/** One agent run as it really happened (virtual time, ms). */
export interface AgentRun {
  node: string;
  task: string;
  attempt: number;
  start: number;
  end?: number;
  outcome?: 'ok' | 'failed' | 'killed' | 'crashed';
}

export interface InvariantInput extends LivenessInput {
  comments: ThreadComment[];
  run: string;
  trusted: { login: string; id: number };
  agentRuns: AgentRun[];
  /** Nodes that crashed, and when. */
  crashed: Map<string, number>;
  /** What each node that finished reported (runNode's outcome); a crashed node reports nothing. */
  reports: ReadonlyMap<string, { completed: number }>;
  /** The most the emulator's listings lag behind writes (its lag plus its jitter), ms. */
  listingLagMs: number;
  /** When the run started (virtual ms): times in the messages are counted from it. */
  t0: number;
  now: number;
}

export function checkInvariants(input: InvariantInput): {
  violations: string[];
  totals: { completed: number; failed: number; skipped: number };
  state: RunState;
} {
  const v: string[] = [];
  const at = (ms: number | undefined): string =>
    ms === undefined ? 'never' : `+${((ms - input.t0) / 1000).toFixed(3)}s`;
  const trust = makeTrust(input.trusted);
  const state = fold(input.comments, { run: input.run, trust });
  const views = taskViews(state, input.now);

  // Every task ends completed, failed or skipped.
  if (!state.plan) v.push('no plan was published');
  for (const view of views.values())
    if (!TERMINAL.has(view.status))
      v.push(`${view.id} ended ${view.status}, not completed, failed or skipped`);

  // One leader acts per term, and nobody acts on another's behalf: every plan the action wrote is by its term's leader.
  for (const c of input.comments) {
    if (c.user?.id !== input.trusted.id) continue;
    const d = decode(c.body);
    if (d.kind !== 'message' || d.message.type !== 'plan' || d.message.run !== input.run) continue;
    const leader = state.terms.get(d.message.term)?.leader;
    if (!leader || leader.node !== d.message.node)
      v.push(
        `comment ${c.id}: ${d.message.node} published a plan for term ${d.message.term}, led by ${leader?.node ?? 'nobody'}`,
      );
  }

  // Forged and malformed comments change nothing: the fold equals the fold of the action's own comments alone.
  const own = fold(
    input.comments.filter((c) => c.user?.id === input.trusted.id),
    { run: input.run, trust },
  );
  if (project(own) !== project(state)) v.push('comments by other accounts changed the run state');
  for (const r of input.agentRuns)
    if (state.plan && !state.plan.tasks.some((t) => t.id === r.task))
      v.push(`an agent ran ${r.task}, which is in no plan`);
  if (state.plan?.tasks.some((t) => t.title.startsWith('FORGED'))) v.push('a forged plan was believed');

  // Nodes act only on claims they won: every agent run belongs to an attempt the fold gave its node.
  for (const r of input.agentRuns) {
    const attempt = state.tasks.get(r.task)?.attempts[r.attempt - 1];
    if (!attempt || attempt.node !== r.node)
      v.push(
        `${r.node} ran ${r.task} attempt ${r.attempt}, which the thread gives to ${attempt?.node ?? 'nobody'}`,
      );
  }

  // No task is run by two live nodes at once.
  const byTask = new Map<string, AgentRun[]>();
  for (const r of input.agentRuns) byTask.set(r.task, [...(byTask.get(r.task) ?? []), r]);
  for (const [task, runs] of byTask) {
    for (let i = 0; i < runs.length; i++)
      for (let j = i + 1; j < runs.length; j++) {
        const a = runs[i]!;
        const b = runs[j]!;
        const aEnd = a.end ?? input.crashed.get(a.node) ?? Infinity;
        const bEnd = b.end ?? input.crashed.get(b.node) ?? Infinity;
        if (a.start < bEnd && b.start < aEnd)
          v.push(
            `${task} ran on ${a.node} and ${b.node} at once (${a.start}–${aEnd} and ${b.start}–${bEnd})`,
          );
      }
  }

  // No dependent starts before its dependencies completed.
  for (const r of input.agentRuns) {
    const task = state.tasks.get(r.task)?.task;
    for (const dep of task?.depends_on ?? []) {
      const done = state.tasks.get(dep)?.attempts.find((a) => a.outcome === 'completed');
      if (!done || done.endedAt === undefined || done.endedAt > r.start)
        v.push(
          `${r.task} started at ${r.start} before its dependency ${dep} completed (${done?.endedAt ?? 'never'})`,
        );
    }
  }

  // What the thread says completed was done: a completed attempt matches a successful agent run of that node.
  for (const record of state.tasks.values())
    for (const a of record.attempts) {
      if (a.outcome !== 'completed') continue;
      const ran = input.agentRuns.some(
        (r) => r.task === a.task && r.attempt === a.attempt && r.node === a.node && r.outcome === 'ok',
      );
      if (!ran)
        v.push(
          `${a.task} attempt ${a.attempt} is completed in the thread, but no agent run of ${a.node} did it`,
        );
    }

  // The attempt that completed each task, as the fold has it.
  const completedBy = new Map<string, AttemptRecord>();

  // (i) At most one attempt of a task is completed.
  for (const record of state.tasks.values()) {
    const done = record.attempts.filter((a) => a.outcome === 'completed');
    if (done[0]) completedBy.set(record.task.id, done[0]);
    if (done.length > 1)
      v.push(
        `${record.task.id} is completed by ${done.length} attempts: ${done.map((a) => `attempt ${a.attempt} by ${a.node} (written ${at(a.endedAt)})`).join(', ')}`,
      );
  }

  // (ii) The outputs agree with the thread: each node that finished reports as completed exactly the tasks
  // whose completed attempt is its own (a crashed node reports nothing), so no task is counted twice.
  const owned = new Map<string, string[]>();
  for (const [task, a] of completedBy) owned.set(a.node, [...(owned.get(a.node) ?? []), task]);
  let reported = 0;
  for (const [node, report] of input.reports) {
    reported += report.completed;
    const mine = owned.get(node) ?? [];
    if (report.completed !== mine.length)
      v.push(
        `${node} reports ${report.completed} completed, but the thread gives it ${mine.length}${mine.length ? ` (${mine.join(', ')})` : ''}`,
      );
  }
  if (reported > completedBy.size)
    v.push(`the nodes report ${reported} completed tasks together, but ${completedBy.size} completed`);

  // (iii) Finished work is never thrown away: an agent run that ended ok while its lease still ran, and whose
  // node recorded it (its attempt's comment says completed, late or not), leaves its task completed, by that
  // attempt or by one whose outcome was written no later, unless a takeover's result came before it. "While its lease ran" as a node can know it: before
  // its lease keeper's deadline (the margin a node keeps, lease / 10 between 1 s and 30 s), less a second and
  // a half for the error of its reckoning of the server's clock (whole-second Date headers, latency).
  for (const r of input.agentRuns) {
    if (r.outcome !== 'ok') continue;
    const attempt = state.tasks.get(r.task)?.attempts[r.attempt - 1];
    if (!attempt || attempt.node !== r.node || attempt.state !== 'completed') continue;
    const margin = Math.min(Math.max(attempt.ev.leaseMs * 0.1, 1000), 30_000);
    const leaseEnd = attempt.ev.lastAlive + attempt.ev.leaseMs;
    if (r.end === undefined || r.end > leaseEnd - margin - 1500) continue;
    // A takeover that had a result first (it completed or failed, a closing claim too; in the same second
    // too, as a late outcome comes after anything else in its second) voids a late outcome.
    const later = state.tasks.get(r.task)!.attempts.slice(r.attempt);
    if (later.some((b) => (b.state === 'completed' || b.state === 'failed') && b.updated <= attempt.updated))
      continue;
    const done = completedBy.get(r.task);
    if (done === attempt) continue;
    if (done && done.endedAt !== undefined && done.endedAt <= attempt.updated) continue;
    v.push(
      `${r.task}: the work of ${r.node} (attempt ${r.attempt}, agent ${at(r.start)}–${at(r.end)}, outcome written ${at(attempt.updated)}, now ${attempt.outcome}) was thrown away: ${
        done
          ? `attempt ${done.attempt} by ${done.node} completed it later (written ${at(done.endedAt)})`
          : 'the task is not completed'
      }`,
    );
  }

  // (iv) No redo after a visible completion: once a task's accepted outcome is written, no agent run of it
  // starts later than a listing can lag behind it (and a second for whole-second timestamps).
  for (const r of input.agentRuns) {
    const done = completedBy.get(r.task);
    if (done?.endedAt === undefined) continue;
    const bound = done.endedAt + input.listingLagMs + 1000;
    if (r.start > bound)
      v.push(
        `${r.task}: ${r.node} started attempt ${r.attempt} at ${at(r.start)}, after attempt ${done.attempt} by ${done.node} had completed it (written ${at(done.endedAt)}; visible by ${at(bound)})`,
      );
  }

  // (v) No agent starts on a task after an attempt of it finished in time; (vi) no node goes without progress
  // for longer than the bound (sim/liveness-invariants.ts).
  v.push(...checkNoRedoAfterInTime(state, input, at), ...checkProgress(input, at));

  const totals = { completed: 0, failed: 0, skipped: 0 };
  for (const view of views.values())
    if (view.status === 'completed' || view.status === 'failed' || view.status === 'skipped')
      totals[view.status] += 1;
  return { violations: v, totals, state };
}

/** The parts of a run state that decisions rest on, as a string to compare. */
function project(s: RunState): string {
  return JSON.stringify({
    leaders: [...s.terms.entries()].map(([t, x]) => [t, x.leader?.node]),
    plan: s.plan && { leader: s.plan.leader, tasks: s.plan.tasks.map((t) => [t.id, t.title, t.depends_on]) },
    attempts: [...s.tasks.values()].map((r) =>
      r.attempts.map((a) => [a.task, a.attempt, a.node, a.outcome, a.endedAt]),
    ),
  });
}
