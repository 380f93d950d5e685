// mode: trigger — decide whether this event starts a run, check who asked, acknowledge a command comment,
// and hand the matrix to the next job.
import type { GitHubClient, Logger } from '../github/client.js';
import { getErrorMessage } from '../errors.js';
import { matrixOf, type StartRequest } from './decide-start.js';
import { canStart, permissionOf } from '../github/permission.js';
import { untrustedAuthorReason } from '../github/issue-author.js';
import { IssueThread } from '../github/thread.js';
import { reactToComment } from '../github/reactions.js';
import { relayStop } from './relay-stop.js';
import { relayReview } from './relay-review.js';

export interface TriggerOutcome {
  shouldRun: boolean;
  issueNumber?: number;
  instances?: number[];
  reason: string;
}

export async function runTrigger(
  client: GitHubClient,
  request: StartRequest,
  log: Logger,
  allowUntrustedAuthors = false,
  command = '/p2p-dev',
): Promise<TriggerOutcome> {
  if (!request.start) {
    log.info(`no run: ${request.reason}`);
    // A relay that fails fails the step (busy nodes watch only what it writes); idle nodes still see the request.
    if (request.stop) await relayStop(client, request.stop, command, log);
    if (request.review) await relayReview(client, request.review, log);
    return { shouldRun: false, reason: request.reason };
  }
  const permission = await permissionOf(client, request.sender.login);
  if (!canStart(permission)) {
    const reason = `${request.sender.login} has ${permission} permission on ${client.owner}/${client.repo}; starting a run needs write, maintain or admin`;
    log.warning(`run refused: ${reason}`);
    return { shouldRun: false, reason };
  }
  if (!allowUntrustedAuthors) {
    const issue = await new IssueThread(client, request.issueNumber).issue();
    const untrusted = await untrustedAuthorReason(client, issue);
    if (untrusted) {
      log.warning(`run refused: ${untrusted}`);
      return { shouldRun: false, reason: untrusted };
    }
  }
  if (request.commentId !== undefined) {
    try {
      await reactToComment(client, request.commentId, 'rocket');
    } catch (error) {
      log.warning(`could not react to comment ${request.commentId}: ${getErrorMessage(error)}`);
    }
  }
  const reason = `${request.sender.login} (${permission}) starts a run of ${request.instances} node(s) on #${request.issueNumber}`;
  log.info(reason);
  return {
    shouldRun: true,
    issueNumber: request.issueNumber,
    instances: matrixOf(request.instances),
    reason,
  };
}
