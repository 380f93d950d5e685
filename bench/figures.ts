// One benchmark row: the real node code (or the seed protocol) simulated at a size, reduced to the figures the
// table shows. Each row runs in a process of its own (bench/row.ts): libraries keep state between simulations
// in one process, and a row's figures must not depend on what ran before it.
import { seededRandom } from '../emulator/clock.js';
import { taskViews } from '../src/protocol/decide.js';
import type { Schedule } from '../sim/schedule.js';
import { simulate, type SimResult } from '../sim/simulate.js';
import { seedProtocolNode } from './seed-protocol.js';

const DEFAULTS = { settleMs: 2000, pollMs: 3000, heartbeatMs: 300_000, leaseMs: 900_000 };

export function schedule(nodes: number, tasks: number, seed: number): Schedule {
  const rnd = seededRandom(seed);
  return {
    seed,
    nodes: Array.from({ length: nodes }, (_, i) => ({ instance: i + 1, skewMs: 0 })),
    // A realistic issue: most tasks independent, some building on an earlier one.
    tasks: Array.from({ length: tasks }, (_, i) => ({
      title: `Task ${i + 1}`,
      depends: i > 0 && rnd() < 0.2 ? [1 + Math.floor(rnd() * i)] : [],
    })),
    maxAttempts: 2,
    timings: DEFAULTS,
    agent: { minMs: 3 * 60_000, maxMs: 10 * 60_000, failRate: 0 },
    emulator: { latencyMs: [50, 300], listingLagMs: 300, listingLagJitterMs: 1200, failureRate: 0 },
    faults: [],
    forgeries: [],
  };
}

export interface Figures {
  protocol: 'p2p-dev' | 'seed';
  nodes: number;
  tasks: number;
  completed: number;
  electionMs: number;
  claimMsMedian: number;
  claimMsP95: number;
  overheadPerTaskMs: number;
  countedPerTask: number;
  contentPerTask: number;
  share304: number;
  virtualMinutes: number;
  wallSeconds: number;
  /** Counted requests per task by route (listings split into first pages, later pages and `since`). */
  perTaskByRoute: Record<string, number>;
  /** Counted requests per task by what the node was doing (from the nodes' own `API use` log lines). */
  perTaskByPhase: Record<string, number>;
}

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
};

