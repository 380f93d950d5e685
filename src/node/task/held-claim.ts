// A claim this node holds on a task, what an attempt's end can be, and the fields every edit of the claim
// carries (a takeover's ground, the cap it asked, the outcome it carries).
import type { Claim, PriorOutcome } from '../../protocol/messages.js';
import { type PendingOutcome } from './carried-outcome.js';
import { LeaseKeeper } from '../watches/lease-keeper.js';
import { type ClaimFields } from '../loop/message-bodies.js';

export interface HeldClaim {
  task: string;
  attempt: number;
  nonce: string;
  /** A takeover of a node whose job had ended: carried in every edit of the claim. */
  takeover?: Claim['takeover'];
  /** What the claim asked of the run's budget (`cap_usd`): carried in every edit of the claim. */
  capUsd?: number;
  /** What the fold granted it: the most the attempt's agents are given to spend. */
  grantUsd?: number;
  /** The outcome of the node's previous attempt that this claim records: carried in every edit of the claim. */
  prior?: PriorOutcome;
  keeper: LeaseKeeper;
  /** The client's request counts before the claim was posted: what the task cost is measured from here. */
  statsBefore: { counted: number; writes: number };
  /** Set when the lease is lost, or the attempt superseded (the agent is then stopped). */
  lost?: string;
  onLost?: (reason: string) => void;
  /** The attempt before this one had finished first and its outcome came in late: this one does not count. */
  superseded?: string;
  /** Set when the run is stopped from the issue: the agent is stopped and the attempt recorded as failed. */
  stopped?: string;
  onStopped?: (reason: string) => void;
}

export type TaskOutcome = 'completed' | 'failed' | 'fenced' | 'superseded';

export interface TaskEnd {
  outcome: TaskOutcome;
  /** The thread was read while the outcome was written: the view is as fresh as a reading now would be. */
  viewIsFresh: boolean;
  /** The outcome, not written yet: the node's next claim may carry it (carried-outcome.ts). */
  pending?: PendingOutcome;
}

/**
 * The fields of every edit of a held claim: its task and attempt, and a takeover's ground, which the fold
 * judges from the claim's latest version, so that every edit must carry it.
 */
export function heldFields(
  claim: HeldClaim,
  fields: Omit<ClaimFields, 'task' | 'attempt' | 'takeover' | 'cap_usd' | 'prior'>,
): ClaimFields {
  return {
    task: claim.task,
    attempt: claim.attempt,
    ...fields,
    ...(claim.takeover ? { takeover: claim.takeover } : {}),
    ...(claim.capUsd !== undefined ? { cap_usd: claim.capUsd } : {}),
    ...(claim.prior ? { prior: claim.prior } : {}),
  };
}
