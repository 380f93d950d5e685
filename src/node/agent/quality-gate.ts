// A task's work in one attempt: run the agent, then the repository's own check (verify-command). When the
// check fails, the agent is run again, on this node in this attempt, with a prompt that holds the check's
// output (P2P_FIX_ROUND=1, 2, …), up to `fix-attempts` times. The work is done only when the check passes.
// What every run spent is added up, and the task's budget (max-task-cost-usd) is what all of them may spend
// together.
import path from 'node:path';
import type { Check, Task } from '../../protocol/messages.js';
import { addUsage, formatCost, type Usage } from '../../protocol/usage.js';
import { startProcess, type ProcessResult, type RunningProcess } from './agent-process.js';
import { startAgentRun, type AgentRunResult, type RunningAgent } from './agent-run.js';
import type { NodeContext } from '../loop/context.js';
import { buildFixPrompt } from '../task/prompt.js';
import { cappedLog } from './capped-log.js';
import { writeFresh } from '../../containment/safe-files.js';
import type { CheckSettings } from '../../inputs.js';

/**
 * The lease the work runs under: `lost` is set (and `onLost` called) when it is lost; `stopped` (and
 * `onStopped`) when the run is stopped from the issue. Either stops the agent or the check at once.
 */
export interface WorkLease {
  lost?: string;
  onLost?: (reason: string) => void;
  stopped?: string;
  onStopped?: (reason: string) => void;
}

/**
 * The attempt's work: like one agent run (the last run's exit code and output; the error that ended it, if
 * any), but what every run spent, how long all runs and checks took, how many runs there were, and the check.
 */
export interface WorkResult extends Pick<
  AgentRunResult,
  'ok' | 'error' | 'exitCode' | 'signal' | 'outputTail' | 'usage'
> {
  durationMs: number;
  runs: number;
  check?: Check;
}

export interface WorkSpec {
  task: Task;
  attempt: number;
  /** The task's prompt, as written to `promptFile`. */
  prompt: string;
  promptFile: string;
  env: Record<string, string>;
  /** What the node is doing, for the heartbeat. */
  onProgress: (line: string) => void;
  /** What the agent prints, as it is shown. */
  onOutput: (text: string) => void;
  /** What all of the attempt's runs may spend, and the input that says so; absent: no cap. */
  budget?: { usd: number; input: string };
}

const CHECK_TAIL = 3000;
/** A fix round is not started with less than this left of the task's budget: it would only overspend. */
const MIN_RUN_BUDGET = 0.02;

/** "the check `npm test` exited with 1 after 2 fix round(s)". */
function checkFailure(c: Check): string {
  const how = c.timed_out
    ? 'ran longer than verify-timeout-min and was stopped'
    : c.exit_code === null
      ? 'could not run to its end'
      : `exited with ${c.exit_code}`;
  return `the check \`${c.command.slice(0, 200)}\` ${how}${c.fix_rounds > 0 ? ` after ${c.fix_rounds} fix round(s)` : ''}`;
}

export async function runWithChecks(ctx: NodeContext, lease: WorkLease, spec: WorkSpec): Promise<WorkResult> {
  const { config, log } = ctx;
  const check = config.check;
  const budget = spec.budget?.usd;
  const budgetName = spec.budget?.input ?? 'max-task-cost-usd';
  const started = Date.now();
  let usage: Usage | undefined;
  let promptFile = spec.promptFile;
  let last: AgentRunResult | undefined;
  let record: Check | undefined;
  /** Agent runs so far (the check record counts the fix rounds before its last run). */
  let runs = 0;
  let stop: ((reason: string) => void) | undefined;
  lease.onLost = (reason) => {
    log.warning(`stopping the work on ${spec.task.id}: ${reason}`);
    stop?.(`this node lost its lease on the task (${reason})`);
  };
  lease.onStopped = (reason) => {
    log.warning(`stopping the work on ${spec.task.id}: ${reason}`);
    stop?.(reason);
  };
  const end = (error?: string): WorkResult => ({
    ok: error === undefined,
    ...(error !== undefined ? { error } : {}),
    exitCode: last?.exitCode ?? null,
    signal: last?.signal ?? null,
    durationMs: Date.now() - started,
    outputTail: last?.outputTail ?? '',
    ...(usage ? { usage } : {}),
    runs,
    ...(record ? { check: record } : {}),
  });

  for (let round = 0; ; round++) {
    const left = budget !== undefined ? budget - (usage?.cost_usd ?? 0) : undefined;
    if (lease.stopped) return end(lease.stopped);
    if (left !== undefined && left < MIN_RUN_BUDGET)
      return end(budgetTooLow(record, usage, budget!, budgetName));
    spec.onProgress(round === 0 ? 'agent starting' : `fix round ${round}: agent starting`);
    if (lease.lost) return end(`the lease was lost: ${lease.lost}`);
    const agent = startRound(ctx, spec, round, promptFile, left);
    stop = agent.kill;
    if (lease.lost) agent.kill(lease.lost);
    if (lease.stopped) agent.kill(lease.stopped);
    last = await agent.done;
    stop = undefined;
    runs += 1;
    usage = addUsage(usage, last.usage);
    for (const note of last.notes) log.warning(`${spec.task.id}: ${note}`);
    if (lease.stopped) return end(lease.stopped);
    if (!last.ok) return end(round > 0 ? `fix round ${round}: ${last.error}` : last.error);
    if (budget !== undefined && (usage?.cost_usd ?? 0) > budget)
      return end(
        `the agent spent ${formatCost(usage!.cost_usd!)}, more than ${budgetName} ${formatCost(budget)}`,
      );
    if (!check) return end();

    const run = startCheck(ctx, spec, check, round);
    stop = run.kill;
    if (lease.lost) run.kill(lease.lost);
    if (lease.stopped) run.kill(lease.stopped);
    const result = await run.done;
    stop = undefined;
    if (lease.lost) return end(`the lease was lost: ${lease.lost}`);
    if (lease.stopped) return end(lease.stopped);
    record = checkRecord(check, result, round);
    if (record.passed) {
      log.info(`✅ ${spec.task.id}: the check passed${round > 0 ? ` after ${round} fix round(s)` : ''}`);
      return end();
    }
    log.warning(`${spec.task.id}: ${checkFailure(record)}`);
    if (round >= check.fixAttempts) return end(checkFailure(record));
    promptFile = attemptFile(spec, `fix-${round + 1}.md`);
    writeFixPrompt(promptFile, spec.prompt, check, result, round + 1);
  }
}

