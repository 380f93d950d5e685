// The workspace's git config is the agent's to rewrite: before any agent runs, the node takes from it what a
// checkout needs (the repository format and its extensions, remotes, branches, sparse checkout, partial clone)
// and nothing that names code to run or credentials to send, and writes that back as the whole config. It
// writes it again before each of its own git sessions, so what an agent wrote there since is gone; and it
// refuses a `.git` that an agent replaced with a link or a pointer to another repository.
import path from 'node:path';
import { existsSync, lstatSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { gitIn } from './git.js';
import { writeFresh } from '../containment/safe-files.js';

/** Config keys a checkout needs and that run nothing: kept. Everything else is dropped. */
const KEPT = [
  /^core\.(repositoryformatversion|filemode|bare|logallrefupdates|ignorecase|precomposeunicode|symlinks|autocrlf|eol|safecrlf|sparsecheckout|sparsecheckoutcone|longpaths|quotepath|checkstat|trustctime|splitindex)$/,
  /^extensions\.(objectformat|partialclone|worktreeconfig|preciousobjects|refstorage|compatobjectformat)$/,
  /^remote\.[^\n]+\.(url|pushurl|fetch|promisor|partialclonefilter|tagopt|mirror|prune)$/,
  /^branch\.[^\n]+\.(remote|merge|rebase|pushremote)$/,
  /^index\.(version|sparse|skiphash)$/,
  /^init\.defaultbranch$/,
];

export const keptKey = (key: string): boolean => KEPT.some((k) => k.test(key.toLowerCase()));

/** `git config --list -z` output as key/value pairs, in order. */
function entries(listing: string): [string, string][] {
  return listing
    .split('\0')
    .filter(Boolean)
    .map((entry) => {
      const nl = entry.indexOf('\n');
      return nl < 0 ? [entry, ''] : [entry.slice(0, nl), entry.slice(nl + 1)];
    });
}

export class WorkspaceConfig {
  private constructor(
    private readonly gitDir: string,
    /**
     * The config files the node writes back (config, and config.worktree when the repository uses one), held
     * in memory: a file of the node's own in RUNNER_TEMP would be the agent's to change too.
     */
    private readonly files: Map<string, string>,
    /** Hooks that were there before any agent ran (left alone at the end). */
    private readonly hooksBefore: Set<string>,
    readonly dropped: string[],
  ) {}

  /**
   * Take the node's config from the workspace as the workflow left it (before any agent ran). The files are
   * built by git itself (`git config --file`), so every value is written as git reads it.
   */
  static async capture(workspace: string, scratch: string): Promise<WorkspaceConfig> {
    const gitDir = path.join(workspace, '.git');
    checkGitDir(gitDir);
    const files = new Map<string, string>();
    const dropped: string[] = [];
    const git = gitIn(workspace);
    for (const name of ['config', 'config.worktree']) {
      const file = path.join(gitDir, name);
      if (!existsSync(file)) continue;
      const listed = await git.run(['config', '--file', file, '--list', '-z']);
      const built = path.join(scratch, `workspace-${name}`);
      rmSync(built, { force: true });
      writeFileSync(built, '');
      const writer = gitIn(scratch);
      for (const [key, value] of entries(listed)) {
        if (!keptKey(key)) {
          dropped.push(key);
          continue;
        }
        await writer.run(['config', '--file', built, '--add', key, value]);
      }
      files.set(name, readFileSync(built, 'utf8'));
      rmSync(built, { force: true });
    }
    const hooks = path.join(gitDir, 'hooks');
    const hooksBefore = new Set(existsSync(hooks) ? readdirSync(hooks) : []);
    const config = new WorkspaceConfig(gitDir, files, hooksBefore, dropped);
    config.restore();
    return config;
  }

  /** Write the node's config back over whatever is there now (atomically: a rename, links replaced). */
  restore(): void {
    checkGitDir(this.gitDir);
    for (const stray of ['commondir', 'config.worktree']) {
      if (!this.files.has(stray)) rmSync(path.join(this.gitDir, stray), { force: true, recursive: true });
    }
    for (const [name, text] of this.files) {
      const target = path.join(this.gitDir, name);
      const temp = `${target}.p2p-dev-${process.pid}`;
      writeFresh(temp, text);
      renameSync(temp, target);
    }
  }

  /** At the end: the node's config back, and hooks an agent planted removed, for the job's later steps. */
  leave(): void {
    this.restore();
    const hooks = path.join(this.gitDir, 'hooks');
    if (!existsSync(hooks)) return;
    for (const name of readdirSync(hooks))
      if (!this.hooksBefore.has(name)) rmSync(path.join(hooks, name), { force: true, recursive: true });
  }
}

/** `.git` must be a directory of this workspace's own: not a link, not a pointer to another repository. */
export function checkGitDir(gitDir: string): void {
  const stat = lstatSync(gitDir, { throwIfNoEntry: false });
  if (!stat) throw new Error(`${gitDir} is gone`);
  if (stat.isSymbolicLink()) throw new Error(`${gitDir} was replaced by a symbolic link`);
  if (!stat.isDirectory()) throw new Error(`${gitDir} is not a directory (a pointer to another repository?)`);
}

/**
 * Nested repositories git looks into during the node's commands: a gitlink (a submodule) whose folder holds a
 * `.git` of its own makes `git add` and `git commit` run `git status` in there, under that repository's own
 * config, which is the agent's to write. For the node's git sessions such a `.git` is moved aside (git then
 * takes the gitlink as unchanged) and put back after.
 */
export class NestedRepositories {
  private readonly hidden = new Map<string, string>();

  constructor(private readonly workspace: string) {}

  /** Move aside the `.git` of each of these paths (relative to the workspace; others are ignored). */
  hide(paths: string[]): void {
    const root = path.resolve(this.workspace);
    for (const p of paths) {
      const dir = path.resolve(root, p);
      if (dir === root || !dir.startsWith(`${root}${path.sep}`) || this.hidden.has(dir)) continue;
      const gitDir = path.join(dir, '.git');
      if (!lstatSync(gitDir, { throwIfNoEntry: false })) continue;
      const aside = path.join(dir, '.git.p2p-dev-hidden');
      rmSync(aside, { force: true, recursive: true });
      renameSync(gitDir, aside);
      this.hidden.set(dir, aside);
    }
  }

  /** Put back what was moved aside (where its folder is still there and nothing took its place). */
  restore(): void {
    for (const [dir, aside] of this.hidden) {
      const gitDir = path.join(dir, '.git');
      if (existsSync(aside) && !lstatSync(gitDir, { throwIfNoEntry: false })) renameSync(aside, gitDir);
      else rmSync(aside, { force: true, recursive: true });
    }
    this.hidden.clear();
  }
}

/** The paths of gitlinks in `git ls-files --stage -z` or `git ls-tree -r -z` output (mode 160000). */
export function gitlinkPaths(listing: string): string[] {
  return listing
    .split('\0')
    .filter((line) => line.startsWith('160000 '))
    .map((line) => line.slice(line.indexOf('\t') + 1));
}
