// Running a shell command for a task (the agent, the check) or for the plan (the planner): bash -c in its own
// process group, with a timeout, the tail of its output kept, and a watchdog that ends the whole group if
// this node's process dies first, so no agent keeps working on a task that another node is about to take
// over. What it prints is read a line at a time and never kept whole: a child that prints without end costs
// the node a bounded amount of memory.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { redact } from '../../errors.js';
import { findExecutable } from '../../delivery/git.js';
import type { AgentReport, OutputReader } from '../../agents/agent-output.js';

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** The last lines shown (stdout as its reader shows it, and stderr), secrets masked. */
  outputTail: string;
  /** stdout alone (planners print their plan there), up to `stdoutLimit`. */
  stdout: string;
  timedOut: boolean;
  killedBecause?: string;
  error?: string;
  /** What the output reader made of stdout (usage, the CLI's own reason for failing). */
  report?: AgentReport;
  /** Processes it left running outside its process group, killed when it ended. */
  strays?: number;
}

export interface RunningProcess {
  done: Promise<ProcessResult>;
  /** The process's id (its group's too), when it started. */
  pid?: number;
  /** End the process group: SIGTERM, then SIGKILL after a grace period. */
  kill(reason: string): void;
}

export interface ProcessOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Each piece of output as it is shown (already masked): stdout through the reader, stderr as it is. */
  onOutput?: (text: string) => void;
  /** Reads stdout line by line (an agent CLI's JSON events); default: lines shown as they are. */
  reader?: OutputReader;
  tailChars?: number;
  /** How much of stdout to keep whole (default none). */
  stdoutLimit?: number;
}

/** How much of the node's own stdout may wait for its reader before a child's output is read no further. */
const LOG_BACKLOG = 1024 * 1024;

/** A line longer than this is cut: the rest of it, up to its newline, is dropped. */
const MAX_LINE = 1024 * 1024;

// $1 is the command. The watchdog polls this node's pid ($PPID) and takes the group down if it is gone.
const WRAPPER = `
"$BASH" -c "$1" &
agent=$!
( trap 'exit 0' TERM
  while kill -0 "$agent" 2>/dev/null; do
    if ! kill -0 "$PPID_NODE" 2>/dev/null; then kill -TERM -- -$$ 2>/dev/null; "$P2P_DEV_SLEEP" 3; kill -KILL -- -$$ 2>/dev/null; exit 0; fi
    "$P2P_DEV_SLEEP" 1
  done ) </dev/null >/dev/null 2>&1 &
watchdog=$!
wait "$agent"
status=$?
kill "$watchdog" 2>/dev/null
exit $status
`;

/** Splits a stream into lines without ever holding more than MAX_LINE of one. */
function lineSplitter(onLine: (line: string) => void): { push(text: string): void; end(): void } {
  let partial = '';
  let dropping = false;
  return {
    push(text) {
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        if (!dropping) onLine(partial + text.slice(start, nl));
        partial = '';
        dropping = false;
        start = nl + 1;
      }
      if (dropping) return;
      partial += text.slice(start);
      if (partial.length > MAX_LINE) {
        onLine(`${partial.slice(0, 2000)}… (a line of more than ${MAX_LINE} characters, cut)`);
        partial = '';
        dropping = true;
      }
    },
    end() {
      if (partial && !dropping) onLine(partial);
      partial = '';
    },
  };
}

const MARKER = 'P2P_DEV_RUN';

/** The processes whose environment carries this run's marker. */
function marked(marker: string): number[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return [];
  }
  const needle = `${MARKER}=${marker}\0`;
  return pids
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(needle);
      } catch {
        return false; // gone, or not ours to read
      }
    })
    .map(Number);
}

const signal = (pid: number, name: NodeJS.Signals): void => {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
};

/**
 * Kill every process that still carries this run's marker in its environment: what the command started and
 * moved out of its process group (setsid, a daemon), which the group kill missed. Each pass stops them all
 * first (one that forks again and again cannot outrun the kill), then kills them, until a pass finds none.
 * Linux; a no-op elsewhere. Returns how many there were.
 */
export function killMarked(marker: string): number {
  let killed = 0;
  for (let pass = 0; pass < 50; pass++) {
    const pids = marked(marker);
    if (pids.length === 0) break;
    for (const pid of pids) signal(pid, 'SIGSTOP');
    for (const pid of pids) signal(pid, 'SIGKILL');
    killed += pids.length;
  }
  return killed;
}

let bashPath: string | undefined;
let sleepPath: string | undefined;
/** The watchdog's sleep, fixed like bash: a `sleep` the agent put on PATH must not run it. */
function resolveSleep(): string {
  sleepPath ??= findExecutable('sleep');
  return sleepPath;
}
/** Fix the bash that runs the wrapper (at the node's start, before an agent could put its own on PATH). */
export function resolveBash(): string {
  bashPath ??= findExecutable('bash');
  resolveSleep();
  return bashPath;
}

