// Whether the aggregate job makes the issue's one pull request (create-pr: issue), and with what: the
// workspace's checkout (its origin holds the task branches), the token, the base branch and the issue's title.
import type { GitHubClient, Logger } from '../github/client.js';
import { IssueThread } from '../github/thread.js';
import { deliveryBlocker } from '../delivery/task-branch.js';
import { integrateIssue, type Integration } from '../delivery/issue-branch.js';
import { CommitCi } from '../github/checks.js';
import { startsNoWorkflows, waitForCi, type CiResult } from '../delivery/ci-wait.js';
import type { Integrate } from './run-aggregate.js';
import type { IntegrationPlan } from '../delivery/integration-plan.js';
import type { RunState } from '../protocol/fold.js';
import type { NodeConfig } from '../node/loop/node-config.js';
import { getErrorMessage } from '../errors.js';
import { fixCi } from './ci-fix.js';
import { AggregateAgent, lazyAgent } from './aggregate-agent.js';
import { mergeResolver } from './merge-agent.js';
import { closeReviewPulls } from './review-pulls.js';

/**
 * The summary job's agent: ci-fix-attempts, and the agent's settings made when the agent is first needed (its
 * CLI installed then), for a merge that conflicts or a fix round. Absent (ci-fix-attempts: 0): neither.
 */
export interface CiFixSetup {
  attempts: number;
  prepare(): Promise<NodeConfig>;
}

export async function issuePullRequest(
  client: GitHubClient,
  o: {
    mode: 'issue' | 'task' | 'none';
    workspace: string;
    issueNumber: number;
    token: string;
    draft: boolean;
    baseBranch?: string | undefined;
    gitTimeoutMs?: number;
    /** How long to wait for the pull request's CI; 0: not at all. */
    ciTimeoutMs: number;
    /** Sending the agent back while the CI fails (ci-fix-attempts); absent: not at all. */
    ciFix?: CiFixSetup;
    sleep: (ms: number) => Promise<void>;
    log: Logger;
  },
): Promise<Integrate | undefined> {
  if (o.mode !== 'issue') return undefined;
  const blocker = await deliveryBlocker(o.workspace);
  // Opened once, at the first conflict or the first failing CI, whichever comes first; shared by both.
  let agent: ReturnType<typeof lazyAgent> | undefined;
  const agentFor = (author: { login: string; id: number }, state: RunState) =>
    o.ciFix
      ? (agent ??= lazyAgent(() =>
          AggregateAgent.open(o.ciFix!.prepare, {
            client,
            token: o.token,
            author,
            ...(o.baseBranch ? { baseBranch: o.baseBranch } : {}),
            sleep: o.sleep,
            log: o.log,
            state,
          }),
        ))
      : undefined;
  return {
    build: async (plan, author, state) => {
      const integration = await build(client, o, blocker, plan, author, agentFor(author, state));
      if (integration) await closeReviewPulls(client, state, integration, author, o.log);
      return integration;
    },
    awaitCi: (integration, author, state) =>
      pullRequestCi(client, integration, author, { ...o, agent: agentFor(author, state) }),
    finish: () => agent?.close() ?? Promise.resolve(),
    agentSpends: () => agent?.spendComments() ?? [],
  };
}

async function build(
  client: GitHubClient,
  o: Parameters<typeof issuePullRequest>[1],
  blocker: string | undefined,
  plan: IntegrationPlan,
  author: { login: string; id: number },
  agent: ReturnType<typeof lazyAgent> | undefined,
): Promise<Integration | undefined> {
  // No completed task changed a file (or the nodes had no checkout to deliver from): nothing to merge.
  if (plan.merge.length === 0) return undefined;
  // Said in the summary: with create-pr issue the default, a workflow without a checkout in this job would
  // otherwise end with no pull request and no word why.
  if (blocker)
    throw new Error(
      `${blocker}; the aggregate job needs the repository checked out, with contents: write and pull-requests: write`,
    );
  {
    const { title } = await new IssueThread(client, o.issueNumber).issue();
    const integration = await integrateIssue(plan, {
      workspace: o.workspace,
      issueNumber: o.issueNumber,
      issueTitle: title,
      ...(o.baseBranch ? { baseBranch: o.baseBranch } : {}),
      draft: o.draft,
      token: o.token,
      author,
      client,
      sleep: o.sleep,
      log: o.log,
      ...(o.gitTimeoutMs ? { gitTimeoutMs: o.gitTimeoutMs } : {}),
      ...(agent ? { resolver: mergeResolver(agent.get) } : {}),
    });
    return integration;
  }
}

/** The CI of the pull request's head commit, once it settles; undefined when there is nothing to wait for. */
async function pullRequestCi(
  client: GitHubClient,
  integration: Integration,
  author: { login: string; id: number },
  o: Parameters<typeof issuePullRequest>[1] & { agent: ReturnType<typeof lazyAgent> | undefined },
): Promise<CiResult | undefined> {
  if (!integration.commit || !integration.pr || o.ciTimeoutMs <= 0) return undefined;
  if (startsNoWorkflows(author.login))
    return {
      state: 'not-run',
      why: `pushes made with GITHUB_TOKEN (${author.login}) start no workflow, so the pull request's CI does not run until someone pushes to it or re-runs it; give the run a GitHub App token (README: "CI on the pull request") for it to run`,
    };
  const waitCi = (sha: string): Promise<CiResult> => {
    o.log.info(`waiting up to ${Math.round(o.ciTimeoutMs / 60_000)} min for the CI of ${sha.slice(0, 7)}`);
    return waitForCi(new CommitCi(client, sha), {
      timeoutMs: o.ciTimeoutMs,
      now: () => client.clock.now(),
      sleep: o.sleep,
      log: o.log,
    });
  };
  const first = await waitCi(integration.commit);
  if (first.state !== 'failing' || !o.ciFix || !o.agent || o.ciFix.attempts <= 0) return first;
  // The agent sent back to the issue's branch while its CI fails (ci-fix.ts), on what the merges left.
  try {
    const fixed = await fixCi(integration, first, {
      agent: await o.agent.get(),
      log: o.log,
      attempts: o.ciFix.attempts,
      waitCi,
    });
    integration.ciFix = { rounds: fixed.rounds, ...(fixed.error ? { error: fixed.error } : {}) };
    return fixed.ci;
  } catch (error) {
    integration.ciFix = { rounds: 0, error: getErrorMessage(error) };
    return first;
  }
}
