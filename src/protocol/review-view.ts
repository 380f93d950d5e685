// What a person's review makes of a task's completed work, for a task that asks for one (`review: required`):
// approved or revised (changes asked, the work going on in a revision, fold-review.ts), it is completed;
// without a verdict it waits, holding its dependents back, for the plan's review_timeout_ms after its work
// ended (after the plan, for work an earlier run did); then it is completed unreviewed and its dependents are
// skipped. Pure.
import type { RunState, TaskRecord } from './run-state.js';

/**
 * `awaiting` until `until` (server ms); `timed-out`: nobody gave a verdict in time, and the dependents are
 * skipped; `changes`: the work goes on in the revision `revisedIn`.
 */
export interface ReviewView {
  state: 'awaiting' | 'approved' | 'changes' | 'timed-out';
  by?: string;
  until?: number;
  url?: string;
  revisedIn?: string;
}

/** How long a task waits for its review when the plan does not say (review-timeout-min's default). */
export const DEFAULT_REVIEW_TIMEOUT_MS = 60 * 60_000;

/**
 * For completed work (`endedAt`: when its attempt ended): the review's part of its view, or undefined for a
 * task that asks for none. `status: 'review'` while a verdict is awaited.
 */
export function reviewOf(
  state: RunState,
  record: TaskRecord,
  now: number,
  endedAt: number | undefined,
): { status?: 'review'; reason?: string; review: ReviewView } | undefined {
  if (record.task.review !== 'required') return undefined;
  const verdict = record.review;
  if (verdict) {
    const review: ReviewView = {
      state: verdict.verdict === 'approved' ? 'approved' : 'changes',
      by: verdict.by,
      ...(verdict.url ? { url: verdict.url } : {}),
      ...(verdict.revisedIn ? { revisedIn: verdict.revisedIn } : {}),
    };
    return { review };
  }
  const timeout = state.plan?.reviewTimeoutMs ?? DEFAULT_REVIEW_TIMEOUT_MS;
  const ended = record.task.completed_in ? (state.plan?.created ?? 0) : (endedAt ?? 0);
  const until = ended + timeout;
  if (now < until) return { status: 'review', review: { state: 'awaiting', until } };
  const within = timeout % 60_000 === 0 ? `${timeout / 60_000} min` : `${Math.round(timeout / 1000)} s`;
  return {
    reason: `not reviewed within ${within}`,
    review: { state: 'timed-out', until },
  };
}
