// A seed's whole schedule, drawn up front from one PRNG: the run's size and timings, the GitHub it meets
// (latency, lag, faults over time), which nodes crash and where, clock skew, and forged comments.
import { seededRandom } from '../emulator/clock.js';
import type { Fault } from '../emulator/faults.js';

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
  };
  /** Faults queued at a virtual time after the start. */
  faults: { atMs: number; fault: Fault }[];
  forgeries: { atMs: number; kind: Forgery; as: 'outsider' | 'collaborator' }[];
}

export function drawSchedule(seed: number): Schedule {
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

  return {
    seed,
    nodes,
    tasks,
    maxAttempts: int(1, 3),
    timings,
    agent: { minMs: int(500, 5000), maxMs: int(5000, 60_000), failRate: pick([0, 0, 0.1, 0.3]) },
    emulator: {
      latencyMs: [int(5, 50), int(60, 400)],
      listingLagMs: pick([0, 200, 1000, 3000]),
      listingLagJitterMs: pick([0, 500, 2000, 4000]),
      failureRate: pick([0, 0, 0.02, 0.05, 0.1]),
    },
    faults,
    forgeries,
  };
}