/** Why no (fix) round is started when the task's budget has less than MIN_RUN_BUDGET left. */
function budgetTooLow(
  record: Check | undefined,
  usage: Usage | undefined,
  budget: number,
  budgetName: string,
): string {
  const spent = `${formatCost(usage?.cost_usd ?? 0)} of ${budgetName} ${formatCost(budget)}`;
  return record
    ? `${checkFailure(record)}, and the task's budget has too little left for a fix round (${spent} spent)`
    : `the task's budget is spent: ${spent}`;
}

/** A file of this attempt's, beside the task's prompt: `<task>-attempt-<n>-<name>`. */
function attemptFile(spec: WorkSpec, name: string): string {
  return path.join(path.dirname(spec.promptFile), `${spec.task.id}-attempt-${spec.attempt}-${name}`);
}

/** Start the agent's run of `round` (0: the task's own, then the fix rounds), on what the budget has left. */
function startRound(
  ctx: NodeContext,
  spec: WorkSpec,
  round: number,
  promptFile: string,
  left: number | undefined,
): RunningAgent {
  return startAgentRun(ctx, {
    env: { ...spec.env, P2P_FIX_ROUND: String(round) },
    promptFile,
    usageFile: attemptFile(spec, `run-${round + 1}.usage.json`),
    ...(left !== undefined ? { budgetUsd: left } : {}),
    timeoutMs: ctx.config.taskTimeoutMs,
    onOutput: spec.onOutput,
  });
}

/** Start the repository's check after the agent's run of `round`. */
function startCheck(ctx: NodeContext, spec: WorkSpec, check: CheckSettings, round: number): RunningProcess {
  const { config, log } = ctx;
  spec.onProgress(`checking: ${check.command}`);
  log.info(
    `🔎 ${spec.task.id}: running the check \`${check.command}\`${round > 0 ? ` (after fix round ${round})` : ''}`,
  );
  return (ctx.startProcess ?? startProcess)({
    command: check.command,
    cwd: config.workspace,
    env: {
      ...config.agentEnv,
      ...spec.env,
      P2P_FIX_ROUND: String(round),
      P2P_PROMPT_FILE: spec.promptFile,
    },
    timeoutMs: check.timeoutMs,
    tailChars: CHECK_TAIL,
    onOutput: cappedLog(log, `  [${spec.task.id} check] `),
  });
}

/** The check's run as the outcome records it. */
function checkRecord(check: CheckSettings, result: ProcessResult, round: number): Check {
  const passed = result.exitCode === 0 && !result.timedOut && !result.error;
  return {
    command: check.command.slice(0, 500),
    passed,
    fix_rounds: round,
    exit_code: result.exitCode,
    ...(result.timedOut ? { timed_out: true } : {}),
    // What a passing check printed is shown nowhere.
    output_tail: passed ? '' : result.outputTail,
  };
}

/** The prompt of fix round `fixRound`: the task's, with what the failed check printed. */
function writeFixPrompt(
  promptFile: string,
  prompt: string,
  check: CheckSettings,
  result: ProcessResult,
  fixRound: number,
): void {
  // Synchronous, like the task's prompt: the simulation's virtual clock must not run ahead of the write.
  writeFresh(
    promptFile,
    buildFixPrompt(
      prompt,
      {
        command: check.command,
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        outputTail: result.outputTail,
      },
      fixRound,
      check.fixAttempts,
    ),
  );
}
