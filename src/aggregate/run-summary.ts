// The summary of a run, computed from its folded state: who led, which nodes took part, each task's outcome,
// totals, and what the run cost in API requests. Pure; rendering for the issue and the job summary included.
import type { RunState } from '../protocol/fold.js';
import { tally, taskViews, type TaskStatus } from '../protocol/decide.js';
import { checkVerdict, formatDuration } from '../protocol/render.js';
import type { Check } from '../protocol/messages.js';
import { addUsage, formatUsage, type Usage } from '../protocol/usage.js';

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
  prError?: string;
  reason?: string;
  /** The last attempt's check, when a verify-command ran. */
  check?: Check;
  /** What the agent spent on the task, every attempt that recorded an outcome together. */
  usage?: Usage;
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
   * long nodes stretched their idle reads because it ran low (all nodes together).
   */
  budget?: { limit: number; lowestRemaining?: number; slowedMs: number };
  planningError?: string;
  /** What the agents spent: every task's attempts and the planning together (absent when none reported it). */
  usage?: Usage;
  /** What planning with the agent spent. */
  planningUsage?: Usage;
}

export function summarize(state: RunState, now: number): RunSummary {
  const views = taskViews(state, now);
  const tasks: TaskSummary[] = [...state.tasks.values()]
    .sort((a, b) => a.order - b.order)
    .map((record) => {
      const view = views.get(record.task.id)!;
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
        ...(last?.result?.pr_error ? { prError: last.result.pr_error } : {}),
        ...(view.reason ? { reason: view.reason } : {}),
        ...(last?.result?.check ? { check: last.result.check } : {}),
        ...usageOf(record.attempts.map((a) => a.result?.usage)),
      };
    });
  const totals = { ...tally(state, now), total: tasks.length };
  const api = { requests: 0, writes: 0 };
  let lastEnd = 0;
  for (const record of state.tasks.values()) {
    for (const a of record.attempts) {
      api.requests += a.result?.api?.requests ?? 0;
      api.writes += a.result?.api?.writes ?? 0;
      lastEnd = Math.max(lastEnd, a.endedAt ?? 0);
    }
  }
  const spent = { requests: 0, notModified: 0, writes: 0, nodes: 0 };
  let budget: RunSummary['budget'];
  for (const node of state.nodes.values()) {
    if (!node.spent) continue;
    spent.requests += node.spent.requests;
    spent.notModified += node.spent.not_modified;
    spent.writes += node.spent.writes;
    spent.nodes += 1;
    const { rate_limit: limit, lowest_remaining: lowest, slowed_ms: slowed } = node.spent;
    if (limit === undefined) continue;
    budget ??= { limit, slowedMs: 0 };
    budget.limit = Math.max(budget.limit, limit);
    if (lowest !== undefined) budget.lowestRemaining = Math.min(budget.lowestRemaining ?? lowest, lowest);
    budget.slowedMs += slowed ?? 0;
  }
  const planningUsage = state.plan?.usage;
  const usage = addUsage(
    tasks.reduce<Usage | undefined>((sum, t) => addUsage(sum, t.usage), undefined),
    planningUsage,
  );
  const firstBid = Math.min(...[...state.terms.values()].flatMap((t) => t.bids.map((b) => b.created)));
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
  claimable: '⏸️',
  blocked: '⏸️',
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
  if (s.planningError)
    lines.push('', `Planning failed: ${s.planningError.replace(/\s+/g, ' ').slice(0, 500)}`);
  if (s.tasks.length > 0) {
    const checks = s.tasks.some((t) => t.check);
    const costs = s.tasks.some((t) => t.usage);
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
    lines.push('', `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
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
        ...(costs ? [t.usage ? formatUsage(t.usage) : ''] : []),
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
  }
  lines.push(
    '',
    `Totals: ${s.totals.completed} completed, ${s.totals.failed} failed, ${s.totals.skipped} skipped` +
      (s.totals.running + s.totals.claimable + s.totals.blocked > 0
        ? `, ${s.totals.running + s.totals.claimable + s.totals.blocked} unfinished`
        : '') +
      `. API spent on tasks: ${s.api.requests} requests, ${s.api.writes} content-creating.`,
  );
  if (s.usage)
    lines.push(
      '',
      `Agent cost of the run: ${formatUsage(s.usage)}` +
        (s.planningUsage ? ` (planning: ${formatUsage(s.planningUsage)})` : '') +
        ', as the agents reported it (attempts whose outcome was never recorded are not counted).',
    );
  if (s.spent.nodes > 0)
    lines.push(
      '',
      `API cost of the run: ${s.spent.requests} counted requests (${s.spent.writes} comments posted) and ${s.spent.notModified} free 304s, as recorded by ${s.spent.nodes} of ${s.nodes.length} node(s) when they left` +
        (s.spent.nodes < s.nodes.length ? ' (nodes that died recorded nothing)' : '') +
        '.' +
        (s.budget ? ` ${budgetSentence(s.spent.requests, s.budget)}` : ''),
    );
  return lines.join('\n');
}

/** "That is 41% of the repository's hourly budget of 1000; …" */
export function budgetSentence(requests: number, b: NonNullable<RunSummary['budget']>): string {
  const share = Math.round((100 * requests) / b.limit);
  return (
    `That is ${share}% of the repository's hourly budget of ${b.limit}` +
    (b.lowestRemaining !== undefined ? `; the least left at any time was ${b.lowestRemaining}` : '') +
    (b.slowedMs > 0
      ? `; nodes slowed their idle reads for ${Math.round(b.slowedMs / 1000)}s in all to leave some to the repository's other workflows`
      : '; the run never had to slow down for it') +
    '.'
  );
}

const cellText = (text: string, max: number): string =>
  text.replace(/\|/g, '/').replace(/\s+/g, ' ').slice(0, max);

/** What a task delivered: its pull request, else its branch (a failed run's work), else "no changes". */
export function resultCell(t: TaskSummary): string {
  if (t.pr) return t.pr;
  if (t.branch)
    return `branch \`${t.branch}\`${t.prError ? ` (no pull request: ${t.prError.replace(/\|/g, '/').replace(/\s+/g, ' ').slice(0, 100)})` : ''}`;
  if (t.changes === false) return 'no changes';
  return '';
}
