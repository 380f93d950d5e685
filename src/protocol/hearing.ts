// When silence proves something. A node that judges another's lease counts only the silence it could have
// heard: not the spans in which GitHub was failing it or holding it back (an outage, 5xx answers, requests
// that went unanswered, rate limits), when the other's writes were most likely held back too, and not the
// wait GitHub imposes on a silent secondary limit when the Actions API shows the other's job still running.
// The one rule every lapse is drawn from (`heardLeaseEnd`); the fold and the dashboard hear everything.
import { leaseEnd, type Evidence } from './fold.js';

/** A span of server time, ms, `from` ≤ `to`. */
export interface Span {
  from: number;
  to: number;
}

/** What one reader could hear. */
export interface Hearing {
  /** Sorted, disjoint spans of server time in which GitHub was failing or holding back this reader. */
  deaf: readonly Span[];
  /** Nodes whose job the Actions API showed running at the reader's last look. */
  running: ReadonlySet<string>;
}

/** A reader that heard everything and knows nothing of jobs: the fold's, the dashboard's, the aggregate's. */
export const HEARS_ALL: Hearing = { deaf: [], running: new Set() };

/**
 * GitHub's wait after a secondary rate limit answered without `retry-after`: at least a minute. A writer
 * whose job still runs may be sitting it out.
 */
export const SILENT_LIMIT_WAIT_MS = 60_000;

/**
 * How long a writer that GitHub held back may take to get its write through once let go: the longest pause
 * between a node's tries (`keepTrying`), and the most the deaf time counted after trouble may grow by.
 */
export const RECOVERY_MS = 15_000;

/** The extra wait a writer whose job runs is given: GitHub's wait, then the time to get its write through. */
export const RUNNING_GRACE_MS = SILENT_LIMIT_WAIT_MS + RECOVERY_MS;

/**
 * The most deaf time one judgement discounts: a node that GitHub keeps failing still takes a silent
 * writer's task over in the end (after the lease, the grace and this, at most).
 */
export function deafCapMs(leaseMs: number): number {
  return Math.max(2 * leaseMs, 10 * 60_000);
}

/**
 * The server time the writer's lease ends for this reader: its lease, counted in time the reader could have
 * heard it (deaf spans after the writer's last sign of life do not count, up to `deafCapMs`), plus
 * `RUNNING_GRACE_MS` when the writer's job was running at the last look. Deafness still to come is unknown:
 * the end moves later if the reader goes deaf before it.
 */
export function heardLeaseEnd(ev: Evidence, node: string, hearing: Hearing): number {
  const grace = hearing.running.has(node) ? RUNNING_GRACE_MS : 0;
  let end = leaseEnd(ev) + grace;
  if (hearing.deaf.length === 0) return end;
  let discounted = 0;
  const cap = deafCapMs(ev.leaseMs);
  for (const span of hearing.deaf) {
    if (span.to <= ev.lastAlive) continue;
    if (span.from >= end) break;
    const overlap = span.to - Math.max(span.from, ev.lastAlive);
    const counted = Math.min(overlap, cap - discounted);
    discounted += counted;
    end += counted;
    if (discounted >= cap) break;
  }
  return end;
}

/** Deaf time from `since` (server ms) on, for logs. */
export function deafSince(hearing: Hearing, since: number): number {
  let total = 0;
  for (const span of hearing.deaf) if (span.to > since) total += span.to - Math.max(span.from, since);
  return total;
}
