// mode: aggregate — read the thread, fold it, and post the run's summary on the issue (a re-run edits the
// same comment), bring the live checklist up to date, and write a metrics file for the dashboard; then the
// trigger label gives way to the outcome's.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GitHubClient, Logger } from '../github/client.js';
import { actionIdentity } from '../github/identity.js';
import { relabel } from '../github/labels.js';
import { getErrorMessage } from '../errors.js';
import { IssueThread } from '../github/thread.js';
import { fold, type RunState } from '../protocol/fold.js';
import { findChecklist, isBehind, renderChecklist, shouldEdit } from '../protocol/checklist.js';
import { isTrusted, makeTrust, type Trust } from '../protocol/thread-comment.js';
import { summarizedRun } from '../protocol/summarized-run.js';
import { renderSummary, summarize, SUMMARY_MARKER, type RunSummary } from './run-summary.js';
import { integrationPlan, type IntegrationPlan } from '../delivery/integration-plan.js';
import { integrationSummary } from '../delivery/integration-body.js';
import type { Integration } from '../delivery/issue-branch.js';
import type { CiResult } from '../delivery/ci-wait.js';

export { ACTIONS_BOT, actionIdentity } from '../github/identity.js';

export interface AggregateResult {
  summary: RunSummary;
  markdown: string;
  commentId: number;
  metricsFile: string;
  /** The issue's one pull request, when the run makes one (create-pr: issue). */
  integration?: Integration;
}

/** The issue's pull request: built from the plan (issue-branch.ts) as the action's identity, then its CI. */
export interface Integrate {
  /** Undefined when there is nothing to build; throws why it cannot be built. */
  build(
    plan: IntegrationPlan,
    author: { login: string; id: number },
    state: RunState,
  ): Promise<Integration | undefined>;
  /** The pull request's CI once it settles; undefined when there is nothing to wait for. */
  awaitCi(
    integration: Integration,
    author: { login: string; id: number },
    state: RunState,
  ): Promise<CiResult | undefined>;
  /** The checkout's git config the node's own again after the agent's last run (its scratch removed). */
  finish?(): Promise<void>;
  /** The spend messages of the summary job's agent: what it spent, for the summary's cost. */
  agentSpends?(): number[];
}

/** The trigger label, and the labels that replace it when every task completed (`done`) or not (`failed`). */
export interface OutcomeLabels {
  trigger: string;
  done: string;
  failed: string;
}

/** `done` only when there was a plan and every task of it completed; `failed` otherwise (a stop, a budget...). */
export function outcomeLabel(summary: RunSummary, labels: OutcomeLabels): string {
  const { completed, total } = summary.totals;
  return summary.planningError === undefined && total > 0 && completed === total
    ? labels.done
    : labels.failed;
}

/** The outcome label on, the trigger label and the other outcome's label off; a failure is only a warning. */
async function labelOutcome(
  client: GitHubClient,
  issueNumber: number,
  summary: RunSummary,
  labels: OutcomeLabels,
  log: Logger,
): Promise<void> {
  const add = outcomeLabel(summary, labels);
  const other = add === labels.done ? labels.failed : labels.done;
  try {
    const { removed } = await relabel(client, issueNumber, { add, remove: [labels.trigger, other] });
    log.info(`labelled #${issueNumber} ${add}${removed.length > 0 ? `, removed ${removed.join(', ')}` : ''}`);
  } catch (error) {
    log.warning(`could not set the outcome label of #${issueNumber}: ${getErrorMessage(error)}`);
  }
}

/** The live checklist as the run ended: the nodes may have left before their last change showed. */
async function finalChecklist(
  thread: IssueThread,
  state: RunState,
  trust: Trust,
  now: number,
  log: Logger,
  extra: string[] = [],
): Promise<void> {
  const found = findChecklist(thread.all(), trust, state.run);
  if (!found) return;
  const next = renderChecklist({ state, now, extra });
  // (The lines on the issue's pull request are new even when every task shows as it did.)
  const moved =
    shouldEdit(found.shown, next.shown) || (extra.length > 0 && !isBehind(found.shown, next.shown));
  if (next.body === found.comment.body || !moved) return;
  try {
    await thread.edit(found.comment.id, next.body);
  } catch (error) {
    log.warning(`could not bring the checklist up to date: ${getErrorMessage(error)}`);
  }
}

export async function runAggregate(
  client: GitHubClient,
  options: Parameters<typeof aggregate>[1],
): Promise<AggregateResult> {
  try {
    return await aggregate(client, options);
  } finally {
    // The checkout's git config the node's own again, whatever the summary job's agent did to it.
    await options.integrate?.finish?.();
  }
}

