// The live checklist: one comment that shows each task's state as the fold sees it, edited by any node whose
// fold shows something the comment does not. It is not a protocol message (the fold never reads it): a hidden,
// versioned marker says what it shows, so that a node can tell whether its own view is ahead of the comment.
import * as z from 'zod';
import { sanitizeText } from '../sanitize.js';
import { embedJson, GITHUB_COMMENT_LIMIT } from './codec.js';
import { runCost, type RunCost, type TaskCost } from './cost.js';
import { TERMINAL, taskViews, type GoneNodes, type TaskStatus, type TaskView } from './decide.js';
import { estimateLeft, runStart } from './estimate-left.js';
import type { RunState, TaskRecord } from './fold.js';
import { TaskSchema } from './messages.js';
import { checkVerdict, formatDuration } from './render.js';
import { earliestTrusted, type ThreadComment, type Trust } from './thread-comment.js';
import { formatCost } from './usage.js';

export { isBehind, shouldEdit, type ChecklistShown, type ShownTask } from './checklist-edits.js';
import type { ChecklistShown, ShownTask } from './checklist-edits.js';

const OPEN = '<!-- p2p-dev:checklist ';
const CLOSE = ' -->';
/** The marker keeps every task while it fits in this much; the task lines get what is left of the limit. */
const MARKER_ROOM = 56_000;
/** Room left for GitHub's counting and the lines that end the body. */
const BODY_ROOM = GITHUB_COMMENT_LIMIT - 1_000;

const CODE: Record<TaskStatus, string> = {
  blocked: 'b',
  claimable: 'w',
  running: 'r',
  review: 'v',
  completed: 'c',
  failed: 'f',
  skipped: 's',
  stopped: 'x',
};
const STATUS_OF = new Map(Object.entries(CODE).map(([status, code]) => [code, status as TaskStatus]));

const MarkerSchema = z.object({
  v: z.literal(1),
  run: z.string().min(1).max(200),
  shown: z.record(TaskSchema.shape.id, z.string().regex(/^[a-z]\d{1,3}$/)),
});

// ---------------------------------------------------------------------------------------------------------
// Text

/** The codec's emoji for protocol markers: left out of others' text, so the checklist never looks like one. */
const PROTOCOL_EMOJI = /[🎯📡📦📊💓🛑]/gu;

/**
 * Text from the issue or an agent, made one harmless markdown line: sanitized (hidden text and HTML comments
 * gone), on one line, cut to `max` characters, markdown and HTML escaped, and `@` kept from mentioning anyone.
 */
