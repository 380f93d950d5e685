// The summary's cells and sentences about what each task delivered: its pull request or branch, how much it
// changed, and the run's changes together (run-summary.ts renders them).
import type { Diff } from '../protocol/messages.js';
import { formatDiff } from '../protocol/diff-text.js';

/** What the cells read of a task's summary (run-summary.ts's Delivery). */
interface Delivery {
  status: string;
  pr?: string;
  branch?: string;
  prError?: string;
  changes?: boolean;
  diff?: Diff;
}

export const cellText = (text: string, max: number): string =>
  text.replace(/\|/g, '/').replace(/\s+/g, ' ').slice(0, max);

/** " Changed: 5 files +120 −8, 2 of them tests." over the completed tasks' work; empty when none is known. */
export function changesSentence(tasks: Delivery[]): string {
  const done = tasks.filter((t) => t.status === 'completed' && t.diff).map((t) => t.diff!);
  if (done.length === 0) return '';
  const sum = (k: keyof Diff): number => done.reduce((n, d) => n + d[k], 0);
  return ` Changed by the completed tasks: ${formatDiff({ files: sum('files'), added: sum('added'), removed: sum('removed'), tests: sum('tests') })}.`;
}

/** What a task delivered: its pull request, else its branch (a failed run's work), else "no changes". */
export function resultCell(t: Delivery): string {
  const where = deliveredCell(t);
  return t.diff && where !== 'no changes' ? `${where} · ${formatDiff(t.diff)}` : where;
}

function deliveredCell(t: Delivery): string {
  if (t.pr) return t.pr;
  if (t.branch)
    return `branch \`${t.branch}\`${t.prError ? ` (no pull request: ${t.prError.replace(/\|/g, '/').replace(/\s+/g, ' ').slice(0, 100)})` : ''}`;
  if (t.changes === false) return 'no changes';
  return '';
}
