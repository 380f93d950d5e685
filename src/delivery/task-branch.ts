// A task's work as a git branch: before the agent runs, the workspace is reset to the base branch with the
// branches of the task's dependencies merged in; after it, whatever the agent changed is committed, pushed to
// `p2p/issue-<n>/<task-id>` and offered as a pull request. A failed run's changes are pushed too, to a branch
// marked failed, so nothing an agent did is lost. The workspace is the agent's: before the first agent runs the
// token is taken out of it and its git config made the node's own, and before each git session of the node
// that config is written back, so nothing an agent left in `.git` runs here (see git.ts, workspace-config.ts).
import path from 'node:path';
import { getErrorMessage } from '../errors.js';
import type { GitHubClient } from '../github/client.js';
import { defaultBranch, openPullRequest } from '../github/pulls.js';
import type { Check, Diff, Task } from '../protocol/messages.js';
import { diffStat } from './diff-stat.js';
import { formatUsage, type Usage } from '../protocol/usage.js';
import { checkGitDir, gitlinkPaths, NestedRepositories, WorkspaceConfig } from './workspace-config.js';
import { gitIn, identityArgs, type Git } from './git.js';
import type { Logger } from '../github/client.js';

export interface DeliveryOptions {
  workspace: string;
  issueNumber: number;
  /** The branch tasks start from and pull requests go into; found from the workspace or the repository when absent. */
  baseBranch?: string;
  draft: boolean;
  token: string;
  /** Who commits: the action's identity. */
  author: { login: string; id: number };
  client: GitHubClient;
  sleep(ms: number): Promise<void>;
  log: Logger;
  /** A folder of the node's own, for scratch files. */
  scratch: string;
  /** How long one git command may take. */
  gitTimeoutMs?: number;
}

export interface DependencyBranch {
  task: string;
  branch: string;
  pr?: string;
}

export interface Delivered {
  /** False when the agent left the workspace as it found it. */
  changes: boolean;
  /** What it changed, against the branch it started from (the base with its dependencies merged). */
  diff?: Diff;
  branch?: string;
  commit?: string;
  pr?: string;
  /** The pull request could not be opened (the branch is pushed all the same). */
  prError?: string;
}

export const taskBranch = (issue: number, task: string): string => `p2p/issue-${issue}/${task}`;
export const attemptBranch = (issue: number, task: string, attempt: number): string =>
  `p2p/issue-${issue}/${task}-attempt-${attempt}`;
export const failedBranch = (issue: number, task: string, attempt: number): string =>
  `p2p/issue-${issue}/${task}-attempt-${attempt}-failed`;

/**
 * Whether the workspace can deliver: the top of a git checkout (its own `.git` folder) with an `origin`
 * remote. Says why not otherwise.
 */
export async function deliveryBlocker(workspace: string): Promise<string | undefined> {
  try {
    checkGitDir(path.join(workspace, '.git'));
  } catch {
    return `${workspace} is not the top of a git checkout (check the repository out first)`;
  }
  const origin = await gitIn(workspace).try([
    'config',
    '--file',
    path.join(workspace, '.git', 'config'),
    '--get',
    'remote.origin.url',
  ]);
  if (origin.code !== 0 || !origin.stdout.trim())
    return `the repository in ${workspace} has no remote named origin`;
  return undefined;
}

export class TaskBranches {
  private git!: Git;
  private config!: WorkspaceConfig;
  private nested!: NestedRepositories;
  private url = '';
  private base = '';
  private startSha = '';

  private constructor(private readonly options: DeliveryOptions) {}

  static async open(options: DeliveryOptions): Promise<TaskBranches> {
    const branches = new TaskBranches(options);
    await branches.init();
    return branches;
  }

  get baseBranch(): string {
    return this.base;
  }

  private async init(): Promise<void> {
    const { options } = this;
    this.config = await WorkspaceConfig.capture(options.workspace, options.scratch);
    if (this.config.dropped.length > 0)
      options.log.debug(`git config the node does not keep: ${this.config.dropped.join(', ')}`);
    const reader = gitIn(options.workspace, { workTree: options.workspace });
    this.url = (await reader.run(['config', '--get', 'remote.origin.url'])).trim();
    this.nested = new NestedRepositories(options.workspace);
    this.git = gitIn(options.workspace, {
      workTree: options.workspace,
      // Before every command: the node's config back over what an agent (or something it left) wrote.
      beforeEach: () => this.config.restore(),
      remoteUrl: this.url,
      token: options.token,
      ...(options.gitTimeoutMs ? { timeoutMs: options.gitTimeoutMs } : {}),
    });
    this.base =
      options.baseBranch ||
      (await this.git.try(['symbolic-ref', '--short', '-q', 'HEAD'])).stdout.trim() ||
      (await defaultBranch(options.client));
  }

