// mode: trigger on a `/p2p-dev approve …` or `/p2p-dev changes …` comment: relay the verdict to the run in
// progress on the issue, as soon as it is written (idle nodes would relay it at their next reading,
// review-watch.ts). Checked as the nodes check it: the author needs write permission, and a task the verdict
// is for must be awaiting a review in the run of the latest stop beacon (review-requests.ts).
import type { GitHubClient, Logger } from '../github/client.js';
import { fold } from '../protocol/fold.js';
import { reviewTargets } from '../protocol/review-requests.js';
import { reviewBody } from '../node/loop/message-bodies.js';
import type { ReviewAsked } from './decide-start.js';
import { runOnIssue } from './run-on-issue.js';

export type ReviewRelayOutcome = 'relayed' | 'refused' | 'no-run' | 'not-awaiting';

export async function relayReview(
  client: GitHubClient,
  asked: ReviewAsked,
  log: Logger,
): Promise<ReviewRelayOutcome> {
  const opened = await runOnIssue(client, asked, log, {
    request: 'the verdict of',
    takes: 'reviewing',
    noRun: '',
  });
  if (typeof opened === 'string') return opened;
  const { thread, trust, comments, found } = opened;
  const state = fold(comments, { run: found.beacon.run, trust });
  const already = state.entries.some(
    (e) =>
      e.status === 'accepted' && e.message?.type === 'review' && e.message.comment_id === asked.commentId,
  );
  if (already) return 'relayed';
  const targets = reviewTargets(state, client.clock.now(), asked);
  if ('refused' in targets) {
    log.info(`not relaying the verdict in comment ${asked.commentId}: ${targets.refused}`);
    return 'not-awaiting';
  }
  const relay = { run: found.beacon.run, nodeId: `relay-${client.owner}-${asked.commentId}` };
  for (const task of targets.tasks) {
    log.info(`👀 relaying the verdict of ${asked.login} on ${task} (comment ${asked.commentId})`);
    await thread.post(reviewBody(relay, asked, task, targets.comments));
  }
  return 'relayed';
}
