// The summary of a run, computed from its folded state: who led, which nodes took part, each task's outcome,
// totals, what the run cost in money (against its budget) and in API requests, and who stopped it. Pure;
// rendering for the issue and the job summary included.
import type { RunState, StopRecord, TaskRecord } from '../protocol/fold.js';
import { tally, taskViews, type TaskStatus, type TaskView } from '../protocol/decide.js';
import { budgetLeft, budgetSpent, runCost, type TaskCost } from '../protocol/cost.js';
import { checkVerdict, formatDuration } from '../protocol/render.js';
import type { Check, Diff } from '../protocol/messages.js';
import { cellText, changesSentence, resultCell } from './summary-cells.js';
import { addUsage, formatCost, formatUsage, type Usage } from '../protocol/usage.js';

export interface TaskSummary {
  id: string;
  title: string;
  status: TaskStatus;
  node?: string;
  attempts: number;
  durationMs?: number;
  pr?: string;
  branch?: string;
  /** False when the agent changed nothing (unknown when the workspace was not a git repository). */
  changes?: boolean;
  /** What the last attempt's work changed. */
  diff?: Diff;
  prError?: string;
  reason?: string;
  /** The last attempt's check, when a verify-command ran. */
  check?: Check;
  /** What the agent spent on the task, every attempt that recorded an outcome together. */
  usage?: Usage;
  /** Its cost in dollars, once an attempt recorded an outcome; `unknown` when one did not report it. */
  cost?: TaskCost;
}

export interface RunSummary {
  run: string;
  leader?: string;
  nodes: string[];
  tasks: TaskSummary[];
  totals: Record<TaskStatus, number> & { total: number };
  successRate: number;
  /** From the first bid to the plan being published, ms. */
  electionToPlanMs?: number;
  /** From the first bid to the last outcome, ms. */
  elapsedMs?: number;
  /** What the tasks cost, claim to outcome (the nodes' own records on each attempt). */
  api: { requests: number; writes: number };
  /**
   * What the whole run cost: every request of every node that recorded it as it left (elections, polling and
   * idle time included), and how many of the nodes did (a node that died records nothing).
   */
  spent: { requests: number; notModified: number; writes: number; nodes: number };
  /**
   * The repository's primary budget as the nodes last saw it: its limit, the least any node saw left, and how
   * long nodes stretched their idle reads because it ran low (all nodes together), and the longest lease a
   * node lengthened its leases to because too little was left for their heartbeats.
   */
  budget?: { limit: number; lowestRemaining?: number; slowedMs: number; longestLeaseMs?: number };
  planningError?: string;
  /** What the agents spent: every task's attempts and the planning together (absent when none reported it). */
  usage?: Usage;
  /** What planning with the agent spent. */
  planningUsage?: Usage;
  /** What the run cost in dollars as reported, and how many tasks' outcomes did not report their cost. */
  cost: { totalUsd: number; unknownTasks: number; planningUsd?: number; summaryAgentUsd?: number };
  /**
   * The run's budget (`max-cost-usd`): what is left, whether it was spent, and what that did: tasks never
   * started (`notRun`) and failed tasks that were not retried; `wholeCaps`: outcomes that reported no cost and
   * count their whole cap against it.
   */
  costBudget?: {
    maxUsd: number;
    leftUsd: number;
    spent: boolean;
    notRun: number;
    notRetried: number;
    wholeCaps?: number;
  };
  /** Who stopped the run, and how many tasks that stopped. */
  stopped?: StopRecord & { tasks: number };
}

