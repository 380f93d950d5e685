// Real git on one machine, for the demo and the tests: a bare repository standing in for GitHub's, and one clone
// per node, as actions/checkout leaves it (the default branch checked out, origin pointing at the remote).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Test Maintainer',
  GIT_AUTHOR_EMAIL: 'maintainer@example.com',
  GIT_COMMITTER_NAME: 'Test Maintainer',
  GIT_COMMITTER_EMAIL: 'maintainer@example.com',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...IDENTITY }, encoding: 'utf8' }).trim();
}

/** A bare remote at `<dir>/remote.git` whose `main` holds `files`. */
export function createRemote(dir: string, files: Record<string, string>): string {
  const remote = path.join(dir, 'remote.git');
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', remote);
  const seed = path.join(dir, 'seed');
  git(dir, 'init', '--quiet', '--initial-branch=main', seed);
  git(seed, 'remote', 'add', 'origin', remote);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(seed, name)), { recursive: true });
    writeFileSync(path.join(seed, name), content);
  }
  git(seed, 'add', '--all');
  git(seed, 'commit', '--quiet', '-m', 'Initial commit');
  git(seed, 'push', '--quiet', 'origin', 'main');
  return remote;
}

/** A node's workspace: a fresh clone of the remote with `main` checked out. */
export function cloneFor(remote: string, dir: string, name: string): string {
  const target = path.join(dir, name);
  git(dir, 'clone', '--quiet', '--branch', 'main', remote, target);
  return target;
}

/** The remote's branches (short names). */
export function remoteBranches(remote: string): string[] {
  return git(remote, 'for-each-ref', '--format=%(refname:short)', 'refs/heads')
    .split('\n')
    .filter(Boolean)
    .sort();
}
