// With create-pr issue, a task that asked for a person's review had a pull request of its own to be reviewed
// on. Once the one pull request holds the task's work, that pull request has done its part: the
// summary job closes it, its body pointing to the pull request first (two requests each: its body is
// read, then the pull request closed; only for the tasks that asked for a review, and only pull requests the
// action itself opened).
import type { GitHubClient, Logger } from '../github/client.js';
import { closePullRequest } from '../github/pulls.js';
import type { Integration } from '../delivery/issue-branch.js';
import type { RunState } from '../protocol/fold.js';
import { pullNumber } from '../protocol/pull-review-verdicts.js';
import { getErrorMessage } from '../errors.js';

/** The review pull requests of the tasks the pull request holds: task and pull request number. */
export function reviewPullsHeld(state: RunState, integration: Integration): { task: string; pull: number }[] {
  if (!integration.prNumber) return [];
  return integration.merged.flatMap(({ task }) => {
    const record = state.tasks.get(task.id);
    if (record?.task.review !== 'required') return [];
    const done = record.attempts.find((a) => a.outcome === 'completed' && !a.closing);
    const pull = pullNumber(done?.result?.pr);
    return pull !== undefined && pull !== integration.prNumber ? [{ task: task.id, pull }] : [];
  });
}

export async function closeReviewPulls(
  client: GitHubClient,
  state: RunState,
  integration: Integration,
  author: { id: number },
  log: Logger,
): Promise<void> {
  for (const { task, pull } of reviewPullsHeld(state, integration)) {
    try {
      const closed = await closePullRequest(
        client,
        pull,
        author,
        `This pull request was opened for reviewing task \`${task}\` on its own. Its work is now in the issue's pull request, ${integration.pr}, which is the one to merge.`,
      );
      if (closed)
        log.info(`closed pull request #${pull}, opened to review ${task}: its work is in ${integration.pr}`);
      else log.info(`left pull request #${pull} (${task}) open: someone else opened it`);
    } catch (error) {
      log.warning(`could not close pull request #${pull} (${task}'s review): ${getErrorMessage(error)}`);
    }
  }
}
