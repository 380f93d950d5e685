// A conflicting merge of the branch, put in the workspace for the agent to resolve, and the node's
// commit of what it made of it. The workspace is reset to the integration branch as built so far (fetched from
// the scratch repository that builds it, issue-branch.ts) and the task's branch merged with `--no-commit`, so the
// conflict markers are in the files. After the agent (and verify-command), the node, not the agent, stages the
// work tree, refuses it while markers are left, and makes the merge commit itself, its parents the two commits
// it merged whatever the agent did to HEAD or the index; then pushes it to a branch of its own. Every git
// command is the node's own (TaskBranches: the workspace's config put back first, hooks and drivers off).
import type { TaskBranches } from './task-branch.js';
import { identityArgs } from './git.js';
import { refusedMerge } from './merge-check.js';

export interface WorkspaceMerge {
  /** The scratch repository and its branch that holds the integration so far, at `head`. */
  source: string;
  sourceBranch: string;
  head: string;
  /** The task's branch on origin, at `tip`. */
  branch: string;
  tip: string;
  /** The local branch the merge is made on. */
  work: string;
}

export { hasConflictMarkers } from './merge-check.js';

const lines = (out: string): string[] => out.split('\n').filter(Boolean);

/**
 * The workspace at the integration so far with the task's branch merged but not committed. Returns the
 * conflicting files, or why the merge could not be set up.
 */
export async function startMerge(
  branches: TaskBranches,
  m: WorkspaceMerge,
  author: { login: string; id: number },
): Promise<{ files: string[] } | { error: string }> {
  return branches.session(async (git, hideGitlinks) => {
    // (What an earlier resolution left half done goes first.)
    await git.try(['merge', '--abort']);
    await git.try(['reset', '--quiet', '--hard']);
    const base = 'refs/p2p/integration-so-far';
    await git.run(['fetch', '--no-tags', '--quiet', m.source, `+refs/heads/${m.sourceBranch}:${base}`]);
    if ((await git.run(['rev-parse', base])) !== m.head)
      return { error: 'the integration so far moved while it was fetched' };
    const ref = `refs/remotes/origin/${m.branch}`;
    await git.run(['fetch', '--no-tags', '--quiet', branches.origin, `+refs/heads/${m.branch}:${ref}`], {
      network: true,
    });
    if ((await git.run(['rev-parse', ref])) !== m.tip)
      return { error: `${m.branch} moved while it was merged` };
    await hideGitlinks(
      ['ls-files', '--stage', '-z'],
      ['ls-tree', '-r', '-z', base],
      ['ls-tree', '-r', '-z', ref],
    );
    await git.run(['checkout', '--quiet', '--force', '-B', m.work, base]);
    await git.run(['clean', '-fdq']);
    const merged = await git.try([...identityArgs(author), 'merge', '--no-ff', '--no-commit', ref]);
    const files = lines((await git.try(['diff', '--name-only', '--diff-filter=U'])).stdout);
    if (merged.code !== 0 && files.length === 0)
      return {
        error: `the merge could not be set up: ${(merged.stderr || merged.stdout).trim().slice(0, 300)}`,
      };
    return { files };
  });
}

/**
 * The merge as the agent left the work tree, committed by the node with `head` and `tip` as its parents and
 * pushed to `to`; its commit, or why not (markers left, nothing to commit).
 */
export async function commitMerge(
  branches: TaskBranches,
  m: WorkspaceMerge & { files: string[]; message: string; to: string },
  author: { login: string; id: number },
): Promise<{ commit: string } | { error: string }> {
  return branches.session(async (git, hideGitlinks) => {
    await hideGitlinks(['ls-files', '--stage', '-z']);
    await git.run(['add', '--all']);
    // What the agent left untracked may have come in as gitlinks: those too, before the commit.
    await hideGitlinks(['ls-files', '--stage', '-z']);
    const unmerged = lines(await git.run(['diff', '--name-only', '--diff-filter=U']));
    if (unmerged.length > 0) return { error: `unmerged paths are left: ${unmerged.join(', ')}` };
    const tree = await git.run(['write-tree']);
    // Nothing dropped, nothing that merged cleanly changed, no marker left: else it is not the merge.
    const refused = await refusedMerge(git, { head: m.head, tip: m.tip, tree, files: m.files });
    if (refused) return { error: refused };
    const commit = await git.run([
      ...identityArgs(author),
      'commit-tree',
      tree,
      '-p',
      m.head,
      '-p',
      m.tip,
      '-m',
      m.message,
    ]);
    // Forced: an earlier resolution (of other parents) may be there.
    await git.run(['push', '--quiet', '--force', branches.origin, `${commit}:refs/heads/${m.to}`], {
      network: true,
    });
    return { commit };
  });
}

/** The workspace out of the merge (resolved or not): no MERGE_HEAD left for a later commit of the node's. */
export async function endMerge(branches: TaskBranches): Promise<void> {
  await branches.session(async (git) => {
    await git.try(['merge', '--abort']);
    await git.try(['reset', '--quiet', '--hard']);
  });
}
