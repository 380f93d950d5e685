// A seed's whole schedule, drawn up front from one PRNG: the run's size and timings, the GitHub it meets
// (latency, lag, its rate limits, faults over time), which nodes crash and where, clock skew, and forged
// comments.
//
// Reproducibility: everything added with GitHub's limits (the limits themselves and the faults tagged
// 'budget-past-lease' and 'silent-secondary') is drawn after everything drawn before them, and issue 19 part
// 4's faults (tagged 'outage', and `simFaults`: sim/fault-schedule.ts) after those, so a seed's nodes, tasks,
// timings, crashes, older faults and forgeries are what they always were. What a seed does still changes,
// since it now meets the limits and the new faults; `{ classic: true }` (`--classic` on the command line)
// draws the schedule as it was before, with no limits and none of those faults.
import { seededRandom } from '../emulator/clock.js';
import type { Fault } from '../emulator/faults.js';
import { drawSimFaults, type SimFaults } from './fault-schedule.js';

export type CrashPoint =
  | { at: 'time'; afterMs: number }
  | { at: 'before-claim' | 'after-claim' | 'before-plan' | 'after-plan' | 'before-outcome'; nth: number }
  | { at: 'mid-agent'; nth: number; fraction: number };

export interface SimNodePlan {
  instance: number;
  /** This node's clock minus the server's, ms. */
  skewMs: number;
  crash?: CrashPoint;
}

export type Forgery = 'replay' | 'bid' | 'plan' | 'claim-completed' | 'malformed' | 'oversized';

/** Faults added with GitHub's limits and since, told apart from the older ones for the figures. */
export type FaultTag = 'budget-past-lease' | 'silent-secondary' | 'outage';

/**
 * GitHub's limits on GITHUB_TOKEN, as documented: 1,000 counted requests an hour per repository, shared by
 * every job of it; 80 content-creating requests a minute and 500 an hour per identity, edits counting; a
 * secondary limit answered with or without `retry-after`.
 */
export const GITHUB_LIMITS = {
  requestsPerHour: 1000,
  contentPerMinute: 80,
  contentPerHour: 500,
  /** The action's default `lease-timeout-s`, which the scaling below measures a schedule's time by. */
  defaultLeaseMs: 900_000,
} as const;

/** How a schedule's limits were derived from GitHub's (see githubLimits). */
export interface LimitModel {
  /** How much faster this schedule's clock runs than the action's defaults: 900 s ÷ its lease. */
  timeScale: number;
  /** The part of GitHub's budgets this run has to itself; the repository's other jobs spend the rest. */
  share: number;
}

/** The emulator's limits for a schedule: always given explicitly, never the emulator's defaults. */
export interface EmulatorLimits {
  rateLimit: { limit: number; windowMs: number };
  /** `null`: no secondary limit on content. */
  contentLimit: { perMinute: number; perHour: number; retryAfter: boolean } | null;
}

export interface Schedule {
  seed: number;
  nodes: SimNodePlan[];
  tasks: { title: string; depends: number[] }[];
  maxAttempts: number;
  timings: { settleMs: number; pollMs: number; heartbeatMs: number; leaseMs: number };
  agent: { minMs: number; maxMs: number; failRate: number };
  emulator: {
    latencyMs: [number, number];
    listingLagMs: number;
    listingLagJitterMs: number;
    failureRate: number;
  } & EmulatorLimits;
  /** How the limits above were scaled from GitHub's; absent when they are not GitHub's (`classic`). */
  limits?: LimitModel;
  /** Faults queued at a virtual time after the start. */
  faults: { atMs: number; fault: Fault; tag?: FaultTag }[];
  /** Faults on one node or on every node of the identity, injected between the nodes and the emulator. */
  simFaults?: SimFaults;
  forgeries: { atMs: number; kind: Forgery; as: 'outsider' | 'collaborator' }[];
}

