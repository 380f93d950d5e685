// src/node/agent/: the agent as a child process. One run (this file) of the preset's or the workflow's
// command line, in its contained environment, with a timeout and a kill (agent-process.ts); the repository's
// own check as a gate, with fix rounds (quality-gate.ts); and its output logged within bounds (capped-log.ts).
//
// One run of the agent (a task's first run, a fix round, or the plan): its command line, its environment,
// what it reports (the CLI's own output, or what a custom agent wrote to P2P_USAGE_FILE) and, when it fails,
// why, in words a person on the issue understands.
import { rmSync } from 'node:fs';
import { floorCap } from '../../protocol/reservations.js';
import { claudeReader, textReader, type OutputFormat, type OutputReader } from '../../agents/agent-output.js';
import { codexReader, geminiReader } from '../../agents/agent-output-events.js';
import { presetCommand, type AgentChoice } from '../../agents/presets.js';
import { readUsageFile } from '../../agents/usage-file.js';
import { settingsHome } from '../../agents/settings-home.js';
import path from 'node:path';
import { normalizeUsage, type Usage } from '../../protocol/usage.js';
import { redact } from '../../errors.js';
import {
  startProcess,
  type ProcessOptions,
  type ProcessResult,
  type RunningProcess,
} from './agent-process.js';
import type { NodeContext } from '../loop/context.js';
import { waitingFor } from '../loop/watchdog.js';

export function readerFor(format: OutputFormat): OutputReader {
  switch (format) {
    case 'claude-stream-json':
      return claudeReader();
    case 'codex-json':
      return codexReader();
    case 'gemini-json':
      return geminiReader();
    default:
      return textReader();
  }
}

export interface AgentRunSpec {
  /** P2P_* variables describing the work (the task, or the plan). */
  env: Record<string, string>;
  promptFile: string;
  usageFile: string;
  /** What this run may still spend. */
  budgetUsd?: number;
  timeoutMs: number;
  onOutput?: (text: string) => void;
  /** Keep what it prints on stdout (a planning agent may print its plan there). */
  keepStdout?: boolean;
}

export interface AgentRunResult {
  ok: boolean;
  /** Why it failed. */
  error?: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  outputTail: string;
  usage?: Usage;
  /** What to warn about (refused tool calls, an unreadable usage file). */
  notes: string[];
  /** The agent's own stdout, when kept (a planner may print its plan there; up to 5 MB). */
  stdout: string;
  /** Its last message, when its CLI reports one. */
  finalText?: string;
}

/** The command line a run of this agent uses, with the limits that apply to it. */
export function agentCommandLine(
  choice: AgentChoice,
  limits: { maxTurns?: number; budgetUsd?: number },
): string {
  if (choice.kind === 'custom') return choice.command;
  return presetCommand(choice.preset, choice.extraArgs, limits);
}

export interface RunningAgent {
  done: Promise<AgentRunResult>;
  kill(reason: string): void;
}

export function startAgentRun(ctx: NodeContext, spec: AgentRunSpec): RunningAgent {
  const { config } = ctx;
  const choice = config.agent;
  rmSync(spec.usageFile, { force: true, recursive: true });
  // Four decimals, rounded down: never more than the run may spend.
  const budgetUsd = spec.budgetUsd !== undefined ? floorCap(spec.budgetUsd) : undefined;
  const options: ProcessOptions = {
    command: agentCommandLine(choice, {
      ...(config.maxTurns !== undefined ? { maxTurns: config.maxTurns } : {}),
      ...(budgetUsd !== undefined ? { budgetUsd } : {}),
    }),
    cwd: config.workspace,
    env: {
      ...config.agentEnv,
      ...(choice.kind === 'preset'
        ? {
            ...choice.preset.env,
            ...settingsHome(
              choice.preset,
              config.maxTurns,
              config.agentEnv,
              path.join(config.tempDir, 'agent-settings'),
            ),
          }
        : {}),
      ...spec.env,
      P2P_PROMPT_FILE: spec.promptFile,
      P2P_USAGE_FILE: spec.usageFile,
      ...(config.maxTurns !== undefined ? { P2P_MAX_TURNS: String(config.maxTurns) } : {}),
      ...(budgetUsd !== undefined ? { P2P_MAX_COST_USD: budgetUsd.toFixed(4) } : {}),
    },
    timeoutMs: spec.timeoutMs,
    stdoutLimit: spec.keepStdout ? 5_000_000 : 0,
    reader: readerFor(choice.kind === 'preset' ? choice.preset.format : 'text'),
    ...(spec.onOutput ? { onOutput: spec.onOutput } : {}),
  };
  const running: RunningProcess = (ctx.startProcess ?? startProcess)(options);
  const what = spec.env.P2P_TASK_ID ? `the agent for ${spec.env.P2P_TASK_ID}` : 'the planning agent';
  return {
    kill: running.kill,
    done: waitingFor(ctx, `${what}${running.pid !== undefined ? ` (pid ${running.pid})` : ''}`, () =>
      running.done.then((run) => finishRun(ctx, spec, run)),
    ),
  };
}

function finishRun(ctx: NodeContext, spec: AgentRunSpec, run: ProcessResult): AgentRunResult {
  const report = run.report ?? { notes: [] };
  const notes = [...report.notes];
  if (run.strays)
    notes.push(
      `the agent left ${run.strays} process(es) running outside its process group; they were killed`,
    );
  // What the CLI itself reported counts; a custom agent's own figures come from its usage file.
  let usage = normalizeUsage(report.usage);
  if (!usage) {
    const written = readUsageFile(spec.usageFile);
    if (written.error) notes.push(written.error);
    usage = written.usage;
  }
  const minutes = Math.round(spec.timeoutMs / 6000) / 10;
  const error = run.timedOut
    ? `the agent ran longer than its timeout (${minutes} min) and was stopped`
    : run.killedBecause
      ? `the agent was stopped: ${run.killedBecause}`
      : run.error
        ? `the agent could not start: ${run.error}`
        : report.failure
          ? `the agent stopped: ${report.failure}`
          : run.exitCode !== 0
            ? `the agent exited with ${run.exitCode ?? `signal ${run.signal}`}${run.exitCode === 127 ? ' (command not found: is its CLI installed?)' : ''}`
            : undefined;
  return {
    ok: error === undefined,
    ...(error ? { error: redact(error).slice(0, 2000) } : {}),
    exitCode: run.exitCode,
    signal: run.signal,
    durationMs: run.durationMs,
    outputTail: run.outputTail,
    ...(usage ? { usage } : {}),
    notes,
    stdout: run.stdout,
    ...(report.finalText !== undefined ? { finalText: report.finalText } : {}),
  };
}
