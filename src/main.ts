// The action's entry: read inputs, run the chosen mode, report. The one catch of the action is here.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import { createClient, type ApiStats, type GitHubClient, type Logger } from './github/client.js';
import { IssueThread } from './github/thread.js';
import { getErrorMessage, redact, registerSecret } from './errors.js';
import { readInputs, readRuntime, InputError, type Inputs, type Runtime } from './inputs.js';
import { realSleep } from './node/loop/context.js';
import type { NodeConfig } from './node/loop/node-config.js';
import { readChecklist } from './protocol/checklist.js';
import { readBeacon } from './protocol/stop-beacon.js';
import { runNode, type NodeOutcome } from './node/loop/run-node.js';
import { Watchdog } from './node/loop/watchdog.js';
import { quietSpanMs } from './node/loop/polling.js';
import { mayReachAgent } from './node/task/prompt.js';
import { decideStart } from './trigger/decide-start.js';
import { runTrigger } from './trigger/run-trigger.js';
import { runAggregate } from './aggregate/run-aggregate.js';
import { issuePullRequest, type CiFixSetup } from './aggregate/issue-pull-request.js';
import { publishDashboard } from './delivery/publish-dashboard.js';
import { gitIn, resolveGit } from './delivery/git.js';
import { resolveBash } from './node/agent/agent-process.js';
import { scrubInitialEnvironment } from './containment/scrub-environ.js';
import { provideAgentCli } from './agents/agent-cli.js';
import { secureWorkspace } from './delivery/persisted-credentials.js';

export const actionsLogger: Logger = {
  debug: (message) => core.debug(redact(message)),
  info: (message) => core.info(redact(message)),
  warning: (message) => core.warning(redact(message)),
};

/** Environment variables that must not reach the agent: the token in every form the runner passes it. */
const TOKEN_VARIABLES =
  /^(INPUT_GITHUB-TOKEN|INPUT_GITHUB_TOKEN|GITHUB_TOKEN|GH_TOKEN|ACTIONS_RUNTIME_TOKEN|ACTIONS_ID_TOKEN_REQUEST_TOKEN)$/i;

/** The token itself, or a value that holds it (a URL with it, a header). */
const holdsToken = (value: string, token: string): boolean =>
  value === token || (token.length >= 8 && value.includes(token));

export function agentEnvironment(env: NodeJS.ProcessEnv, token: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (TOKEN_VARIABLES.test(key) || key.startsWith('INPUT_')) continue;
    if (value !== undefined && holdsToken(value, token)) continue;
    out[key] = value;
  }
  return out;
}

