// The plan the leader publishes: drafted from the issue or read from a planner command's JSON, then checked
// as a whole. A task that cannot run (a dependency cycle, an unknown dependency, a duplicate id) keeps its
// place with an error on it, so the rest of the plan still runs and the thread says why.
import * as z from 'zod';
import { PrioritySchema, TaskSchema, type Task } from '../protocol/messages.js';
import type { DraftTask } from './issue-tasks.js';

const LIMITS = { title: 500, body: 30_000 };

export const PlannerOutputSchema = z.object({
  tasks: z
    .array(
      z.object({
        id: TaskSchema.shape.id,
        title: z.string().min(1),
        body: z.string().optional(),
        description: z.string().optional(),
        priority: PrioritySchema.optional(),
        est: z.string().max(50).optional(),
        depends_on: z.array(z.string()).optional(),
        review: z.literal('required').optional(),
      }),
    )
    .min(1, 'the plan has no tasks')
    .max(5000, 'a plan holds at most 5000 tasks'),
});

/** Parse a planner command's stdout. Throws an Error whose message says what is wrong. */
export function draftsFromPlannerOutput(stdout: string): DraftTask[] {
  const text = stdout.trim();
  let json: unknown;
  try {
    // A planner may print logs before the JSON: take the last line that starts a JSON object, if the whole is not JSON.
    json = JSON.parse(text);
  } catch {
    const start = text.lastIndexOf('\n{');
    try {
      json = JSON.parse(start >= 0 ? text.slice(start + 1) : text);
    } catch (error) {
      throw new Error(`the planner's output is not JSON: ${(error as Error).message}`);
    }
  }
  const parsed = PlannerOutputSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(
      `the planner's JSON is not a valid plan: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return parsed.data.tasks.map((t) => ({
    id: t.id,
    title: t.title,
    body: t.body ?? t.description ?? '',
    priority: t.priority ?? 'medium',
    ...(t.est ? { est: t.est } : {}),
    depends_on: t.depends_on ?? [],
    ...(t.review ? { review: t.review } : {}),
  }));
}

function clip(text: string, limit: number): string {
  return text.length <= limit
    ? text
    : `${text.slice(0, limit - 40)}\n… (cut: ${text.length} characters in all)`;
}

/** Check the drafts as a whole and make them protocol tasks. */
export function finalizePlan(drafts: DraftTask[]): Task[] {
  const tasks: Task[] = [];
  const seen = new Set<string>();
  for (const d of drafts) {
    const task: Task = {
      id: d.id,
      title: clip(d.title.replace(/\s+/g, ' ').trim(), LIMITS.title),
      body: clip(d.body, LIMITS.body),
      priority: d.priority,
      ...(d.est ? { est: d.est.slice(0, 50) } : {}),
      depends_on: [...new Set(d.depends_on)].slice(0, 100),
      ...(d.review ? { review: d.review } : {}),
    };
    if (seen.has(d.id)) {
      task.id = `${d.id}-dup${tasks.length + 1}`;
      task.error = `duplicate task id ${d.id}`;
    }
    seen.add(task.id);
    tasks.push(task);
  }
  const ids = new Set(tasks.map((t) => t.id));
  for (const task of tasks) {
    if (task.error) continue;
    const self = task.depends_on.includes(task.id);
    const unknown = task.depends_on.filter((d) => !ids.has(d));
    if (self) task.error = `depends on itself`;
    else if (unknown.length > 0) task.error = `unknown dependency: ${unknown.join(', ')}`;
  }
  markCycles(tasks);
  return tasks;
}

/** Every task on a dependency cycle gets an error naming the cycle (tasks that merely depend on one are skipped at run time). */
function markCycles(tasks: Task[]): void {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const color = new Map<string, 'grey' | 'black'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    color.set(id, 'grey');
    stack.push(id);
    for (const dep of byId.get(id)?.depends_on ?? []) {
      if (!byId.has(dep)) continue;
      if (color.get(dep) === 'grey') {
        const cycle = stack.slice(stack.indexOf(dep));
        const text = `dependency cycle: ${[...cycle, dep].join(' → ')}`;
        for (const member of cycle) {
          const t = byId.get(member)!;
          t.error ??= text;
        }
      } else if (!color.has(dep)) visit(dep);
    }
    stack.pop();
    color.set(id, 'black');
  };
  for (const t of tasks) if (!color.has(t.id)) visit(t.id);
}