export function summarize(state: RunState, now: number): RunSummary {
  const views = taskViews(state, now);
  const costs = runCost(state);
  const tasks: TaskSummary[] = [...state.tasks.values()]
    .sort((a, b) => a.order - b.order)
    .map((record) => taskSummary(record, views.get(record.task.id)!, costs.perTask.get(record.task.id)));
  const counts = tally(state, now);
  const totals = { ...counts, total: tasks.length };
  const api = { requests: 0, writes: 0 };
  let lastEnd = 0;
  for (const record of state.tasks.values()) {
    for (const a of record.attempts) {
      api.requests += a.result?.api?.requests ?? 0;
      api.writes += a.result?.api?.writes ?? 0;
      lastEnd = Math.max(lastEnd, a.endedAt ?? 0);
    }
  }
  const { spent, budget } = nodesSpent(state);
  const planningUsage = state.plan?.usage;
  const usage = addUsage(
    tasks.reduce<Usage | undefined>((sum, t) => addUsage(sum, t.usage), undefined),
    planningUsage,
  );
  const firstBid = Math.min(...[...state.terms.values()].flatMap((t) => t.bids.map((b) => b.created)));
  const costBudget = costBudgetOf(state, views);
  return {
    run: state.run,
    ...(state.plan ? { leader: state.plan.leader } : {}),
    nodes: [...state.nodes.values()].sort((a, b) => a.instance - b.instance).map((n) => n.id),
    tasks,
    totals,
    successRate: tasks.length > 0 ? totals.completed / tasks.length : 0,
    ...(state.plan && Number.isFinite(firstBid) ? { electionToPlanMs: state.plan.created - firstBid } : {}),
    ...(lastEnd > 0 && Number.isFinite(firstBid) ? { elapsedMs: lastEnd - firstBid } : {}),
    api,
    spent,
    ...(budget ? { budget } : {}),
    ...(state.plan?.error !== undefined ? { planningError: state.plan.error } : {}),
    ...(usage ? { usage } : {}),
    ...(planningUsage ? { planningUsage } : {}),
    cost: {
      totalUsd: costs.totalUsd,
      unknownTasks: [...costs.perTask.values()].filter((c) => c.unknown).length,
      ...(costs.planningUsd !== undefined ? { planningUsd: costs.planningUsd } : {}),
      ...(costs.summaryAgentUsd !== undefined ? { summaryAgentUsd: costs.summaryAgentUsd } : {}),
    },
    ...(costBudget ? { costBudget } : {}),
    ...(state.stopped ? { stopped: { ...state.stopped, tasks: counts.stopped } } : {}),
  };
}

function taskSummary(record: TaskRecord, view: TaskView, cost: TaskCost | undefined): TaskSummary {
  const last = view.last;
  const earlier = record.task.completed_in;
  return {
    id: record.task.id,
    title: record.task.title,
    status: view.status,
    attempts: view.attempts,
    ...(earlier
      ? {
          node: earlier.node,
          ...(earlier.pr ? { pr: earlier.pr } : {}),
          ...(earlier.branch ? { branch: earlier.branch } : {}),
        }
      : {}),
    ...(last ? { node: last.node } : {}),
    ...(last?.result ? { durationMs: last.result.duration_ms } : {}),
    ...(last?.result?.pr ? { pr: last.result.pr } : {}),
    ...(last?.result?.branch ? { branch: last.result.branch } : {}),
    ...(last?.result?.changes !== undefined ? { changes: last.result.changes } : {}),
    ...(last?.result?.diff ? { diff: last.result.diff } : {}),
    ...(last?.result?.pr_error ? { prError: last.result.pr_error } : {}),
    ...(view.reason ? { reason: view.reason } : {}),
    ...(last?.result?.check ? { check: last.result.check } : {}),
    ...usageOf(record.attempts.map((a) => a.result?.usage)),
    ...(cost ? { cost: { ...cost } } : {}),
  };
}

/** What the nodes recorded they spent as they left, and the repository's budget as they saw it. */
function nodesSpent(state: RunState): Pick<RunSummary, 'spent' | 'budget'> {
  const spent = { requests: 0, notModified: 0, writes: 0, nodes: 0 };
  let budget: RunSummary['budget'];
  for (const node of state.nodes.values()) {
    if (!node.spent) continue;
    spent.requests += node.spent.requests;
    spent.notModified += node.spent.not_modified;
    spent.writes += node.spent.writes;
    spent.nodes += 1;
    const {
      rate_limit: limit,
      lowest_remaining: lowest,
      slowed_ms: slowed,
      longest_lease_ms: lease,
    } = node.spent;
    if (limit === undefined) continue;
    budget ??= { limit, slowedMs: 0 };
    budget.limit = Math.max(budget.limit, limit);
    if (lowest !== undefined) budget.lowestRemaining = Math.min(budget.lowestRemaining ?? lowest, lowest);
    budget.slowedMs += slowed ?? 0;
    if (lease !== undefined) budget.longestLeaseMs = Math.max(budget.longestLeaseMs ?? 0, lease);
  }
  return { spent, ...(budget ? { budget } : {}) };
}

function costBudgetOf(state: RunState, views: Map<string, TaskView>): RunSummary['costBudget'] {
  const maxUsd = state.plan?.maxCostUsd;
  if (maxUsd === undefined) return undefined;
  const byBudget = [...views.values()].filter((v) => v.cause === 'budget');
  return {
    maxUsd,
    leftUsd: budgetLeft(state) ?? 0,
    spent: budgetSpent(state),
    notRun: byBudget.filter((v) => v.status === 'skipped').length,
    notRetried: byBudget.filter((v) => v.status === 'failed').length,
    ...(state.budget?.wholeCapOutcomes ? { wholeCaps: state.budget.wholeCapOutcomes } : {}),
  };
}

