// Which label a run ends with: done only when there was a plan and every task of it completed.
import { describe, expect, it } from 'vitest';
import { outcomeLabel } from '../../src/aggregate/run-aggregate.js';
import type { RunSummary } from '../../src/aggregate/run-summary.js';

const labels = { trigger: 'p2p-dev', done: 'p2p-dev:done', failed: 'p2p-dev:failed' };
const summary = (totals: Partial<RunSummary['totals']>, planningError?: string): RunSummary =>
  ({
    totals: {
      blocked: 0,
      claimable: 0,
      running: 0,
      completed: 0,
      failed: 0,
      skipped: 0,
      total: 0,
      ...totals,
    },
    ...(planningError !== undefined ? { planningError } : {}),
  }) as RunSummary;

describe('outcomeLabel', () => {
  it('is done when every task completed, failed for anything less', () => {
    expect(outcomeLabel(summary({ completed: 3, total: 3 }), labels)).toBe('p2p-dev:done');
    expect(outcomeLabel(summary({ completed: 2, failed: 1, total: 3 }), labels)).toBe('p2p-dev:failed');
    expect(outcomeLabel(summary({ completed: 2, skipped: 1, total: 3 }), labels)).toBe('p2p-dev:failed');
    // Tasks never run (a stopped run, a spent budget) are not completed either.
    expect(outcomeLabel(summary({ completed: 1, claimable: 2, total: 3 }), labels)).toBe('p2p-dev:failed');
  });

  it('is failed when planning failed or there was no plan', () => {
    expect(outcomeLabel(summary({}, 'the planner exited with 1'), labels)).toBe('p2p-dev:failed');
    expect(outcomeLabel(summary({}), labels)).toBe('p2p-dev:failed');
  });
});
