// One benchmark row: the real node code (or the seed protocol) simulated at a size, reduced to the figures the
// table shows. Each row runs in a process of its own (bench/row.ts): libraries keep state between simulations
// in one process, and a row's figures must not depend on what ran before it.
import { seededRandom } from '../emulator/clock.js';
import type { LoggedRequest } from '../emulator/index.js';
import { decode } from '../src/protocol/codec.js';
import { taskViews } from '../src/protocol/decide.js';
import type { ThreadComment } from '../src/protocol/thread-comment.js';
import type { EmulatorLimits, Schedule } from '../sim/schedule.js';
import { simulate, type SimResult } from '../sim/simulate.js';
import { seedProtocolNode } from './seed-protocol.js';

const DEFAULTS = { settleMs: 2000, pollMs: 3000, heartbeatMs: 300_000, leaseMs: 900_000 };

/**
 * The limits a row runs under, as GitHub documents them, unscaled (the rows run at the action's default
 * timings, so no scaling applies). Every row runs under GITHUB_TOKEN's unless `--limits` says otherwise:
 *
 * - `github-token` (the default): 1,000 counted requests an hour for the repository, shared by all its nodes;
 *   80 content-creating requests a minute and 500 an hour for the bot identity, edits counting;
 *   `retry-after` on every secondary-limit answer;
 * - `app-token`: a GitHub App's installation token, 5,000 requests an hour (GitHub's least for one), with the
 *   same limits on content (they are per identity, whatever the token).
 *
 * A row whose nodes need more waits for the limits, and its figures (time, claim latency, overhead, limit
 * answers) show it: the bench does not raise them to look faster.
 */
export const LIMIT_PROFILES = {
  'github-token': {
    rateLimit: { limit: 1000, windowMs: 3_600_000 },
    contentLimit: { perMinute: 80, perHour: 500, retryAfter: true },
  },
  'app-token': {
    rateLimit: { limit: 5000, windowMs: 3_600_000 },
    contentLimit: { perMinute: 80, perHour: 500, retryAfter: true },
  },
} as const satisfies Record<string, EmulatorLimits>;

export type LimitProfile = keyof typeof LIMIT_PROFILES;

export const isLimitProfile = (x: string | undefined): x is LimitProfile =>
  x !== undefined && Object.hasOwn(LIMIT_PROFILES, x);

/** GITHUB_TOKEN's budget: counted requests an hour, per repository. */
export const GITHUB_TOKEN_PER_HOUR = 1000;

export function schedule(
  nodes: number,
  tasks: number,
  seed: number,
  limits: LimitProfile = 'github-token',
): Schedule {
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
    emulator: {
      latencyMs: [50, 300],
      listingLagMs: 300,
      listingLagJitterMs: 1200,
      failureRate: 0,
      ...LIMIT_PROFILES[limits],
    },
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
  /** Counted requests (all nodes) per hour of the run's virtual time. */
  countedPerHour: number;
  /** Whether that rate fits GITHUB_TOKEN's 1,000 an hour. */
  fitsGithubToken: boolean;
  /** Answers that were a limit (the budget used up, or the content limit): the run waited on them. */
  limitAnswers: number;
  /** The limits the row ran under, and their name. */
  limits: EmulatorLimits;
  limitProfile: LimitProfile;
  /** Why the run did not finish (within 48 virtual hours, or at all), if it did not. */
  unfinished?: string;
  virtualMinutes: number;
  wallSeconds: number;
  /** Counted requests per task by route (listings split into first pages, later pages and `since`). */
  perTaskByRoute: Record<string, number>;
  /** Counted requests per task by what the node was doing (from the nodes' own `API use` log lines). */
  perTaskByPhase: Record<string, number>;
  /** Writes (posts and edits of comments that landed) per task, all nodes. */
  writesPerTask: number;
  /** Those writes per task by what they wrote: `post bid`, `edit claim`, `edit checklist`, …. */
  writesPerTaskByKind: Record<string, number>;
}

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
};

/** When each task became claimable: the plan's time, or its dependencies' completion, whichever is later. */
export function figures(
  protocol: Figures['protocol'],
  nodes: number,
  tasks: number,
  r: SimResult,
  limitProfile: LimitProfile = 'github-token',
): Figures {
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
  const countedPerHour = counted / (r.virtualMs / 3_600_000);
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
    countedPerHour,
    fitsGithubToken: countedPerHour <= GITHUB_TOKEN_PER_HOUR,
    limitAnswers:
      r.limited.budget + r.limited.exhausted + r.limited.content + r.limited.secondary + r.limited.silent,
    limits: LIMIT_PROFILES[limitProfile],
    limitProfile,
    virtualMinutes: r.virtualMs / 60_000,
    wallSeconds: r.wallMs / 1000,
    perTaskByPhase: byPhase(d.events, tasks),
    ...writes(d.requests, d.comments, tasks),
    perTaskByRoute: Object.fromEntries(
      Object.entries(d.byRoute)
        .sort(([, a], [, b]) => b - a)
        .map(([route, n]) => [route, Math.round((n / tasks) * 100) / 100]),
    ),
  };
}

