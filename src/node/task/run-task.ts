// src/node/task/: a worker's attempt on one task, from its claim to its outcome. This file runs it; the claim
// is raced and judged in claim-task.ts (HeldClaim, held-claim.ts), a takeover watches the attempts before it
// (earlier-attempts.ts), the cap out of the run's budget is settled in attempt-cap.ts, the prompt is built in
// prompt.ts, the work delivered in deliver-work.ts, and the outcome written in record-outcome.ts or carried
// by the node's next claim (carried-outcome.ts).
//
// A worker's cycle for one task (the task folder's main file): race a claim comment (claim-task.ts), confirm
// it from a listing that shows it, run the agent while heartbeating and, on a takeover, watching for an
// earlier attempt's late outcome (earlier-attempts.ts), deliver the work (deliver-work.ts), and write the
// outcome into the same comment (record-outcome.ts) or leave it to ride on the node's next claim
// (carried-outcome.ts).
import path from 'node:path';
import type { RunState } from '../../protocol/fold.js';
import { budgetLeft } from '../../protocol/cost.js';
import { capInput } from './attempt-cap.js';
import { stoppedReason, type StopWatch } from '../watches/stop-watch.js';
import { mayCarry, type PendingOutcome } from './carried-outcome.js';
import { buildPrompt } from './prompt.js';
import { type RunContext } from '../loop/context.js';
import { type LeaseEdit } from '../watches/lease-keeper.js';
import { claimBody } from '../loop/message-bodies.js';
import { runWithChecks, type WorkResult } from '../agent/quality-gate.js';
import { cappedLog } from '../agent/capped-log.js';
import { ownDir, writeFresh } from '../../containment/safe-files.js';
import type { Task } from '../../protocol/messages.js';
import type { Delivered, DependencyBranch } from '../../delivery/task-branch.js';
import { heldFields, type HeldClaim, type TaskEnd } from './held-claim.js';
import { watchForEarlierOutcome } from './earlier-attempts.js';
import { deliverWork } from './deliver-work.js';
import { recordOutcome, recordSuperseded, resultOf } from './record-outcome.js';

/** What the heartbeats of a running task say it is doing. */
interface Progress {
  line: string;
}

/** Run the agent on a claimed task and record the outcome. */
export async function runTask(
  ctx: RunContext,
  claim: HeldClaim,
  state: RunState,
  stops: StopWatch,
): Promise<TaskEnd> {
  const task = state.tasks.get(claim.task)!.task;
  const progress: Progress = { line: 'agent starting' };
  heartbeatWhileRunning(ctx, claim, progress);
  const { prompt, promptFile } = writePrompt(ctx, claim, task, state);
  const deps = dependencyBranches(state, task);
  let prepared: string | undefined;
  if (ctx.branches) {
    progress.line =
      deps.length > 0 ? `merging ${deps.map((d) => d.task).join(', ')}` : 'preparing the branch';
    prepared = await ctx.branches.prepare(task, deps);
    if (prepared) ctx.log.warning(`${task.id}: ${prepared}`);
  }
  if (claim.lost) prepared ??= `the lease was lost before the agent started: ${claim.lost}`;
  if (state.stopped) prepared ??= stoppedReason(state.stopped);
  const { run, finishedAt, watching } = await runWatched(ctx, claim, prepared, stops, () =>
    runWork(ctx, state, claim, task, prompt, promptFile, (line) => (progress.line = line)),
  );
  if (claim.superseded) return recordSuperseded(ctx, claim, run);
  if (claim.lost && finishedAt === undefined) return fenced(ctx, claim, task);
  let ok = !prepared && run.ok;
  let error = prepared ?? run.error;
  let delivered: Delivered | undefined;
  if (ctx.branches && !prepared) {
    progress.line = ok ? 'pushing the branch' : 'saving the failed run on a branch';
    ({ ok, error, delivered } = await deliverWork(ctx, ctx.branches, {
      claim,
      task,
      run,
      deps,
      ok,
      error,
      watching,
    }));
  }
  claim.keeper.stop();
  if (claim.lost && !(ok && finishedAt !== undefined)) return fenced(ctx, claim, task);
  const result = resultOf(ctx, claim, { run, ok, error, delivered, finishedAt });
  const ended = ok ? ('completed' as const) : ('failed' as const);
  const done: PendingOutcome = {
    claim,
    fields: { ...heldFields(claim, { state: ended, result }), state: ended },
    task,
    run,
    ok,
    error,
    result,
    finishedAt,
  };
  if (mayCarry(ctx, claim)) return { outcome: ended, viewIsFresh: false, pending: done };
  return recordOutcome(ctx, done);
}

/** Heartbeats while the task runs say what it is doing (no edit at once: the claim proves the node alive). */
function heartbeatWhileRunning(ctx: RunContext, claim: HeldClaim, progress: Progress): void {
  const startedAt = Date.now();
  const running = (edit: LeaseEdit): string =>
    claimBody(
      ctx.config,
      claim.nonce,
      heldFields(claim, { state: 'running', progress: progress.line }),
      edit,
      {
        startedAt,
        now: Date.now(),
      },
    );
  claim.keeper.stop();
  claim.keeper.start(running, false);
}

/** The agent's prompt, in a file of the node's own (synchronous: a few kilobytes, and the simulation's
 * virtual clock must not run ahead of a pending write). */
