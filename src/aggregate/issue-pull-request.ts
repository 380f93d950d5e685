// Whether the aggregate job makes the issue's one pull request (create-pr: issue), and with what: the
// workspace's checkout (its origin holds the task branches), the token, the base branch and the issue's title.
import type { GitHubClient, Logger } from '../github/client.js';
import { IssueThread } from '../github/thread.js';
import { deliveryBlocker } from '../delivery/task-branch.js';
import { integrateIssue } from '../delivery/issue-branch.js';
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
    return integrateIssue(plan, {
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
  };
}
