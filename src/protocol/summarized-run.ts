// Which run the summary job sums up. A run is `<run id>.<attempt>`, and GitHub counts an attempt for every
// re-run, "Re-run failed jobs" too: the summary job re-run alone is attempt 2 while its nodes, which did not
// run again, wrote attempt 1. So the summary is of the latest attempt of this workflow run, up to its own,
// that the action wrote on the thread; its own when none did. Pure.
import { decode } from './codec.js';
import { isTrusted, type ThreadComment, type Trust } from './thread-comment.js';

export function summarizedRun(
  comments: Iterable<ThreadComment>,
  trust: Trust,
  runId: string,
  attempt: number,
): string {
  let latest = 0;
  for (const c of comments) {
    if (!isTrusted(trust, c.user)) continue;
    const d = decode(c.body);
    if (d.kind !== 'message') continue;
    const [id, k] = d.message.run.split('.');
    const n = Number(k);
    if (id === runId && Number.isInteger(n) && n <= attempt && n > latest) latest = n;
  }
  return `${runId}.${latest || attempt}`;
}