function writePrompt(
  ctx: RunContext,
  claim: HeldClaim,
  task: Task,
  state: RunState,
): { prompt: string; promptFile: string } {
  const { config } = ctx;
  const dir = path.join(config.tempDir, 'tasks');
  ownDir(dir);
  const promptFile = path.join(dir, `${task.id}-attempt-${claim.attempt}.md`);
  const prompt = buildPrompt(
    ctx.issue,
    task,
    state,
    claim.attempt,
    ctx.thread.all(),
    config.allowUntrustedAuthors,
  );
  writeFresh(promptFile, prompt);
  return { prompt, promptFile };
}

/**
 * Run the work (unless preparing it failed) while a takeover watches for an earlier attempt's late outcome.
 * Work that ended while the lease still ran is kept (`finishedAt`), whatever GitHub does to the writes that
 * record it; the lease keeper checks its deadline a few times a second, and the work's end is held against it
 * here too.
 */
async function runWatched(
  ctx: RunContext,
  claim: HeldClaim,
  prepared: string | undefined,
  stops: StopWatch,
  work: () => Promise<WorkResult>,
): Promise<{ run: WorkResult; finishedAt?: number; watching: boolean }> {
  const watch = watchForEarlierOutcome(ctx, claim);
  const stopWatch = prepared
    ? undefined
    : stops.watch((reason) => {
        claim.stopped = reason;
        claim.onStopped?.(reason);
      });
  try {
    const run = prepared
      ? { ok: false, exitCode: null, signal: null, durationMs: 0, outputTail: '', runs: 0 }
      : await work();
    const endedAt = ctx.client.clock.now();
    const inTime = run.ok && !claim.lost && endedAt < claim.keeper.deadline();
    return { run, ...(inTime ? { finishedAt: endedAt } : {}), watching: watch.watching };
  } finally {
    await Promise.all([watch.stop(), stopWatch?.stop()]);
  }
}

/** The lease was lost and the work had not ended in time: record nothing, another node takes over. */
function fenced(ctx: RunContext, claim: HeldClaim, task: Task): TaskEnd {
  claim.keeper.stop();
  ctx.log.warning(
    `${task.id}: the lease was lost, so the outcome is not recorded; another node will take the task over`,
  );
  return { outcome: 'fenced', viewIsFresh: false };
}

/** The branches of a task's dependencies that have one (a dependency that changed nothing has none). */
export function dependencyBranches(state: RunState, task: Task): DependencyBranch[] {
  const out: DependencyBranch[] = [];
  for (const id of task.depends_on) {
    const earlier = state.tasks.get(id)?.task.completed_in;
    if (earlier?.branch) {
      out.push({ task: id, branch: earlier.branch, ...(earlier.pr ? { pr: earlier.pr } : {}) });
      continue;
    }
    const done = state.tasks.get(id)?.attempts.find((a) => a.outcome === 'completed');
    const branch = done?.result?.branch;
    if (branch) out.push({ task: id, branch, ...(done.result?.pr ? { pr: done.result.pr } : {}) });
  }
  return out;
}

/**
 * What an attempt's runs may spend when its claim was granted no cap out of the run's budget (the run has
 * none: then the task's cap, max-task-cost-usd): no more than what is left of the run's budget, if it has one.
 * An attempt granted a cap (HeldClaim.grantUsd, BudgetLedger) is given that instead.
 */
export function attemptBudget(
  config: { maxTaskCostUsd?: number },
  state: RunState,
): { usd: number; input: string } | undefined {
  const task = config.maxTaskCostUsd;
  const run = budgetLeft(state);
  if (run !== undefined && (task === undefined || run < task))
    return { usd: run, input: "what is left of the run's budget (max-cost-usd)" };
  return task !== undefined ? { usd: task, input: 'max-task-cost-usd' } : undefined;
}

/** What an attempt's agent is told of its task, its node and its attempt (P2P_* variables). */
export function taskEnv(
  config: { issueNumber: number; nodeId: string; instance: number },
  task: Task,
  attempt: number,
): Record<string, string> {
  return {
    P2P_TASK_ID: task.id,
    P2P_TASK_TITLE: task.title,
    P2P_TASK_BODY: task.body,
    P2P_TASK_PRIORITY: task.priority,
    P2P_ISSUE_NUMBER: String(config.issueNumber),
    P2P_NODE_ID: config.nodeId,
    P2P_INSTANCE: String(config.instance),
    P2P_ATTEMPT: String(attempt),
  };
}

function runWork(
  ctx: RunContext,
  state: RunState,
  claim: HeldClaim,
  task: Task,
  prompt: string,
  promptFile: string,
  onProgress: (line: string) => void,
): Promise<WorkResult> {
  const { config, log } = ctx;
  log.info(`⚙️ running the agent on ${task.id}: ${task.title}`);
  // A talkative agent is logged up to a point: what it prints past that still reaches the outcome's tail.
  const logLine = cappedLog(log, `  [${task.id}] `);
  const budget =
    claim.grantUsd !== undefined
      ? { usd: claim.grantUsd, input: capInput(claim.grantUsd, config.maxTaskCostUsd) }
      : attemptBudget(config, state);
  return runWithChecks(ctx, claim, {
    ...(budget ? { budget } : {}),
    task,
    attempt: claim.attempt,
    prompt,
    promptFile,
    env: taskEnv(config, task, claim.attempt),
    onProgress,
    onOutput: (text) => {
      const last = text.trimEnd().split('\n').at(-1)?.trim();
      if (last) onProgress(last.slice(0, 200));
      logLine(text);
    },
  });
}
