// Running a shell command for a task (the agent) or for the plan (the planner): bash -c in its own process
// group, with a timeout, the tail of its output kept, and a watchdog that ends the whole group if this node's
// process dies first, so no agent keeps working on a task that another node is about to take over.
import { spawn } from 'node:child_process';
import { redact } from '../errors.js';

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** The last lines of stdout and stderr interleaved, secrets masked. */
  outputTail: string;
  /** stdout alone (planners print their plan there), up to a limit. */
  stdout: string;
  timedOut: boolean;
  killedBecause?: string;
  error?: string;
}

export interface RunningProcess {
  done: Promise<ProcessResult>;
  /** End the process group: SIGTERM, then SIGKILL after a grace period. */
  kill(reason: string): void;
}

export interface ProcessOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Each chunk of output as it comes (already masked). */
  onOutput?: (text: string) => void;
  tailChars?: number;
  stdoutLimit?: number;
}

// $1 is the command. The watchdog polls this node's pid ($PPID) and takes the group down if it is gone.
const WRAPPER = `
bash -c "$1" &
agent=$!
( trap 'exit 0' TERM
  while kill -0 "$agent" 2>/dev/null; do
    if ! kill -0 "$PPID_NODE" 2>/dev/null; then kill -TERM -- -$$ 2>/dev/null; sleep 3; kill -KILL -- -$$ 2>/dev/null; exit 0; fi
    sleep 1
  done ) </dev/null >/dev/null 2>&1 &
watchdog=$!
wait "$agent"
status=$?
kill "$watchdog" 2>/dev/null
exit $status
`;

export function startProcess(options: ProcessOptions): RunningProcess {
  const tailChars = options.tailChars ?? 3000;
  const stdoutLimit = options.stdoutLimit ?? 5_000_000;
  const started = Date.now();
  let tail = '';
  let stdout = '';
  let timedOut = false;
  let killedBecause: string | undefined;
  const child = spawn('bash', ['-c', WRAPPER, 'p2p-dev-agent', options.command], {
    cwd: options.cwd,
    env: { ...options.env, PPID_NODE: String(process.pid) },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const take = (chunk: Buffer, isStdout: boolean): void => {
    const text = chunk.toString('utf8');
    if (isStdout && stdout.length < stdoutLimit) stdout += text.slice(0, stdoutLimit - stdout.length);
    tail = (tail + text).slice(-tailChars * 4);
    options.onOutput?.(redact(text));
  };
  child.stdout.on('data', (c: Buffer) => take(c, true));
  child.stderr.on('data', (c: Buffer) => take(c, false));

  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  let graceTimer: NodeJS.Timeout | undefined;
  const kill = (reason: string): void => {
    if (killedBecause || child.exitCode !== null) return;
    killedBecause = reason;
    signalGroup('SIGTERM');
    graceTimer = setTimeout(() => signalGroup('SIGKILL'), 5000);
    graceTimer.unref();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill(`it ran longer than the task timeout (${Math.round(options.timeoutMs / 1000)}s)`);
  }, options.timeoutMs);

  const done = new Promise<ProcessResult>((resolve) => {
    let spawnError: string | undefined;
    child.on('error', (error) => {
      spawnError = error.message;
    });
    // A command that leaves a background process holding its output open must not hang the node.
    child.on('exit', () => setTimeout(() => signalGroup('SIGKILL'), 2000).unref());
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      signalGroup('SIGKILL'); // anything the command left running in its group
      const lines = redact(tail).split('\n');
      let outputTail = lines.slice(-60).join('\n');
      if (outputTail.length > tailChars) outputTail = outputTail.slice(-tailChars);
      resolve({
        exitCode: code,
        signal,
        durationMs: Date.now() - started,
        outputTail: outputTail.trim(),
        stdout,
        timedOut,
        ...(killedBecause ? { killedBecause } : {}),
        ...(spawnError ? { error: spawnError } : {}),
      });
    });
  });
  return { done, kill };
}