function usageOf(usages: (Usage | undefined)[]): { usage?: Usage } {
  const sum = usages.reduce<Usage | undefined>((total, u) => addUsage(total, u), undefined);
  return sum ? { usage: sum } : {};
}

const ICON: Record<TaskStatus, string> = {
  completed: '✅',
  failed: '❌',
  skipped: '⏭️',
  running: '⏳',
  review: '👀',
  claimable: '⏸️',
  blocked: '⏸️',
  stopped: '🛑',
};

export const SUMMARY_MARKER = (run: string): string => `<!-- p2p-dev-summary run=${run} -->`;

export function renderSummary(s: RunSummary): string {
  const pct = `${Math.round(s.successRate * 100)}%`;
  const lines = [
    `## p2p-dev run ${s.run}: ${s.totals.completed} of ${s.totals.total} task(s) completed (${pct})`,
    '',
    `Leader: ${s.leader ? `\`${s.leader}\`` : 'none'} · nodes: ${s.nodes.length}` +
      (s.electionToPlanMs !== undefined ? ` · election to plan: ${formatDuration(s.electionToPlanMs)}` : '') +
      (s.elapsedMs !== undefined ? ` · elapsed: ${formatDuration(s.elapsedMs)}` : ''),
  ];
  if (s.stopped)
    lines.push(
      '',
      `Stopped by @${cellText(s.stopped.by, 100)} (comment ${s.stopped.commentId}); ${s.stopped.tasks} task(s) stopped.`,
    );
  if (s.planningError)
    lines.push('', `Planning failed: ${s.planningError.replace(/\s+/g, ' ').slice(0, 500)}`);
  if (s.tasks.length > 0) lines.push('', ...taskTable(s));
  const unfinished = s.totals.running + s.totals.claimable + s.totals.blocked + s.totals.review;
  lines.push(
    '',
    `Totals: ${s.totals.completed} completed, ${s.totals.failed} failed, ${s.totals.skipped} skipped` +
      (s.totals.stopped > 0 ? `, ${s.totals.stopped} stopped` : '') +
      (unfinished > 0 ? `, ${unfinished} unfinished` : '') +
      `. API spent on tasks: ${s.api.requests} requests, ${s.api.writes} content-creating.` +
      changesSentence(s.tasks),
  );
  const cost = costLines(s);
  if (cost.length > 0) lines.push('', ...cost);
  if (s.spent.nodes > 0)
    lines.push(
      '',
      `API cost of the run: ${s.spent.requests} counted requests (${s.spent.writes} comments posted) and ${s.spent.notModified} free 304s, as recorded by ${s.spent.nodes} of ${s.nodes.length} node(s) when they left` +
        (s.spent.nodes < s.nodes.length ? ' (nodes that died recorded nothing)' : '') +
        '.' +
        (s.budget ? ` ${budgetSentence(s.spent.requests, s.budget, s.elapsedMs)}` : ''),
    );
  return lines.join('\n');
}

/** The tasks as a table, and the check commands that were run. */
function taskTable(s: RunSummary): string[] {
  const checks = s.tasks.some((t) => t.check);
  // With a budget every task's cost matters; without one, a column of nothing but "unknown" says nothing.
  const costs = s.costBudget !== undefined || s.tasks.some((t) => t.usage);
  const head = [
    'task',
    'status',
    'node',
    'attempts',
    'took',
    ...(checks ? ['check'] : []),
    ...(costs ? ['agent cost'] : []),
    'result',
  ];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const t of s.tasks) {
    const status = `${ICON[t.status]} ${t.status}${t.reason ? ` (${cellText(t.reason, 120)})` : ''}`;
    const took = t.durationMs !== undefined ? formatDuration(t.durationMs) : '';
    const cells = [
      `${t.id}: ${cellText(t.title, 80)}`,
      status,
      t.node ? `\`${t.node}\`` : '',
      String(t.attempts),
      took,
      ...(checks ? [t.check ? `${t.check.passed ? '✅' : '❌'} ${checkVerdict(t.check)}` : ''] : []),
      ...(costs ? [costCell(t)] : []),
      resultCell(t),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const commands = [...new Set(s.tasks.flatMap((t) => (t.check ? [t.check.command] : [])))];
  if (commands.length > 0)
    lines.push(
      '',
      `Checked with ${commands.map((c) => `\`${c.replace(/\s+/g, ' ').slice(0, 200).replace(/`/g, "'")}\``).join(', ')}.`,
    );
  return lines;
}

/** Dollars that are partly or wholly unknown say so: "unknown", "$0.42 + unknown"; never a made-up $0.00. */
export function formatDollars(usd: number, unknown: boolean): string {
  if (!unknown) return formatCost(usd);
  return usd > 0 ? `${formatCost(usd)} + unknown` : 'unknown';
}

/** Usage without its cost: tokens and turns. */
function withoutCost(u: Usage | undefined): string {
  if (!u) return '';
  const { cost_usd: _cost, ...rest } = u;
  return formatUsage(rest);
}

/** "$0.42 · 1.2k in / 340 out tokens · 7 turns", "unknown · 7 turns"; empty for a task that recorded no outcome. */
export function costCell(t: TaskSummary): string {
  if (!t.cost) return '';
  const rest = withoutCost(t.usage);
  const money = formatDollars(t.cost.usd, t.cost.unknown);
  return rest ? `${money} · ${rest}` : money;
}

/** The run's cost in dollars (the unknown said so), tokens and turns; then what the budget did. */
function costLines(s: RunSummary): string[] {
  const lines: string[] = [];
  const { totalUsd, unknownTasks } = s.cost;
  if (s.usage || unknownTasks > 0 || s.costBudget || s.cost.summaryAgentUsd !== undefined) {
    const rest = withoutCost(s.usage);
    lines.push(
      `Agent cost of the run: ${formatDollars(totalUsd, unknownTasks > 0)}` +
        (unknownTasks > 0 ? ` (${unknownTasks} task(s) did not report a cost)` : '') +
        (rest ? ` · ${rest}` : '') +
        (s.planningUsage ? ` (planning: ${formatUsage(s.planningUsage)})` : '') +
        (s.cost.summaryAgentUsd !== undefined
          ? ` (the summary job's agent, merging and fixing CI: ${formatCost(s.cost.summaryAgentUsd)})`
          : '') +
        ', as the agents reported it (attempts whose outcome was never recorded are not counted).',
    );
  }
  const b = s.costBudget;
  if (!b) return lines;
  const max = formatCost(b.maxUsd);
  const unreported = b.wholeCaps
    ? ` ${b.wholeCaps} outcome(s) that reported no cost count their whole cap against it.`
    : unknownTasks > 0
      ? ' Costs the agents did not report are not counted against it.'
      : '';
  if (!b.spent) lines.push('', `Budget: ${formatCost(b.leftUsd)} of ${max} left.${unreported}`);
  else if (s.stopped || (b.notRun === 0 && b.notRetried === 0))
    lines.push('', `The run's budget of ${max} was spent.`);
  else
    lines.push(
      '',
      `The run's budget of ${max} was spent: ${b.notRun} task(s) were not run.` +
        (b.notRetried > 0 ? ` ${b.notRetried} failed task(s) were not retried.` : ''),
    );
  return lines;
}