export function startProcess(options: ProcessOptions): RunningProcess {
  const tailChars = options.tailChars ?? 3000;
  const reader = options.reader;
  const started = Date.now();
  let timedOut = false;
  let killedBecause: string | undefined;
  const marker = randomUUID();
  const child = spawn(resolveBash(), ['-c', WRAPPER, 'p2p-dev-agent', options.command], {
    cwd: options.cwd,
    env: { ...options.env, PPID_NODE: String(process.pid), P2P_DEV_SLEEP: resolveSleep(), [MARKER]: marker },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = readOutput(child, options);

  let graceTimer: NodeJS.Timeout | undefined;
  const kill = (reason: string): void => {
    if (killedBecause || child.exitCode !== null) return;
    killedBecause = reason;
    signalGroup(child, 'SIGTERM');
    graceTimer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5000);
    graceTimer.unref();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill(`it ran longer than its timeout (${Math.round(options.timeoutMs / 1000)}s)`);
  }, options.timeoutMs);

  const done = new Promise<ProcessResult>((resolve) => {
    let spawnError: string | undefined;
    let settled = false;
    const settle = (code: number | null, signal: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      signalGroup(child, 'SIGKILL'); // anything the command left running in its group
      const strays = killMarked(marker); // and what it moved out of the group
      output.finish();
      resolve({
        exitCode: code,
        signal,
        durationMs: Date.now() - started,
        outputTail: lastLines(output.tail(), tailChars),
        stdout: output.stdout(),
        timedOut,
        ...(killedBecause ? { killedBecause } : {}),
        ...(spawnError ? { error: spawnError } : {}),
        ...(reader ? { report: reader.report() } : {}),
        ...(strays > 0 ? { strays } : {}),
      });
    };
    child.on('error', (error) => {
      spawnError = error.message;
    });
    onEnd(child, settle);
  });
  return { done, kill, ...(child.pid !== undefined ? { pid: child.pid } : {}) };
}

type Child = ChildProcessByStdio<null, Readable, Readable>;

function signalGroup(child: Child, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Call `settle` once the child has ended: when its output closes, or soon after it exits. */
function onEnd(child: Child, settle: (code: number | null, signal: string | null) => void): void {
  // A command that leaves a process behind holding its output open (in its group or not) must not hang the
  // node: once the command itself has exited, its group is killed and what is still open is let go.
  child.on('exit', (code, signal) => {
    setTimeout(() => signalGroup(child, 'SIGKILL'), 2000).unref();
    setTimeout(() => {
      child.stdout.destroy();
      child.stderr.destroy();
      settle(code, signal);
    }, 3000).unref();
  });
  child.on('close', (code, signal) => settle(code, signal));
}

/** The last 60 lines of what was shown, masked, at most `tailChars` of them. */
function lastLines(tail: string, tailChars: number): string {
  const lines = redact(tail).split('\n');
  let outputTail = lines.slice(-60).join('\n');
  if (outputTail.length > tailChars) outputTail = outputTail.slice(-tailChars);
  return outputTail.trim();
}

interface ChildOutput {
  /** What was shown lately (not masked yet). */
  tail(): string;
  /** stdout as it came, up to `stdoutLimit`. */
  stdout(): string;
  /** Once the child is done: stop waiting for the node's log to drain, and show stdout's last line. */
  finish(): void;
}

/** Read what the child prints: show it, keep its tail and stdout, no faster than the node's log drains. */
function readOutput(child: Child, options: ProcessOptions): ChildOutput {
  const tailChars = options.tailChars ?? 3000;
  const stdoutLimit = options.stdoutLimit ?? 0;
  const reader = options.reader;
  let tail = '';
  let stdout = '';
  const show = (text: string): void => {
    tail = (tail + text).slice(-tailChars * 4);
    options.onOutput?.(redact(text));
  };
  const stdoutLines = lineSplitter((line) => {
    const shown = reader ? reader.line(line) : line;
    if (shown !== undefined) show(`${shown}\n`);
  });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  // The node's log is a pipe: what its reader has not taken yet waits in this process. While too much waits,
  // the command waits instead (it is not read until the log drains).
  let paused = false;
  const resume = (): void => {
    paused = false;
    child.stdout.resume();
    child.stderr.resume();
  };
  const holdBack = (): void => {
    if (paused || process.stdout.writableLength <= LOG_BACKLOG) return;
    paused = true;
    child.stdout.pause();
    child.stderr.pause();
    process.stdout.once('drain', resume);
  };
  child.stdout.on('data', (text: string) => {
    if (stdout.length < stdoutLimit) stdout += text.slice(0, stdoutLimit - stdout.length);
    stdoutLines.push(text);
    holdBack();
  });
  child.stderr.on('data', (text: string) => {
    show(text);
    holdBack();
  });
  return {
    tail: () => tail,
    stdout: () => stdout,
    finish() {
      process.stdout.off('drain', resume);
      stdoutLines.end();
    },
  };
}
