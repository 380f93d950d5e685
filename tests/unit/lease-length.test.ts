// The length of a node's leases from the API budget it has left (src/node/watches/lease-length.ts).
import { describe, expect, it } from 'vitest';
import {
  heartbeatFor,
  leaseLength,
  pacedLease,
  type LeaseNeeds,
} from '../../src/node/watches/lease-length.js';

const NOW = Date.parse('2026-11-21T12:00:00Z');
// The action's defaults: a 15 min lease, a heartbeat every 5 min; an hour to the budget's reset.
const needs = (extra: Partial<LeaseNeeds> = {}): LeaseNeeds => ({
  leaseMs: 900_000,
  heartbeatMs: 300_000,
  remaining: 1000,
  resetAt: NOW + 3600_000,
  now: NOW,
  held: 1,
  sharers: 1,
  ...extra,
});

describe('the lease length', () => {
  it("keeps the settings' lease while the budget pays for the heartbeats until the reset", () => {
    // 12 heartbeats to the reset; 20 nodes leave each 25 of the 500 heartbeats may use.
    expect(leaseLength(needs({ sharers: 20 }))).toEqual({
      leaseMs: 900_000,
      heartbeatMs: 300_000,
      lengthened: false,
    });
  });

  it('keeps it while GitHub has not shown the budget, or its reset has passed', () => {
    expect(leaseLength(needs({ remaining: undefined })).lengthened).toBe(false);
    expect(leaseLength(needs({ resetAt: undefined })).lengthened).toBe(false);
    expect(leaseLength(needs({ remaining: 0, resetAt: NOW - 1000 })).lengthened).toBe(false);
  });

  it('lengthens the lease and its heartbeat in proportion, so that the heartbeats left suffice', () => {
    // 40 requests left for 10 nodes: 2 heartbeats each until the reset in 12 min, where 3 are wanted at
    // the usual pace of one every 4 min. The lease grows to 1.5 times its length.
    const n = needs({
      leaseMs: 600_000,
      heartbeatMs: 240_000,
      remaining: 40,
      sharers: 10,
      resetAt: NOW + 720_000,
    });
    expect(leaseLength(n)).toEqual({ leaseMs: 900_000, heartbeatMs: 360_000, lengthened: true });
  });

  it('counts every lease the node holds', () => {
    const one = leaseLength(needs({ remaining: 60, sharers: 3 }));
    const two = leaseLength(needs({ remaining: 60, sharers: 3, held: 2 }));
    expect(two.leaseMs).toBeGreaterThan(one.leaseMs);
  });

  it('goes no further than past the reset after next, by a lease: a heartbeat may miss the rush at one', () => {
    // 40 s to the reset of a window of 60 s: 40 + 60 + the settings' 15 min.
    const starved = leaseLength(
      needs({ remaining: 2, sharers: 10, resetAt: NOW + 40_000, windowMs: 60_000 }),
    );
    expect(starved).toEqual({ leaseMs: 1000_000, heartbeatMs: 333_333, lengthened: true });
    // The window unknown: at least as long as the wait for this reset.
    expect(leaseLength(needs({ remaining: 2, sharers: 10, resetAt: NOW + 40_000 })).leaseMs).toBe(980_000);
    // The simulation's seed 1300026: 14 nodes, 10 s leases, 50 requests a 40 s window.
    const seed = leaseLength({
      leaseMs: 10_000,
      heartbeatMs: 2000,
      remaining: 30,
      resetAt: NOW + 39_000,
      windowMs: 41_000,
      now: NOW,
      held: 1,
      sharers: 14,
    });
    expect(seed).toEqual({ leaseMs: 90_000, heartbeatMs: 18_000, lengthened: true });
    // Nothing left at all: the longest.
    expect(leaseLength(needs({ remaining: 0, windowMs: 3600_000 })).leaseMs).toBe(2 * 3600_000 + 900_000);
  });

  it('rounds up to whole seconds, within the protocol’s bound of a day', () => {
    const odd = leaseLength(
      needs({ leaseMs: 10_000, heartbeatMs: 3000, remaining: 1, resetAt: NOW + 12_345 }),
    );
    expect(odd.leaseMs).toBe(35_000);
    expect(leaseLength(needs({ remaining: 0, resetAt: NOW + 30 * 3600_000 })).leaseMs).toBe(24 * 3600_000);
  });

  it('keeps the heartbeat in the proportion of the settings, never shorter than theirs', () => {
    expect(heartbeatFor({ leaseMs: 10_000, heartbeatMs: 2000 }, 60_000)).toBe(12_000);
    expect(heartbeatFor({ leaseMs: 10_000, heartbeatMs: 2000 }, 10_000)).toBe(2000);
  });
});

describe('heartbeats paced for the matrix', () => {
  const settings = { leaseMs: 900_000, heartbeatMs: 300_000 };

  it('keeps the settings while the nodes’ heartbeats fit the writes an hour they may spend', () => {
    // 8 nodes at one heartbeat in 5 min: 96 writes an hour, within 100.
    expect(pacedLease({ ...settings, sharers: 8, writesPerHour: 100 })).toEqual(settings);
    // No bound given: the settings.
    expect(pacedLease({ ...settings, sharers: 256 })).toEqual(settings);
  });

  it('spaces them out with the matrix, the lease in proportion: 20 nodes every 12 min, 100 every hour', () => {
    expect(pacedLease({ ...settings, sharers: 20, writesPerHour: 100 })).toEqual({
      leaseMs: 2_160_000,
      heartbeatMs: 720_000,
    });
    const hundred = pacedLease({ ...settings, sharers: 100, writesPerHour: 100 });
    expect(hundred).toEqual({ leaseMs: 10_800_000, heartbeatMs: 3_600_000 });
    // 100 nodes heartbeating together: 100 writes an hour, where the settings' pace would make 1,200.
    expect(100 * (3_600_000 / hundred.heartbeatMs)).toBe(100);
  });

  it('is what the budget-short lengthening starts from', () => {
    const plenty = leaseLength(needs({ sharers: 20, writesPerHour: 100, remaining: 5000 }));
    expect(plenty).toEqual({ leaseMs: 2_160_000, heartbeatMs: 720_000, lengthened: false });
    // Too few requests for even the paced heartbeats until the reset: longer still, and said so.
    const short = leaseLength(needs({ sharers: 20, writesPerHour: 100, remaining: 40 }));
    expect(short.lengthened).toBe(true);
    expect(short.leaseMs).toBeGreaterThan(2_160_000);
    expect(short.heartbeatMs * 3).toBe(short.leaseMs);
  });
});
