// The issue's one pull request: the completed tasks' branches merged, each after the tasks it builds on, into
// one integration branch (integration-plan.ts decides what and in which order), pushed, and offered as one
// pull request that a re-run updates. The merging happens in a scratch repository of its own, fetched from the
// workspace's remote: the workspace is not touched. A branch that does not merge is left out and said so, with
// the tasks it conflicts with and the files; so are the tasks that build on it, unless the summary job's agent
// resolves the conflict (merge-resolution.ts; a re-run takes its earlier resolution of the same commits). Rebuilt from the task branches
// each time, so that a re-run (or a job that died half way and is run again) ends with the same branch.
import { getErrorMessage } from '../errors.js';
import { defaultBranch, openPullRequest } from '../github/pulls.js';
import { gitIn, identityArgs } from './git.js';
import { Scratch } from './scratch.js';
import type { DeliveryOptions } from './task-branch.js';
import { integrationBranch, type IntegrationPlan, type TaskToMerge } from './integration-plan.js';
import { integrationBody } from './integration-body.js';
import type { CiResult } from './ci-wait.js';
import {
  mergeBranch,
  mergeByAgent,
  mergeTitle,
  type AgentMerge,
  type MergeResolver,
} from './merge-resolution.js';

/** As a node delivers (`workspace`: a work tree whose `origin` the task branches are on), with the issue's title. */
export interface IntegrationOptions extends Omit<DeliveryOptions, 'scratch'> {
  issueTitle: string;
  /** Runs the agent on a branch that conflicts; absent: such a branch is left out. */
  resolver?: MergeResolver;
}

export interface MergedTask extends TaskToMerge {
  /** The task's own commits (not its dependencies'), newest first: short id and subject. */
  commits: { sha: string; subject: string }[];
  /** It conflicted, and the agent merged it. */
  agentMerge?: AgentMerge;
}

export interface NotMerged extends TaskToMerge {
  why: string;
  /** Tasks already merged whose changes touch the conflicting files. */
  conflictsWith: string[];
  files: string[];
}

export interface Integration {
  branch: string;
  base: string;
  merged: MergedTask[];
  notMerged: NotMerged[];
  plan: IntegrationPlan;
  commit?: string;
  pr?: string;
  prNumber?: number;
  /** The pull request was already open and was updated. */
  updated?: boolean;
  prError?: string;
  /** The pull request's CI, once it settled (ci-wait.ts). */
  ci?: CiResult;
  /** The agent sent back while it failed (ci-fix-attempts): how many rounds, and why it stopped short. */
  ciFix?: { rounds: number; error?: string };
}

/** Merge the plan's branches into the integration branch, push it, and open or update its pull request. */
export async function integrateIssue(
  plan: IntegrationPlan,
  options: IntegrationOptions,
): Promise<Integration> {
  const url = (await gitIn(options.workspace).run(['config', '--get', 'remote.origin.url'])).trim();
  // The branch the nodes started from: the one checked out (the workflow's ref), else the default branch.
  const checkedOut = (
    await gitIn(options.workspace).try(['symbolic-ref', '--short', '-q', 'HEAD'])
  ).stdout.trim();
  const base = options.baseBranch || checkedOut || (await defaultBranch(options.client));
  const branch = integrationBranch(options.issueNumber);
  const scratch = new Scratch(
    url,
    {
      ...(options.token ? { token: options.token } : {}),
      ...(options.gitTimeoutMs ? { timeoutMs: options.gitTimeoutMs } : {}),
    },
    branch,
  );
  try {
    const git = await scratch.open();
    const baseRef = await scratch.fetchRef(base);
    await git.run(['checkout', '--quiet', '-B', branch, baseRef]);
    const result: Integration = { branch, base, merged: [], notMerged: [], plan };
    await mergeAll(scratch, options, { plan, baseSha: await git.run(['rev-parse', baseRef]), result });
    if (result.merged.length === 0) return result;
    // (The scratch is a fresh one after any agent ran: scratch.ts.) Its commit, by id, not its HEAD.
    result.commit = await scratch.git.run(['rev-parse', '--verify', 'HEAD^{commit}']);
    // Forced: the branch is the action's, rebuilt from the task branches each time.
    await scratch.git.run(['push', '--quiet', '--force', url, `${result.commit}:refs/heads/${branch}`], {
      network: true,
    });
    await openIssuePullRequest(options, result);
    return result;
  } finally {
    scratch.close();
  }
}

async function mergeAll(
  scratch: Scratch,
  options: IntegrationOptions,
  w: { plan: IntegrationPlan; baseSha: string; result: Integration },
): Promise<void> {
  // Each merged task's branch head, by id (the scratch may be replaced: no ref of its is kept).
  const refs = new Map<string, string>();
  for (const item of w.plan.merge) {
    const skippedDep = item.deps.find((d) => w.result.notMerged.some((n) => n.task.id === d));
    if (skippedDep) {
      w.result.notMerged.push({
        ...item,
        why: `it builds on ${skippedDep}, which was not merged`,
        conflictsWith: [],
        files: [],
      });
      continue;
    }
    let ref: string;
    try {
      ref = await scratch.git.run([
        'rev-parse',
        '--verify',
        `${await scratch.fetchRef(item.branch)}^{commit}`,
      ]);
    } catch (error) {
      w.result.notMerged.push({
        ...item,
        why: `its branch ${item.branch} could not be fetched: ${getErrorMessage(error)}`,
        conflictsWith: [],
        files: [],
      });
      continue;
    }
    const outcome = await mergeOne(scratch, options, item, ref, {
      refs,
      baseSha: w.baseSha,
      merged: w.result.merged,
    });
    if ('why' in outcome) w.result.notMerged.push(outcome);
    else {
      w.result.merged.push(outcome);
      refs.set(item.task.id, ref);
    }
  }
}

