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
import { gitIn } from '../delivery/git.js';
import { ownDir, writeFresh } from '../containment/safe-files.js';
import { runWithChecks } from '../node/agent/quality-gate.js';
import { cappedLog } from '../node/agent/capped-log.js';
import { taskEnv } from '../node/task/run-task.js';
import type { Task } from '../protocol/messages.js';
import type { CiResult } from '../delivery/ci-wait.js';
import type { FailingCheck } from '../delivery/ci-verdict.js';
import type { Integration } from '../delivery/issue-branch.js';
import type { AggregateAgent } from './aggregate-agent.js';

export interface CiFixOptions {
  /** The summary job's agent, opened before any agent ran (its budget shared with the merges before). */
  agent: AggregateAgent;
  log: Logger;
  attempts: number;
  waitCi(sha: string): Promise<CiResult>;
}

export interface CiFixed {
  ci: CiResult;
  rounds: number;
  /** Why the last round could not run or deliver. */
  error?: string;
}

const LOG_TAIL = 4000;

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
  let ci: CiResult = first;
  let rounds = 0;
  while (ci.state === 'failing' && rounds < o.attempts) {
    // What is left of the cap for the summary job's agent: each round's spend comes off it.
    const budget = o.agent.budget();
    if (budget && 'error' in budget) return { ci, rounds, error: budget.error };
    rounds += 1;
    const names = ci.verdict.failing.map((f) => f.name).join(', ');
    o.log.info(`🔧 the pull request's CI fails (${names}): fix round ${rounds}`);
    let sha: string | { error: string };
    try {
      sha = await fixRound(integration, ci.verdict.failing, rounds, o.agent);
    } catch (error) {
      sha = { error: getErrorMessage(error) };
    }
    if (typeof sha !== 'string') return { ci, rounds, error: sha.error };
    integration.commit = sha;
    ci = await o.waitCi(sha);
  }
  return { ci, rounds };
}

/** One round: the agent on the issue's branch, its work pushed there; the new head, or why not. */
async function fixRound(
  integration: Integration,
  failing: FailingCheck[],
  round: number,
  agent: AggregateAgent,
): Promise<string | { error: string }> {
  const { config, log } = agent.context;
  const issue = config.issueNumber;
  const prompt = await fixPrompt(agent.context.client, issue, integration, failing);
  const task: Task = {
    // (Not a task id of the plan's: `task-<n>`, or a planner's own, never with this prefix.)
    id: `pr-ci-fix-${round}`,
    title: `Fix the CI of the pull request for #${issue}`,
    body: prompt,
    priority: 'high',
    depends_on: [],
  };
  const { branches } = agent;
  const deps = [{ task: 'the issue’s branch', branch: integration.branch }];
  const unprepared = await branches.prepare(task, deps);
  if (unprepared) return { error: unprepared };
  const promptFile = path.join(ownDir(path.join(config.tempDir, 'tasks')), `${task.id}.md`);
  writeFresh(promptFile, prompt);
  const work = await agent.metered(`CI fix round ${round}`, (budget) =>
    runWithChecks(
      agent.context,
      {},
      {
        task,
        attempt: round,
        prompt,
        promptFile,
        // What a task's agent is given, with the fix round for the attempt.
        env: taskEnv(config, task, round),
        onProgress: () => {},
        // (A talkative agent is logged up to a point, as a task's is.)
        onOutput: cappedLog(log, `  [${task.id}] `),
        ...(budget ? { budget } : {}),
      },
    ),
  );
  if (!('ok' in work)) return { error: work.error };
  if (!work.ok) return { error: `the agent's fix failed: ${work.error ?? 'unknown error'}` };
  const delivered = await branches.deliver({
    task,
    attempt: round,
    node: 'the summary job',
    ok: true,
    deps,
    createPr: false,
  });
  if (!delivered.changes || !delivered.commit || !delivered.branch)
    return { error: 'the agent changed nothing' };
  await pushTo({ url: branches.origin, token: agent.token }, delivered.branch, integration.branch);
  return delivered.commit;
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
