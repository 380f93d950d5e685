// Whether the aggregate job makes the issue's one pull request (create-pr: issue), and with what: the
// workspace's checkout (its origin holds the task branches), the token, the base branch and the issue's title.
import type { GitHubClient, Logger } from '../github/client.js';
import { IssueThread } from '../github/thread.js';
import { deliveryBlocker } from '../delivery/task-branch.js';
import { integrateIssue, type Integration } from '../delivery/issue-branch.js';
import { CommitCi } from '../github/checks.js';
import { startsNoWorkflows, waitForCi, type CiResult } from '../delivery/ci-wait.js';
import type { Integrate } from './run-aggregate.js';

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
    sleep: (ms: number) => Promise<void>;
    log: Logger;
  },
): Promise<Integrate | undefined> {
  if (o.mode !== 'issue') return undefined;
  const blocker = await deliveryBlocker(o.workspace);
  if (blocker) {
    o.log.warning(
      `no pull request for the issue: ${blocker} (the aggregate job needs the repository checked out, and contents: write and pull-requests: write)`,
    );
    return undefined;
  }
  return async (plan, author) => {
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
    });
    const ci = await pullRequestCi(client, integration, author, o);
    return ci ? { ...integration, ci } : integration;
  };
}

/** The CI of the pull request's head commit, once it settles; undefined when there is nothing to wait for. */
async function pullRequestCi(
  client: GitHubClient,
  integration: Integration,
  author: { login: string },
  o: { ciTimeoutMs: number; sleep: (ms: number) => Promise<void>; log: Logger },
): Promise<CiResult | undefined> {
  if (!integration.commit || !integration.pr || o.ciTimeoutMs <= 0) return undefined;
  if (startsNoWorkflows(author.login))
    return {
      state: 'not-run',
      why: `pushes made with GITHUB_TOKEN (${author.login}) start no workflow, so the pull request's CI does not run until someone pushes to it or re-runs it; give the run a GitHub App token (README: "CI on the pull request") for it to run`,
    };
  o.log.info(
    `waiting up to ${Math.round(o.ciTimeoutMs / 60_000)} min for the CI of ${integration.commit.slice(0, 7)}`,
  );
  return waitForCi(new CommitCi(client, integration.commit), {
    timeoutMs: o.ciTimeoutMs,
    now: () => client.clock.now(),
    sleep: o.sleep,
    log: o.log,
  });
}
