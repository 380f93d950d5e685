// A run for end-to-end tests: the emulator over HTTP, an issue, N processes of dist/index.js, and an agent
// script that logs each start and end to a file the test reads. The nodes run with FAST_TIMINGS, so the
// emulator's limits are GitHub's scaled to match (FAST_TIMING_LIMITS) unless a test sets its own.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type RunningEmulator, type StartOptions } from '../../emulator/index.js';
import { configKeysOf, mergePatches } from '../../emulator/config.js';
import { threadOf } from '../../emulator/thread-view.js';
import { fold, type RunState } from '../../src/protocol/fold.js';
import { makeTrust } from '../../src/protocol/thread-comment.js';
import { FAST_TIMING_LIMITS, startNode, waitAll, type NodeProcess } from '../../scripts/local-nodes.js';
import { cloneFor, createRemote } from '../../scripts/local-git.js';

export const BOT_IDENTITY = { login: 'github-actions[bot]', id: 41898282 };

/**
 * The emulator's limits for a scenario. Its nodes run with FAST_TIMINGS, about 300 times GitHub's default
 * pace (a heartbeat every 1 s, not 300 s), so they would spend GITHUB_TOKEN's 1,000 requests an hour and the
 * 80 content-creating requests a minute in seconds: GitHub's limits times 300 (FAST_TIMING_SCALE) keep a
 * scenario as far from them as a real run is from GitHub's.
 */
export { FAST_TIMING_LIMITS };

/** A scenario's emulator when the test gives none: a little latency, as over the network. */
const DEFAULT_EMULATOR: StartOptions = { config: { latencyMs: [5, 30] } };

/**
 * The emulator options of a scenario: the test's own (or the default), with FAST_TIMING_LIMITS under them, so
 * a test that configures something else (latency, users, lag) keeps the scaled limits, and a test that sets a
 * limit (or `contentLimit: null`) overrides just that. A ready-made `emulator` is used as it is.
 */
export function scenarioEmulator(given: StartOptions = DEFAULT_EMULATOR): StartOptions {
  if (given.emulator) return given;
  const { config, ...rest } = given;
  return { ...rest, config: mergePatches(FAST_TIMING_LIMITS, configKeysOf(rest), config ?? {}) };
}

/** An issue body with `n` tasks: `- [ ] Step 1`, `- [ ] Step 2`, … */
export const taskList = (n: number): string =>
  Array.from({ length: n }, (_, i) => `- [ ] Step ${i + 1}`).join('\n');