function nodeConfig(inputs: Inputs, runtime: Runtime, issueNumber: number): NodeConfig {
  const run = `${runtime.runId}.${runtime.runAttempt}`;
  const suffix = Math.random().toString(16).slice(2, 6);
  const nodeId = `run-${run}-node-${inputs.instance}-${suffix}`;
  const base = runtime.tempDir || os.tmpdir();
  return {
    issueNumber,
    instance: inputs.instance,
    instances: inputs.instances,
    run,
    nodeId,
    ...(runtime.runnerName ? { runner: runtime.runnerName } : {}),
    ...(/^\d+$/.test(runtime.runId) && /^\d+$/.test(runtime.runAttempt)
      ? { jobs: { runId: Number(runtime.runId), attempt: Number(runtime.runAttempt) } }
      : {}),
    agent: inputs.agent,
    ...(inputs.maxTurns !== undefined ? { maxTurns: inputs.maxTurns } : {}),
    ...(inputs.maxTaskCostUsd !== undefined ? { maxTaskCostUsd: inputs.maxTaskCostUsd } : {}),
    ...(inputs.maxCostUsd !== undefined ? { maxCostUsd: inputs.maxCostUsd } : {}),
    ...(inputs.check ? { check: inputs.check } : {}),
    planner: inputs.planner,
    ...(inputs.plannerCommand ? { plannerCommand: inputs.plannerCommand } : {}),
    triggerCommand: inputs.triggerCommand,
    stopRelay: inputs.stopRelay,
    plannerMaxTasks: inputs.plannerMaxTasks,
    settleMs: inputs.settleMs,
    listingLagMs: inputs.listingLagMs,
    pollMs: inputs.pollMs,
    heartbeatMs: inputs.heartbeatMs,
    leaseMs: inputs.leaseMs,
    heartbeatWritesPerHour: inputs.heartbeatWritesPerHour,
    taskTimeoutMs: inputs.taskTimeoutMs,
    maxAttempts: inputs.maxAttempts,
    reviewAll: inputs.review === 'required',
    reviewTimeoutMs: inputs.reviewTimeoutMs,
    workspace: runtime.workspace,
    tempDir: mkdtempSync(path.join(base, `p2p-dev-${inputs.instance}-`)),
    trustedAuthors: inputs.trustedAuthors,
    allowUntrustedAuthors: inputs.allowUntrustedAuthors,
    delivery: {
      token: inputs.token,
      createPr: inputs.createPr === 'task',
      reviewPr: inputs.createPr !== 'none',
      draft: inputs.draftPr,
      ...(inputs.baseBranch ? { baseBranch: inputs.baseBranch } : {}),
      gitTimeoutMs: inputs.gitTimeoutMs,
      ...(process.env.HOME ? { home: process.env.HOME } : {}),
      ...(runtime.tempDir ? { runnerTemp: runtime.tempDir } : {}),
    },
    agentEnv: inputs.passTokenToAgent
      ? { ...agentEnvironment(process.env, inputs.token), GITHUB_TOKEN: inputs.token, GH_TOKEN: inputs.token }
      : agentEnvironment(process.env, inputs.token),
  };
}

function clientFor(inputs: Inputs, runtime: Runtime): GitHubClient {
  return createClient({
    token: inputs.token,
    baseUrl: runtime.apiUrl,
    owner: runtime.owner,
    repo: runtime.repo,
    log: actionsLogger,
    requestTimeoutMs: inputs.requestTimeoutMs,
    writers: inputs.instances,
    ...(inputs.appSlug ? { appSlug: inputs.appSlug } : {}),
  });
}

function requireIssue(inputs: Inputs): number {
  if (inputs.issueNumber === undefined) {
    throw new InputError(
      `Input "issue-number" is required in ${inputs.mode} mode when the event carries no issue.`,
    );
  }
  return inputs.issueNumber;
}

/**
 * Before any agent runs: the token (and the runner's own tokens) out of this process's initial environment,
 * where another process of the same user could read it (/proc/<pid>/environ); git and bash fixed by their
 * paths now, before an agent could put its own on PATH.
 */
function containNode(token: string): void {
  resolveGit();
  resolveBash();
  const result = scrubInitialEnvironment(
    (name, value) => TOKEN_VARIABLES.test(name) || holdsToken(value, token),
  );
  if (result.failed) core.warning(`could not hide the token in this process's environment: ${result.failed}`);
  else if (result.scrubbed.length > 0)
    core.info(
      `🔒 hid ${result.scrubbed.join(', ')} in this process's environment, where an agent could read them`,
    );
}

/** The fix rounds' agent, made ready only when a round is needed: as a node before its first agent. */
function ciFixSetup(inputs: Inputs, runtime: Runtime, issueNumber: number): CiFixSetup {
  return {
    attempts: inputs.ciFixAttempts,
    prepare: async () => {
      const config = nodeConfig(inputs, runtime, issueNumber);
      missingAgentKey(inputs);
      // The token out of every place a git setup keeps it, and out of this process's environment.
      await secureWorkspace(
        inputs.token,
        {
          workspace: runtime.workspace,
          ...(process.env.HOME ? { home: process.env.HOME } : {}),
          ...(runtime.tempDir ? { runnerTemp: runtime.tempDir } : {}),
        },
        actionsLogger,
      );
      containNode(inputs.token);
      config.agentEnv = await provideAgentCli(
        inputs.agent,
        inputs.agentVersion,
        config.agentEnv,
        actionsLogger,
      );
      return config;
    },
  };
}

