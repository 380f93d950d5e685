// The invariants of liveness under GitHub's faults (issue 19 part 4): work finished in time is not started
// again, and no node goes without progress for longer than a bound (sim/progress.ts).
import { decode } from '../src/protocol/codec.js';
import type { RunState } from '../src/protocol/fold.js';
import { heardLeaseEnd, type Span } from '../src/protocol/hearing.js';
import type { ThreadComment } from '../src/protocol/thread-comment.js';
import type { AgentRun } from './invariants.js';

/**
 * How much sooner than its heard lease end an outcome must have landed to count as in time: the claimant's
 * reckoning of the server's clock is off by up to a second and a half (whole-second Date headers, latency),
 * and a takeover waits a second past the lease for whole-second timestamps.
 */
export const IN_TIME_TOLERANCE_MS = 2000;

/** The key of a claimant's hearing: its node, the task, the attempt it claimed. */
export const claimKey = (node: string, task: string, attempt: number): string => `${node} ${task}#${attempt}`;

export interface LivenessInput {
  comments: readonly ThreadComment[];
  agentRuns: readonly AgentRun[];
  /**
   * What each claimant of an attempt was deaf to when it posted its claim (its client's trouble spans then,
   * server time), by `claimKey`; none when absent.
   */
  deafAtClaim?: ReadonlyMap<string, readonly Span[]>;
  /** Each node's progress (sim/progress.ts) and the bound on a gap in it. */
  progress?: { boundMs: number; nodes: readonly { node: string; times: readonly number[]; end: number }[] };
}

/**
 * (v) No agent starts on a task after an attempt of it finished in time: an attempt whose comment says it
 * completed, and whose outcome landed within its lease as the claimant of any later attempt heard it
 * (`heardLeaseEnd` of the attempt's evidence before the outcome, with the deaf spans the claimant had when it
 * claimed, and the holder's job running, as it was: it wrote the outcome), leaves no agent run of a later
 * attempt. (The outcome's time is its comment's whole second, taken at its latest.)
 */
export function checkNoRedoAfterInTime(
  state: RunState,
  input: LivenessInput,
  at: (ms: number) => string,
): string[] {
  const v: string[] = [];
  const byId = new Map(input.comments.map((c) => [c.id, c]));
  for (const record of state.tasks.values())
    for (const a of record.attempts) {
      if (a.state !== 'completed') continue;
      const before = evidenceBeforeOutcome(byId.get(a.commentId), a.created);
      if (!before) continue;
      const landed = a.updated + 999;
      for (const r of input.agentRuns) {
        if (r.task !== a.task || r.attempt <= a.attempt) continue;
        const deaf = input.deafAtClaim?.get(claimKey(r.node, r.task, r.attempt)) ?? [];
        const end = heardLeaseEnd(before, a.node, { deaf, running: new Set([a.node]) });
        if (landed + IN_TIME_TOLERANCE_MS <= end)
          v.push(
            `${a.task}: ${r.node} started attempt ${r.attempt} at ${at(r.start)}, but attempt ${a.attempt} by ${a.node} had finished in time (outcome written by ${at(landed)}; its lease as ${r.node} heard it ran to ${at(end)})`,
          );
      }
    }
  return v;
}

/** The evidence of a claim comment before its last edit (the outcome): its last write before that. */
function evidenceBeforeOutcome(comment: ThreadComment | undefined, created: number) {
  if (!comment) return undefined;
  const d = decode(comment.body);
  if (d.kind !== 'message' || d.message.type !== 'claim') return undefined;
  const prev = d.message.beat > 0 ? Math.max(created, d.message.prev ?? created) : created;
  return { start: created, lastAlive: prev, leaseMs: d.message.lease_ms, late: false };
}

/** (vi) No node goes without progress for longer than the bound: from its start to its end (or crash). */
export function checkProgress(input: LivenessInput, at: (ms: number) => string): string[] {
  const v: string[] = [];
  if (!input.progress) return v;
  const { boundMs, nodes } = input.progress;
  for (const { node, times, end } of nodes) {
    let worst = { from: 0, to: 0 };
    const all = [...times, end];
    for (let i = 1; i < all.length; i++)
      if (all[i]! - all[i - 1]! > worst.to - worst.from) worst = { from: all[i - 1]!, to: all[i]! };
    if (worst.to - worst.from > boundMs)
      v.push(
        `${node} made no progress from ${at(worst.from)} to ${at(worst.to)} (${Math.round((worst.to - worst.from) / 1000)}s; the bound is ${Math.round(boundMs / 1000)}s)`,
      );
  }
  return v;
}
