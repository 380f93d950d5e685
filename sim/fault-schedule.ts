// The faults of issue 19 part 4, drawn into a seed's schedule after everything else (sim/schedule.ts), so that
// the older parts of every schedule stay what they were. Three of them act on one node or on the nodes of one
// identity, which the emulator's fault queue (first request that comes, whoever sends it) cannot do; the
// simulation injects those between a node and the emulator (sim/node-faults.ts).
import type { Fault } from '../emulator/faults.js';

/**
 * The stand-in for the client's per-request time limit (`request-timeout-s`, 30 s by default): a request that
 * is never answered fails after this long, as a 5xx would.
 */
export const REQUEST_LIMIT_MS = 30_000;

/**
 * GitHub's wait after a secondary limit answered without `retry-after`: plugin-throttling's fallback, which
 * GitHub asks for ("wait at least one minute").
 */
export const SILENT_LIMIT_MS = 60_000;

/**
 * (b) A silent secondary limit on the node holding a task, around when its agent finishes: every request
 * of that node for `blockMs` from then is answered 403 or 429 with no `retry-after`, so it waits a minute.
 */
export interface HolderSilent {
  /** Which agent run of the run (in the order they start, from 1) it falls on. */
  nthAgent: number;
  /** When, from the agent's end (ms, negative: before it, while it heartbeats). */
  offsetMs: number;
  blockMs: number;
  status: 403 | 429;
}

/**
 * (c) A secondary limit on the identity every node shares (one token): the first write of any node at or after
 * `atMs` triggers it, and for `blockMs` every node's requests (or only its writes) are refused, with a
 * `retry-after` naming the time left, or silently (each node then waits a minute).
 */
export interface IdentityLimit {
  atMs: number;
  blockMs: number;
  retryAfter: boolean;
  writesOnly: boolean;
  status: 403 | 429;
}

/**
 * (d) A connection that never answers: a request that hangs until the time limit (REQUEST_LIMIT_MS) and then
 * fails. Either the next `count` requests of one node from `atMs` (`any`), or the outcome of the nth agent run
 * (`outcome`: the holder's first write after its agent ends). A hung write may have landed (`lands`).
 */
export type Hang =
  | { on: 'any'; atMs: number; instance: number; count: number; writesOnly: boolean; lands: boolean }
  | { on: 'outcome'; nthAgent: number; count: number; lands: boolean };

export interface SimFaults {
  holderSilent: HolderSilent[];
  identity: IdentityLimit[];
  hangs: Hang[];
}

export const NO_SIM_FAULTS: SimFaults = { holderSilent: [], identity: [], hangs: [] };

interface Draw {
  rnd: () => number;
  int: (lo: number, hi: number) => number;
  pick: <T>(items: readonly T[]) => T;
}

/**
 * Issue 19 part 4's faults, each in about two seeds in five: (a) an outage every node sees, of one to two
 * leases (an emulator `down`, answered 503 or a reset connection), returned as faults to queue; (b), (c), (d)
 * as `SimFaults`.
 */
export function drawSimFaults(
  d: Draw,
  run: { leaseMs: number; nodeCount: number },
): { outages: { atMs: number; fault: Fault }[]; sim: SimFaults } {
  const { rnd, int, pick } = d;
  const outages: { atMs: number; fault: Fault }[] = [];
  if (rnd() < 0.4)
    outages.push({
      atMs: int(2000, 90_000),
      fault: {
        kind: 'down',
        forMs: Math.round(run.leaseMs * (1 + rnd())),
        mode: pick(['status', 'status', 'reset'] as const),
      },
    });
  const holderSilent: HolderSilent[] = [];
  if (rnd() < 0.4)
    holderSilent.push({
      nthAgent: int(1, 3),
      offsetMs: int(-2000, 300),
      blockMs: int(1000, SILENT_LIMIT_MS),
      status: pick([403, 429] as const),
    });
  const identity: IdentityLimit[] = [];
  if (rnd() < 0.4)
    identity.push({
      atMs: int(2000, 120_000),
      blockMs: int(1000, SILENT_LIMIT_MS),
      retryAfter: rnd() < 2 / 3,
      writesOnly: rnd() < 0.5,
      status: pick([403, 429] as const),
    });
  const hangs: Hang[] = [];
  if (rnd() < 0.4) {
    const count = int(1, 3);
    for (let i = 0; i < count; i++)
      hangs.push(
        rnd() < 0.5
          ? { on: 'outcome', nthAgent: int(1, 3), count: int(1, 2), lands: rnd() < 0.5 }
          : {
              on: 'any',
              atMs: int(0, 150_000),
              instance: int(1, run.nodeCount),
              count: int(1, 2),
              writesOnly: rnd() < 0.5,
              lands: rnd() < 0.5,
            },
      );
  }
  return { outages, sim: { holderSilent, identity, hangs } };
}
