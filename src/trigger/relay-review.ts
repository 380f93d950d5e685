// mode: trigger on a `/p2p-dev approve …` or `/p2p-dev changes …` comment: relay the verdict to the run in
// progress on the issue, as soon as it is written (idle nodes would relay it at their next reading,
// review-watch.ts). Checked as the nodes check it: the author needs write permission, and a task the verdict
// is for must be awaiting a review in the run of the latest stop beacon (review-requests.ts).
import type { GitHubClient, Logger } from '../github/client.js';
import { canStart, permissionOf } from '../github/permission.js';
import { actionIdentity } from '../github/identity.js';
import { IssueThread } from '../github/thread.js';
import { makeTrust } from '../protocol/thread-comment.js';
import { fold } from '../protocol/fold.js';
import { reviewTargets } from '../protocol/review-requests.js';
import { reviewBody } from '../node/loop/message-bodies.js';
import type { ReviewAsked } from './decide-start.js';
import { latestBeacon } from './relay-stop.js';

export type ReviewRelayOutcome = 'relayed' | 'refused' | 'no-run' | 'not-awaiting';

export async function relayReview(
  client: GitHubClient,
  asked: ReviewAsked,
  log: Logger,
): Promise<ReviewRelayOutcome> {
  const permission = await permissionOf(client, asked.login);
  if (!canStart(permission)) {
    log.info(
      `not relaying the verdict of ${asked.login} in comment ${asked.commentId}: their permission is ${permission}, and reviewing takes write`,
    );
    return 'refused';
  }
  const thread = new IssueThread(client, asked.issueNumber);
  await thread.refresh(true);
  const trust = makeTrust(await actionIdentity(client));
  const comments = thread.all();
  const found = latestBeacon(comments, trust);
  if (!found) {
    log.info(`no run in progress on #${asked.issueNumber} (no stop beacon on the issue)`);
    return 'no-run';
  }
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
