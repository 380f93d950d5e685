// What a comment asks of p2p-dev: its first line is the trigger command (`/p2p-dev`), then either `stop` or
// what the run should be (`instances=3`). Pure: the trigger mode reads it to decide whether to start, and a
// node reads it to recognise a stop comment.

export type Command =
  | { kind: 'start'; args?: string }
  | { kind: 'stop' }
  | { kind: 'review'; verdict: 'approved' | 'changes'; task?: string; comments: string };

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The command in a comment's first line (a whole body may be given: only its first line counts), or
 * undefined when that line does not start with `command` as a word of its own. `stop` (any case) as the
 * first word after the command (`/p2p-dev stop`, `/p2p-dev Stop, please`) asks to stop the run, whatever
 * follows it; anything else (`stopped`, `stop-it`) is a start, with its arguments.
 */
export function parseCommand(firstLineOrBody: string, command: string): Command | undefined {
  const line = (firstLineOrBody.trim().split(/\r?\n/)[0] ?? '').trim();
  const match = new RegExp(`^${escape(command)}(?:\\s+(.*))?$`).exec(line);
  if (!match) return undefined;
  const args = match[1]?.trim() ?? '';
  if (/^stop(?![\w-])/i.test(args)) return { kind: 'stop' };
  const review = reviewCommand(args, firstLineOrBody);
  if (review) return review;
  return args === '' ? { kind: 'start' } : { kind: 'start', args };
}

const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * `approve [task]` and `changes <task> <what to change>` (also `reject`, `request-changes`): a person's
 * verdict on a task's work. Any word starting with approve, changes or reject asks for one (as the workflow's
 * concurrency group, which can only match a prefix, reads it); what follows the task id, and the comment's
 * further lines, are the person's comments.
 */
function reviewCommand(args: string, body: string): Command | undefined {
  const verb = /^(approve|changes|reject|request-changes)\S*/i.exec(args);
  if (!verb) return undefined;
  const verdict = /^approve/i.test(verb[0]) ? 'approved' : 'changes';
  const words = args.slice(verb[0].length).trim();
  const first = /^(\S+)\s*([\s\S]*)$/.exec(words);
  const task = first && TASK_ID.test(first[1]!) ? first[1] : undefined;
  const rest = task ? first![2]! : words;
  const more = body.trim().split(/\r?\n/).slice(1).join('\n');
  const comments = [rest, more]
    .filter((t) => t.trim() !== '')
    .join('\n')
    .trim();
  return { kind: 'review', verdict, ...(task ? { task } : {}), comments };
}
