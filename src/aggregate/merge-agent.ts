// The summary job's agent on a task branch that conflicts with the issue's branch (merge-resolution.ts): the
// checkout set to the integration so far with the task's branch merged but not committed (workspace-merge.ts),
// a prompt with the conflicting files and the tasks' titles and bodies (the task merged and those it conflicts
// with), verify-command gating the result (runWithChecks), and the node's own commit of it, pushed to
// `p2p/issue-<n>-merge/<task>`. What the agent spends comes off the summary job's budget (aggregate-agent.ts).
import path from 'node:path';
import { getErrorMessage } from '../errors.js';
import { ownDir, writeFresh } from '../containment/safe-files.js';
import { runWithChecks } from '../node/agent/quality-gate.js';
import { cappedLog } from '../node/agent/capped-log.js';
import { taskEnv } from '../node/task/run-task.js';
import type { Task } from '../protocol/messages.js';
import {
  costTrailer,
  mergeTitle,
  type Conflict,
  type MergeResolver,
  type Resolution,
} from '../delivery/merge-resolution.js';
import { commitMerge, endMerge, startMerge, type WorkspaceMerge } from '../delivery/workspace-merge.js';
import type { AggregateAgent } from './aggregate-agent.js';

/** A task, as the prompt shows it: its id, title and body. */
function describe(t: Task): string[] {
  return [`### ${t.id}: ${t.title}`, '', t.body.trim() || '(no description)', ''];
}

/** The merge's prompt: what conflicts, in which files, and what each side was for. */
export function mergePrompt(issue: number, c: Pick<Conflict, 'item' | 'with'>, files: string[]): string {
  const others = c.with.map((t) => t.task.id).join(', ') || 'the tasks merged before it';
  return [
    `The branch of task ${c.item.task.id} of issue #${issue} is being merged into the issue's branch, which already holds ${others}, and the merge conflicts.`,
    'The merge is in progress in this checkout: git wrote conflict markers (<<<<<<<, =======, >>>>>>>) into the conflicting files.',
    '',
    'Resolve the conflict so that the result keeps what every one of these tasks meant to do: combine both sides, do not drop either. Leave no conflict marker in any file. Change only what the merge needs, and do not commit: the merge is committed for you.',
    '',
    '## Conflicting files',
    '',
    ...(files.length > 0 ? files.map((f) => `- ${f}`) : ['(git named none)']),
    '',
    '## The task being merged',
    '',
    ...describe(c.item.task),
    '## The tasks it conflicts with',
    '',
    ...c.with.flatMap((t) => describe(t.task)),
  ].join('\n');
}

/** Resolves conflicts with the summary job's agent, opened (once) at the first conflict. */
export function mergeResolver(agent: () => Promise<AggregateAgent>): MergeResolver {
  return {
    async resolve(c) {
      let opened: AggregateAgent;
      try {
        opened = await agent();
      } catch (error) {
        return { ok: false, error: getErrorMessage(error) };
      }
      try {
        return await resolve(opened, c);
      } catch (error) {
        return { ok: false, error: getErrorMessage(error) };
      } finally {
        await endMerge(opened.branches).catch(() => {});
      }
    },
  };
}

async function resolve(agent: AggregateAgent, c: Conflict): Promise<Resolution> {
  // (Checked again by metered; here before the merge is started in the checkout.)
  const left = agent.budget();
  if (left && 'error' in left) return { ok: false, error: left.error };
  const { config, log } = agent.context;
  const id = c.item.task.id;
  const m: WorkspaceMerge = {
    source: c.source,
    sourceBranch: c.sourceBranch,
    head: c.head,
    branch: c.item.branch,
    tip: c.tip,
    work: c.to,
  };
  const started = await startMerge(agent.branches, m, agent.author);
  if ('error' in started) return { ok: false, error: started.error };
  const files = started.files.length > 0 ? started.files : c.files;
  const prompt = mergePrompt(config.issueNumber, c, files);
  const task: Task = {
    // (Not a task id of the plan's: those are `task-<n>` or a planner's own, and this one is said apart.)
    id: `merge-${id}`,
    title: `Merge ${id} into the issue's branch`,
    body: prompt,
    priority: 'high',
    depends_on: [],
  };
  const promptFile = path.join(ownDir(path.join(config.tempDir, 'tasks')), `${task.id}.md`);
  writeFresh(promptFile, prompt);
  log.info(`🤝 ${id} conflicts with ${c.with.map((t) => t.task.id).join(', ')}: the agent merges it`);
  // (A run that threw is taken to have spent all it was given.)
  const work = await agent.metered(`the merge of ${id}`, (budget) =>
    runWithChecks(
      agent.context,
      {},
      {
        task,
        attempt: 1,
        prompt,
        promptFile,
        env: taskEnv(config, task, 1),
        onProgress: () => {},
        onOutput: cappedLog(log, `  [${task.id}] `),
        ...(budget ? { budget } : {}),
      },
    ),
  );
  if (!('ok' in work)) return { ok: false, error: work.error };
  if (!work.ok) return { ok: false, error: `the agent's merge failed: ${work.error ?? 'unknown error'}` };
  const message = mergeTitle(id, c.item.task.title) + `\n\nResolved by the agent.${costTrailer(work.usage)}`;
  const done = await commitMerge(agent.branches, { ...m, files, message, to: c.to }, agent.author);
  if ('error' in done) return { ok: false, error: done.error };
  return { ok: true, commit: done.commit, ...(work.usage ? { usage: work.usage } : {}) };
}
