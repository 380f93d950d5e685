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
import { refusedMerge } from './merge-check.js';
import type { Scratch } from './scratch.js';

export const mergeBranch = (issue: number, task: string): string => `p2p/issue-${issue}-merge/${task}`;

/** A merge commit's title: one line whatever the task's title holds. */
export const mergeTitle = (id: string, title: string): string =>
  `Merge ${id}: ${title}`.replace(/\s+/g, ' ').trim().slice(0, 250);

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

/** The spend a merge's message says on its last line (costTrailer); undefined unless a finite amount >= 0. */
export function trailerCost(message: string): number | undefined {
  const last = message.trimEnd().split('\n').pop() ?? '';
  const text = new RegExp(`^${COST_TRAILER}: ([0-9]+(?:\\.[0-9]+)?(?:e-?[0-9]+)?)$`).exec(last)?.[1];
  const cost = text === undefined ? NaN : Number(text);
  return Number.isFinite(cost) && cost >= 0 ? cost : undefined;
}

/** The email identityArgs commits with. */
const emailOf = (author: { login: string; id: number }): string =>
  `${author.id}+${author.login}@users.noreply.github.com`;

type Earlier = { tree: string; message: string; usage?: Usage };

/** `to` on the remote: its local ref, or undefined when there is no such branch (a failure throws). */
async function fetchIfThere(scratch: Scratch, to: string): Promise<string | undefined> {
  const listed = await scratch.git.try(
    ['ls-remote', '--exit-code', '--heads', scratch.url, `refs/heads/${to}`],
    {
      network: true,
    },
  );
  if (listed.code === 2) return undefined; // (none yet)
  if (listed.code !== 0)
    throw new Error(`${to} could not be looked up: ${(listed.stderr || listed.stdout).trim().slice(0, 300)}`);
  try {
    return await scratch.fetchRef(to);
  } catch (error) {
    throw new Error(`the earlier merge on ${to} could not be fetched: ${getErrorMessage(error)}`);
  }
}

/**
 * An earlier run's resolution on `to` of the same two sides: its second parent the task branch's head, its first
 * one the same content as the integration so far (rebuilt each run, so the same tree in a new merge commit),
 * committed by the node's identity, with no side dropped and no marker left (merge-check.ts). Its tree, message
 * and what it cost; undefined when there is none such; throws when it could not be looked up.
 */
async function earlier(
  scratch: Scratch,
  c: Conflict & { author: { login: string; id: number } },
): Promise<Earlier | undefined> {
  const ref = await fetchIfThere(scratch, c.to);
  if (!ref) return undefined;
  const git = scratch.git;
  const [commit, ...parents] = (await git.run(['rev-list', '--parents', '-n', '1', ref])).split(' ');
  if (!commit || parents.length !== 2 || parents[1] !== c.tip) return undefined;
  const treeOf = (sha: string): Promise<string> => git.run(['rev-parse', `${sha}^{tree}`]);
  if ((await treeOf(parents[0]!)) !== (await treeOf(c.head))) return undefined;
  const committer = await git.run(['log', '-1', '--format=%cn%x00%ce', commit]);
  if (committer !== `${c.author.login}\0${emailOf(c.author)}`) return undefined;
  const tree = await treeOf(commit);
  if (await refusedMerge(git, { head: c.head, tip: c.tip, tree, files: c.files })) return undefined;
  const message = await git.run(['log', '-1', '--format=%B', commit]);
  const cost = trailerCost(message);
  return { tree, message, ...(cost !== undefined ? { usage: { cost_usd: cost } } : {}) };
}

/** The same merge again, over this run's integration so far (the scratch's HEAD, `c.head`). */
async function remake(git: Git, found: Earlier, c: Conflict & { author: { login: string; id: number } }) {
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
}

/**
 * The conflict resolved onto the scratch repository's HEAD (which is `c.head`): an earlier run's resolution of
 * the same two sides, else the agent's. What was merged by whom, or why it was not. Once the agent ran, the
 * scratch is a fresh one (Scratch.renew), and the agent's merge is taken from the remote only as the commit the
 * node made, its parents `c.head` and `c.tip`.
 */
export async function mergeByAgent(
  scratch: Scratch,
  resolver: MergeResolver,
  c: Conflict & { author: { login: string; id: number } },
): Promise<AgentMerge | { error: string }> {
  const by = { with: c.with.map((t) => t.task.id) };
  let merged: Resolution;
  try {
    const found = await earlier(scratch, c);
    if (found) {
      await remake(scratch.git, found, c);
      return { ...by, ...(found.usage ? { usage: found.usage } : {}), reused: true };
    }
  } catch (error) {
    return { error: getErrorMessage(error) };
  }
  try {
    merged = await resolver.resolve(c);
  } finally {
    // Whatever the agent did to the scratch while it ran is gone (a failure here fails the integration).
    await scratch.renew(c.head);
  }
  if (!merged.ok) return { error: merged.error };
  try {
    const git = scratch.git;
    const ref = await scratch.fetchRef(c.to);
    const [commit, ...parents] = (await git.run(['rev-list', '--parents', '-n', '1', ref])).split(' ');
    if (commit !== merged.commit || parents.join(' ') !== `${c.head} ${c.tip}`)
      return { error: `${c.to} moved` };
    await git.run(['merge', '--ff-only', '--quiet', merged.commit]);
    return { ...by, ...(merged.usage ? { usage: merged.usage } : {}) };
  } catch (error) {
    return { error: getErrorMessage(error) };
  }
}
