// How long a node's leases are, from the API budget it has left. The repository's budget is shared by every
// node of the run: when what is left cannot pay for the heartbeats of the leases a node holds until the budget
// resets, heartbeats would wait for the reset and the leases would run out while their holders still work.
// The lease (and its heartbeat, in the same proportion) is lengthened instead, so that the heartbeats that
// are left suffice, up to a lease that outlasts the reset after next by a whole ordinary lease: one heartbeat
// before the budget runs out then carries the lease past the reset, even when the heartbeat sent after it
// loses the rush of requests that waited for it. Pure: the lease keeper (lease-keeper.ts) asks it
// before every write, and a lease once lengthened is announced in the comment (`lease_ms`), so every reader
// judges the holder's silence against the lease the holder chose, never against its own settings.

/** The part of a node's share of what is left that its heartbeats may plan to spend (reads need the rest). */
export const HEARTBEAT_SHARE = 0.5;

/** The longest lease a message may announce (the schema's bound). */
export const MAX_LEASE_MS = 24 * 3600_000;

export interface LeaseNeeds {
  /** The node's settings: its lease and heartbeat while the budget allows. */
  leaseMs: number;
  heartbeatMs: number;
  /** The repository's budget as GitHub's answers last showed it (absent before any answer). */
  remaining?: number | undefined;
  /** Server time (ms) of the budget's next reset. */
  resetAt?: number | undefined;
  /** The budget's window as far as GitHub's answers showed it (the longest time to a reset), ms. */
  windowMs?: number | undefined;
  /** Server time now (ms). */
  now: number;
  /** The leases this node keeps alive, the one being written included. */
  held: number;
  /** The nodes the budget is shared by (the run's instances). */
  sharers: number;
}

export interface LeaseLength {
  leaseMs: number;
  heartbeatMs: number;
  /** Longer than the settings' lease, because the budget is short. */
  lengthened: boolean;
}

/** The lease and heartbeat interval for the next write of a lease, given the budget left. */
export function leaseLength(n: LeaseNeeds): LeaseLength {
  const usual: LeaseLength = { leaseMs: n.leaseMs, heartbeatMs: n.heartbeatMs, lengthened: false };
  if (n.remaining === undefined || n.resetAt === undefined) return usual;
  const untilReset = n.resetAt - n.now;
  if (!(untilReset > 0)) return usual;
  const affordable = (Math.max(0, n.remaining) * HEARTBEAT_SHARE) / Math.max(1, n.sharers);
  const wanted = (Math.max(1, n.held) * untilReset) / n.heartbeatMs;
  if (wanted <= affordable) return usual;
  // A heartbeat held back until the reset then races every other request that waited for it; one that loses
  // waits a window more. The longest lease covers that, and a lease beyond: a heartbeat before the budget runs
  // out keeps the lease until one gets through after either reset.
  const cap = Math.min(MAX_LEASE_MS, untilReset + Math.max(n.windowMs ?? 0, untilReset) + n.leaseMs);
  const stretched = affordable > 0 ? n.leaseMs * (wanted / affordable) : cap;
  const leaseMs = Math.min(MAX_LEASE_MS, Math.ceil(Math.min(cap, stretched) / 1000) * 1000);
  if (leaseMs <= n.leaseMs) return usual;
  return { leaseMs, heartbeatMs: heartbeatFor(n, leaseMs), lengthened: true };
}

/** The heartbeat interval for a lease: in the settings' proportion to it, never shorter than the settings'. */
export function heartbeatFor(settings: { leaseMs: number; heartbeatMs: number }, leaseMs: number): number {
  if (leaseMs <= settings.leaseMs) return settings.heartbeatMs;
  return Math.round((leaseMs * settings.heartbeatMs) / settings.leaseMs);
}