async function mergeOne(
  scratch: Scratch,
  options: IntegrationOptions,
  item: TaskToMerge,
  ref: string,
  w: { refs: Map<string, string>; baseSha: string; merged: MergedTask[] },
): Promise<MergedTask | NotMerged> {
  const git = scratch.git;
  // Built on an older copy of a dependency than the one merged (a re-run redid that dependency, and this task
  // was carried over): merging it would bring the old copy back in.
  for (const dep of item.deps) {
    const depRef = w.refs.get(dep);
    if (depRef && (await git.try(['merge-base', '--is-ancestor', depRef, ref])).code !== 0)
      return {
        ...item,
        why: `it was built on another version of ${dep} than the one merged; run it again`,
        conflictsWith: [],
        files: [],
      };
  }
  const tip = ref;
  if (item.commit && tip !== item.commit && item.task.review === 'required') {
    // A person reviewed the outcome's commit: what was pushed to the branch since (a suggestion committed on
    // the pull request, a bot) is not what they approved.
    if ((await git.try(['merge-base', '--is-ancestor', item.commit, tip])).code !== 0)
      return {
        ...item,
        why: `its branch ${item.branch} no longer holds the commit ${item.commit.slice(0, 7)} that was reviewed`,
        conflictsWith: [],
        files: [],
      };
    options.log.warning(
      `${item.task.id}: merging the reviewed commit ${item.commit.slice(0, 7)}, not the later commits on ${item.branch} (${tip.slice(0, 7)})`,
    );
    ref = item.commit;
  } else if (item.commit && tip !== item.commit)
    options.log.warning(
      `${item.task.id}: ${item.branch} is at ${tip.slice(0, 7)}, not ${item.commit.slice(0, 7)} as its outcome says`,
    );
  // Its own commits: those not in the branch merged so far (the base and the dependencies merged before it).
  const log = await git.run(['log', '--no-merges', '--format=%h%x09%s', ref, '--not', 'HEAD']);
  const commits = log
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha = '', ...subject] = line.split('\t');
      return { sha, subject: subject.join('\t') };
    });
  const merged = await git.try([
    ...identityArgs(options.author),
    'merge',
    '--no-ff',
    '--no-edit',
    '-m',
    mergeTitle(item.task.id, item.task.title),
    ref,
  ]);
  if (merged.code === 0) return { ...item, commits };
  return conflicted(scratch, options, { ...item, commits }, ref, w);
}

/** A branch that does not merge: left out, saying with what and where, unless the agent merges it. */
async function conflicted(
  scratch: Scratch,
  options: IntegrationOptions,
  item: MergedTask,
  tip: string,
  w: Parameters<typeof mergeOne>[4],
): Promise<MergedTask | NotMerged> {
  const git = scratch.git;
  const files = (await git.try(['diff', '--name-only', '--diff-filter=U'])).stdout
    .trim()
    .split('\n')
    .filter(Boolean);
  await git.try(['merge', '--abort']);
  const conflictsWith: string[] = [];
  for (const m of w.merged) {
    const touched = await git.try(['diff', '--name-only', `${w.baseSha}...${w.refs.get(m.task.id)!}`]);
    if (touched.stdout.split('\n').some((f) => files.includes(f))) conflictsWith.push(m.task.id);
  }
  options.log.warning(
    `${item.task.id} does not merge into the issue's branch` +
      (conflictsWith.length > 0 ? ` with ${conflictsWith.join(', ')}` : '') +
      (files.length > 0 ? `; conflicting files: ${files.join(', ')}` : ''),
  );
  let why =
    `its branch conflicts with ${conflictsWith.length > 0 ? conflictsWith.join(', ') : 'the tasks merged before it'}` +
    (files.length > 0 ? ` in ${files.join(', ')}` : '');
  if (options.resolver) {
    const others = w.merged.filter((m) => conflictsWith.includes(m.task.id));
    const resolved = await mergeByAgent(scratch, options.resolver, {
      item,
      with: others.length > 0 ? others : w.merged,
      files,
      source: git.cwd,
      sourceBranch: integrationBranch(options.issueNumber),
      head: await git.run(['rev-parse', 'HEAD']),
      tip,
      to: mergeBranch(options.issueNumber, item.task.id),
      author: options.author,
    });
    if (!('error' in resolved)) {
      options.log.info(
        `🤝 ${item.task.id} merged by the agent${resolved.reused ? ' (an earlier run’s merge)' : ''}`,
      );
      return { ...item, agentMerge: resolved };
    }
    options.log.warning(`the agent could not merge ${item.task.id}: ${resolved.error}`);
    why += `; the agent could not resolve it: ${resolved.error}`;
  }
  const { commits: _commits, ...task } = item;
  return { ...task, why, conflictsWith, files };
}

async function openIssuePullRequest(options: IntegrationOptions, result: Integration): Promise<void> {
  try {
    const pr = await openPullRequest(
      options.client,
      {
        head: result.branch,
        base: result.base,
        title: `${options.issueTitle} (#${options.issueNumber})`.slice(0, 250),
        body: integrationBody(options.issueNumber, result),
        draft: options.draft,
      },
      options.sleep,
    );
    Object.assign(result, { pr: pr.url, prNumber: pr.number, updated: pr.reused });
  } catch (error) {
    result.prError = getErrorMessage(error);
  }
}