/**
 * GitHub's limits at a schedule's speed. The simulation runs 15 to 150 times faster than the action's
 * defaults (leases of 6–60 s against 900 s, heartbeats of 2–10 s against 300 s, 3–6 to a lease against 3),
 * so GitHub's numbers as such would mean something else here: a heartbeat every 2 s from seven nodes is 210
 * edits a minute, which no real run at the defaults makes. Time is scaled by the lease, `c` = 900 s ÷ lease:
 *
 * - primary: GitHub's 1,000 requests an hour are 1,000 per four default leases, so here the budget is
 *   1,000 × share per fixed window of 4 × lease (the emulator's window, like GitHub's, starts at the first
 *   request and resets whole). Used up, it holds every node back for up to four leases, as GitHub's hour
 *   would at the defaults;
 * - content: one virtual minute here stands for `c` real minutes, in which GitHub allows 80 × c, but at
 *   most 500 while `c` ≤ 60 (the hourly limit binds from c = 6.25 on) and 500 × c ÷ 60 beyond (the hourly
 *   rate): perMinute = min(80 × c, 500 × max(1, c ÷ 60)) × share, which is 500 × max(1, c ÷ 60) here. One
 *   virtual hour stands for `c` real hours: perHour = 500 × c × share. At c = 1 (the default lease) both are
 *   GitHub's own, 80 and 500. Edits count, as on GitHub;
 * - `retry-after`: GitHub does not always send it; without it the client waits 60 s (plugin-throttling's
 *   fallback), which is not scaled: a virtual minute is 1 to 10 leases here. One seed in three.
 *
 * `share` is the part of the repository's budgets this run has: GitHub's limits are per repository and
 * identity, shared by every job there. At share 1 the simulation's small runs (2–7 nodes, 1–9 tasks) rarely
 * reach the budget, as real runs of that size rarely do; the smaller shares (a busy repository) make about
 * a quarter of the seeds run out of it and some hit the content limit.
 */
export function githubLimits(
  leaseMs: number,
  share: number,
  retryAfter: boolean,
  /** The part of the content limit per minute this run has (other jobs writing as the same identity). */
  minuteShare = share,
): EmulatorLimits {
  const c = GITHUB_LIMITS.defaultLeaseMs / leaseMs;
  return {
    rateLimit: {
      limit: Math.max(1, Math.round(GITHUB_LIMITS.requestsPerHour * share)),
      windowMs: 4 * leaseMs,
    },
    contentLimit: {
      perMinute: Math.max(
        1,
        Math.round(
          Math.min(GITHUB_LIMITS.contentPerMinute * c, GITHUB_LIMITS.contentPerHour * Math.max(1, c / 60)) *
            minuteShare,
        ),
      ),
      perHour: Math.max(1, Math.round(GITHUB_LIMITS.contentPerHour * c * share)),
      retryAfter,
    },
  };
}

/** No limits at all: the simulation as it was before GitHub's were modelled (`classic`). */
export const NO_LIMITS: EmulatorLimits = {
  rateLimit: { limit: 1_000_000_000, windowMs: 3_600_000 },
  contentLimit: null,
};

export interface DrawOptions {
  /** The schedule as drawn before GitHub's limits were modelled: no limits, none of the faults added since. */
  classic?: boolean;
}

