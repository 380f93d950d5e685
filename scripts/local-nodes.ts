// Runs the bundled action (dist/index.js) as separate processes, the way the Actions runner does: inputs in
// INPUT_* variables, the run in GITHUB_* variables, outputs written to a GITHUB_OUTPUT file.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const DIST = path.resolve(import.meta.dirname, '../dist/index.js');

export interface NodeProcess {
  instance: number;
  child: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
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
}

export const FAST_TIMINGS = {
  'settle-ms': '200',
  'poll-interval-ms': '100',
  'heartbeat-interval-s': '1',
  // The smallest values the action accepts are heartbeat 1 s and lease 3 s; a second more of lease keeps the
  // end-to-end tests steady on a loaded two-core machine.
  'lease-timeout-s': '4',
  // The emulator's listings lag by a second at most here (GitHub's: up to ~20 s, the default).
  'listing-lag-ms': '2000',
};

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
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_API_URL: options.apiUrl,
    GITHUB_REPOSITORY: options.repository,
    GITHUB_RUN_ID: options.runId ?? '4242',
    GITHUB_RUN_ATTEMPT: options.runAttempt ?? '1',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_WORKSPACE: options.workspace ?? dir,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'),
    RUNNER_TEMP: dir,
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
  return {
    instance,
    child,
    output,
    exited,
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
