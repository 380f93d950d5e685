// The spans in which GitHub was failing this client or holding it back, in server time: what a node could not
// have heard, since other writers were most likely held back too (protocol/hearing.ts). A request that failed
// (no answer, a 5xx, a limit) makes the span from the last good answer, at most RECOVERY_MS before it was sent,
// to its failure, and the time a held-back writer needs to get through after (`recoveryMs`); a wait GitHub
// asked for is a span from now to its end, and the same after.
import { RECOVERY_MS, type Span } from '../protocol/hearing.js';

/** Spans kept, the oldest dropped first (only the last lease or so matters). */
const MAX_SPANS = 500;

/**
 * How long after trouble of `ms` a held-back writer may take to get through: its next try comes after a pause
 * that grows with how long it has failed (the retry plugin's 1 s, 4 s, 9 s; `keepTrying`'s doubling pauses),
 * up to RECOVERY_MS.
 */
export function recoveryMs(ms: number): number {
  return Math.min(RECOVERY_MS, 1000 + 2 * ms);
}

export class TroubleLog {
  private readonly list: Span[] = [];
  /** Server ms of the last answer that was neither a fault nor a limit. */
  private lastGood = -Infinity;

  /** A request answered as it should be, at server time `at`. */
  good(at: number): void {
    this.lastGood = Math.max(this.lastGood, at);
  }

  /** A request sent at server time `sentAt` failed (no answer, 5xx, a limit) at `failedAt`. */
  failed(sentAt: number, failedAt: number): void {
    const from = Math.min(sentAt, Math.max(this.lastGood, sentAt - RECOVERY_MS));
    this.add(from, failedAt + recoveryMs(failedAt - from));
  }

  /** GitHub asked this client to wait `ms` from server time `at` (a rate limit). */
  held(at: number, ms: number): void {
    this.add(at, at + ms + recoveryMs(ms));
  }

  /** The spans, sorted and disjoint. */
  spans(): readonly Span[] {
    return this.list;
  }

  private add(from: number, to: number): void {
    if (!(to > from)) return;
    let i = this.list.findIndex((s) => s.to >= from);
    if (i < 0) i = this.list.length;
    let span = { from, to };
    // Merge with every span it touches.
    while (i < this.list.length && this.list[i]!.from <= span.to) {
      const s = this.list[i]!;
      span = { from: Math.min(s.from, span.from), to: Math.max(s.to, span.to) };
      this.list.splice(i, 1);
    }
    this.list.splice(i, 0, span);
    if (this.list.length > MAX_SPANS) this.list.shift();
  }
}
