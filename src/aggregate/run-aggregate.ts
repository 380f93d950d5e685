// mode: aggregate — read the thread, fold it, and post the run's summary on the issue (a re-run edits the
// same comment), plus a metrics file for the dashboard.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GitHubClient, Logger } from '../github/client.js';
import { actionIdentity } from '../github/identity.js';
import { IssueThread } from '../github/thread.js';
import { fold } from '../protocol/fold.js';
import { isTrusted, makeTrust, type Trust } from '../protocol/thread-comment.js';
import { renderSummary, summarize, SUMMARY_MARKER, type RunSummary } from './run-summary.js';

export { ACTIONS_BOT, actionIdentity } from '../github/identity.js';

export interface AggregateResult {
  summary: RunSummary;
  markdown: string;
  commentId: number;
  metricsFile: string;
}

export async function runAggregate(
  client: GitHubClient,
  options: { issueNumber: number; run: string; trustedAuthors: string[]; metricsFile: string; log: Logger },
): Promise<AggregateResult> {
  const identity = await actionIdentity(client);
  const trust: Trust = makeTrust(identity, options.trustedAuthors);
  const thread = new IssueThread(client, options.issueNumber);
  await thread.refresh();
  const state = fold(thread.all(), { run: options.run, trust });
  const summary = summarize(state, client.clock.now());
  const markdown = renderSummary(summary);
  const body = `${SUMMARY_MARKER(options.run)}\n${markdown}\n`;
  const existing = thread
    .all()
    .find((c) => c.body.includes(SUMMARY_MARKER(options.run)) && isTrusted(trust, c.user));
  const comment = existing ? await thread.edit(existing.id, body) : await thread.post(body);
  options.log.info(`${existing ? 'updated' : 'posted'} the run summary in comment ${comment.id}`);
  await mkdir(path.dirname(options.metricsFile), { recursive: true });
  await writeFile(
    options.metricsFile,
    JSON.stringify(
      { ...summary, issue: options.issueNumber, generatedAt: new Date(client.clock.now()).toISOString() },
      null,
      2,
    ),
  );
  return { summary, markdown, commentId: comment.id, metricsFile: options.metricsFile };
}
