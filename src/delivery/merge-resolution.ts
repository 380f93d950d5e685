// A task branch that conflicts with the issue's branch, merged by the agent (issue-branch.ts asks, the summary
// job's agent answers: src/aggregate/merge-agent.ts). The agent's resolution is a merge commit whose parents are
// the integration so far and the task branch's head, pushed to a branch of its own, `p2p/issue-<n>-merge/<task>`
// (beside the task branches, not under them: no task's branch can have that name). The issue's branch is
// rebuilt from the task branches on every run, so a re-run (or a job that died after the agent) finds that
// commit and, when it merged the same two sides (the task branch's head, and the integration so far with the
// same content), makes the same merge again instead of paying the agent again.
import { getErrorMessage } from '../errors.js';
import type { Usage } from '../protocol/usage.js';
import { identityArgs, type Git } from './git.js';
import type { TaskToMerge } from './integration-plan.js';

export const mergeBranch = (issue: number, task: string): string => `p2p/issue-${issue}-merge/${task}`;

export interface Conflict {
  item: TaskToMerge;
  /** The tasks merged before it that it conflicts with (all merged so far when none could be told). */
  with: TaskToMerge[];
  files: string[];
  /** The scratch repository that builds the issue's branch, its branch, and that branch's head. */
  source: string;
  sourceBranch: string;
  head: string;
  /** The task branch's head. */
  tip: string;
  /** Where the resolution goes (mergeBranch). */
  to: string;
}

export type Resolution = { ok: true; commit: string; usage?: Usage } | { ok: false; error: string };

/** Runs the agent on a conflict and pushes its merge to `conflict.to`, or says why it could not. */
export interface MergeResolver {
  resolve(conflict: Conflict): Promise<Resolution>;
}

/** How the agent's merge is recorded on the task merged. */
export interface AgentMerge {
  with: string[];
  usage?: Usage;
  /** Taken from an earlier run's resolution (same parents). */
  reused?: boolean;
}

/** Its spend, in the merge commit's message, for a re-run that reuses it to report. */
const COST_TRAILER = 'P2p-Agent-Cost-Usd';
export const costTrailer = (usage: Usage | undefined): string =>
  usage?.cost_usd !== undefined ? `\n\n${COST_TRAILER}: ${usage.cost_usd}` : '';

/**
 * An earlier run's resolution on `to` of the same two sides: its second parent the task branch's head, its first
 * one the same content as the integration so far (rebuilt each run, so the same tree in a new merge commit).
 * Its tree, message and what it cost; undefined when there is none.
 */
async function earlier(
  git: Git,
  fetchRef: (name: string) => Promise<string>,
  c: Conflict,
): Promise<{ tree: string; message: string; usage?: Usage } | undefined> {
  let ref: string;
  try {
    ref = await fetchRef(c.to);
  } catch {
    return undefined; // (none yet)
  }
  const [commit, ...parents] = (await git.run(['rev-list', '--parents', '-n', '1', ref])).split(' ');
  if (!commit || parents.length !== 2 || parents[1] !== c.tip) return undefined;
  const treeOf = (sha: string): Promise<string> => git.run(['rev-parse', `${sha}^{tree}`]);
  if ((await treeOf(parents[0]!)) !== (await treeOf(c.head))) return undefined;
  const message = await git.run(['log', '-1', '--format=%B', commit]);
  const cost = new RegExp(`^${COST_TRAILER}: ([0-9.]+)$`, 'm').exec(message)?.[1];
  return {
    tree: await treeOf(commit),
    message,
    ...(cost !== undefined ? { usage: { cost_usd: Number(cost) } } : {}),
  };
}

/**
 * The conflict resolved onto the scratch repository's HEAD (which is `c.head`): an earlier run's resolution of
 * the same two sides, else the agent's. What was merged by whom, or why it was not.
 */
export async function mergeByAgent(
  git: Git,
  resolver: MergeResolver,
  fetchRef: (name: string) => Promise<string>,
  c: Conflict & { author: { login: string; id: number } },
): Promise<AgentMerge | { error: string }> {
  const by = { with: c.with.map((t) => t.task.id) };
  try {
    const found = await earlier(git, fetchRef, c);
    if (found) {
      // The same merge again, over this run's integration so far.
      const commit = await git.run([
        ...identityArgs(c.author),
        'commit-tree',
        found.tree,
        '-p',
        c.head,
        '-p',
        c.tip,
        '-m',
        found.message,
      ]);
      await git.run(['merge', '--ff-only', '--quiet', commit]);
      return { ...by, ...(found.usage ? { usage: found.usage } : {}), reused: true };
    }
    const merged = await resolver.resolve(c);
    if (!merged.ok) return { error: merged.error };
    const ref = await fetchRef(c.to);
    if ((await git.run(['rev-parse', ref])) !== merged.commit) return { error: `${c.to} moved` };
    await git.run(['merge', '--ff-only', '--quiet', ref]);
    return { ...by, ...(merged.usage ? { usage: merged.usage } : {}) };
  } catch (error) {
    return { error: getErrorMessage(error) };
  }
}
