// How long a node may go without progress, and the record of each node's progress. Progress is anything that
// shows the node is not stuck: a request answered (whatever the answer, a failure after the time limit too),
// a wait of its own ending (a step of its loop), its agent starting or ending, the node finishing.
import { idleCapMs } from '../src/node/loop/polling.js';
import { KEEP_TRYING_MAX_PAUSE_MS } from '../src/node/loop/keep-trying.js';
import { LOW_BUDGET_STRETCH } from '../src/node/loop/headroom.js';
import { REQUEST_LIMIT_MS, SILENT_LIMIT_MS } from './fault-schedule.js';
import type { Schedule } from './schedule.js';

/** plugin-retry's longest back-off between two tries of one request (1 s, 4 s, 9 s). */
export const RETRY_PAUSE_MS = 9000;

/** Latency (at most 0.4 s here), comments spaced a second apart, the throttling plugin's extra second. */
export const PROGRESS_SLACK_MS = 3000;

/** The bound and what it is made of (ms). */
export interface ProgressBound {
  boundMs: number;
  /** The longest wait a node's own policies take in one go (a wait ending is progress). */
  ownWaitMs: number;
  /** The longest wait GitHub may impose in one answer on this schedule. */
  githubWaitMs: number;
}

/**
 * The most a node may go without progress on this schedule. A gap in a node's progress is one of:
 *
 * - one of its own waits: at most the idle cap stretched for a low budget (4 × max(poll, min(lease / 3,
 *   60 s))), the wait for listings to catch up before a takeover (the `listing-lag-ms` the nodes are given,
 *   and a second), or `keepTrying`'s longest pause (15 s);
 * - a request sent after a wait or an answer: a connection that never answers fails after the request time
 *   limit (30 s), after a pause of plugin-retry's of at most 9 s;
 * - a wait GitHub imposed, then the request sent after it (which may hang in turn): a silent secondary limit
 *   (60 s), a `retry-after` (the injected ones, the identity's limits and the content limit per minute all
 *   stay within 60 s), or a used-up budget's reset (the schedule's window of four leases, or an injected
 *   exhaustion's reset), and the second plugin-throttling adds.
 *
 * The bound is the longest of those, plus PROGRESS_SLACK_MS. The content limit per hour asks for a longer
 * wait, up to its hour: the simulation's seeds are too short to reach it, but a benchmark row whose claims and
 * outcomes alone pass it gets the hour in its bound.
 */
export function progressBound(schedule: Schedule, listingLagMs: number): ProgressBound {
  const { pollMs, leaseMs, settleMs } = schedule.timings;
  const ownWaitMs = Math.max(
    LOW_BUDGET_STRETCH * idleCapMs({ pollMs, leaseMs, settleMs }),
    listingLagMs + 1000,
    KEEP_TRYING_MAX_PAUSE_MS,
  );
  let githubWaitMs = SILENT_LIMIT_MS;
  const content = schedule.emulator.contentLimit;
  if (content) githubWaitMs = Math.max(githubWaitMs, 60_000);
  // A run whose claims and outcomes alone pass the content limit's hour (the benchmark's large rows) waits
  // out the rest of that hour, as GitHub makes it.
  if (content && 2 * schedule.tasks.length > content.perHour)
    githubWaitMs = Math.max(githubWaitMs, 3_600_000);
  if (schedule.limits) githubWaitMs = Math.max(githubWaitMs, schedule.emulator.rateLimit.windowMs);
  for (const { fault } of schedule.faults) {
    if (fault.kind === 'primary-rate-limit')
      githubWaitMs = Math.max(githubWaitMs, fault.resetInSeconds * 1000);
    if (fault.kind === 'secondary-rate-limit')
      githubWaitMs = Math.max(githubWaitMs, (fault.retryAfter ?? 0) * 1000);
  }
  for (const limit of schedule.simFaults?.identity ?? [])
    githubWaitMs = Math.max(githubWaitMs, limit.blockMs + 1000);
  const boundMs =
    Math.max(ownWaitMs, RETRY_PAUSE_MS + REQUEST_LIMIT_MS, githubWaitMs + 1000 + REQUEST_LIMIT_MS) +
    PROGRESS_SLACK_MS;
  return { boundMs, ownWaitMs, githubWaitMs };
}

/** Each node's progress, in virtual ms: when it started, each sign of progress, and when it stopped. */
export class ProgressLog {
  private readonly times = new Map<string, number[]>();
  private readonly ends = new Map<string, number>();

  note(node: string, at = Date.now()): void {
    if (this.ends.has(node)) return;
    const list = this.times.get(node);
    if (!list) this.times.set(node, [at]);
    else if (list.at(-1) !== at) list.push(at);
  }

  /** The node finished (progress), or crashed: nothing after counts. */
  end(node: string, at = Date.now(), progress = true): void {
    if (this.ends.has(node)) return;
    if (progress) this.note(node, at);
    this.ends.set(node, at);
  }

  /** Every node's record; a node still running ends `now`. */
  records(now: number): { node: string; times: readonly number[]; end: number }[] {
    return [...this.times].map(([node, times]) => ({ node, times, end: this.ends.get(node) ?? now }));
  }
}

/** The longest gap in any node's progress, ms. */
export function longestQuiet(records: readonly { times: readonly number[]; end: number }[]): number {
  let worst = 0;
  for (const { times, end } of records) {
    const all = [...times, end];
    for (let i = 1; i < all.length; i++) worst = Math.max(worst, all[i]! - all[i - 1]!);
  }
  return worst;
}
