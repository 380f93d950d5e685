// Running git in the workspace, which is the agent's and hostile. Every call is one git process, by the absolute
// path found before any agent ran, with the arguments as given (no shell) and an environment of the node's
// own making: no system or global config, a HOME of its own, and `-c` settings that turn off everything git
// could run from the repository's config or attributes (hooks, fsmonitor, filters, diff and merge drivers,
// credential helpers, signing programs, pagers, editors). The token reaches git only through a pipe, read by
// the node's own credential helper: never an argument, a variable or a file. Every call has a timeout, after
// which its whole process group is killed and it fails saying which command hung.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed: ${stderr.trim() || `exit ${code}`}`);
  }
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface GitCallOptions {
  /** Fetch or push: the node's credential helper answers for the remote's host. */
  network?: boolean;
  timeoutMs?: number;
}

export interface Git {
  readonly cwd: string;
  /** Run git; resolves with the result whatever the exit code (a timeout comes back as code 124). */
  try(args: string[], options?: GitCallOptions): Promise<GitResult>;
  /** Run git; throws GitError unless it exits 0. Returns stdout, trimmed of the last newline. */
  run(args: string[], options?: GitCallOptions): Promise<string>;
}

export interface GitSettings {
  /**
   * The work tree whose `.git` every command uses (GIT_DIR and GIT_WORK_TREE): git never goes looking for a
   * repository, so a `.git` an agent broke (or one it made in a parent folder) is not found instead.
   */
  workTree?: string;
  /** Called before each command (the workspace's config written back). */
  beforeEach?: () => void;
  /** The remote fetches and pushes go to; the token is for its scheme and host only. */
  remoteUrl?: string;
  token?: string;
  /** Every command's limit unless it names its own. */
  timeoutMs?: number;
  /** Another workspace a command may touch (safe.directory), besides `cwd`. */
  safeDirectories?: string[];
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const OUTPUT_LIMIT = 16 * 1024 * 1024;

/** Where executables are: PATH at the node's start, before any agent could put one of its own on it. */
export function findExecutable(name: string, searchPath = process.env.PATH ?? ''): string {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return name;
}

let gitPath: string | undefined;
/** Fix the git binary the node runs (at start, before any agent); later calls reuse it. */
export function resolveGit(): string {
  gitPath ??= findExecutable('git');
  return gitPath;
}

/** Variables of the node's environment git may see: proxies and certificates, nothing else. */
const PASSED_THROUGH =
  /^(https?_proxy|no_proxy|all_proxy|SSL_CERT_FILE|SSL_CERT_DIR|GIT_SSL_CAINFO|GIT_SSL_CAPATH|GIT_SSH_COMMAND|TMPDIR)$/i;

let privateHome: string | undefined;
function gitHome(): string {
  if (!privateHome) {
    privateHome = path.join(os.tmpdir(), `p2p-dev-git-home-${process.pid}`);
    mkdirSync(path.join(privateHome, 'xdg'), { recursive: true });
  }
  return privateHome;
}

export function gitEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const git = resolveGit();
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) if (PASSED_THROUGH.test(key) && value) out[key] = value;
  const home = gitHome();
  return {
    ...out,
    PATH: [path.isAbsolute(git) ? path.dirname(git) : '', '/usr/bin', '/bin'].filter(Boolean).join(':'),
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, 'xdg'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_NO_REPLACE_OBJECTS: '1',
    // Never wait for a password or an editor: a node has nobody to type.
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    GIT_EDITOR: 'true',
    GIT_SEQUENCE_EDITOR: 'true',
    GIT_MERGE_AUTOEDIT: 'no',
    GIT_PAGER: 'cat',
    LC_ALL: 'C',
  };
}

/**
 * Settings that outrank any config file: nothing the repository's config names is run. (Filters and diff or
 * merge drivers are chosen by name from attributes; none is defined once the workspace's config is the node's
 * own, see WorkspaceConfig. Command-line settings still win over anything written there since.)
 */
export function safetyArgs(dirs: string[]): string[] {
  const settings = [
    'core.hooksPath=/dev/null',
    'core.fsmonitor=false',
    'core.untrackedCache=false',
    'core.askPass=',
    'core.pager=cat',
    'core.editor=true',
    'core.attributesFile=/dev/null',
    'core.excludesFile=/dev/null',
    'core.sshCommand=ssh',
    'credential.helper=',
    'commit.gpgSign=false',
    'tag.gpgSign=false',
    'push.gpgSign=false',
    'merge.renormalize=false',
    'protocol.ext.allow=never',
    'submodule.recurse=false',
    'fetch.recurseSubmodules=false',
    'push.recurseSubmodules=no',
    'gc.auto=0',
    'maintenance.auto=false',
    'http.extraHeader=',
    ...dirs.map((d) => `safe.directory=${d}`),
  ];
  return settings.flatMap((s) => ['-c', s]);
}

/**
 * Settings for the one remote the node talks to that config files could otherwise give by its URL (a more
 * specific key beats the generic override): no proxy, TLS verified, no header, no program of the repository's
 * for the transport.
 */
export function remoteArgs(remoteUrl: string, env: NodeJS.ProcessEnv = process.env): string[] {
  // The runner's own proxy (a self-hosted runner's), if it has one; else none.
  const https = remoteUrl.toLowerCase().startsWith('https:');
  const proxy =
    (https ? (env.https_proxy ?? env.HTTPS_PROXY) : (env.http_proxy ?? env.HTTP_PROXY)) ??
    env.all_proxy ??
    '';
  const settings = [
    `http.proxy=${proxy}`,
    `http.${remoteUrl}.proxy=${proxy}`,
    'http.sslVerify=true',
    `http.${remoteUrl}.sslVerify=true`,
    `http.${remoteUrl}.extraHeader=`,
    `remote.${remoteUrl}.proxy=${proxy}`,
    `remote.${remoteUrl}.uploadpack=git-upload-pack`,
    `remote.${remoteUrl}.receivepack=git-receive-pack`,
    'core.alternateRefsCommand=true',
  ];
  return settings.flatMap((s) => ['-c', s]);
}

