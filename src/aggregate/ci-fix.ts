// A failing CI on the issue's pull request sends the agent back (ci-fix-attempts rounds): the summary job's
// checkout is reset to the issue's branch (as a node's is for a task: TaskBranches, its config the node's own
// before every git command), the agent is given the failing checks' names, what they said and the end of
// their logs, the repository's own check (verify-command) gates its work, and the result is pushed to
// `p2p/issue-<n>/pr-ci-fix-<round>` and then to the issue's branch, whose CI is read again. The agent holds no
// token: the process's environment was scrubbed before it ran, and the pushes are the node's.
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { getErrorMessage } from '../errors.js';
import type { GitHubClient, Logger } from '../github/client.js';
import { jobLogTail } from '../github/checks.js';
import type { IssueThread } from '../github/thread.js';
import { TaskBranches } from '../delivery/task-branch.js';
import { gitIn } from '../delivery/git.js';
import { ownDir, writeFresh } from '../containment/safe-files.js';
import { runWithChecks } from '../node/agent/quality-gate.js';
import { cappedLog } from '../node/agent/capped-log.js';
import { taskEnv } from '../node/task/run-task.js';
import type { NodeConfig } from '../node/loop/node-config.js';
import type { Task } from '../protocol/messages.js';
import type { CiResult } from '../delivery/ci-wait.js';
import type { FailingCheck } from '../delivery/ci-verdict.js';
import type { Integration } from '../delivery/issue-branch.js';

export interface CiFixOptions {
  client: GitHubClient;
  thread: IssueThread;
  /** The agent's settings, as a node's (its workspace: the summary job's checkout). */
  config: NodeConfig;
  log: Logger;
  sleep(ms: number): Promise<void>;
  token: string;
  author: { login: string; id: number };
  attempts: number;
  /** What the agent may spend on each round (the run's budget left, or max-task-cost-usd). */
  budget?: { usd: number; input: string };
  waitCi(sha: string): Promise<CiResult>;
}

export interface CiFixed {
  ci: CiResult;
  rounds: number;
  /** Why the last round could not run or deliver. */
  error?: string;
}

const LOG_TAIL = 4000;
/** A round is not started with less than this left of its cap: it would only overspend (as a fix round). */
const MIN_ROUND_USD = 0.02;

/** The fix round's prompt: the failing checks, what they said, and the end of each one's log. */
async function fixPrompt(
  client: GitHubClient,
  issue: number,
  i: Integration,
  failing: FailingCheck[],
): Promise<string> {
  const parts = [
    `The pull request for issue #${issue} (branch ${i.branch}, into ${i.base}) merges the work of its tasks, and its CI fails.`,
    'Fix what the failing checks found, keeping every task’s work. Change only what the fix needs.',
    '',
  ];
  for (const f of failing) {
    parts.push(`## Check "${f.name}": ${f.summary}`);
    if (f.jobId !== undefined) {
      try {
        parts.push(
          '',
          'The end of its log:',
          '```',
          (await jobLogTail(client, f.jobId, LOG_TAIL)).trimEnd(),
          '```',
        );
      } catch (error) {
        parts.push('', `(Its log could not be read: ${getErrorMessage(error)})`);
      }
    }
    parts.push('');
  }
  return parts.join('\n');
}

