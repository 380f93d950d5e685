// The prompt an agent is given for one task: the issue (sanitised), the discussion people had on it before
// the run started, the task, and what the tasks it depends on produced.
import type { IssueInfo } from '../../github/thread.js';
import type { RunState } from '../../protocol/fold.js';
import type { Task } from '../../protocol/messages.js';
import { sanitizeText } from '../../sanitize.js';
import { decode } from '../../protocol/codec.js';
import type { ThreadComment } from '../../protocol/thread-comment.js';

/**
 * People's comments written before the run began (its first election comment): no bots, no protocol
 * messages, nothing added once the run was under way, sanitised, at most `limit` characters (the newest kept).
 */
/** Whose comments reach the agent: people the repository trusts, by GitHub's author_association. */
const TRUSTED_ASSOCIATIONS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);

/** Whether a comment's text may reach the agent at all (people only; trusted ones unless allowUntrusted). */
export function mayReachAgent(c: ThreadComment, allowUntrusted = false): boolean {
  return (
    !!c.user &&
    c.user.type !== 'Bot' &&
    !c.user.login.endsWith('[bot]') &&
    (allowUntrusted || TRUSTED_ASSOCIATIONS.has(c.author_association ?? ''))
  );
}

export function discussionBefore(
  comments: ThreadComment[],
  state: RunState,
  limit = 20_000,
  allowUntrusted = false,
): string {
  const bids = [...state.terms.values()].flatMap((t) => t.bids.map((b) => b.created));
  const start = bids.length > 0 ? Math.min(...bids) : Infinity;
  const parts = comments
    // Without allow-untrusted-authors, text from people without a say in the repository is left out.
    .filter((c) => mayReachAgent(c, allowUntrusted))
    .filter((c) => Date.parse(c.created_at) < start && decode(c.body).kind === 'chatter')
    .sort((a, b) => a.id - b.id)
    .map((c) => `**${c.user!.login}** (${c.created_at}):\n${sanitizeText(c.body)}`)
    .filter((text) => text.trim() !== '');
  let out = parts.join('\n\n');
  if (out.length > limit) out = `… (earlier comments cut)\n${out.slice(out.length - limit)}`;
  return out;
}

export function buildPrompt(
  issue: IssueInfo,
  task: Task,
  state: RunState,
  attempt: number,
  comments: ThreadComment[] = [],
  allowUntrusted = false,
): string {
  const discussion = discussionBefore(comments, state, 20_000, allowUntrusted);
  const deps = task.depends_on.map((id) => {
    const record = state.tasks.get(id);
    const done = record?.attempts.find((a) => a.outcome === 'completed');
    const lines = [`### ${id}: ${record ? sanitizeText(record.task.title) : '(unknown)'}`];
    const earlier = record?.task.completed_in;
    if (earlier) lines.push(`Completed in an earlier run (${earlier.run}).`);
    const pr = done?.result?.pr ?? earlier?.pr;
    const branch = done?.result?.branch ?? earlier?.branch;
    if (pr) lines.push(`Pull request: ${pr}`);
    if (branch) lines.push(`Branch: ${branch}`);
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
    discussion ? `## The discussion on the issue before the run\n\n${discussion}\n` : '',
  ]
    .filter((line, i, all) => !(line === '' && all[i - 1] === ''))
    .join('\n');
}

/** What a failed check says to the agent in the next fix round: the check, the end of its output, the task. */
export function buildFixPrompt(
  taskPrompt: string,
  check: { command: string; exitCode: number | null; timedOut: boolean; outputTail: string },
  round: number,
  rounds: number,
): string {
  const how = check.timedOut
    ? 'it ran longer than its timeout and was stopped'
    : `it exited with ${check.exitCode ?? 'a signal'}`;
  const longest = Math.max(2, ...[...check.outputTail.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return [
    `The repository's check failed after your changes, so the task is not done yet.`,
    '',
    `Check: \`${check.command}\` — ${how}.`,
    `This is fix round ${round} of at most ${rounds}. Make the check pass while keeping what the task asks for.`,
    `Your earlier changes are still in the working directory. Do not commit or push: that is done for you.`,
    '',
    `## The end of the check's output`,
    '',
    fence,
    check.outputTail || '(no output)',
    fence,
    '',
    `## Your task, as it was first given`,
    '',
    taskPrompt,
  ].join('\n');
}
