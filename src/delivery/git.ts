// Running git in the workspace. Every call is one `git` process with the arguments as given (no shell), so a
// branch or file name can never be read as a command. Failures come back as GitError with git's own message.
import { execFile } from 'node:child_process';
import { registerSecret } from '../errors.js';

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(
      `git ${args.filter((a) => !a.includes('extraheader')).join(' ')} failed: ${stderr.trim() || `exit ${code}`}`,
    );
  }
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Git {
  readonly cwd: string;
  /** Run git; resolves with the result whatever the exit code. */
  try(args: string[]): Promise<GitResult>;
  /** Run git; throws GitError unless it exits 0. Returns stdout, trimmed of the last newline. */
  run(args: string[]): Promise<string>;
}

export function gitIn(cwd: string, env: NodeJS.ProcessEnv = process.env): Git {
  const gitEnv: NodeJS.ProcessEnv = {
    ...env,
    // Never wait for a password or an editor: a node has nobody to type.
    GIT_TERMINAL_PROMPT: '0',
    GIT_EDITOR: 'true',
    GIT_MERGE_AUTOEDIT: 'no',
    LC_ALL: 'C',
  };
  const tryGit = (args: string[]): Promise<GitResult> =>
    new Promise((resolve) => {
      execFile('git', args, { cwd, env: gitEnv, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({
          code,
          stdout: String(stdout),
          stderr: String(stderr) || (error && code !== 0 ? error.message : ''),
        });
      });
    });
  return {
    cwd,
    try: tryGit,
    async run(args) {
      const result = await tryGit(args);
      if (result.code !== 0) throw new GitError(args, result.code, result.stderr || result.stdout);
      return result.stdout.replace(/\n$/, '');
    },
  };
}

/**
 * The `-c` arguments that let git fetch and push to `url` with the token: an Authorization header for that one
 * command, never written to the config. None when the URL is not http(s) (a local remote), or when
 * actions/checkout left its own credentials (a second Authorization header would be refused).
 */
export async function authArgs(git: Git, url: string, token: string): Promise<string[]> {
  if (!token || !/^https?:\/\//i.test(url)) return [];
  const configured = await git.try(['config', '--get-regexp', String.raw`^http\..*extraheader$`]);
  if (configured.stdout.trim() !== '') return [];
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  registerSecret(basic);
  return ['-c', `http.extraheader=AUTHORIZATION: basic ${basic}`];
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
