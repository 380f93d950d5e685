// mode: trigger on a `/p2p-dev stop` comment: relay it to the run in progress on the issue. The workflow's own
// `issue_comment` event brings the request here, so the nodes need not read people's comments for it: they
// watch the run's stop beacon, a free 304 until it changes. The request is checked as the nodes check it (the
// author needs write permission, the comment must come after the run began), then written as the action's own
// `stop` message for that run, which the fold believes, and the beacon is marked stopped. A node that sees
// the request first (an idle one reading the thread) relays it as well; the fold keeps the first stop.
import type { GitHubClient, Logger } from '../github/client.js';
import { getErrorMessage } from '../errors.js';
import { isTrusted, type ThreadComment, type Trust } from '../protocol/thread-comment.js';
import { beaconBody } from '../protocol/stop-beacon.js';
import { fold } from '../protocol/fold.js';
import { decode } from '../protocol/codec.js';
import { runFinished } from '../protocol/decide.js';
import { runStart } from '../node/watches/stop-watch.js';
import { stopBody } from '../node/loop/message-bodies.js';
import type { StopAsked } from './decide-start.js';
import { runOnIssue } from './run-on-issue.js';

/** What the relay did, for the log and the tests. */
export type RelayOutcome = 'relayed' | 'refused' | 'no-run' | 'already-stopped';

export async function relayStop(
  client: GitHubClient,
  asked: StopAsked,
  command: string,
  log: Logger,
): Promise<RelayOutcome> {
  const opened = await runOnIssue(client, asked, log, {
    request: 'the stop asked by',
    takes: 'stopping a run',
    noRun: ' to stop',
  });
  if (typeof opened === 'string') return opened;
  const { thread, trust, comments, found } = opened;
  const asking = comments.find((c) => c.id === asked.commentId);
  const run = found.beacon.run;
  const state = fold(comments, { run, trust });
  if (state.stopped || found.beacon.stopped) {
    log.info(`run ${run} on #${asked.issueNumber} is stopped already`);
    return 'already-stopped';
  }
  // Over already (its summary may be written): nothing to stop, and its beacon must not say otherwise.
  if (runFinished(state, client.clock.now())) {
    log.info(`run ${run} on #${asked.issueNumber} is over: no run in progress to stop`);
    return 'no-run';
  }
  // Written before the run's first bid: a request for an earlier run (as the nodes judge it, stopRequests).
  const began = runStart(state);
  if (asking && began !== undefined && Date.parse(asking.created_at) < began) {
    log.info(`comment ${asked.commentId} was written before run ${run} began: not relaying it`);
    return 'no-run';
  }
  // A run that came after this beacon's (its bids are out, its plan and beacon not yet) is the one asked
  // about: its nodes are idle or planning, and see the request in their own readings.
  if (laterRun(comments, trust, run, found.comment)) {
    log.info(`a newer run than ${run} has begun on #${asked.issueNumber}: its nodes act on the request`);
    return 'no-run';
  }
  log.warning(`🛑 ${asked.login} asked to stop run ${run} (comment ${asked.commentId}): relaying it`);
  await thread.post(stopBody({ run, nodeId: `relay-${client.owner}-${asked.commentId}` }, asked));
  const stopped = { by: asked.login, comment_id: asked.commentId };
  // Busy nodes watch only the beacon: an edit that does not land (after the client's own retries) fails this
  // step, so that the failure shows; idle nodes still see the stop message in their readings.
  try {
    await thread.edit(found.comment.id, beaconBody({ ...found.beacon, stopped }, command));
  } catch (error) {
    throw new Error(
      `the stop was written, but the stop beacon the busy nodes watch could not be marked: ${getErrorMessage(error)}`,
    );
  }
  return 'relayed';
}

/** Whether a protocol message of another run by the action was written after `after`. */
function laterRun(
  comments: readonly ThreadComment[],
  trust: Trust,
  run: string,
  after: ThreadComment,
): boolean {
  return comments.some((c) => {
    if (c.id <= after.id || !isTrusted(trust, c.user)) return false;
    const d = decode(c.body);
    return d.kind === 'message' && d.message.run !== run;
  });
}
