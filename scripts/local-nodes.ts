// Runs the bundled action (dist/index.js) as separate processes, the way the Actions runner does: inputs in
// INPUT_* variables, the run in GITHUB_* variables, outputs written to a GITHUB_OUTPUT file. Each process is a
// job of the run, as on GitHub: registered with the emulator's jobs API (POST /_emulator/jobs) under its
// RUNNER_NAME when it starts, and ended (success, failure or cancelled) when it exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfigPatch } from '../emulator/config.js';

export const DIST = path.resolve(import.meta.dirname, '../dist/index.js');

export interface NodeProcess {
  instance: number;
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The node's RUNNER_NAME, the runner_name of its job. */
  runnerName: string;
  /** The id of its job in the emulator's jobs API once registered; undefined when not (opted out, or failed). */
  job: Promise<number | undefined>;
  /** Settles (never rejects) once the process has exited and its job has been ended (or that failed). */
  jobEnded: Promise<void>;
  outputs(): Record<string, string>;
  log(): string;
}

export interface NodeRunOptions {
  apiUrl: string;
  token: string;
  repository: string;
  issue: number;
  instances: number;
  runId?: string;
  runAttempt?: string;
  workspace?: string;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  /**
   * Register the process as a job of the run with the emulator at apiUrl (default true); false for a server
   * that is not the emulator. Either way the node gets a RUNNER_NAME.
   */
  jobs?: boolean;
}

/** The job name GitHub gives a node's process: the workflow's job for the mode, a matrix job with its index. */
export function jobName(instance: number, mode = 'node'): string {
  if (mode === 'aggregate') return 'aggregate-results';
  if (mode === 'trigger') return 'check-trigger';
  return `p2p-execute (${instance})`;
}

/** A control request to the emulator; any failure (a closed emulator, another server) is undefined. */
async function control(apiUrl: string, method: string, route: string, body: unknown): Promise<unknown> {
  try {
    const res = await fetch(new URL(`/_emulator/${route}`, apiUrl), {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return res.ok ? await res.json() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How much faster FAST_TIMINGS run than the action's defaults: a heartbeat every 1 s instead of 300 s (polls
 * every 100 ms instead of 3 s, races settled in 200 ms instead of 2 s). A node so fast makes up to that many
 * times the requests GitHub's limits are sized for.
 */
export const FAST_TIMING_SCALE = 300;

export const FAST_TIMINGS = {
  'settle-ms': '200',
  'poll-interval-ms': '100',
  'heartbeat-interval-s': '1',
  // The smallest values the action accepts are heartbeat 1 s and lease 3 s; a second more of lease keeps the
  // end-to-end tests steady on a loaded two-core machine.
  'lease-timeout-s': '4',
  // The emulator's listings lag by a second at most here (GitHub's: up to ~20 s, the default).
  'listing-lag-ms': '2000',
  // The heartbeats' share of the writes, scaled like the limits (FAST_TIMING_LIMITS): 100 an hour at GitHub's pace.
  'heartbeat-writes-per-hour': String(100 * FAST_TIMING_SCALE),
  // No check-trigger job runs beside these nodes to relay a stop comment (a test that wants one runs it).
  'stop-relay': 'false',
};

/**
 * The emulator's rate limits for nodes run with FAST_TIMINGS: GitHub's (1,000 requests an hour for
 * GITHUB_TOKEN, 5,000 for a user, 80 content-creating requests a minute and 500 an hour) times
 * FAST_TIMING_SCALE, so a run at 300 times the speed meets them as a real run meets GitHub's. Windows stay
 * GitHub's (an hour, a minute).
 */
export const FAST_TIMING_LIMITS = {
  rateLimit: { limit: 1_000 * FAST_TIMING_SCALE, userLimit: 5_000 * FAST_TIMING_SCALE },
  contentLimit: { perMinute: 80 * FAST_TIMING_SCALE, perHour: 500 * FAST_TIMING_SCALE },
} as const satisfies ConfigPatch;

export function startNode(instance: number, options: NodeRunOptions): NodeProcess {
  const dir = mkdtempSync(path.join(os.tmpdir(), `p2p-node-${instance}-`));
  const outputFile = path.join(dir, 'output');
  writeFileSync(outputFile, '');
  writeFileSync(path.join(dir, 'summary.md'), '');
  const inputs: Record<string, string> = {
    mode: 'node',
    'github-token': options.token,
    'issue-number': String(options.issue),
    instance: String(instance),
    instances: String(options.instances),
    ...FAST_TIMINGS,
    ...options.inputs,
  };
  const runnerName = options.env?.RUNNER_NAME ?? `p2p-runner-${instance}-${randomBytes(4).toString('hex')}`;
  const runId = options.runId ?? '4242';
  const runAttempt = options.runAttempt ?? '1';
  // Asked for before the process is spawned: it takes far longer to start than the emulator takes to answer
  // (on GitHub the job exists before its step runs).
  const job: Promise<number | undefined> =
    options.jobs === false
      ? Promise.resolve(undefined)
      : control(options.apiUrl, 'POST', 'jobs', {
          run_id: Number(runId),
          run_attempt: Number(runAttempt),
          name: jobName(instance, inputs.mode),
          runner_name: runnerName,
          status: 'in_progress',
        }).then((answer) => {
          const id = (answer as { id?: unknown } | undefined)?.id;
          return typeof id === 'number' ? id : undefined;
        });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_API_URL: options.apiUrl,
    GITHUB_REPOSITORY: options.repository,
    GITHUB_RUN_ID: runId,
    GITHUB_RUN_ATTEMPT: runAttempt,
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_WORKSPACE: options.workspace ?? dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'),
    RUNNER_TEMP: dir,
    RUNNER_NAME: runnerName,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...options.env,
  };
  const child = spawn(process.execPath, [DIST], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  // Ended only after the registration settled, so the PATCH finds the job.
  const jobEnded = Promise.all([exited, job]).then(async ([{ code, signal }, id]) => {
    if (id === undefined) return;
    const conclusion = code === 0 ? 'success' : signal !== null ? 'cancelled' : 'failure';
    await control(options.apiUrl, 'PATCH', `jobs/${id}`, { status: 'completed', conclusion });
  });
  return {
    instance,
    child,
    output,
    exited,
    runnerName,
    job,
    jobEnded,
    log: () => output.join(''),
    outputs: () => parseOutputs(readFileSync(outputFile, 'utf8')),
  };
}

/** Parse the GITHUB_OUTPUT file format (name<<delimiter … delimiter, or name=value). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]!);
      out[heredoc[1]!] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

export async function waitAll(nodes: NodeProcess[], timeoutMs: number): Promise<void> {
  const timer = new Promise<never>((_, reject) =>
    setTimeout(() => {
      for (const n of nodes) n.child.kill('SIGKILL');
      reject(
        new Error(
          `nodes still running after ${timeoutMs}ms:\n${nodes.map((n) => `--- node ${n.instance}\n${n.log().slice(-3000)}`).join('\n')}`,
        ),
      );
    }, timeoutMs).unref(),
  );
  await Promise.race([Promise.all(nodes.map((n) => n.exited)), timer]);
}
