// The prompt an agent is given for one task: the issue (sanitised), the task, and what the tasks it depends
// on produced.
import type { IssueInfo } from '../github/thread.js';
import type { RunState } from '../protocol/fold.js';
import type { Task } from '../protocol/messages.js';
import { sanitizeText } from '../sanitize.js';

export function buildPrompt(issue: IssueInfo, task: Task, state: RunState, attempt: number): string {
  const deps = task.depends_on.map((id) => {
    const record = state.tasks.get(id);
    const done = record?.attempts.find((a) => a.outcome === 'completed');
    const lines = [`### ${id}: ${record ? sanitizeText(record.task.title) : '(unknown)'}`];
    if (done?.result?.pr) lines.push(`Pull request: ${done.result.pr}`);
    if (done?.result?.branch) lines.push(`Branch: ${done.result.branch}`);
    if (done?.result?.output_tail)
      lines.push('Agent output (end):', '', sanitizeText(done.result.output_tail));
    return lines.join('\n');
  });
  return [
    `You are working on one task of GitHub issue #${issue.number} in this repository.`,
    `Make the changes the task asks for in the working directory. Do not commit or push: that is done for you.`,
    attempt > 1 ? `This is attempt ${attempt}: an earlier attempt did not finish.` : '',
    '',
    `## Your task: ${task.id} — ${sanitizeText(task.title)}`,
    `Priority: ${task.priority}${task.est ? ` · estimate: ${task.est}` : ''}`,
    '',
    sanitizeText(task.body) || '(no further description)',
    '',
    deps.length > 0 ? `## What the tasks it depends on produced\n\n${deps.join('\n\n')}\n` : '',
    `## The issue: ${sanitizeText(issue.title)}`,
    '',
    sanitizeText(issue.body) || '(empty)',
    '',
  ]
    .filter((line, i, all) => !(line === '' && all[i - 1] === ''))
    .join('\n');
}
