// Every input and runtime variable, read once into a typed object. A bad value fails the step with the
// input's name and what it accepts. Defaults live in action.yml (copied into the bundle at build time).
import { readFileSync } from 'node:fs';
import * as core from '@actions/core';
import { agentChoiceFor, type AgentChoice } from './agents/presets.js';
import { agentVersionFor, type RequestedVersion } from './agents/cli-plan.js';

import {
  InputError,
  booleanInput,
  branchInput,
  nonEmpty,
  numberInput,
  optionalNumber,
  raw,
} from './input-values.js';

export { InputError };

export type Mode = 'node' | 'trigger' | 'aggregate';

/** Pull requests: one for the issue (the aggregate job merges the task branches), one per task, or none. */
export type PullRequests = 'issue' | 'task' | 'none';

/** Where the plan comes from: the issue's task list, a planner command, or the agent. */
export type Planner = 'issue' | 'command' | 'agent';

export interface CheckSettings {
  command: string;
  fixAttempts: number;
  timeoutMs: number;
}

export interface Inputs {
  mode: Mode;
  token: string;
  /** The GitHub App whose installation token `token` is (app-slug); undefined: found from the token. */
  appSlug: string | undefined;
  issueNumber: number | undefined;
  instance: number;
  instances: number;
  agent: AgentChoice;
  /** The preset CLI's version to install (`agent-version`); undefined: the one on PATH, else the tested one. */
  agentVersion: RequestedVersion | undefined;
  maxTurns: number | undefined;
  maxTaskCostUsd: number | undefined;
  /** The run's budget in US dollars: once the run has spent it, no node claims a new task. Undefined: no cap. */
  maxCostUsd: number | undefined;
  /** The quality gate, when verify-command is set. */
  check: CheckSettings | undefined;
  planner: Planner;
  plannerCommand: string | undefined;
  plannerMaxTasks: number;
  settleMs: number;
  listingLagMs: number;
  pollMs: number;
  heartbeatMs: number;
  leaseMs: number;
  /** The writes an hour all the nodes' heartbeats may spend together. */
  heartbeatWritesPerHour: number;
  taskTimeoutMs: number;
  gitTimeoutMs: number;
  /** mode aggregate: how long to wait for the issue's pull request's CI; 0: not at all. */
  ciTimeoutMs: number;
  /** How long a task that asks for a review waits for a person's verdict. */
  reviewTimeoutMs: number;
  /** `required`: every task asks for a review (`review: required` in an annotation asks for one task). */
  review: 'none' | 'required';
  /** mode aggregate: how many times the agent is sent back while that CI fails. */
  ciFixAttempts: number;
  /** How long one request to GitHub may take before it is abandoned (and retried like a 5xx). */
  requestTimeoutMs: number;
  maxAttempts: number;
  trustedAuthors: string[];
  triggerLabel: string;
  /** mode aggregate: the labels that replace the trigger label when every task completed, or otherwise. */
  doneLabel: string;
  failedLabel: string;
  triggerCommand: string;
  maxInstances: number;
  failOnTaskFailure: boolean;
  /** The workflow's check-trigger job relays a stop comment: busy nodes only watch the beacon. */
  stopRelay: boolean;
  passTokenToAgent: boolean;
  metricsFile: string | undefined;
  createPr: PullRequests;
  draftPr: boolean;
  allowUntrustedAuthors: boolean;
  publishDashboard: boolean;
  dashboardBranch: string;
  baseBranch: string | undefined;
}

export interface Runtime {
  apiUrl: string;
  owner: string;
  repo: string;
  runId: string;
  runAttempt: string;
  /** `RUNNER_NAME`: the runner this job runs on, as the Actions API's jobs name it. */
  runnerName?: string;
  workspace: string;
  tempDir: string;
  eventName: string;
  payload: Record<string, unknown>;
}

