// What a comment kept alive by edits proves about its writer (its lease evidence), and the lease rules drawn
// from it: when a lease runs out, whether a comment came after that, whether an attempt had ended before.
import type { AttemptRecord, Evidence } from './run-state.js';

export const time = (iso: string): number => Date.parse(iso);

/**
 * An edit is late when it landed more than the previous write's lease after it (`prev_lease_ms`: a writer
 * may lengthen its lease, and a lengthened lease counts only from the edit that announced it on time).
 */
export function evidenceOf(
  message: { lease_ms: number; beat: number; prev?: number | undefined; prev_lease_ms?: number | undefined },
  created: number,
  updated: number,
): Evidence {
  if (message.beat === 0 || updated <= created) {
    return { start: created, lastAlive: created, leaseMs: message.lease_ms, late: false };
  }
  const prev = Math.max(created, message.prev ?? created);
  const prevLease = message.prev_lease_ms ?? message.lease_ms;
  const late = updated - prev > prevLease;
  if (late) return { start: created, lastAlive: prev, leaseMs: prevLease, late };
  return { start: created, lastAlive: updated, leaseMs: message.lease_ms, late };
}

/** The server time a lease with this evidence runs out: the one line every lease rule is drawn from. */
export function leaseEnd(ev: Evidence): number {
  return ev.lastAlive + ev.leaseMs;
}

/** True when a comment stamped `at` (server time) came after the lease ran out (whole seconds: strict). */
export function leaseExpiredAt(ev: Evidence, at: number): boolean {
  return at > leaseEnd(ev);
}

/**
 * Whether an attempt's end comes before a comment created at server time `at`. An outcome written after its
 * lease ran out could still lose to a takeover posted in its second (a node deciding from a listing without
 * it), so it comes before only from the next second on.
 */
export function endedBefore(a: AttemptRecord, at: number): boolean {
  if (a.endedAt === undefined) return false;
  return a.ev.late ? a.endedAt < at : a.endedAt <= at;
}

/**
 * A late completed outcome whose work had ended while the lease still ran (as its node reckoned the server's
 * clock, with the lease keeper's margin): finished work that GitHub held back, which a takeover does not void.
 */
export function finishedInTime(a: AttemptRecord): boolean {
  const at = a.result?.finished_at;
  return a.state === 'completed' && a.ev.late && at !== undefined && at <= leaseEnd(a.ev);
}