/**
 * The node's credential helper: shell builtins only (a `cat` on PATH could be the agent's), answering `get`
 * with what the node writes into the pipe on descriptor 3, for the remote's scheme and host only.
 */
function credentialArgs(remoteUrl: string): string[] {
  const { protocol, host } = new URL(remoteUrl);
  const helper = `!f() { test "$1" = get || exit 0; while IFS= read -r line <&3; do printf '%s\\n' "$line"; done; }; f`;
  return [
    '-c',
    `credential.${protocol}//${host}.helper=`,
    '-c',
    `credential.${protocol}//${host}.helper=${helper}`,
    '-c',
    'credential.useHttpPath=false',
  ];
}

export const isHttp = (url: string | undefined): url is string => !!url && /^https?:\/\//i.test(url);

export function gitIn(cwd: string, settings: GitSettings = {}): Git {
  const env = commandEnvironment(cwd, settings);
  const base = [
    ...safetyArgs([
      cwd,
      ...(settings.workTree ? [settings.workTree] : []),
      ...(settings.safeDirectories ?? []),
    ]),
    ...(settings.remoteUrl ? remoteArgs(settings.remoteUrl) : []),
  ];
  const withToken = isHttp(settings.remoteUrl) && !!settings.token;
  const tryGit = (args: string[], options: GitCallOptions = {}): Promise<GitResult> =>
    new Promise((resolve) => {
      try {
        settings.beforeEach?.();
      } catch (error) {
        resolve({ code: 1, stdout: '', stderr: (error as Error).message, timedOut: false });
        return;
      }
      const network = options.network === true && withToken;
      const timeoutMs = options.timeoutMs ?? settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const command: GitCommand = {
        cwd,
        env,
        args: [...base, ...(network ? credentialArgs(settings.remoteUrl!) : []), ...args],
        timeoutMs,
        ...(network ? { token: settings.token } : {}),
      };
      spawnGit(command, resolve);
    });
  return {
    cwd,
    try: tryGit,
    async run(args, options) {
      const result = await tryGit(args, options);
      if (result.code !== 0) throw new GitError(args, result.code, result.stderr || result.stdout);
      return result.stdout.replace(/\n$/, '');
    },
  };
}

/** The environment of every command a Git runs: the node's own, with the repository it may use. */
function commandEnvironment(cwd: string, settings: GitSettings): NodeJS.ProcessEnv {
  return {
    ...gitEnvironment(),
    ...(settings.workTree
      ? { GIT_DIR: path.join(settings.workTree, '.git'), GIT_WORK_TREE: settings.workTree }
      : // Elsewhere (a scratch folder, `git config --file`): no repository above it is ever used.
        { GIT_CEILING_DIRECTORIES: path.dirname(path.resolve(cwd)) }),
  };
}

/** One git process to run: its whole argument list, and the token its credential helper reads (network). */
interface GitCommand {
  cwd: string;
  env: NodeJS.ProcessEnv;
  args: string[];
  timeoutMs: number;
  token?: string;
}

/** Run one git process in a group of its own; `resolve` gets its result once it ended or was stopped. */
function spawnGit(command: GitCommand, resolve: (result: GitResult) => void): void {
  const { token, timeoutMs } = command;
  const network = token !== undefined;
  const child = spawn(resolveGit(), command.args, {
    cwd: command.cwd,
    env: command.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', network ? 'pipe' : 'ignore'],
  });
  if (network) {
    const pipe = child.stdio[3] as NodeJS.WritableStream;
    pipe.on('error', () => {});
    pipe.end(`username=x-access-token\npassword=${token}\n`);
  }
  const stdout = keptOutput(child.stdout!);
  const stderr = keptOutput(child.stderr!);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, timeoutMs);
  let settled = false;
  const settle = (code: number | null, error?: string): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    killGroup(child); // anything it left running (a helper, a remote transport)
    resolve({
      code: timedOut ? 124 : (code ?? 1),
      stdout: stdout(),
      stderr: timedOut
        ? `did not finish within ${Math.round(timeoutMs / 1000)}s and was stopped (its process group killed)`
        : stderr() || error || '',
      timedOut,
    });
  };
  child.on('error', (error) => settle(127, error.message));
  child.on('exit', (code) => {
    // Output a left-over process holds open must not keep the node waiting.
    setTimeout(() => {
      child.stdout!.destroy();
      child.stderr!.destroy();
      settle(code);
    }, 2000).unref();
  });
  child.on('close', (code) => settle(code));
}

/** Read a stream as text, keeping its first OUTPUT_LIMIT characters; the function returns what was kept. */
function keptOutput(stream: Readable): () => string {
  let kept = '';
  stream.setEncoding('utf8').on('data', (text: string) => {
    if (kept.length < OUTPUT_LIMIT) kept += text.slice(0, OUTPUT_LIMIT - kept.length);
  });
  return () => kept;
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** `-c` arguments committing as the action's identity (without touching any config). */
export function identityArgs(author: { login: string; id: number }): string[] {
  return [
    '-c',
    `user.name=${author.login}`,
    '-c',
    `user.email=${author.id}+${author.login}@users.noreply.github.com`,
  ];
}