function agentChoice(): AgentChoice {
  try {
    return agentChoiceFor(raw('agent'), raw('agent-command'), raw('agent-args'));
  } catch (error) {
    throw new InputError((error as Error).message);
  }
}

function agentVersionInput(agent: AgentChoice): RequestedVersion | undefined {
  try {
    return agentVersionFor(raw('agent-version'), agent);
  } catch (error) {
    throw new InputError((error as Error).message);
  }
}

function plannerInput(command: string | undefined): Planner {
  const value = raw('planner').trim().toLowerCase();
  if (value === '') return command ? 'command' : 'issue';
  if (value !== 'issue' && value !== 'agent' && value !== 'command')
    throw new InputError(`Input "planner" must be one of issue, agent, command; got "${raw('planner')}".`);
  if (value === 'command' && !command)
    throw new InputError('Input "planner-command" is required when "planner" is command.');
  return value;
}

function checkInput(): CheckSettings | undefined {
  const command = raw('verify-command').trim();
  const fixAttempts = numberInput('fix-attempts', { min: 0, max: 20, integer: true });
  const minutes = numberInput('verify-timeout-min', { min: 0.01, max: 24 * 60, unit: 'minutes' });
  return command ? { command, fixAttempts, timeoutMs: Math.round(minutes * 60_000) } : undefined;
}

function appSlugInput(): string | undefined {
  const value = raw('app-slug').trim();
  if (value === '') return undefined;
  if (!/^[a-z0-9][a-z0-9-]{0,99}$/i.test(value))
    throw new InputError(
      `Input "app-slug" must be a GitHub App's slug (letters, digits and "-"); got "${value}".`,
    );
  return value;
}

function reviewInput(): Inputs['review'] {
  const value = raw('review').trim().toLowerCase();
  if (value === 'none' || value === 'required') return value;
  throw new InputError(`Input "review" must be one of none, required; got "${raw('review')}".`);
}

function pullRequestsInput(): PullRequests {
  const value = raw('create-pr').trim().toLowerCase();
  if (value === 'issue' || value === 'task' || value === 'none') return value;
  // What true and false meant before there was one for the issue.
  if (value === 'true') return 'task';
  if (value === 'false') return 'none';
  throw new InputError(`Input "create-pr" must be one of issue, task, none; got "${raw('create-pr')}".`);
}

export function readPayload(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function issueFromPayload(payload: Record<string, unknown>): string | undefined {
  const issue = payload.issue as { number?: unknown } | undefined;
  if (issue && (typeof issue.number === 'number' || typeof issue.number === 'string'))
    return String(issue.number);
  const inputs = payload.inputs as Record<string, unknown> | undefined;
  const fromInputs = inputs?.['issue-number'] ?? inputs?.['issue_number'];
  return typeof fromInputs === 'string' || typeof fromInputs === 'number' ? String(fromInputs) : undefined;
}

export function readRuntime(env: NodeJS.ProcessEnv = process.env): Runtime {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner, repo, extra] = repository.split('/');
  if (!owner || !repo || extra !== undefined) {
    throw new InputError(`GITHUB_REPOSITORY must be "owner/repo"; got "${repository}".`);
  }
  return {
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    owner,
    repo,
    runId: env.GITHUB_RUN_ID || 'local',
    runAttempt: env.GITHUB_RUN_ATTEMPT || '1',
    ...(env.RUNNER_NAME ? { runnerName: env.RUNNER_NAME } : {}),
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    tempDir: env.RUNNER_TEMP || '',
    eventName: env.GITHUB_EVENT_NAME || '',
    payload: readPayload(env.GITHUB_EVENT_PATH),
  };
}

function modeInput(): Mode {
  const mode = raw('mode').trim();
  if (mode !== 'node' && mode !== 'trigger' && mode !== 'aggregate') {
    throw new InputError(`Input "mode" must be one of node, trigger, aggregate; got "${mode}".`);
  }
  return mode;
}

