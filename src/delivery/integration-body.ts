// The words of the issue's one pull request (issue-branch.ts): its body, which lists each task merged with its
// commits, its check and its cost, and what was left out and why; and the lines the run's summary gains.
// It closes the issue only when every task completed and was merged: otherwise merging it would close an issue
// whose work is not all there.
import type { Integration, MergedTask } from './issue-branch.js';
import { formatUsage } from '../protocol/usage.js';
import { formatDiff } from '../protocol/diff-text.js';
import type { Check } from '../protocol/messages.js';
import type { CiResult } from './ci-wait.js';

/**
 * Text from a task or a commit in a table cell: no `|` or line break that would end the cell, no HTML, and no
 * `#12` that GitHub would link (or close, after a "fixes") when the pull request is merged.
 */
const cell = (text: string, max = 200): string =>
  text
    .replace(/\|/g, '/')
    .replace(/\s+/g, ' ')
    .replace(/</g, '&lt;')
    .replace(/#(\d)/g, '#\u2060$1')
    .trim()
    .slice(0, max);

function checkText(check: Check | undefined): string {
  if (!check) return '';
  const rounds = check.fix_rounds > 0 ? ` after ${check.fix_rounds} fix round(s)` : '';
  return `\`${cell(check.command, 80)}\` ${check.passed ? 'passed' : 'failed'}${rounds}`;
}

/** "merged by the agent (it conflicted with task-1), $0.12": how a conflicting task got in. */
export function agentMergeText(m: MergedTask): string {
  const a = m.agentMerge;
  if (!a) return '';
  const cost = formatUsage(a.usage);
  return (
    `merged by the agent (it conflicted with ${a.with.join(', ') || 'the tasks merged before it'})` +
    (a.reused ? ', its merge from an earlier run' : cost ? `, ${cost}` : '')
  );
}

/** Whether merging the pull request finishes the issue: every task completed and is in it. */
export function closesIssue(i: Integration): boolean {
  return i.plan.notCompleted.length === 0 && i.notMerged.length === 0 && i.merged.length > 0;
}

export function integrationBody(issue: number, i: Integration): string {
  const lines: string[] = [
    closesIssue(i)
      ? `Closes #${issue}: every task of the issue, merged in the order they build on each other.`
      : `Part of #${issue}: the tasks below are merged; the ones left out are listed at the end. Merging this does not close the issue.`,
    '',
    '| task | commits | changes | check | agent cost |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const m of i.merged) {
    const commits = m.commits.length
      ? m.commits
          .slice(0, 10)
          .map((c) => `\`${c.sha}\` ${cell(c.subject, 80)}`)
          .join('<br>') + (m.commits.length > 10 ? `<br>… ${m.commits.length - 10} more` : '')
      : 'none of its own';
    const how = [
      ...(m.deps.length ? [`builds on ${m.deps.join(', ')}`] : []),
      ...(m.agentMerge ? [cell(agentMergeText(m))] : []),
    ];
    lines.push(
      `| \`${m.task.id}\`: ${cell(m.task.title)}${how.length ? ` (${how.join('; ')})` : ''} | ${commits} | ${m.diff ? formatDiff(m.diff) : ''} | ${checkText(m.check)} | ${cell(formatUsage(m.usage))} |`,
    );
  }
  const left = [
    ...i.notMerged.map(
      (n) =>
        `- \`${n.task.id}\` (${cell(n.task.title)}): not merged, ${cell(n.why, 500)}; its branch \`${n.branch}\` is kept for a person.`,
    ),
    ...i.plan.notCompleted.map((n) => `- \`${n.task.id}\` (${cell(n.task.title)}): ${cell(n.why, 500)}.`),
  ];
  if (i.plan.unchanged.length)
    lines.push('', `Completed with no changes: ${i.plan.unchanged.map((t) => `\`${t.id}\``).join(', ')}.`);
  if (left.length) lines.push('', '**Left out**', '', ...left);
  lines.push(
    '',
    `Made by p2p-dev from the task branches \`p2p/issue-${issue}/<task>\`; a re-run rebuilds this branch.`,
  );
  return lines.join('\n').slice(0, 60_000);
}

/** The summary's lines on the issue's pull request. */
export function integrationSummary(i: Integration | undefined, error?: string): string[] {
  if (error) return [`**Pull request for the issue:** not made: ${cell(error, 500)}`];
  if (!i) return [];
  if (i.merged.length === 0)
    return [
      i.notMerged.length > 0
        ? '**Pull request for the issue:** none, no task branch could be merged:'
        : '**Pull request for the issue:** none, no completed task changed any file.',
      ...i.notMerged.map((n) => `- \`${n.task.id}\` not merged: ${cell(n.why, 500)}.`),
    ];
  const where = i.pr ?? `branch \`${i.branch}\` (no pull request: ${cell(i.prError ?? 'unknown', 300)})`;
  const verb = i.pr ? (i.updated ? 'updated' : 'opened') : 'pushed';
  const lines = [
    `**Pull request for the issue:** ${where}, ${verb} with ${i.merged.length} task(s) merged into \`${i.branch}\`${closesIssue(i) ? '; merging it closes the issue' : ''}.`,
  ];
  for (const m of i.merged)
    if (m.agentMerge) lines.push(`- \`${m.task.id}\` ${cell(agentMergeText(m), 300)}.`);
  for (const n of i.notMerged) lines.push(`- \`${n.task.id}\` not merged: ${cell(n.why, 500)}.`);
  if (i.ci) lines.push(ciLine(i.ci, i.ciFix));
  return lines;
}

/** The pull request's CI, in a line of the summary. */
export function ciLine(ci: CiResult, fix?: { rounds: number; error?: string }): string {
  const rounds = fix && fix.rounds > 0 ? ` after ${fix.rounds} fix round(s) by the agent` : '';
  const stopped = fix?.error ? ` The agent could not fix it: ${cell(fix.error, 300)}.` : '';
  return ciState(ci, rounds) + stopped;
}

function ciState(ci: CiResult, rounds: string): string {
  const mins = (ms: number): string => `${Math.max(1, Math.round(ms / 60_000))} min`;
  switch (ci.state) {
    case 'not-run':
      return `**Its CI:** not run: ${cell(ci.why, 500)}.`;
    case 'unreadable':
      return `**Its CI:** could not be read: ${cell(ci.why, 300)} (the token needs checks: read and statuses: read).`;
    case 'none':
      return `**Its CI:** no check or status was reported for its head commit within ${mins(ci.waitedMs)}.`;
    case 'passing':
      return `**Its CI:** ✅ passing${rounds} (${ci.verdict.total} check(s)).`;
    case 'failing':
      return `**Its CI:** ❌ failing${rounds}: ${ci.verdict.failing.map((f) => `${cell(f.name, 80)} (${cell(f.summary, 200)})`).join('; ')}.`;
    case 'timed-out':
      return `**Its CI:** still running after ${mins(ci.waitedMs)} (ci-timeout-min): ${ci.verdict.pending.map((p) => cell(p, 80)).join(', ') || 'no check had started'}.`;
  }
}