export interface Scenario {
  server: RunningEmulator;
  issue: number;
  dir: string;
  nodes: NodeProcess[];
  /** Lines of the agent log: [event, task, node, attempt, ns]. */
  runs(): string[][];
  state(run?: string): RunState;
  waitForRun(predicate: (line: string[]) => boolean, timeoutMs?: number): Promise<string[]>;
  finish(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * `agentBody` is bash run after the start line is logged; `$LOG` is the log file. The end line is logged
 * only if the body succeeds.
 */
export function agentScript(dir: string, agentBody = 'sleep 0.5'): string {
  const script = path.join(dir, 'agent.sh');
  writeFileSync(
    script,
    `#!/usr/bin/env bash
set -eu
LOG="${path.join(dir, 'runs.log')}"
echo "start $P2P_TASK_ID $P2P_NODE_ID $P2P_ATTEMPT $(date +%s%N)" >> "$LOG"
${agentBody}
echo "end $P2P_TASK_ID $P2P_NODE_ID $P2P_ATTEMPT $(date +%s%N)" >> "$LOG"
echo "done with $P2P_TASK_ID"
`,
    { mode: 0o755 },
  );
  return `bash ${script}`;
}

/** The token of node `instance` in a scenario started with `tokenPerNode`. */
export const nodeToken = (instance: number): string => `ghs_bot_token_${instance}`;

export async function startScenario(options: {
  nodes: number;
  issueBody: string;
  agentBody?: string;
  inputs?: Record<string, string>;
  emulator?: Parameters<typeof startEmulator>[0];
  beforeNodes?: (server: RunningEmulator, issue: number) => void | Promise<void>;
  startNodes?: boolean;
  /** Each node's GITHUB_WORKSPACE (default: the scenario's directory, not a git repository). */
  workspaceFor?: (instance: number, dir: string) => string;
  /** Who writes the issue (default: the maintainer). */
  issueAuthor?: string;
  /** More environment for every node (and so for its agent). */
  env?: Record<string, string>;
  /**
   * A token of its own for each node (`ghs_bot_token_<instance>`), all of the one bot identity, as each job's
   * GITHUB_TOKEN is on GitHub: the emulator's request log then tells the nodes apart. Its limits stay shared.
   */
  tokenPerNode?: boolean;
}): Promise<Scenario> {
  const server = await startEmulator(scenarioEmulator(options.emulator));
  const issue = server.emulator.createIssue({
    title: 'Scenario',
    body: options.issueBody,
    ...(options.issueAuthor ? { author: options.issueAuthor } : {}),
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-scenario-'));
  if (options.tokenPerNode)
    for (let i = 1; i <= options.nodes; i++)
      server.emulator.addUser({ ...BOT_IDENTITY, type: 'Bot', token: nodeToken(i), permission: 'write' });
  await options.beforeNodes?.(server, issue);
  const agent = agentScript(dir, options.agentBody);
  const nodes =
    options.startNodes === false
      ? []
      : Array.from({ length: options.nodes }, (_, i) =>
          startNode(i + 1, {
            apiUrl: server.url,
            token: options.tokenPerNode ? nodeToken(i + 1) : 'ghs_bot_token',
            repository: 'octo-org/demo',
            issue,
            instances: options.nodes,
            workspace: options.workspaceFor?.(i + 1, dir) ?? dir,
            inputs: { 'agent-command': agent, ...options.inputs },
            ...(options.env ? { env: options.env } : {}),
          }),
        );
  const logFile = path.join(dir, 'runs.log');
  const runs = (): string[][] =>
    existsSync(logFile)
      ? readFileSync(logFile, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' '))
      : [];
  return {
    server,
    issue,
    dir,
    nodes,
    runs,
    state: (run = '4242.1') =>
      fold(threadOf(server.emulator, issue), { run, trust: makeTrust(BOT_IDENTITY) }),
    async waitForRun(predicate, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const found = runs().find(predicate);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no agent run matched within ${timeoutMs}ms; log: ${JSON.stringify(runs())}`);
    },
    finish: (timeoutMs = 90_000) => waitAll(nodes, timeoutMs),
    async close() {
      for (const n of nodes) n.child.kill('SIGKILL');
      await server.close();
    },
  };
}

/**
 * Workspaces for startScenario's `workspaceFor`: a clone per node of one bare remote (made, with `files`, when
 * the first node asks), as actions/checkout leaves it. `remote()` is the remote's path.
 */
export function gitClones(files: Record<string, string> = { 'README.md': '# Demo\n' }): {
  workspaceFor: (instance: number, dir: string) => string;
  remote: () => string;
} {
  let remote = '';
  return {
    workspaceFor: (instance, dir) => {
      remote ||= createRemote(dir, files);
      return cloneFor(remote, dir, `node-${instance}`);
    },
    remote: () => remote,
  };
}

/** mode: aggregate after a scenario's run, as the aggregate-results job runs it; metrics go to the scenario. */
export async function runAggregate(
  s: Scenario,
  inputs: Record<string, string> = {},
  /** Its checkout (default: none, as when the job checks nothing out). */
  workspace?: string,
  /** GITHUB_RUN_ATTEMPT (default 1, the nodes' attempt): 2 for the summary job re-run on its own. */
  runAttempt?: string,
): Promise<{ code: number | null; outputs: Record<string, string>; log: string }> {
  const node = startNode(1, {
    ...(runAttempt ? { runAttempt } : {}),
    apiUrl: s.server.url,
    token: 'ghs_bot_token',
    repository: 'octo-org/demo',
    issue: s.issue,
    instances: 1,
    ...(workspace ? { workspace } : {}),
    inputs: { mode: 'aggregate', 'metrics-file': path.join(s.dir, 'metrics.json'), ...inputs },
  });
  return { code: (await node.exited).code, outputs: node.outputs(), log: node.log() };
}