/** Run the agent on the issue's branch until its CI passes or the rounds are spent. */
export async function fixCi(integration: Integration, first: CiResult, o: CiFixOptions): Promise<CiFixed> {
  if (first.state !== 'failing' || o.attempts <= 0) return { ci: first, rounds: 0 };
  // Read before any agent runs in the checkout: its remote, and its git config (put back before every git
  // command of the node's, TaskBranches), which an agent could otherwise point elsewhere.
  const url = (await gitIn(o.config.workspace).run(['config', '--get', 'remote.origin.url'])).trim();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'p2p-ci-fix-'));
  const branches = await TaskBranches.open({
    workspace: o.config.workspace,
    issueNumber: o.config.issueNumber,
    baseBranch: integration.base,
    draft: false,
    token: o.token,
    author: o.author,
    client: o.client,
    sleep: o.sleep,
    log: o.log,
    scratch,
    ...(o.config.delivery?.gitTimeoutMs ? { gitTimeoutMs: o.config.delivery.gitTimeoutMs } : {}),
  });
  let ci: CiResult = first;
  let rounds = 0;
  // What is left of the cap for the rounds together: each round's spend comes off it.
  let left = o.budget?.usd;
  try {
    while (ci.state === 'failing' && rounds < o.attempts) {
      if (left !== undefined && left < MIN_ROUND_USD)
        return { ci, rounds, error: `${o.budget!.input} is spent` };
      rounds += 1;
      const names = ci.verdict.failing.map((f) => f.name).join(', ');
      o.log.info(`🔧 the pull request's CI fails (${names}): fix round ${rounds}`);
      let sha: string | { error: string };
      try {
        const budget = left !== undefined ? { usd: left, input: o.budget!.input } : undefined;
        const done = await fixRound(integration, ci.verdict.failing, rounds, { ...o, branches, url, budget });
        // A round that did not say what it spent is taken to have spent all it was given.
        if (left !== undefined) left -= done.spentUsd ?? left;
        sha = done.result;
      } catch (error) {
        sha = { error: getErrorMessage(error) };
      }
      if (typeof sha !== 'string') return { ci, rounds, error: sha.error };
      integration.commit = sha;
      ci = await o.waitCi(sha);
    }
    return { ci, rounds };
  } finally {
    try {
      branches.leave();
    } catch (error) {
      o.log.warning(`could not put the checkout's git config back: ${getErrorMessage(error)}`);
    }
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** One round: the agent on the issue's branch, its work pushed there; the new head, or why not. */
async function fixRound(
  integration: Integration,
  failing: FailingCheck[],
  round: number,
  o: Omit<CiFixOptions, 'budget'> & {
    branches: TaskBranches;
    url: string;
    budget: { usd: number; input: string } | undefined;
  },
): Promise<{ result: string | { error: string }; spentUsd?: number }> {
  const issue = o.config.issueNumber;
  const prompt = await fixPrompt(o.client, issue, integration, failing);
  const task: Task = {
    // (Not a task id of the plan's: `task-<n>`, or a planner's own, never with this prefix.)
    id: `pr-ci-fix-${round}`,
    title: `Fix the CI of the pull request for #${issue}`,
    body: prompt,
    priority: 'high',
    depends_on: [],
  };
  const { branches } = o;
  {
    const deps = [{ task: 'the issue’s branch', branch: integration.branch }];
    const unprepared = await branches.prepare(task, deps);
    if (unprepared) return { result: { error: unprepared }, spentUsd: 0 };
    const promptFile = path.join(ownDir(path.join(o.config.tempDir, 'tasks')), `${task.id}.md`);
    writeFresh(promptFile, prompt);
    // (A talkative agent is logged up to a point, as a task's is.)
    const logLine = cappedLog(o.log, `  [${task.id}] `);
    const work = await runWithChecks(
      o,
      {},
      {
        task,
        attempt: round,
        prompt,
        promptFile,
        // What a task's agent is given, with the fix round for the attempt.
        env: taskEnv(o.config, task, round),
        onProgress: () => {},
        onOutput: logLine,
        ...(o.budget ? { budget: o.budget } : {}),
      },
    );
    const spent = work.usage?.cost_usd !== undefined ? { spentUsd: work.usage.cost_usd } : {};
    if (!work.ok)
      return { result: { error: `the agent's fix failed: ${work.error ?? 'unknown error'}` }, ...spent };
    const delivered = await branches.deliver({
      task,
      attempt: round,
      node: 'the summary job',
      ok: true,
      deps,
      createPr: false,
    });
    if (!delivered.changes || !delivered.commit || !delivered.branch)
      return { result: { error: 'the agent changed nothing' }, ...spent };
    await pushTo(o, delivered.branch, integration.branch);
    return { result: delivered.commit, ...spent };
  }
}

/** The fix's branch onto the issue's branch (it builds on it), from a scratch repository of its own. */
async function pushTo(o: { url: string; token: string }, from: string, to: string): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-ci-push-'));
  try {
    await pushFrom(dir, o, from, to);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pushFrom(
  dir: string,
  o: { url: string; token: string },
  from: string,
  to: string,
): Promise<void> {
  const { url } = o;
  const git = gitIn(dir, { remoteUrl: url, token: o.token });
  await git.run(['init', '--quiet']);
  await git.run(['fetch', '--no-tags', '--quiet', url, `+refs/heads/${from}:refs/remotes/origin/${from}`], {
    network: true,
  });
  await git.run(['push', '--quiet', url, `refs/remotes/origin/${from}:refs/heads/${to}`], { network: true });
}
