// How long a node's leases are, from the matrix size and the API budget left. Heartbeats are paced so that all
// the nodes' together stay within a share of the identity's writes (pacedLease). The repository's budget is
// shared by every
// node of the run: when what is left cannot pay for the heartbeats of the leases a node holds until the budget
// resets, heartbeats would wait for the reset and the leases would run out while their holders still work.
// The lease (and its heartbeat, in the same proportion) is lengthened instead, so that the heartbeats that
// are left suffice, up to a lease that outlasts the reset after next by a whole ordinary lease: one heartbeat
// before the budget runs out then carries the lease past the reset, even when the heartbeat sent after it
// loses the rush of requests that waited for it. Pure: the lease keeper (lease-keeper.ts) asks it
// before every write, and a lease once lengthened is announced in the comment (`lease_ms`), so every reader
// judges the holder's silence against the lease the holder chose, never against its own settings.

/** The writes an hour the heartbeats of every node together may spend by default (the input's): a fifth of GitHub's 500. */
export const HEARTBEAT_WRITES_PER_HOUR = 100;

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
  /** The writes an hour the heartbeats of all those nodes may spend (`heartbeat-writes-per-hour`); absent: no bound. */
  writesPerHour?: number | undefined;
}

export interface LeaseLength {
  leaseMs: number;
  heartbeatMs: number;
  /** Longer than the paced lease (pacedLease), because the budget is short. */
  lengthened: boolean;
}

/**
 * The settings' lease and heartbeat, spaced out for the matrix: every node of the run heartbeats as the same
 * identity, whose writes GitHub limits to 500 an hour, so the heartbeats of `sharers` nodes are spaced to stay
 * within `writesPerHour` all together, and the lease is lengthened in the settings' proportion. A dead node
 * is still known from its job's end in the Actions API within seconds; only a node whose job runs but that
 * never writes again waits out the longer lease.
 */
export function pacedLease(n: {
  leaseMs: number;
  heartbeatMs: number;
  sharers: number;
  writesPerHour?: number | undefined;
}): { leaseMs: number; heartbeatMs: number } {
  if (n.writesPerHour === undefined) return { leaseMs: n.leaseMs, heartbeatMs: n.heartbeatMs };
  const least = (Math.max(1, n.sharers) * 3_600_000) / Math.max(1, n.writesPerHour);
  if (least <= n.heartbeatMs) return { leaseMs: n.leaseMs, heartbeatMs: n.heartbeatMs };
  const leaseMs = Math.min(MAX_LEASE_MS, Math.ceil((least * n.leaseMs) / n.heartbeatMs / 1000) * 1000);
  return { leaseMs, heartbeatMs: heartbeatFor(n, leaseMs) };
}

/** The lease and heartbeat interval for the next write of a lease, given the matrix and the budget left. */
export function leaseLength(needs: LeaseNeeds): LeaseLength {
  const n = { ...needs, ...pacedLease(needs) };
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
  return { leaseMs, heartbeatMs: heartbeatFor(needs, leaseMs), lengthened: true };
}

/** The heartbeat interval for a lease: in the settings' proportion to it, never shorter than the settings'. */
export function heartbeatFor(settings: { leaseMs: number; heartbeatMs: number }, leaseMs: number): number {
  if (leaseMs <= settings.leaseMs) return settings.heartbeatMs;
  return Math.round((leaseMs * settings.heartbeatMs) / settings.leaseMs);
}