async function aggregate(
  client: GitHubClient,
  options: {
    issueNumber: number;
    run: string;
    trustedAuthors: string[];
    metricsFile: string;
    log: Logger;
    /** Absent: the issue's labels are left as they are. */
    labels?: OutcomeLabels;
    /** Absent: no pull request for the issue (each task has its own, or none). */
    integrate?: Integrate;
  },
): Promise<AggregateResult> {
  const identity = await actionIdentity(client);
  const trust: Trust = makeTrust(identity, options.trustedAuthors);
  const thread = new IssueThread(client, options.issueNumber);
  await thread.refresh();
  const [runId, attempt] = options.run.split('.');
  const run = summarizedRun(thread.all(), trust, runId!, Number(attempt));
  if (run !== options.run)
    options.log.info(
      `summing up run ${run}, the latest attempt of this workflow run its nodes wrote on the issue (this job is attempt ${options.run})`,
    );
  const folded = fold(thread.all(), { run, trust });
  const { integration, lines } = await integrateRun(folded, identity, options);
  const again = { thread, run, trust, client, options };
  // (The agent may have merged: what it spent is on the thread since.)
  let { state, summary } = await withAgentSpend(
    { state: folded, summary: summarize(folded, client.clock.now()) },
    again,
  );
  const render = (extra: string[]): string =>
    [renderSummary(summary), ...(extra.length ? ['', ...extra] : [])].join('\n');
  let markdown = render(lines);
  const existing = thread.all().find((c) => c.body.includes(SUMMARY_MARKER(run)) && isTrusted(trust, c.user));
  const write = (text: string, id = existing?.id) =>
    id
      ? thread.edit(id, `${SUMMARY_MARKER(run)}\n${text}\n`)
      : thread.post(`${SUMMARY_MARKER(run)}\n${text}\n`);
  const comment = await write(markdown);
  options.log.info(`${existing ? 'updated' : 'posted'} the run summary in comment ${comment.id}`);
  await finalChecklist(thread, state, trust, client.clock.now(), options.log, lines);
  if (options.labels) await labelOutcome(client, options.issueNumber, summary, options.labels, options.log);
  await writeMetrics(summary, client, options);
  // The summary is out before the wait for CI: a job stopped while it waits still leaves it.
  const ci = integration ? await ciOf(integration, identity, state, options) : undefined;
  if (integration && ci) {
    integration.ci = ci;
    const before = summary;
    ({ state, summary } = await withAgentSpend({ state, summary }, again));
    if (summary !== before) await writeMetrics(summary, client, options);
    const withCi = integrationSummary(integration);
    markdown = render(withCi);
    await finalChecklist(thread, state, trust, client.clock.now(), options.log, withCi);
    await write(markdown, comment.id).catch((error: unknown) =>
      options.log.warning(`could not add the pull request's CI to the summary: ${getErrorMessage(error)}`),
    );
  }
  return {
    summary,
    markdown,
    commentId: comment.id,
    metricsFile: options.metricsFile,
    ...(integration ? { integration } : {}),
  };
}

/** The metrics file the dashboard reads: the summary, the issue and when. */
async function writeMetrics(
  summary: RunSummary,
  client: GitHubClient,
  options: { issueNumber: number; metricsFile: string },
): Promise<void> {
  await mkdir(path.dirname(options.metricsFile), { recursive: true });
  await writeFile(
    options.metricsFile,
    JSON.stringify(
      { ...summary, issue: options.issueNumber, generatedAt: new Date(client.clock.now()).toISOString() },
      null,
      2,
    ),
  );
}

/**
 * The summary again once the summary job's agent ran (a merge, a fix round): what it spent is then on the
 * thread, in its spend messages, and counts in the run's cost. Unchanged when it did not run, or the thread
 * cannot be read (said in the log).
 */
async function withAgentSpend(
  now: { state: RunState; summary: RunSummary },
  o: {
    thread: IssueThread;
    run: string;
    trust: Trust;
    client: GitHubClient;
    options: { integrate?: Integrate; log: Logger };
  },
): Promise<{ state: RunState; summary: RunSummary }> {
  const spends = o.options.integrate?.agentSpends?.() ?? [];
  if (spends.length === 0) return now;
  try {
    await o.thread.refresh();
    // Each read on its own too: a listing can lag behind the edit that recorded what the agent spent.
    for (const id of spends)
      await o.thread
        .reload(id)
        .catch((error: unknown) =>
          o.options.log.warning(`could not read spend comment ${id} again: ${getErrorMessage(error)}`),
        );
    const state = fold(o.thread.all(), { run: o.run, trust: o.trust });
    return { state, summary: summarize(state, o.client.clock.now()) };
  } catch (error) {
    o.options.log.warning(`could not read what the summary job's agent spent: ${getErrorMessage(error)}`);
    return now;
  }
}

/** The pull request's CI; a failure to read it is said in the log, and the summary stays as it was. */
async function ciOf(
  integration: Integration,
  identity: { login: string; id: number },
  state: RunState,
  options: { integrate?: Integrate; log: Logger },
): Promise<CiResult | undefined> {
  try {
    return await options.integrate?.awaitCi(integration, identity, state);
  } catch (error) {
    options.log.warning(`could not read the pull request's CI: ${getErrorMessage(error)}`);
    return undefined;
  }
}

/** The issue's pull request, before the summary that links it; a failure is said in the summary, not thrown. */
async function integrateRun(
  state: RunState,
  identity: { login: string; id: number },
  options: { integrate?: Integrate; log: Logger },
): Promise<{ integration?: Integration; lines: string[] }> {
  if (!options.integrate || !state.plan) return { lines: [] };
  try {
    const integration = await options.integrate.build(integrationPlan(state), identity, state);
    if (!integration) return { lines: [] };
    if (integration.pr) options.log.info(`the issue's pull request: ${integration.pr}`);
    return { integration, lines: integrationSummary(integration) };
  } catch (error) {
    const why = getErrorMessage(error);
    options.log.warning(`could not make the issue's pull request: ${why}`);
    return { lines: integrationSummary(undefined, why) };
  }
}
