// Real git on one machine, for the demo and the tests: a bare repository standing in for GitHub's, and one clone
// per node, as actions/checkout leaves it (the default branch checked out, origin pointing at the remote); or a
// clone over HTTP from the emulator's git server with the token persisted the way actions/checkout persists it.
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Test Maintainer',
  GIT_AUTHOR_EMAIL: 'maintainer@example.com',
  GIT_COMMITTER_NAME: 'Test Maintainer',
  GIT_COMMITTER_EMAIL: 'maintainer@example.com',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...IDENTITY }, encoding: 'utf8' }).trim();
}

/**
 * git without blocking the event loop (a server in this same process must answer it), and as on a fresh
 * runner: no global or system config, no credential helper, no prompt: a refused request fails at once.
 */
export async function gitAsync(cwd: string, ...args: string[]): Promise<string> {
  const env = {
    ...process.env,
    ...IDENTITY,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
  };
  const { stdout } = await promisify(execFile)('git', args, { cwd, env, encoding: 'utf8' });
  return stdout.trim();
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

/** The header actions/checkout authenticates git with: `AUTHORIZATION: basic base64(x-access-token:<token>)`. */
export function authHeader(token: string): string {
  return `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64')}`;
}

export interface CheckoutOptions {
  /**
   * Persist the header as actions/checkout v6 does: in `<runnerTemp>/git-credentials-<uuid>.config`, included
   * from the clone's config by `includeIf.gitdir:<clone>/.git.path`. Without it, as v4 does: in `.git/config`.
   */
  runnerTemp?: string;
}

/**
 * A workspace cloned over HTTP (`url` from `RunningEmulator.gitUrl`) as actions/checkout leaves it with
 * `persist-credentials: true`: `http.<scheme://host:port>/.extraheader` carries the token, so that a plain
 * `git fetch` or `git push` in it authenticates. Resolves to the clone's path.
 */
export async function checkoutOverHttp(
  url: string,
  dir: string,
  name: string,
  token: string,
  options: CheckoutOptions = {},
): Promise<string> {
  const target = path.join(dir, name);
  const header = authHeader(token);
  const clone = ['clone', '--quiet', '--branch', 'main', url, target];
  await gitAsync(dir, '-c', `http.extraheader=${header}`, ...clone);
  const key = `http.${new URL(url).origin}/.extraheader`;
  if (!options.runnerTemp) {
    git(target, 'config', key, header);
    return target;
  }
  const credentials = path.join(options.runnerTemp, `git-credentials-${randomUUID()}.config`);
  git(target, 'config', '--file', credentials, key, header);
  // git matches includeIf.gitdir against the real path too (a temporary directory may be behind a symlink).
  const gitDir = path.join(realpathSync(target), '.git');
  git(target, 'config', `includeIf.gitdir:${gitDir}.path`, credentials);
  git(target, 'config', `includeIf.gitdir:${gitDir}/worktrees/*.path`, credentials);
  return target;
}