  /** The checkout's origin, as read before any agent ran. */
  get origin(): string {
    return this.url;
  }

  /**
   * The node's git in the workspace (its config the node's own before every command) for work of another
   * module's (workspace-merge.ts); the `.git` of nested repositories it hid is put back after.
   */
  async session<T>(
    work: (git: Git, hideGitlinks: (...listings: string[][]) => Promise<void>) => Promise<T>,
  ): Promise<T> {
    try {
      return await work(this.git, (...listings) => this.hideGitlinks(...listings));
    } finally {
      this.nested.restore();
    }
  }

  /** The node's own config back in the workspace, and hooks an agent planted removed: for the job's later steps. */
  leave(): void {
    this.config.leave();
  }

  private identity(): string[] {
    return identityArgs(this.options.author);
  }

  private async fetch(branch: string): Promise<string> {
    const ref = `refs/remotes/origin/${branch}`;
    await this.git.run(['fetch', '--no-tags', '--quiet', this.url, `+refs/heads/${branch}:${ref}`], {
      network: true,
    });
    return ref;
  }

  /**
   * Reset the workspace to the base branch and merge the dependencies' branches into it. Returns why the
   * task cannot start from them (a merge conflict, a branch that cannot be fetched), or undefined when ready.
   */
  async prepare(task: Task, deps: DependencyBranch[]): Promise<string | undefined> {
    try {
      return await this.prepareBranch(task, deps);
    } finally {
      this.nested.restore();
    }
  }

  /** Move aside the `.git` of every gitlink these listings name (see NestedRepositories). */
  private async hideGitlinks(...listings: string[][]): Promise<void> {
    for (const listing of listings) this.nested.hide(gitlinkPaths(await this.git.run(listing)));
  }

  private async prepareBranch(task: Task, deps: DependencyBranch[]): Promise<string | undefined> {
    const { git, options } = this;
    const branch = taskBranch(options.issueNumber, task.id);
    try {
      const baseRef = await this.fetch(this.base);
      await this.hideGitlinks(['ls-files', '--stage', '-z'], ['ls-tree', '-r', '-z', baseRef]);
      await git.run(['checkout', '--quiet', '--force', '-B', branch, baseRef]);
      await git.run(['clean', '-fdq']);
    } catch (error) {
      return `could not start from ${this.base}: ${getErrorMessage(error)}`;
    }
    for (const dep of deps) {
      let ref: string;
      try {
        ref = await this.fetch(dep.branch);
      } catch (error) {
        return `could not fetch ${dep.branch}, the branch of ${dep.task}: ${getErrorMessage(error)}`;
      }
      await this.hideGitlinks(['ls-tree', '-r', '-z', ref]);
      const merged = await git.try([
        ...this.identity(),
        'merge',
        '--no-ff',
        '--no-edit',
        '-m',
        `Merge ${dep.task} (${dep.branch}) into ${task.id}`,
        ref,
      ]);
      if (merged.code !== 0) {
        const conflicted = (await git.try(['diff', '--name-only', '--diff-filter=U'])).stdout
          .trim()
          .split('\n');
        await git.try(['merge', '--abort']);
        const files = conflicted.filter(Boolean);
        const others = deps.slice(0, deps.indexOf(dep)).map((d) => d.task);
        return (
          `merge conflict: the branch of ${dep.task} (${dep.branch}) does not merge cleanly into ${this.base}` +
          (others.length > 0 ? ` with ${others.join(', ')}` : '') +
          (files.length > 0
            ? `; conflicting files: ${files.join(', ')}`
            : `: ${(merged.stdout + merged.stderr).trim()}`)
        );
      }
    }
    this.startSha = await git.run(['rev-parse', 'HEAD']);
    return undefined;
  }

