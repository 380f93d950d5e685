// The check-trigger job as GitHub starts it for an event: dist/index.js in mode trigger, with the event's
// payload in GITHUB_EVENT_PATH, against the emulator.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNode } from '../../scripts/local-nodes.js';
import type { Scenario } from './scenario.js';

export async function runTriggerJob(
  apiUrl: string,
  eventName: string,
  payload: unknown,
  inputs: Record<string, string> = {},
) {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'p2p-event-')), 'event.json');
  writeFileSync(file, JSON.stringify(payload));
  const job = startNode(1, {
    apiUrl,
    token: 'ghs_bot_token',
    repository: 'octo-org/demo',
    issue: 0,
    instances: 4,
    inputs: { mode: 'trigger', 'issue-number': '', ...inputs },
    env: { GITHUB_EVENT_NAME: eventName, GITHUB_EVENT_PATH: file },
  });
  const { code } = await job.exited;
  return { code, outputs: job.outputs(), log: job.log() };
}

/** The check-trigger job GitHub starts for a new comment on the scenario's issue (by its id). */
export function commentTriggerJob(s: Scenario, commentId: number) {
  const comment = s.server.emulator.listComments(s.issue).find((c) => c.id === commentId)!;
  const user = { login: comment.login, id: comment.userId, type: 'User' };
  return runTriggerJob(s.server.url, 'issue_comment', {
    action: 'created',
    issue: { number: s.issue },
    comment: { id: commentId, body: comment.body, user },
    sender: user,
  });
}

/** A user who shows as a collaborator on the issue but may not write (triage): not enough to stop a run. */
export const TRIAGER = {
  login: 'triager',
  id: 1004,
  token: 'ghp_triager_token',
  permission: 'triage',
} as const;
