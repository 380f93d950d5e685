// What a relay from the check-trigger job starts with (relay-stop.ts, relay-review.ts): the asker's permission
// checked (write, as the nodes check it), the issue's thread read whole, and the run of its latest stop beacon.
import type { GitHubClient, Logger } from '../github/client.js';
import { canStart, permissionOf } from '../github/permission.js';
import { actionIdentity } from '../github/identity.js';
import { IssueThread } from '../github/thread.js';
import { isTrusted, makeTrust, type ThreadComment, type Trust } from '../protocol/thread-comment.js';
import { readBeacon, type Beacon } from '../protocol/stop-beacon.js';
import type { StopAsked } from './decide-start.js';

/** The latest run's beacon on the thread, by the action's identity. */
export function latestBeacon(
  comments: readonly ThreadComment[],
  trust: Trust,
): { comment: ThreadComment; beacon: Beacon } | undefined {
  for (let i = comments.length - 1; i >= 0; i--) {
    const comment = comments[i]!;
    if (!isTrusted(trust, comment.user)) continue;
    const beacon = readBeacon(comment.body);
    if (beacon) return { comment, beacon };
  }
  return undefined;
}

export interface RunOnIssue {
  thread: IssueThread;
  trust: Trust;
  comments: ThreadComment[];
  found: { comment: ThreadComment; beacon: Beacon };
}

/**
 * The run a person's request is for, or why there is none to relay it to: `refused` (they may not write),
 * `no-run` (no beacon). `request` names what was asked ("the stop asked by", "the verdict of"), `takes` what
 * it takes write permission for, and `noRun` what the log says without a run.
 */
export async function runOnIssue(
  client: GitHubClient,
  asked: StopAsked,
  log: Logger,
  words: { request: string; takes: string; noRun: string },
): Promise<RunOnIssue | 'refused' | 'no-run'> {
  const permission = await permissionOf(client, asked.login);
  if (!canStart(permission)) {
    log.info(
      `not relaying ${words.request} ${asked.login} in comment ${asked.commentId}: their permission is ${permission}, and ${words.takes} takes write`,
    );
    return 'refused';
  }
  const thread = new IssueThread(client, asked.issueNumber);
  await thread.refresh(true);
  const trust = makeTrust(await actionIdentity(client));
  const comments = thread.all();
  const found = latestBeacon(comments, trust);
  if (!found) {
    log.info(`no run in progress on #${asked.issueNumber}${words.noRun} (no stop beacon on the issue)`);
    return 'no-run';
  }
  return { thread, trust, comments, found };
}