/** The checkout's origin, or undefined when it has none. */
async function originUrl(workspace: string): Promise<string | undefined> {
  const read = await gitIn(workspace).try(['config', '--get', 'remote.origin.url']);
  return read.code === 0 ? read.stdout.trim() || undefined : undefined;
}

/** A preset agent without its API key in the summary job's environment cannot fix anything: say so at once. */
function missingAgentKey(inputs: Inputs): void {
  if (inputs.agent.kind !== 'preset') return;
  const names = inputs.agent.preset.secrets.flatMap((s) => s.split(' or '));
  if (names.length > 0 && !names.some((n) => process.env[n]))
    throw new Error(
      `${names.join(' or ')} is not set in the summary job, so the agent (${inputs.agent.preset.name}) cannot be run there; give that job the nodes' env, or set ci-fix-attempts: 0`,
    );
}

async function runNodeMode(inputs: Inputs, runtime: Runtime): Promise<void> {
  const issueNumber = requireIssue(inputs);
  const client = clientFor(inputs, runtime);
  const config = nodeConfig(inputs, runtime, issueNumber);
  containNode(inputs.token);
  // The preset's CLI, installed before the node joins the run when it is not on PATH (every task uses it).
  config.agentEnv = await provideAgentCli(inputs.agent, inputs.agentVersion, config.agentEnv, actionsLogger);
  const thread = new IssueThread(client, issueNumber, {
    lagMarginMs: inputs.listingLagMs,
    // Of people's comments only what the prompt can use (discussionBefore: at most 20,000 characters);
    // and, whole, the run's live checklist, which the nodes edit.
    chatter: {
      keeps: (c) => mayReachAgent(c, inputs.allowUntrustedAuthors),
      chars: 20_000,
      // (Bots' or the repository's people's: a stranger cannot make nodes hold 65 KB comments.)
      whole: (c) =>
        (c.user?.type === 'Bot' || mayReachAgent(c)) &&
        (readChecklist(c.body) !== undefined || readBeacon(c.body) !== undefined),
    },
  });
  core.setOutput('node-id', config.nodeId);
  const watchdog = new Watchdog(client, actionsLogger, quietSpanMs(config));
  const outcome = await runNode({ client, thread, config, log: actionsLogger, sleep: realSleep, watchdog });
  core.setOutput('role', outcome.role);
  core.setOutput('tasks-completed', String(outcome.completed));
  core.setOutput('tasks-failed', String(outcome.failed));
  const s = client.stats;
  await writeNodeSummary(config.nodeId, outcome, s).catch((error: unknown) =>
    core.warning(`could not write the job summary: ${getErrorMessage(error)}`),
  );
  core.info(
    `API use of this node: ${s.counted} counted requests, ${s.notModified} free 304s, ${s.writes} content-creating, ${s.mutations} writes in all; peak memory: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
  );
  if (outcome.planningError !== undefined && outcome.role === 'leader') {
    throw new Error(`planning failed: ${outcome.planningError}`);
  }
}

async function writeNodeSummary(nodeId: string, outcome: NodeOutcome, stats: ApiStats): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const mine = [...outcome.state.tasks.values()].flatMap((t) => t.attempts.filter((a) => a.node === nodeId));
  await core.summary
    .addHeading(`p2p-dev node ${nodeId} (${outcome.role})`, 3)
    .addTable([
      [
        { data: 'task', header: true },
        { data: 'attempt', header: true },
        { data: 'outcome', header: true },
        { data: 'took', header: true },
      ],
      ...mine.map((a) => [
        a.task,
        String(a.attempt),
        a.outcome,
        a.result ? `${Math.round(a.result.duration_ms / 1000)}s` : '',
      ]),
    ])
    .addRaw(
      `API: ${stats.counted} counted requests, ${stats.notModified} free 304s, ${stats.writes} content-creating.`,
      true,
    )
    .write();
}

async function runAggregateMode(inputs: Inputs, runtime: Runtime): Promise<void> {
  const issueNumber = requireIssue(inputs);
  const client = clientFor(inputs, runtime);
  // Read before a CI fix round's agent could change the checkout's config (the dashboard is pushed after).
  const pagesUrl = inputs.publishDashboard ? await originUrl(runtime.workspace) : undefined;
  const result = await runAggregate(client, {
    issueNumber,
    run: `${runtime.runId}.${runtime.runAttempt}`,
    trustedAuthors: inputs.trustedAuthors,
    metricsFile: inputs.metricsFile ?? path.join(runtime.tempDir || os.tmpdir(), 'p2p-dev-metrics.json'),
    log: actionsLogger,
    labels: { trigger: inputs.triggerLabel, done: inputs.doneLabel, failed: inputs.failedLabel },
    integrate: await issuePullRequest(client, {
      mode: inputs.createPr,
      workspace: runtime.workspace,
      issueNumber,
      token: inputs.token,
      draft: inputs.draftPr,
      baseBranch: inputs.baseBranch,
      gitTimeoutMs: inputs.gitTimeoutMs,
      ciTimeoutMs: inputs.ciTimeoutMs,
      ...(inputs.ciFixAttempts > 0 ? { ciFix: ciFixSetup(inputs, runtime, issueNumber) } : {}),
      sleep: realSleep,
      log: actionsLogger,
    }),
  });
  const { totals, successRate } = result.summary;
  core.setOutput('tasks-completed', String(totals.completed));
  core.setOutput('tasks-failed', String(totals.failed));
  core.setOutput('success-rate', successRate.toFixed(3));
  core.setOutput('metrics-file', result.metricsFile);
  if (process.env.GITHUB_STEP_SUMMARY) {
    await core.summary
      .addRaw(result.markdown, true)
      .write()
      .catch((error: unknown) => core.warning(`could not write the job summary: ${getErrorMessage(error)}`));
  }
  if (inputs.publishDashboard) {
    try {
      const html = readFileSync(new URL('./dashboard.html', import.meta.url), 'utf8');
      const where = await publishDashboard({
        workspace: runtime.workspace,
        ...(pagesUrl ? { url: pagesUrl } : {}),
        branch: inputs.dashboardBranch,
        html,
        token: inputs.token,
      });
      core.info(`📈 published the dashboard to ${where}`);
    } catch (error) {
      core.warning(`could not publish the dashboard: ${redact(getErrorMessage(error))}`);
    }
  }
  const failures = totals.failed + (result.summary.planningError !== undefined ? 1 : 0);
  if (inputs.failOnTaskFailure && failures > 0) {
    throw new Error(
      result.summary.planningError !== undefined
        ? `planning failed: ${result.summary.planningError}`
        : `${totals.failed} of ${totals.total} task(s) failed`,
    );
  }
}

async function runTriggerMode(inputs: Inputs, runtime: Runtime): Promise<void> {
  const client = clientFor(inputs, runtime);
  const request = decideStart(runtime.eventName, runtime.payload, {
    label: inputs.triggerLabel,
    command: inputs.triggerCommand,
    instances: Math.min(inputs.instances, inputs.maxInstances),
    maxInstances: inputs.maxInstances,
    issueNumber: runtime.eventName === 'workflow_dispatch' ? inputs.issueNumber : undefined,
  });
  const outcome = await runTrigger(
    client,
    request,
    actionsLogger,
    inputs.allowUntrustedAuthors,
    inputs.triggerCommand,
  );
  core.setOutput('should-run', String(outcome.shouldRun));
  core.setOutput('issue-number', outcome.issueNumber !== undefined ? String(outcome.issueNumber) : '');
  core.setOutput('instances', JSON.stringify(outcome.instances ?? []));
}

export async function run(): Promise<void> {
  try {
    const runtime = readRuntime();
    const inputs = readInputs(runtime);
    registerSecret(inputs.token);
    switch (inputs.mode) {
      case 'node':
        await runNodeMode(inputs, runtime);
        break;
      case 'aggregate':
        await runAggregateMode(inputs, runtime);
        break;
      case 'trigger':
        await runTriggerMode(inputs, runtime);
        break;
      default:
        throw new InputError(`mode "${inputs.mode}" is not available in this version yet`);
    }
  } catch (error) {
    core.setFailed(redact(getErrorMessage(error)));
  }
}
