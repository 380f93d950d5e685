// What a comment asks of p2p-dev: its first line is the trigger command (`/p2p-dev`), then either `stop` or
// what the run should be (`instances=3`). Pure: the trigger mode reads it to decide whether to start, and a
// node reads it to recognise a stop comment.

export type Command = { kind: 'start'; args?: string } | { kind: 'stop' };

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
  return args === '' ? { kind: 'start' } : { kind: 'start', args };
}
