// What the agent is asked when it plans (`planner: agent`): the issue, the repository's layout, the plan's
// JSON shape and how many tasks it may hold. And how its answer is found: the plan file it was asked to
// write, else the last JSON object with "tasks" in what it said. Pure.
import { sanitizeText } from '../sanitize.js';

export function buildPlanningPrompt(
  issue: { number: number; title: string; body: string },
  layout: string[],
  maxTasks: number,
): string {
  return [
    `You are planning the work on GitHub issue #${issue.number} of this repository. Do not change any file:`,
    `other agents will do the work, one task each, in parallel where the tasks allow it.`,
    '',
    `Break the issue down into at most ${maxTasks} tasks. Each task must make sense on its own as one pull`,
    `request: say in its body what to change and how to tell it is done. A task that needs another's work`,
    `lists it in "depends_on"; tasks without dependencies between them run at the same time, so keep them`,
    `apart (different files) where you can. Fewer, larger tasks are better than many tiny ones.`,
    '',
    `Write the plan as JSON to the file named by the environment variable P2P_PLAN_FILE`,
    `(for example: cat > "$P2P_PLAN_FILE" <<'PLAN' … PLAN), and also end your answer with the same JSON. Its shape:`,
    '',
    '```json',
    '{"tasks": [',
    '  {"id": "api", "title": "Add the widgets REST API", "body": "What to do, and how to tell it is done.",',
    '   "priority": "high", "depends_on": []},',
    '  {"id": "docs", "title": "Document the API", "body": "…", "priority": "low", "depends_on": ["api"]}',
    ']}',
    '```',
    '',
    `Ids are short: letters, digits, ".", "_" and "-". Priority is high, medium or low.`,
    '',
    `## The issue: ${sanitizeText(issue.title)}`,
    '',
    sanitizeText(issue.body) || '(empty)',
    '',
    `## The repository's layout`,
    '',
    layout.length > 0 ? layout.join('\n') : '(empty)',
  ].join('\n');
}

/**
 * The text that holds the plan in what the agent said: the last ```json block with "tasks", else the last
 * JSON object that starts with "tasks", else the text itself (for the error to quote).
 */
export function planJsonIn(text: string): string {
  const blocks = [...text.matchAll(/```(?:json)?[ \t]*\n([\s\S]*?)\n[ \t]*```/g)]
    .map((m) => m[1]!)
    .filter((b) => b.includes('"tasks"'));
  if (blocks.length > 0) return blocks.at(-1)!;
  const start = [...text.matchAll(/\{\s*"tasks"\s*:/g)].at(-1)?.index;
  if (start === undefined) return text;
  const end = objectEnd(text, start);
  return end > start ? text.slice(start, end) : text.slice(start);
}

/** Where the JSON object opening at `start` closes (just past its brace), or -1. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return -1;
}