export function drawSchedule(seed: number, options: DrawOptions = {}): Schedule {
  const rnd = seededRandom(seed * 7919 + 17);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;

  // One seed in twenty is a long run: a thread of several pages, where listings must page correctly.
  const long = rnd() < 0.05;
  const nodeCount = long ? int(8, 16) : int(2, 7);
  const taskCount = long ? int(60, 120) : int(1, 9);
  const tasks = Array.from({ length: taskCount }, (_, i) => {
    const depends: number[] = [];
    for (let d = 0; d < i; d++) if (rnd() < (long ? 0.01 : 0.2)) depends.push(d + 1);
    return { title: `Task ${i + 1}`, depends };
  });
  const heartbeatMs = pick([2000, 5000, 10_000]);
  const timings = {
    settleMs: pick([500, 1000, 2000]),
    pollMs: pick([500, 1000, 3000]),
    heartbeatMs,
    leaseMs: heartbeatMs * int(3, 6),
  };

  // Crashes: never every node, so the run can always finish.
  const crashing = Math.min(nodeCount - 1, pick([0, 0, 1, 1, 2, 3]));
  const points: CrashPoint['at'][] = [
    'time',
    'before-claim',
    'after-claim',
    'before-plan',
    'after-plan',
    'before-outcome',
    'mid-agent',
  ];
  const crashAt = (): CrashPoint => {
    const at = pick(points);
    if (at === 'time') return { at, afterMs: int(0, 120_000) };
    if (at === 'mid-agent') return { at, nth: int(1, 2), fraction: rnd() };
    return { at, nth: at.includes('plan') ? 1 : int(1, 2) };
  };
  const order = Array.from({ length: nodeCount }, (_, i) => i).sort(() => rnd() - 0.5);
  const crashers = new Set(order.slice(0, crashing));
  const nodes: SimNodePlan[] = Array.from({ length: nodeCount }, (_, i) => ({
    instance: i + 1,
    skewMs: pick([0, 0, int(-300_000, 300_000), int(-5000, 5000)]),
    ...(crashers.has(i) ? { crash: crashAt() } : {}),
  }));

  const faults: Schedule['faults'] = [];
  const faultCount = int(0, 6);
  for (let i = 0; i < faultCount; i++) {
    const atMs = int(0, 150_000);
    const kind = pick(['burst', 'lost', 'secondary', 'primary', 'down'] as const);
    if (kind === 'burst')
      faults.push({ atMs, fault: { kind: 'status', status: pick([500, 502, 503]), count: int(1, 12) } });
    else if (kind === 'lost')
      faults.push({
        atMs,
        fault: {
          kind: 'lost-response',
          count: int(1, 3),
          match: { method: 'POST', pathIncludes: '/comments' },
        },
      });
    else if (kind === 'secondary')
      faults.push({
        atMs,
        fault: { kind: 'secondary-rate-limit', retryAfter: int(1, 30), count: int(1, 4) },
      });
    else if (kind === 'primary')
      faults.push({ atMs, fault: { kind: 'primary-rate-limit', resetInSeconds: int(5, 90) } });
    else faults.push({ atMs, fault: { kind: 'down', forMs: int(1000, 40_000) } });
  }

  const forgeries: Schedule['forgeries'] = [];
  const forgeryCount = int(0, 4);
  for (let i = 0; i < forgeryCount; i++)
    forgeries.push({
      atMs: int(0, 60_000),
      kind: pick(['replay', 'bid', 'plan', 'claim-completed', 'malformed', 'oversized'] as const),
      as: pick(['outsider', 'collaborator'] as const),
    });

  // Drawn in the order they always were (these were drawn inside the object below).
  const maxAttempts = int(1, 3);
  const agent = { minMs: int(500, 5000), maxMs: int(5000, 60_000), failRate: pick([0, 0, 0.1, 0.3]) };
  const emulator = {
    latencyMs: [int(5, 50), int(60, 400)] as [number, number],
    listingLagMs: pick([0, 200, 1000, 3000]),
    listingLagJitterMs: pick([0, 500, 2000, 4000]),
    failureRate: pick([0, 0, 0.02, 0.05, 0.1]),
  };
  const base = { seed, nodes, tasks, maxAttempts, timings, agent, faults, forgeries };
  if (options.classic) return { ...base, emulator: { ...emulator, ...NO_LIMITS } };

  // ---- Drawn after everything above: GitHub's limits, and the faults that go with them. ----
  const limits: LimitModel = {
    timeScale: Math.round((GITHUB_LIMITS.defaultLeaseMs / timings.leaseMs) * 100) / 100,
    share: pick([1, 1, 0.5, 0.2, 0.1, 0.05]),
  };
  const retryAfter = rnd() < 2 / 3;
  // (a) The repository's whole budget used up (by this run or another job) for longer than a lease: every
  // node is held back past everyone's lease, then it resets.
  const budgetFaults = rnd() < 0.4 ? int(1, 2) : 0;
  for (let i = 0; i < budgetFaults; i++)
    faults.push({
      atMs: int(2000, 90_000),
      fault: {
        kind: 'primary-rate-limit',
        resetInSeconds: Math.ceil((timings.leaseMs * (1.2 + 1.8 * rnd())) / 1000),
      },
      tag: 'budget-past-lease',
    });
  // (b) Silent secondary limits: several answers in a row, 403 or 429, without retry-after, so the client
  // waits at least a minute each time: longer than a short lease. Some hit only edits (heartbeats, outcomes)
  // or only comment posts (claims).
  const silentBursts = rnd() < 0.4 ? int(1, 2) : 0;
  for (let i = 0; i < silentBursts; i++) {
    const match = pick([undefined, undefined, { method: 'PATCH' }, { method: 'POST' }]);
    faults.push({
      atMs: int(2000, 90_000),
      fault: {
        kind: 'secondary-rate-limit',
        status: pick([403, 429] as const),
        count: int(2, 5),
        ...(match ? { match } : {}),
      },
      tag: 'silent-secondary',
    });
  }
  // ---- Drawn after everything above: issue 19 part 4's faults (sim/fault-schedule.ts). ----
  const drawn = drawSimFaults({ rnd, int, pick }, { leaseMs: timings.leaseMs, nodeCount });
  for (const outage of drawn.outages) faults.push({ ...outage, tag: 'outage' });
  // ---- Drawn last: an identity whose writes other jobs use up at times. Since issue 20 paced heartbeats
  // and the checklist, a run alone rarely meets the content limit; some seeds leave it only 1–2% of the
  // minute's (its answers' retry-after stays within the minute, which the progress bound allows). ----
  const minuteShare = rnd() < 0.15 ? pick([0.02, 0.01]) : limits.share;
  return {
    ...base,
    emulator: {
      ...emulator,
      ...githubLimits(timings.leaseMs, limits.share, retryAfter, minuteShare),
    },
    limits,
    simFaults: drawn.sim,
  };
}
