// Silence proves something only while it could have been heard: the lease a reader judges, and the spans of
// trouble a client records.
import { describe, expect, it } from 'vitest';
import {
  HEARS_ALL,
  RECOVERY_MS,
  RUNNING_GRACE_MS,
  deafCapMs,
  heardLeaseEnd,
  type Hearing,
} from '../../src/protocol/hearing.js';
import { lapsed } from '../../src/protocol/decide.js';
import { TroubleLog } from '../../src/github/trouble.js';

const ev = { start: 0, lastAlive: 10_000, leaseMs: 30_000, late: false };
const hearing = (deaf: Hearing['deaf'], running: string[] = []): Hearing => ({
  deaf,
  running: new Set(running),
});

describe('the lease a reader judges', () => {
  it('is the lease itself for a reader that heard everything (the fold, the dashboard)', () => {
    expect(heardLeaseEnd(ev, 'n', HEARS_ALL)).toBe(40_000);
    expect(lapsed(ev, 41_000)).toBe(true);
    expect(lapsed(ev, 40_999)).toBe(false);
  });

  it('does not count deaf time after the writer’s last sign of life', () => {
    // Deaf before lastAlive: nothing; 5 s overlapping it; a 45-s outage across the lease's end.
    const h = hearing([
      { from: 0, to: 8000 },
      { from: 5000, to: 15_000 },
      { from: 35_000, to: 80_000 },
    ]);
    expect(heardLeaseEnd(ev, 'n', h)).toBe(40_000 + 5000 + 45_000);
    expect(lapsed(ev, 89_000, 'n', h)).toBe(false);
    expect(lapsed(ev, 91_000, 'n', h)).toBe(true);
  });

  it('ignores deafness after the lease had already run out as heard', () => {
    expect(heardLeaseEnd(ev, 'n', hearing([{ from: 50_000, to: 60_000 }]))).toBe(40_000);
  });

  it('gives a writer whose job runs the wait of a silent secondary limit, and no more', () => {
    expect(heardLeaseEnd(ev, 'n', hearing([], ['n']))).toBe(40_000 + RUNNING_GRACE_MS);
    expect(heardLeaseEnd(ev, 'other', hearing([], ['n']))).toBe(40_000);
    expect(RUNNING_GRACE_MS).toBeGreaterThanOrEqual(60_000);
  });

  it('discounts at most a bounded deaf time, so a reader GitHub keeps failing still takes over in the end', () => {
    const h = hearing([{ from: 10_000, to: 10_000 + 10 * deafCapMs(30_000) }]);
    expect(heardLeaseEnd(ev, 'n', h)).toBe(40_000 + deafCapMs(30_000));
  });
});

describe('the trouble a client records', () => {
  it('spans a failure from the last good answer (at most RECOVERY_MS before it was sent) and a recovery after', () => {
    const log = new TroubleLog();
    log.good(1000);
    log.failed(2000, 2500);
    expect(log.spans()).toEqual([{ from: 1000, to: 2500 + 1000 + 2 * 1500 }]);
    log.good(60_000);
    log.failed(100_000, 130_000); // a hanging request: 30 s
    expect(log.spans()[1]).toEqual({ from: 100_000 - RECOVERY_MS, to: 130_000 + RECOVERY_MS });
  });

  it('merges spans that touch, and records a wait GitHub asked for ahead of time', () => {
    const log = new TroubleLog();
    log.good(500);
    log.failed(1000, 2000);
    log.failed(2500, 3000);
    log.held(10_000, 60_000);
    expect(log.spans()).toEqual([
      { from: 500, to: 3000 + 1000 + 2 * 2500 },
      { from: 10_000, to: 70_000 + RECOVERY_MS },
    ]);
  });
});
