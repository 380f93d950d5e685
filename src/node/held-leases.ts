// The leases one node keeps alive (its bids, its claim), and the length of the next lease it writes: its
// settings' while the API budget allows, longer when the budget left cannot pay for their heartbeats until it
// resets (lease-length.ts). Kept by the node's client, the one thing every part of a node shares.
import type { GitHubClient } from '../github/client.js';
import type { NodeContext } from './context.js';
import { leaseLength, type LeaseLength } from './lease-length.js';
import { formatDuration } from '../protocol/render.js';

export interface HeldLeases {
  /** The lease keepers heartbeating now. */
  keepers: Set<object>;
  /** The longest lease this node announced, ms, when longer than its settings' (0: never). */
  longestMs: number;
}

const byClient = new WeakMap<GitHubClient, HeldLeases>();

export function heldLeases(client: GitHubClient): HeldLeases {
  let held = byClient.get(client);
  if (!held) {
    held = { keepers: new Set(), longestMs: 0 };
    byClient.set(client, held);
  }
  return held;
}

/**
 * The lease for a write of a lease now: a heartbeat of one this node keeps, or (`adding`) the first write
 * of a new one.
 */
export function leaseNow(ctx: NodeContext, adding = false): LeaseLength {
  const held = heldLeases(ctx.client);
  const { remaining, resetAt, windowMs } = ctx.client.budget;
  return leaseLength({
    leaseMs: ctx.config.leaseMs,
    heartbeatMs: ctx.config.heartbeatMs,
    remaining,
    resetAt,
    windowMs,
    now: ctx.client.clock.now(),
    held: Math.max(1, held.keepers.size + (adding ? 1 : 0)),
    sharers: ctx.config.instances ?? 1,
  });
}

/** Note a lease this node announces; says why when it is a quarter longer than any before (or the first). */
export function noteLease(ctx: NodeContext, leaseMs: number, heartbeatMs: number, what: string): void {
  const held = heldLeases(ctx.client);
  if (leaseMs <= ctx.config.leaseMs || leaseMs <= held.longestMs) return;
  const before = held.longestMs;
  held.longestMs = leaseMs;
  if (before > 0 && leaseMs < 1.25 * before) return;
  const { remaining, resetAt } = ctx.client.budget;
  const reset = resetAt !== undefined ? new Date(resetAt).toISOString().slice(11, 19) : 'an unknown time';
  ctx.log.info(
    `request budget low: ${remaining ?? '?'} left until the reset at ${reset} UTC, too few for the heartbeats of ${held.keepers.size || 1} lease(s) shared by ${ctx.config.instances ?? 1} node(s); leases lengthened to ${formatDuration(leaseMs)}, heartbeats every ${formatDuration(heartbeatMs)} (${what})`,
  );
}