/** What a run that did not get to its end reports: the time ran out, or nothing was left to wait on. */
const UNFINISHED = [
  /^the run did not finish within/,
  /^the run stalled/,
  /^no plan was published$/,
  /^\S+ ended \S+, not completed, failed or skipped$/,
];

/**
 * Simulate one row and reduce it to its figures. A run that did not finish (under the limits, 48 virtual
 * hours were not enough) is a figure too, reported as such; any other broken invariant throws.
 */
export async function runRow(
  protocol: Figures['protocol'],
  nodes: number,
  tasks: number,
  seed = nodes * 1000 + tasks,
  limits: LimitProfile = 'github-token',
): Promise<Figures> {
  const s = schedule(nodes, tasks, seed, limits);
  const result = await simulate(s, {
    details: true,
    limitMs: 48 * 3600_000,
    ...(protocol === 'seed' ? { program: seedProtocolNode } : {}),
  });
  const unfinished = result.violations.filter((v) => UNFINISHED.some((re) => re.test(v)));
  const broken = result.violations.filter((v) => !unfinished.includes(v));
  if (protocol === 'p2p-dev' && broken.length > 0)
    throw new Error(`p2p-dev at ${nodes}×${tasks}: ${broken.join('; ')}`);
  const out = figures(protocol, nodes, tasks, result, limits);
  // (The seed protocol is not checked: its runs are what they are.)
  if (protocol === 'p2p-dev' && unfinished.length > 0) {
    const tasksLeft = unfinished.filter((v) => / ended /.test(v));
    out.unfinished = [
      ...unfinished.filter((v) => !/ ended /.test(v)),
      ...(tasksLeft.length > 0 ? [`${tasksLeft.length} task(s) not completed, failed or skipped`] : []),
    ].join('; ');
  }
  return out;
}

/**
 * The writes that landed, by what they wrote: a post by the kind of comment it made (the thread's comments are
 * all the nodes': the bench has no people on it), an edit by the kind of comment it edited.
 */
function writes(
  requests: LoggedRequest[],
  comments: ThreadComment[],
  tasks: number,
): Pick<Figures, 'writesPerTask' | 'writesPerTaskByKind'> {
  const kindOf = new Map<number, string>();
  for (const c of comments) {
    const d = decode(c.body);
    kindOf.set(c.id, d.kind === 'message' ? d.message.type : d.kind);
  }
  const counts: Record<string, number> = {};
  const add = (key: string): void => void (counts[key] = (counts[key] ?? 0) + 1);
  for (const c of comments) add(`post ${kindOf.get(c.id)}`);
  for (const r of requests) {
    if (typeof r.status !== 'number' || r.status >= 300) continue;
    const edit = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)/.exec(r.path);
    if (r.method === 'PATCH' && edit) add(`edit ${kindOf.get(Number(edit[1])) ?? 'deleted'}`);
    else if (r.method === 'PATCH' || r.method === 'DELETE') add(`${r.method.toLowerCase()} other`);
  }
  const per = (n: number): number => Math.round((n / tasks) * 100) / 100;
  const sorted = Object.entries(counts).sort(([, a], [, b]) => b - a);
  return {
    writesPerTask: per(sorted.reduce((sum, [, n]) => sum + n, 0)),
    writesPerTaskByKind: Object.fromEntries(sorted.map(([k, n]) => [k, per(n)])),
  };
}

/** Sums the `API use: … (electing 3, claiming 5, …)` line every node logs at its end. */
function byPhase(events: { message: string }[], tasks: number): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const e of events) {
    // (The line may end with the node's reads of the Actions API, which its phases already count.)
    const m = /^API use: \d+ counted requests, \d+ free 304s \(([^)]*)\)/.exec(e.message);
    for (const part of m?.[1]?.split(', ') ?? []) {
      const cut = part.lastIndexOf(' ');
      const phase = part.slice(0, cut);
      sums[phase] = (sums[phase] ?? 0) + Number(part.slice(cut + 1));
    }
  }
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, Math.round((v / tasks) * 100) / 100]));
}