/** "That is 41% of the repository's hourly budget of 1000; …" */
export function budgetSentence(
  requests: number,
  b: NonNullable<RunSummary['budget']>,
  elapsedMs?: number,
): string {
  // A run longer than an hour is measured against the budget of each of its hours: what it spent an hour.
  const hours = elapsedMs !== undefined && elapsedMs > 3_600_000 ? elapsedMs / 3_600_000 : 1;
  const share = Math.round((100 * requests) / hours / b.limit);
  const over =
    hours > 1 ? `${Math.round(requests / hours)} an hour over the run's ${formatDuration(elapsedMs!)}, ` : '';
  return (
    `That is ${over}${share}% of the repository's hourly budget of ${b.limit}` +
    (b.lowestRemaining !== undefined ? `; the least left at any time was ${b.lowestRemaining}` : '') +
    (b.slowedMs > 0
      ? `; nodes slowed their idle reads for ${Math.round(b.slowedMs / 1000)}s in all to leave some to the repository's other workflows`
      : b.longestLeaseMs === undefined
        ? '; the run never had to slow down for it'
        : '') +
    (b.longestLeaseMs !== undefined
      ? `; too little of it was left for the heartbeats, so nodes lengthened their leases (up to ${formatDuration(b.longestLeaseMs)}) rather than lose them, and the run went slower`
      : '') +
    '.'
  );
}
