// `planner: agent`: the leader runs the agent once with a planning prompt (the issue, the repository's
// layout, the plan's shape, how many tasks it may hold) and takes its JSON plan, checked like any planner's.
import path from 'node:path';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { ownDir, readBounded, writeFresh } from '../../containment/safe-files.js';
import { cappedLog } from '../agent/capped-log.js';
import type { IssueInfo } from '../../github/thread.js';
import type { Usage } from '../../protocol/usage.js';
import type { DraftTask } from '../../tasks/issue-tasks.js';
import { draftsFromPlannerOutput } from '../../tasks/plan.js';
import { buildPlanningPrompt, planJsonIn } from '../../tasks/planning-prompt.js';
import { sanitizeText } from '../../sanitize.js';
import { startAgentRun } from '../agent/agent-run.js';
import type { NodeContext } from '../loop/context.js';

const SKIPPED = new Set(['.git', 'node_modules', '.venv', 'venv', '__pycache__', 'target', 'dist', 'build']);

/** The workspace's files and folders, a few levels deep, for the planning prompt (at most `limit` lines). */
export function repositoryLayout(root: string, limit = 300, depth = 3): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string, level: number): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (out.length >= limit) return;
      if (SKIPPED.has(name)) continue;
      const full = path.join(dir, name);
      let isDir = false;
      try {
        isDir = statSync(full, { throwIfNoEntry: false })?.isDirectory() ?? false;
      } catch {
        continue;
      }
      out.push(`${prefix}${name}${isDir ? '/' : ''}`);
      if (isDir && level < depth) walk(full, `${prefix}${name}/`, level + 1);
    }
  };
  walk(root, '', 1);
  if (out.length >= limit) out.push('… (more files not listed)');
  return out;
}

const PLAN_FILE_LIMIT = 2 * 1024 * 1024;

export async function planWithAgent(
  ctx: NodeContext,
  issue: IssueInfo,
  lease: { whenFenced(listener: (reason: string) => void): () => void },
): Promise<{ drafts: DraftTask[]; usage?: Usage }> {
  const { config, log } = ctx;
  const maxTasks = config.plannerMaxTasks ?? 20;
  const dir = path.join(config.tempDir, 'plan');
  ownDir(dir);
  const promptFile = path.join(dir, 'planning-prompt.md');
  const planFile = path.join(dir, 'plan.json');
  rmSync(planFile, { force: true, recursive: true });
  writeFresh(promptFile, buildPlanningPrompt(issue, repositoryLayout(config.workspace), maxTasks));
  log.info(`planning with the agent (at most ${maxTasks} tasks)`);
  const agent = startAgentRun(ctx, {
    env: {
      P2P_PLANNING: '1',
      P2P_PLAN_FILE: planFile,
      P2P_ISSUE_NUMBER: String(issue.number),
      P2P_ISSUE_TITLE: sanitizeText(issue.title),
      P2P_NODE_ID: config.nodeId,
    },
    promptFile,
    usageFile: path.join(dir, 'planning.usage.json'),
    ...(config.maxTaskCostUsd !== undefined ? { budgetUsd: config.maxTaskCostUsd } : {}),
    timeoutMs: config.taskTimeoutMs,
    keepStdout: true,
    onOutput: cappedLog(log, '  [planning] '),
  });
  const unwatch = lease.whenFenced((reason) => agent.kill(`the leader lost its lease (${reason})`));
  const run = await agent.done.finally(unwatch);
  for (const note of run.notes) log.warning(`planning: ${note}`);
  if (!run.ok)
    throw new Error(
      `planning with the agent failed: ${run.error}${run.outputTail ? `:\n${run.outputTail.slice(-1500)}` : ''}`,
    );
  const written = readBounded(planFile, PLAN_FILE_LIMIT);
  if (written.error)
    throw new Error(`the agent's plan file (P2P_PLAN_FILE) cannot be read: ${written.error}`);
  const text = written.text ?? planJsonIn(run.finalText ?? run.stdout);
  let drafts: DraftTask[];
  try {
    drafts = draftsFromPlannerOutput(text);
  } catch (error) {
    throw new Error(
      `the agent's plan is not valid: ${(error as Error).message.replace(/^the planner's /, '')}`,
    );
  }
  if (drafts.length > maxTasks)
    throw new Error(`the agent planned ${drafts.length} tasks; planner-max-tasks allows ${maxTasks}`);
  return { drafts, ...(run.usage ? { usage: run.usage } : {}) };
}