/** When each task became claimable: the plan's time, or its dependencies' completion, whichever is later. */
export function figures(protocol: Figures['protocol'], nodes: number, tasks: number, r: SimResult): Figures {
  const d = r.details!;
  const time = (iso: string) => Date.parse(iso);
  let planAt = Infinity;
  const completedAt = new Map<string, number>();
  const deps = new Map<string, string[]>();
  if (protocol === 'p2p-dev') {
    planAt = d.state.plan?.created ?? Infinity;
    for (const view of taskViews(d.state, Date.now()).values()) {
      if (view.last?.endedAt) completedAt.set(view.id, view.last.endedAt);
      deps.set(view.id, d.state.tasks.get(view.id)!.task.depends_on);
    }
  } else {
    for (const c of d.comments) {
      if (c.body.startsWith('📦 TASKS_DATA|')) {
        planAt = Math.min(planAt, time(c.created_at));
        for (const t of JSON.parse(c.body.slice('📦 TASKS_DATA|'.length)) as {
          id: string;
          depends: string[];
        }[])
          deps.set(t.id, t.depends);
      }
      if (c.body.startsWith('✅ COMPLETED|')) completedAt.set(c.body.split('|')[1]!, time(c.created_at));
    }
  }
  // Times as the nodes lived them (whole-second server timestamps would make tasks look claimable too early).
  const published = d.events.find((e) => e.message.startsWith('📦 published the plan'));
  if (published) planAt = published.at;
  for (const e of d.events) {
    const m = /^✅ (\S+) completed/.exec(e.message);
    if (m) completedAt.set(m[1]!, e.at);
  }
  const claimableAt = (task: string) =>
    Math.max(planAt, ...(deps.get(task) ?? []).map((x) => completedAt.get(x) ?? Infinity));
  // A claim starts when the task is claimable and the node that takes it is free (its previous agent run over).
  const instanceOf = (node: string) => Number(/-node-(\d+)-/.exec(node)?.[1]);
  const freeAt = (instance: number, before: number) =>
    Math.max(
      d.t0,
      ...d.agentRuns
        .filter((r) => instanceOf(r.node) === instance && r.end !== undefined && r.end <= before)
        // Free once the previous task's outcome is on the thread (recording it is that task's overhead).
        .map((r) => Math.min(before, Math.max(r.end!, completedAt.get(r.task) ?? r.end!))),
    );
  const won = d.events
    .map((e) => ({ e, m: /^won (\S+) \(attempt 1\)/.exec(e.message) }))
    .filter((x) => x.m)
    .map((x) => ({ task: x.m![1]!, at: x.e.at, node: x.e.node }));
  const claimStart = new Map(won.map((w) => [w.task, Math.max(claimableAt(w.task), freeAt(w.node, w.at))]));
  const claimTimes = won
    .map((w) => w.at - claimStart.get(w.task)!)
    .filter((x) => Number.isFinite(x) && x >= 0);
  const leads = d.events.filter((e) => e.message.includes('this node leads term 1')).map((e) => e.at - d.t0);
  // Overhead: claimable → agent start, plus agent end → outcome on the thread.
  const overheads: number[] = [];
  for (const run of d.agentRuns) {
    const ended = completedAt.get(run.task);
    if (run.end === undefined || ended === undefined) continue;
    overheads.push(
      run.start - (claimStart.get(run.task) ?? claimableAt(run.task)) + Math.max(0, ended - run.end),
    );
  }
  const counted = r.requests;
  return {
    protocol,
    nodes,
    tasks,
    completed: completedAt.size,
    electionMs: leads.length > 0 ? Math.min(...leads) : NaN,
    claimMsMedian: pct(claimTimes, 0.5),
    claimMsP95: pct(claimTimes, 0.95),
    overheadPerTaskMs: overheads.reduce((a, b) => a + b, 0) / Math.max(1, overheads.length),
    countedPerTask: counted / tasks,
    contentPerTask: r.contentCreating / tasks,
    share304: r.notModified / Math.max(1, r.notModified + counted),
    virtualMinutes: r.virtualMs / 60_000,
    wallSeconds: r.wallMs / 1000,
    perTaskByPhase: byPhase(d.events, tasks),
    perTaskByRoute: Object.fromEntries(
      Object.entries(d.byRoute)
        .sort(([, a], [, b]) => b - a)
        .map(([route, n]) => [route, Math.round((n / tasks) * 100) / 100]),
    ),
  };
}

/** Simulate one row and reduce it to its figures; throws when the run broke an invariant. */
export async function runRow(
  protocol: Figures['protocol'],
  nodes: number,
  tasks: number,
  seed = nodes * 1000 + tasks,
): Promise<Figures> {
  const s = schedule(nodes, tasks, seed);
  const result = await simulate(s, {
    details: true,
    limitMs: 48 * 3600_000,
    ...(protocol === 'seed' ? { program: seedProtocolNode } : {}),
  });
  if (protocol === 'p2p-dev' && result.violations.length > 0)
    throw new Error(`p2p-dev at ${nodes}×${tasks}: ${result.violations.join('; ')}`);
  return figures(protocol, nodes, tasks, result);
}

/** Sums the `API use: … (electing 3, claiming 5, …)` line every node logs at its end. */
function byPhase(events: { message: string }[], tasks: number): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const e of events) {
    const m = /^API use: \d+ counted requests, \d+ free 304s \((.*)\)$/.exec(e.message);
    for (const part of m?.[1]?.split(', ') ?? []) {
      const cut = part.lastIndexOf(' ');
      const phase = part.slice(0, cut);
      sums[phase] = (sums[phase] ?? 0) + Number(part.slice(cut + 1));
    }
  }
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, Math.round((v / tasks) * 100) / 100]));
}
