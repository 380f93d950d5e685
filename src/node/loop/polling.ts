// How long a node waits in each situation, as named policies. A reading of an unchanged thread of less than a
// page costs a free 304; a longer thread is listed page by page, so past a page a node asks only for the
// comment after the last one it knows (`appended`, free while there is none). Everything here is a pure
// function of the settings and what the node knows; the step functions (node-step.ts) pick among them.
import { PER_PAGE } from '../../github/comment-listing.js';
import type { Phase } from './api-ledger.js';

/** The settings the policies read. */
export interface PollSettings {
  pollMs: number;
  settleMs: number;
  leaseMs: number;
}

/** How long a node waiting for a plan watches the end of a long thread before reading all of it again. */
export const PLAN_TAIL_WATCH_MS = 15_000;

/** How often a node asks for the comment after the last one it knows, at most. */
export function tailProbeMs(s: PollSettings): number {
  return Math.min(s.pollMs, 1000);
}

/**
 * Past this many comments, a node waiting for another's plan watches the end of the thread instead of
 * listing it. Two pages at first (the plan is usually moments away and a short thread's listing is cheap),
 * one once the plan has taken more than 3 s (a planner command at work, or hundreds of nodes bidding).
 */
export function planTailThreshold(waitedMs: number): number {
  return waitedMs > 3000 ? PER_PAGE : 2 * PER_PAGE;
}

/**
 * A candidate's or a follower's wait before it reads the thread again while there is no plan. A candidate
 * looks again the moment its settle window ends, and twice a second otherwise (its verdict is moments away);
 * with a leader at work the plan is too, so once a second; with no leader yet, the poll interval.
 */
export function electionWaitMs(
  s: PollSettings,
  w: { candidate: boolean; leader: boolean; settleLeftMs: number },
): number {
  if (w.candidate && w.settleLeftMs > 0) return Math.min(s.pollMs, w.settleLeftMs);
  return Math.min(s.pollMs, w.candidate ? 500 : w.leader ? 1000 : s.pollMs);
}

/**
 * How long a node that has just stood for leader waits before its first reading: the rest of its settle
 * window, at most a poll interval. Before then the election is undecided and the thread changes with every
 * bid, so a reading would cost a counted request and decide nothing; a node joining a run in progress starts
 * working that much later.
 */
export function firstReadingWaitMs(s: PollSettings, sinceBidMs: number): number {
  return Math.max(0, Math.min(s.pollMs, s.settleMs - sinceBidMs));
}

/**
 * How long idle nodes ahead of this one are given to claim a task before it does (chooseTask spreads the
 * nodes by this much): one settle window and two readings, and a second for the clocks.
 */
export function claimStaggerMs(s: PollSettings): number {
  return s.settleMs + 2 * s.pollMs + 1000;
}

/** The longest wait of an idle node between two readings of the thread: a third of a lease, at most a minute. */
export function idleCapMs(s: PollSettings): number {
  return Math.max(s.pollMs, Math.min(s.leaseMs / 3, 60_000));
}

/**
 * An idle node backs off gently while nothing changes: the poll interval for three rounds, then doubling each
 * round up to 64 times it, never past the cap.
 */
export function idleBackOffMs(s: PollSettings, idleRounds: number): number {
  return Math.min(idleCapMs(s), s.pollMs * 2 ** Math.min(Math.max(0, idleRounds - 3), 6));
}

/**
 * Whether an idle node watches the end of the thread instead of listing it: only when the thread is longer
 * than a page (a listing of it is never free), the tail can be read, and no task waits on others (one of
 * those finishing is an edit, which only a listing shows).
 */
export function watchesTail(w: { blocked: number; threadSize: number; canReadTail: boolean }): boolean {
  return w.blocked === 0 && w.threadSize >= PER_PAGE && w.canReadTail;
}

/**
 * How often an idle node reads the reviews of the pull requests of tasks awaiting a person's review, at most:
 * once per poll interval, and never more than every 5 s (each is a free 304 while nobody reviewed).
 */
export function pullReviewPollMs(s: Pick<PollSettings, 'pollMs'>): number {
  return Math.max(s.pollMs, 5000);
}

/** The pause after losing a claim race, drawn at random so that the losers do not race again in step. */
export function lostClaimPauseMs(s: PollSettings, random: number): number {
  return Math.min(s.pollMs, 500) * (1 + random);
}

/**
 * Where a reading's requests are counted in the node's API ledger: electing until there is a plan, catching
 * up right after a task or a claim, otherwise what the node was last waiting for.
 */
export function readingPhase(hasPlan: boolean, current: Phase, waitingFor: Phase): Phase {
  if (!hasPlan) return 'electing';
  return current === 'working' || current === 'claiming' ? 'catching up' : waitingFor;
}

/**
 * How long a node may go without a request to GitHub and without a decision before its watchdog says what it
 * waits for: four poll intervals (12 s at the defaults), at least 10 s (a node that polls ten times a second
 * still waits seconds for an agent, a settle window, a retry).
 */
export function quietSpanMs(s: { pollMs: number }): number {
  return Math.max(4 * s.pollMs, 10_000);
}