function tokenInput(): string {
  const token = raw('github-token').trim() || process.env.GITHUB_TOKEN || '';
  if (!token) throw new InputError('Input "github-token" is required: a token for the GitHub REST API.');
  core.setSecret(token);
  return token;
}

function issueNumberInput(payload: Record<string, unknown>): number | undefined {
  const issueText = raw('issue-number').trim() || issueFromPayload(payload);
  if (issueText === undefined || issueText === '') return undefined;
  const issueNumber = Number(issueText.replace(/^#/, ''));
  if (!Number.isInteger(issueNumber) || issueNumber < 1) {
    throw new InputError(
      `Input "issue-number" must be a positive whole number (an issue number); got "${issueText}".`,
    );
  }
  return issueNumber;
}

function matrixInputs(): Pick<Inputs, 'instance' | 'instances' | 'maxInstances'> {
  const instances = numberInput('instances', { min: 1, max: 256, integer: true });
  const instance = numberInput('instance', { min: 1, max: 256, integer: true });
  if (instance > instances) {
    throw new InputError(
      `Input "instance" must be from 1 to the value of "instances" (${instances}); got ${instance}.`,
    );
  }
  return {
    instance,
    instances,
    maxInstances: numberInput('max-instances', { min: 1, max: 256, integer: true }),
  };
}

const milliseconds = (name: string, min: number): number =>
  numberInput(name, { min, max: 600_000, integer: true, unit: 'milliseconds' });
const minutesInMs = (name: string, max: number): number =>
  Math.round(numberInput(name, { min: 0.01, max, unit: 'minutes' }) * 60_000);

type TimingInputs = Pick<
  Inputs,
  | 'settleMs'
  | 'listingLagMs'
  | 'pollMs'
  | 'heartbeatMs'
  | 'leaseMs'
  | 'heartbeatWritesPerHour'
  | 'taskTimeoutMs'
  | 'gitTimeoutMs'
  | 'requestTimeoutMs'
  | 'ciTimeoutMs'
  | 'reviewTimeoutMs'
  | 'ciFixAttempts'
>;

function timingInputs(): TimingInputs {
  const heartbeatS = numberInput('heartbeat-interval-s', { min: 0.1, max: 3600, unit: 'seconds' });
  const leaseS = numberInput('lease-timeout-s', { min: 1, max: 86_400, unit: 'seconds' });
  if (leaseS < 2 * heartbeatS + 1) {
    throw new InputError(
      `Input "lease-timeout-s" must be at least twice "heartbeat-interval-s" plus one second (${2 * heartbeatS + 1}s here); got ${leaseS}.`,
    );
  }
  return {
    settleMs: milliseconds('settle-ms', 0),
    listingLagMs: milliseconds('listing-lag-ms', 0),
    pollMs: milliseconds('poll-interval-ms', 50),
    heartbeatMs: Math.round(heartbeatS * 1000),
    leaseMs: Math.round(leaseS * 1000),
    heartbeatWritesPerHour: numberInput('heartbeat-writes-per-hour', {
      min: 1,
      max: 100_000,
      integer: true,
      unit: 'writes an hour',
    }),
    taskTimeoutMs: minutesInMs('task-timeout-min', 7 * 24 * 60),
    gitTimeoutMs: minutesInMs('git-timeout-min', 24 * 60),
    ciFixAttempts: numberInput('ci-fix-attempts', { min: 0, max: 10, integer: true }),
    ciTimeoutMs: Math.round(numberInput('ci-timeout-min', { min: 0, max: 6 * 60, unit: 'minutes' }) * 60_000),
    reviewTimeoutMs: Math.round(
      numberInput('review-timeout-min', { min: 0.1, max: 7 * 24 * 60, unit: 'minutes' }) * 60_000,
    ),
    requestTimeoutMs:
      numberInput('request-timeout-s', { min: 1, max: 600, integer: true, unit: 'seconds' }) * 1000,
  };
}

function trustedAuthorsInput(): string[] {
  const trusted = raw('trusted-authors')
    .split(/[\s,]+/)
    .map((s) => s.trim().replace(/^@/, ''))
    .filter(Boolean);
  for (const login of trusted) {
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(\[bot\])?$/.test(login)) {
      throw new InputError(
        `Input "trusted-authors" must be comma-separated GitHub logins; "${login}" is not one.`,
      );
    }
  }
  return trusted;
}

/** The trigger label and the two that replace it when a run ends: three different names. */
function labelInputs(): Pick<Inputs, 'triggerLabel' | 'doneLabel' | 'failedLabel'> {
  const labels = {
    triggerLabel: nonEmpty('trigger-label', 'a label name'),
    doneLabel: nonEmpty('done-label', 'a label name'),
    failedLabel: nonEmpty('failed-label', 'a label name'),
  };
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  if (same(labels.doneLabel, labels.triggerLabel) || same(labels.failedLabel, labels.triggerLabel))
    throw new InputError(
      `Inputs "done-label" and "failed-label" must differ from "trigger-label" ("${labels.triggerLabel}").`,
    );
  if (same(labels.doneLabel, labels.failedLabel))
    throw new InputError(
      `Inputs "done-label" and "failed-label" must differ; both are "${labels.doneLabel}".`,
    );
  return labels;
}

type AgentInputs = Pick<
  Inputs,
  | 'agent'
  | 'agentVersion'
  | 'maxTurns'
  | 'maxTaskCostUsd'
  | 'maxCostUsd'
  | 'check'
  | 'planner'
  | 'plannerCommand'
  | 'plannerMaxTasks'
  | 'maxAttempts'
>;

function agentInputs(): AgentInputs {
  const plannerCommand = raw('planner-command').trim() || undefined;
  const dollars = { min: 0.01, max: 100_000, unit: 'dollars' };
  const agent = agentChoice();
  return {
    agent,
    agentVersion: agentVersionInput(agent),
    maxTurns: optionalNumber('max-turns', { min: 1, max: 10_000, integer: true }),
    maxTaskCostUsd: optionalNumber('max-task-cost-usd', dollars),
    maxCostUsd: optionalNumber('max-cost-usd', { ...dollars, max: 1_000_000 }),
    check: checkInput(),
    planner: plannerInput(plannerCommand),
    plannerCommand,
    plannerMaxTasks: numberInput('planner-max-tasks', { min: 1, max: 500, integer: true }),
    maxAttempts: numberInput('max-attempts', { min: 1, max: 100, integer: true }),
  };
}

export function readInputs(runtime: Runtime): Inputs {
  const mode = modeInput();
  const token = tokenInput();
  const issueNumber = issueNumberInput(runtime.payload);
  const matrix = matrixInputs();
  const timing = timingInputs();
  const trustedAuthors = trustedAuthorsInput();
  return {
    mode,
    token,
    appSlug: appSlugInput(),
    issueNumber,
    ...matrix,
    ...agentInputs(),
    ...timing,
    trustedAuthors,
    ...labelInputs(),
    triggerCommand: nonEmpty('trigger-command', 'a command such as /p2p-dev'),
    failOnTaskFailure: booleanInput('fail-on-task-failure'),
    stopRelay: booleanInput('stop-relay'),
    passTokenToAgent: booleanInput('pass-token-to-agent'),
    metricsFile: raw('metrics-file').trim() || undefined,
    createPr: pullRequestsInput(),
    review: reviewInput(),
    allowUntrustedAuthors: booleanInput('allow-untrusted-authors'),
    publishDashboard: booleanInput('publish-dashboard'),
    dashboardBranch: branchInput('dashboard-branch') ?? 'gh-pages',
    draftPr: booleanInput('draft-pr'),
    baseBranch: branchInput('base-branch'),
  };
}
