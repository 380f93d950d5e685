// Turn an issue into tasks: every top-level task-list item is a task (`- [ ] title`), with an optional
// trailing annotation `(priority: high, est: 8h, depends: task-1, task-3)` and the indented lines under it
// as its body. An issue without a task list is one task: the whole issue.
import type { Priority } from '../protocol/messages.js';

export interface DraftTask {
  id: string;
  title: string;
  body: string;
  priority: Priority;
  est?: string;
  depends_on: string[];
  /** `review: required` in the annotation: a person approves its work before its dependents start. */
  review?: 'required';
}

const ITEM = /^( {0,1})[-*+] \[( |x|X)\]\s+(.*)$/;
const FENCE = /^\s*(```|~~~)/;
const ANNOTATION = /\(([^()]*:[^()]*)\)\s*$/;

export function tasksFromIssue(issue: { title: string; body: string | null }): DraftTask[] {
  const lines = (issue.body ?? '').replace(/\r\n?/g, '\n').split('\n');
  const items: { head: string; body: string[] }[] = [];
  let current: { head: string; body: string[] } | undefined;
  let inFence = false;
  for (const line of lines) {
    if (FENCE.test(line)) inFence = !inFence;
    const item = inFence ? null : ITEM.exec(line);
    if (item) {
      current = item[2] === ' ' ? { head: item[3]!.trim(), body: [] } : undefined;
      if (current) items.push(current);
      continue;
    }
    if (!current) continue;
    if (line.trim() === '' || /^\s{2,}\S/.test(line) || (inFence && current.body.length > 0)) {
      current.body.push(line);
    } else {
      current = undefined;
    }
  }
  if (items.length === 0) {
    return [
      {
        id: 'task-1',
        title: issue.title.trim() || 'The issue',
        body: (issue.body ?? '').trim(),
        priority: 'medium',
        depends_on: [],
      },
    ];
  }
  return items.map((item, index) => ({
    id: `task-${index + 1}`,
    ...parseHead(item.head),
    body: dedent(item.body),
  }));
}

function parseHead(head: string): Omit<DraftTask, 'id' | 'body'> {
  const base = { title: head, priority: 'medium' as Priority, depends_on: [] as string[] };
  const match = ANNOTATION.exec(head);
  if (!match) return base;
  const fields = new Map<string, string[]>();
  let key: string | undefined;
  for (const token of match[1]!.split(',')) {
    const kv = /^\s*([A-Za-z][A-Za-z _-]*?)\s*:\s*(.*)$/.exec(token);
    if (kv) {
      key = kv[1]!.toLowerCase().replace(/[\s_-]+/g, '');
      fields.set(key, [kv[2]!.trim()]);
    } else if (key) fields.get(key)!.push(token.trim());
  }
  const known = new Set(['priority', 'est', 'estimate', 'depends', 'dependson', 'deps', 'review']);
  if (![...fields.keys()].every((k) => known.has(k))) return base;
  const priority = fields.get('priority')?.[0]?.toLowerCase();
  const est = (fields.get('est') ?? fields.get('estimate'))?.[0];
  const depends = fields.get('depends') ?? fields.get('dependson') ?? fields.get('deps') ?? [];
  const review = fields.get('review')?.[0]?.toLowerCase();
  return {
    title: head.slice(0, match.index).trim() || head,
    priority: priority === 'high' || priority === 'low' || priority === 'medium' ? priority : 'medium',
    ...(est ? { est } : {}),
    ...(review === 'required' ? { review: 'required' as const } : {}),
    depends_on: depends
      .flatMap((d) => d.split(/\s+/))
      .filter((d) => d.length > 0 && d.toLowerCase() !== 'none'),
  };
}

function dedent(lines: string[]): string {
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^\s*/.exec(l)![0].length);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return lines
    .map((l) => l.slice(Math.min(cut, /^\s*/.exec(l)![0].length)))
    .join('\n')
    .trim();
}
