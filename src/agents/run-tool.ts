// One child process of the node's own (npm, a CLI's `--version`): by path, with its arguments as given (no
// shell), in a process group of its own that is killed whole when it outlives its timeout. Resolves whatever
// the outcome; what it printed is kept up to a limit (the end of it, where the errors are).
import { spawn } from 'node:child_process';

export interface ToolResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Why it could not start (ENOENT, EACCES). */
  error?: string;
}

export interface ToolOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

const KEEP_CHARS = 64 * 1024;
const keepTail = (text: string): string => (text.length > KEEP_CHARS ? text.slice(-KEEP_CHARS) : text);

export function runTool(file: string, args: string[], options: ToolOptions): Promise<ToolResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let error: string | undefined;
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout = keepTail(stdout + chunk.toString())));
    child.stderr.on('data', (chunk: Buffer) => (stderr = keepTail(stderr + chunk.toString())));
    let settled = false;
    const settle = (code: number | null, signal: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Whatever it left behind in its group goes with it.
      if (!timedOut) killGroup();
      resolve({ code, signal, stdout, stderr, timedOut, ...(error ? { error } : {}) });
    };
    // A process that could not start may never close.
    child.on('error', (e) => {
      error = e.message;
      if (child.pid === undefined) settle(null, null);
    });
    child.on('close', settle);
  });
}
