// How much a task changed, in words: for the summary, the pull request's body, the checklist and the dashboard.
import type { Diff } from './messages.js';

/** "3 files +40 −2, 1 of them tests" */
export function formatDiff(d: Diff): string {
  return (
    `${d.files} file${d.files === 1 ? '' : 's'} +${d.added} −${d.removed}` +
    (d.tests > 0
      ? `, ${d.tests === d.files ? (d.files === 1 ? 'a test' : 'all tests') : `${d.tests} of them tests`}`
      : '')
  );
}