export function inlineText(text: string, max: number): string {
  const flat = sanitizeText(text).replace(PROTOCOL_EMOJI, '').replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  const cut = chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : flat;
  return cut
    .replace(/[\\`*_[\]|~]/g, '\\$&')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '@\u200B');
}

/** "10:04:05 UTC": a time that stays right however long the comment goes unedited. */
const clockTime = (ms: number): string => `${new Date(ms).toISOString().slice(11, 19)} UTC`;

/** A pull request as a link, "[PR #12](url)", when it is a URL of one; otherwise its text. */
function prText(pr: string): string {
  const m = /^https:\/\/[^\s<>()[\]]+\/pull\/(\d+)$/.exec(pr);
  return m ? `[PR #${m[1]}](${pr})` : `PR ${inlineText(pr, 120)}`;
}

function costText(cost: TaskCost | undefined): string {
  if (!cost || (cost.unknown && cost.usd === 0)) return 'cost unknown';
  return cost.unknown ? `${formatCost(cost.usd)} + unknown` : formatCost(cost.usd);
}

// ---------------------------------------------------------------------------------------------------------
// Task lines

/** The verdict on reviewed work, for its line: who approved it, or where the changes went. */
function reviewNote(view: TaskView): string {
  const r = view.review;
  if (!r || r.state === 'awaiting') return '';
  if (r.state === 'timed-out') return `⌛ ${inlineText(view.reason ?? 'not reviewed in time', 100)}`;
  const by = inlineText(r.by ?? '?', 60);
  if (r.state === 'approved') return `👍 approved by ${by}`;
  return `✏️ changes asked by ${by}${r.revisedIn ? `, made in ${inlineText(r.revisedIn, 100)}` : ''}`;
}

/**
 * Where a person reviews a task's work: its pull request, else its branch compared with the default branch
 * (a link on the repository of the attempt's comment).
 */
function reviewLink(view: TaskView): string {
  const r = view.last?.result;
  if (r?.pr) return prText(r.pr);
  const repo = /^(https:\/\/[^\s<>()[\]]+?\/[^/\s]+\/[^/\s]+)\/(?:issues|pull)\/\d+/.exec(
    view.last?.htmlUrl ?? '',
  )?.[1];
  if (!r?.branch) return 'its work';
  const branch = inlineText(r.branch, 120);
  return repo && /^[\w./-]+$/.test(r.branch)
    ? `[branch ${branch}](${repo}/compare/${r.branch})`
    : `branch ${branch}`;
}

function awaitingNote(view: TaskView, command: string): string {
  const until = view.review?.until;
  const id = view.id;
  return (
    `👀 awaiting review${until !== undefined ? ` until ${clockTime(until)}` : ''} of ${reviewLink(view)}: ` +
    `approve its pull request or comment \`${command} approve ${id}\`; \`${command} changes ${id} <what to change>\` sends it back`
  );
}

function completedNotes(record: TaskRecord, view: TaskView, cost: RunCost): string[] {
  const earlier = record.task.completed_in;
  if (earlier) {
    const where = earlier.pr
      ? prText(earlier.pr)
      : earlier.branch
        ? `branch ${inlineText(earlier.branch, 120)}`
        : '';
    return [
      `completed in run ${inlineText(earlier.run, 60)} by ${inlineText(earlier.node, 60)}`,
      where,
      reviewNote(view),
    ];
  }
  const r = view.last?.result;
  return [
    `completed by ${inlineText(view.last?.node ?? '?', 60)}`,
    r?.pr ? prText(r.pr) : r?.branch ? `branch ${inlineText(r.branch, 120)}` : '',
    r?.check ? `check ${checkVerdict(r.check)}` : '',
    costText(cost.perTask.get(record.task.id)),
    reviewNote(view),
  ];
}

function waitingNote(record: TaskRecord, view: TaskView, views: ReadonlyMap<string, TaskView>): string {
  if (view.status === 'blocked') {
    const deps = record.task.depends_on.filter((d) => views.get(d)?.status !== 'completed');
    return `⏳ blocked on ${deps.map((d) => inlineText(d, 100)).join(', ') || 'dependencies'}`;
  }
  const last = view.last;
  if (!last) return '⏳ waiting';
  const how = last.outcome === 'failed' ? 'failed' : `${inlineText(last.node, 60)} fell silent`;
  return `⏳ waiting to retry (attempt ${last.attempt} ${how})`;
}

function statusNote(
  record: TaskRecord,
  view: TaskView,
  views: ReadonlyMap<string, TaskView>,
  command: string,
): string {
  // The footer says who stopped the run; a task it stopped need not repeat it.
  const reason = view.reason && view.cause !== 'stop' ? ` (${inlineText(view.reason, 200)})` : '';
  switch (view.status) {
    case 'running': {
      const last = view.last!;
      return `🏃 running on ${inlineText(last.node, 60)} (attempt ${last.attempt}, since ${clockTime(last.created)})`;
    }
    case 'failed':
      return `❌ failed${reason}`;
    case 'skipped':
      return `⏭️ skipped${reason}`;
    case 'stopped':
      return `🛑 stopped${reason}`;
    case 'blocked':
    case 'claimable':
      return waitingNote(record, view, views);
    case 'review':
      return awaitingNote(view, command);
    case 'completed':
      return '✅ completed';
  }
}

function taskLine(
  record: TaskRecord,
  view: TaskView,
  views: ReadonlyMap<string, TaskView>,
  cost: RunCost,
  command: string,
): string {
  const head = `**${record.task.id}** ${inlineText(record.task.title, 150)}`;
  if (view.status === 'completed') {
    const notes = completedNotes(record, view, cost).filter((n) => n !== '');
    return `- [x] ${head} — ${notes.join(' · ')}`;
  }
  return `- [ ] ${head} — ${statusNote(record, view, views, command)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Footer: counts, elapsed time, estimate, cost

function footer(
  state: RunState,
  views: ReadonlyMap<string, TaskView>,
  now: number,
  gone: GoneNodes,
  cost: RunCost,
): string[] {
  const counts = new Map<TaskStatus, number>();
  for (const v of views.values()) counts.set(v.status, (counts.get(v.status) ?? 0) + 1);
  const parts = [`${counts.get('completed') ?? 0} of ${views.size} completed`];
  for (const s of ['running', 'review', 'failed', 'skipped', 'stopped'] as const) {
    const n = counts.get(s) ?? 0;
    if (n > 0) parts.push(`${n} ${s}`);
  }
  const start = runStart(state);
  const finished = views.size > 0 && [...views.values()].every((v) => TERMINAL.has(v.status));
  if (start !== undefined) {
    const ends = [...views.values()].map((v) => v.last?.endedAt ?? 0).concat(state.stopped?.at ?? 0);
    const end = finished ? Math.max(start, ...ends) : now;
    parts.push(`elapsed ${formatDuration(end - start)}`);
  }
  const left = finished ? undefined : estimateLeft(state, views, now, gone);
  if (left !== undefined) parts.push(`about ${formatDuration(left)} left`);
  const lines = [parts.join(' · ')];
  lines.push(costLine(cost, state.plan?.maxCostUsd));
  if (state.stopped) lines.push(`🛑 The run was stopped by ${inlineText(state.stopped.by, 100)}.`);
  return lines;
}

/** "Agent cost so far: $1.20 (2 outcomes with no cost reported) of a $5.00 budget". */
function costLine(cost: RunCost, budget: number | undefined): string {
  const total = cost.totalUsd === 0 && cost.unknown > 0 ? 'unknown' : formatCost(cost.totalUsd);
  const unknown =
    cost.unknown > 0 && cost.totalUsd > 0
      ? ` + unknown (${cost.unknown} outcome${cost.unknown === 1 ? '' : 's'} reported no cost)`
      : '';
  const of = budget !== undefined ? ` of a ${formatCost(budget)} budget` : '';
  return `Agent cost so far: ${total}${unknown}${of}`;
}

// ---------------------------------------------------------------------------------------------------------
// The marker

/** The tasks the marker keeps: all of them unless their ids alone would not fit (decided from ids only). */
function shownOf(
  ordered: readonly TaskRecord[],
  views: ReadonlyMap<string, TaskView>,
): Map<string, ShownTask> {
  const shown = new Map<string, ShownTask>();
  let size = 0;
  for (const record of ordered) {
    size += record.task.id.length + 10;
    if (size > MARKER_ROOM) break;
    const view = views.get(record.task.id)!;
    const open = view.last?.outcome === 'open' ? 1 : 0;
    shown.set(record.task.id, { status: view.status, step: 2 * view.attempts - open });
  }
  return shown;
}

function markerLine(run: string, shown: ChecklistShown): string {
  const wire: Record<string, string> = {};
  for (const [id, s] of shown) wire[id] = `${CODE[s.status]}${s.step}`;
  return `${OPEN}${embedJson({ v: 1, run, shown: wire })}${CLOSE}`;
}

/** The marker's run and what it shows; undefined for anything that is not a valid marker. Never throws. */
export function readChecklist(body: string): { run: string; shown: ChecklistShown } | undefined {
  if (typeof body !== 'string') return undefined;
  const start = body.indexOf(OPEN);
  if (start < 0) return undefined;
  const end = body.indexOf(CLOSE, start + OPEN.length);
  if (end < 0) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body.slice(start + OPEN.length, end));
  } catch {
    return undefined;
  }
  const parsed = MarkerSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const shown = new Map<string, ShownTask>();
  for (const [id, code] of Object.entries(parsed.data.shown)) {
    const status = STATUS_OF.get(code[0]!);
    if (!status) return undefined;
    shown.set(id, { status, step: Number(code.slice(1)) });
  }
  return { run: parsed.data.run, shown };
}

// ---------------------------------------------------------------------------------------------------------
// The comment

/** Task lines in order until the room runs out, then "… and N more". */
function fitLines(lines: readonly string[], room: number): string[] {
  const out: string[] = [];
  let used = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const reserve = i === lines.length - 1 ? 0 : 40;
    if (used + line.length + 1 + reserve > room) {
      out.push(`- … and ${lines.length - i} more`);
      break;
    }
    out.push(line);
    used += line.length + 1;
  }
  return out;
}

/**
 * The checklist comment for this view of the run at server time `now`: the marker line, a title, one line
 * per task in plan order (statuses from `taskViews`, so nothing shows completed that the fold does not), and
 * a footer. Always under GitHub's comment limit: task lines that do not fit give way to "… and N more".
 */
export function renderChecklist(input: {
  state: RunState;
  now: number;
  gone?: GoneNodes;
  /** Lines after the footer: the issue's pull request and its CI, once the run has ended. */
  extra?: string[];
  /** The trigger command, for the approval commands a task awaiting review shows. */
  command?: string;
}): {
  body: string;
  shown: ChecklistShown;
} {
  const { state, now } = input;
  const gone: GoneNodes = input.gone ?? new Map();
  const views = taskViews(state, now, gone);
  const cost = runCost(state);
  const ordered = [...state.tasks.values()].sort((a, b) => a.order - b.order);
  const shown = shownOf(ordered, views);
  const marker = markerLine(state.run, shown);
  const title = `### p2p-dev run ${inlineText(state.run, 200)}: tasks`;
  const note = !state.plan
    ? ['_Waiting for the leader to publish the plan._']
    : state.plan.error !== undefined
      ? ['_Planning failed: no tasks to run._']
      : [];
  const end = [
    ...footer(state, views, now, gone, cost),
    ...(input.extra?.length ? ['', ...input.extra] : []),
  ];
  const fixed = [marker, title, '', ...note, '', ...end].join('\n').length;
  const command = input.command ?? '/p2p-dev';
  const lines = ordered.map((r) => taskLine(r, views.get(r.task.id)!, views, cost, command));
  const body = [marker, title, '', ...note, ...fitLines(lines, BODY_ROOM - fixed), '', ...end].join('\n');
  return { body, shown };
}

/**
 * The run's checklist comment: the earliest (by creation, then id) written by the action's identity whose
 * marker is valid and names `run`. A checklist anyone else wrote is neither believed nor edited.
 */
export function findChecklist(
  comments: readonly ThreadComment[],
  trust: Trust,
  run: string,
): { comment: ThreadComment; shown: ChecklistShown } | undefined {
  const found = earliestTrusted(comments, trust, (body) => {
    const read = readChecklist(body);
    return read?.run === run ? read.shown : undefined;
  });
  return found && { comment: found.comment, shown: found.value };
}
