// The leases one node keeps alive (its bids, its claim), and the length of the next lease it writes: its
// settings' while the API budget allows, longer when the budget left cannot pay for their heartbeats until it
// resets (lease-length.ts). Kept by the node's client, the one thing every part of a node shares.
import type { GitHubClient } from '../../github/client.js';
import type { NodeContext } from '../loop/context.js';
import { HEARTBEAT_WRITES_PER_HOUR, leaseLength, pacedLease, type LeaseLength } from './lease-length.js';
import { formatDuration } from '../../protocol/render.js';

export interface HeldLeases {
  /** The lease keepers heartbeating now. */
  keepers: Set<object>;
  /** The longest lease this node announced, ms, when longer than the paced one (0: never). */
  longestMs: number;
  /** Whether this node said why its leases are longer than its settings' for the matrix's sake. */
  pacingSaid: boolean;
}

const byClient = new WeakMap<GitHubClient, HeldLeases>();

export function heldLeases(client: GitHubClient): HeldLeases {
  let held = byClient.get(client);
  if (!held) {
    held = { keepers: new Set(), longestMs: 0, pacingSaid: false };
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
    writesPerHour: ctx.config.heartbeatWritesPerHour,
  });
}

/** The lease and heartbeat the matrix size sets, before any lengthening for a short budget. */
export function pacedLeaseOf(ctx: NodeContext): { leaseMs: number; heartbeatMs: number } {
  return pacedLease({
    leaseMs: ctx.config.leaseMs,
    heartbeatMs: ctx.config.heartbeatMs,
    sharers: ctx.config.instances ?? 1,
    writesPerHour: ctx.config.heartbeatWritesPerHour,
  });
}

/** Note a lease this node announces; says why when it is a quarter longer than any before (or the first). */
export function noteLease(ctx: NodeContext, leaseMs: number, heartbeatMs: number, what: string): void {
  const held = heldLeases(ctx.client);
  const paced = pacedLeaseOf(ctx);
  if (leaseMs > ctx.config.leaseMs && !held.pacingSaid && paced.leaseMs > ctx.config.leaseMs) {
    held.pacingSaid = true;
    ctx.log.info(
      `${ctx.config.instances ?? 1} node(s) share the identity's writes: heartbeats every ${formatDuration(paced.heartbeatMs)} and leases of ${formatDuration(paced.leaseMs)} (${formatDuration(ctx.config.heartbeatMs)} and ${formatDuration(ctx.config.leaseMs)} set), so that their heartbeats stay within ${ctx.config.heartbeatWritesPerHour ?? HEARTBEAT_WRITES_PER_HOUR} writes an hour (heartbeat-writes-per-hour); a node whose job ends is still known from the Actions API`,
    );
  }
  if (leaseMs <= paced.leaseMs || leaseMs <= held.longestMs) return;
  const before = held.longestMs;
  held.longestMs = leaseMs;
  if (before > 0 && leaseMs < 1.25 * before) return;
  const { remaining, resetAt } = ctx.client.budget;
  const reset = resetAt !== undefined ? new Date(resetAt).toISOString().slice(11, 19) : 'an unknown time';
  ctx.log.info(
    `request budget low: ${remaining ?? '?'} left until the reset at ${reset} UTC, too few for the heartbeats of ${held.keepers.size || 1} lease(s) shared by ${ctx.config.instances ?? 1} node(s); leases lengthened to ${formatDuration(leaseMs)}, heartbeats every ${formatDuration(heartbeatMs)} (${what})`,
  );
}