  /** Commit and push what the agent changed; open a pull request when the run succeeded. */
  async deliver(args: {
    task: Task;
    attempt: number;
    node: string;
    ok: boolean;
    failure?: string;
    deps: DependencyBranch[];
    createPr: boolean;
    /** The pull request is opened only for a person to review the task (the issue gets the one to merge). */
    reviewOnly?: boolean;
    check?: Check;
    usage?: Usage;
    /**
     * Push successful work to a branch of this attempt's own: a takeover whose earlier attempt may yet record
     * finished work (and win) must not push over that attempt's branch.
     */
    ownBranch?: boolean;
  }): Promise<Delivered> {
    try {
      return await this.commitAndPush(args);
    } finally {
      this.nested.restore();
    }
  }

  private async commitAndPush(args: Parameters<TaskBranches['deliver']>[0]): Promise<Delivered> {
    const { git, options } = this;
    const { task, attempt, ok } = args;
    await this.hideGitlinks(['ls-files', '--stage', '-z']);
    await git.run(['add', '--all']);
    // What the agent left untracked may have come in as gitlinks: those too, before the commit.
    await this.hideGitlinks(['ls-files', '--stage', '-z']);
    const staged = (await git.try(['diff-index', '--cached', '--quiet', 'HEAD'])).code !== 0;
    if (staged) {
      const subject = ok ? task.title : `[failed] ${task.title}`;
      const message = [
        subject.slice(0, 200),
        '',
        `p2p-dev task ${task.id} of #${options.issueNumber}, attempt ${attempt} by ${args.node}.`,
        ...(ok ? [] : [`The agent run failed: ${args.failure ?? 'unknown error'}`]),
      ].join('\n');
      await git.run([...this.identity(), 'commit', '--quiet', '--no-verify', '-m', message]);
    }
    const head = await git.run(['rev-parse', 'HEAD']);
    if (head === this.startSha) return { changes: false };

    const branch = !ok
      ? failedBranch(options.issueNumber, task.id, attempt)
      : args.ownBranch
        ? attemptBranch(options.issueNumber, task.id, attempt)
        : taskBranch(options.issueNumber, task.id);
    // Forced: an earlier attempt by a node that died may have pushed part of its work there.
    await git.run(['push', '--quiet', '--force', this.url, `HEAD:refs/heads/${branch}`], { network: true });
    const numstat = await git.try(['diff', '--numstat', '--no-renames', this.startSha, head]);
    const delivered: Delivered = {
      changes: true,
      branch,
      commit: head,
      ...(numstat.code === 0 ? { diff: diffStat(numstat.stdout) } : {}),
    };
    if (!ok || !args.createPr) return delivered;
    try {
      const pr = await openPullRequest(
        options.client,
        {
          head: branch,
          base: this.base,
          title: `${task.title} (#${options.issueNumber}, ${task.id})`.slice(0, 250),
          body: pullRequestBody(options.issueNumber, task, attempt, args),
          draft: options.draft,
        },
        options.sleep,
      );
      delivered.pr = pr.url;
    } catch (error) {
      delivered.prError = getErrorMessage(error);
    }
    return delivered;
  }
}

function pullRequestBody(
  issue: number,
  task: Task,
  attempt: number,
  {
    node,
    deps,
    check,
    usage,
    reviewOnly,
  }: { node: string; deps: DependencyBranch[]; check?: Check; usage?: Usage; reviewOnly?: boolean },
): string {
  const lines = [
    `Task \`${task.id}\` of #${issue}: **${task.title}**`,
    '',
    task.body ? task.body.slice(0, 20_000) : '',
    '',
  ];
  if (deps.length > 0) {
    lines.push('Builds on (merged into this branch):');
    for (const d of deps) lines.push(`- \`${d.task}\`: ${d.pr ?? `\`${d.branch}\``}`);
    lines.push('');
  }
  if (check)
    lines.push(
      `Checked: \`${check.command}\` passed${check.fix_rounds > 0 ? ` after ${check.fix_rounds} fix round(s)` : ''}.`,
      '',
    );
  if (usage) lines.push(`Agent cost: ${formatUsage(usage)}.`, '');
  if (task.review === 'required')
    lines.push(
      "**This task waits for a person's review.** Approve this pull request to let the tasks that build on it " +
        'start, or request changes to send the agent back to it with your review (its line comments too).',
      '',
    );
  if (reviewOnly)
    lines.push(
      `Opened for the review only: the work reaches the base branch with the issue's one pull request, which the run's summary job opens and which closes this one.`,
      '',
    );
  lines.push(`Made by p2p-dev (attempt ${attempt}, node \`${node}\`). Part of #${issue}.`);
  return lines.filter((l, i, all) => !(l === '' && all[i - 1] === '')).join('\n');
}
