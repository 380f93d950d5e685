// The deterministic simulation in CI: 1,000 seeds of hostile schedules (faults, lag, crashes, skew,
// forgeries, GitHub's limits scaled to each schedule's timings), in two processes at once, every invariant
// checked on each. `npm run soak` runs 10,000.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function runSeeds(
  from: number,
  count: number,
  extra: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'sim/cli.ts', '--seeds', String(count), '--from', String(from), '--json', ...extra],
      { cwd: ROOT },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('deterministic simulation', () => {
  // About 1.2 s of CPU a seed with issue 19's faults (40 seeds: 46 s), so some 10 minutes for two halves on
  // two cores; the bound leaves room for a noisy machine (CI's whole run has 90 minutes).
  it('keeps every invariant on 1,000 seeds', { timeout: 1_800_000 }, async () => {
    const halves = await Promise.all([runSeeds(0, 500), runSeeds(500, 500)]);
    for (const half of halves) {
      // A failing seed is printed with the command that replays it.
      expect(half.stderr).toBe('');
      expect(half.code).toBe(0);
    }
    const figures = halves.map(
      (h) => JSON.parse(h.stdout.trim().split('\n').at(-1)!) as Record<string, number>,
    );
    const seeds = figures.reduce((a, f) => a + f.seeds!, 0);
    expect(seeds).toBe(1000);
    // The schedules really were hostile: nodes crashed and faults were injected, and tasks still ended.
    expect(figures.reduce((a, f) => a + f.crashes!, 0)).toBeGreaterThan(500);
    expect(figures.reduce((a, f) => a + f.faultsInjected!, 0)).toBeGreaterThan(5000);
    expect(figures.reduce((a, f) => a + f.completed!, 0)).toBeGreaterThan(3000);
    // GitHub's limits were met, not just scheduled: a good share of the seeds hold the whole budget back past
    // a lease (38% of the seeds when this was written), answer several secondary limits without retry-after
    // (35% have them, 30% were answered one), run out of their own budget (23%), or hit the content limit (13%
    // since issue 20: with heartbeats paced and the checklist spaced, it takes the seeds that leave a run 1–2% of
    // the content limit's minute; 2% of the seeds met it without them).
    const seedsWith = (key: string) => figures.reduce((a, f) => a + f[key]!, 0);
    expect(seedsWith('seedsBudgetPastLease')).toBeGreaterThan(300);
    expect(seedsWith('seedsSilentSecondary')).toBeGreaterThan(300);
    expect(seedsWith('seedsSilentAnswered')).toBeGreaterThan(150);
    expect(seedsWith('seedsBudgetRanOut')).toBeGreaterThan(150);
    expect(seedsWith('seedsContentLimited')).toBeGreaterThan(60);
  });

  it('keeps them on seeds that once broke them', { timeout: 600_000 }, async () => {
    // 32941: a takeover judged from a listing of several pages that missed the previous attempt's last
    // heartbeat, so two nodes ran one task. (Earlier finds are pinned by unit tests of the fold.) Found before
    // GitHub's limits were modelled: replayed as it was drawn then (--classic, its very schedule), and as it is
    // drawn now (the same schedule, plus limits and the faults added with them).
    //
    // Found with issue 19 part 4's faults (as drawn now only: --classic draws none of them): 32, an outcome
    // whose answer never came had landed and was written again, which moved when its task ended, so a
    // dependent's claim made in between lost and its task ran twice; 696, a node silent 100 s, as a 5xx after
    // nine limit waits backed off (9 + 1)² s; 847, a node whose outcome got through 120 s late left from a view
    // read before it, and counted a task the thread does not give it. 9400410: a takeover's node read the
    // previous attempt's comment again from a replica that did not have it yet, took the 404 for final, and
    // failed.
    const pinned: [number, string[][]][] = [
      [32941, [['--classic'], []]],
      [32, [[]]],
      [696, [[]]],
      [847, [[]]],
      [9400410, [[]]],
    ];
    for (const [seed, variants] of pinned)
      for (const extra of variants) {
        const run = await runSeeds(seed, 1, extra);
        expect({ seed, extra, stderr: run.stderr, code: run.code }).toEqual({
          seed,
          extra,
          stderr: '',
          code: 0,
        });
      }
  });

  it(
    'finishes runs whose budget is too small for their heartbeats, their work done',
    { timeout: 600_000 },
    async () => {
      // 1300026 (14 nodes, 81 tasks) and 1400277 (15 nodes, 113 tasks): 50 requests a window of four leases.
      // Before leases were lengthened for the budget, they lapsed while every node waited for a reset: the
      // election took half an hour or more and almost every task failed with its attempts' leases lost (0 and 2
      // completed). Agents fail 30% of their runs here: with two or three attempts, nearly all tasks complete.
      const runs = await Promise.all([1300026, 1400277].map((seed) => runSeeds(seed, 1)));
      for (const run of runs) {
        expect({ stderr: run.stderr, code: run.code }).toEqual({ stderr: '', code: 0 });
        const f = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
        expect(f.completed! / f.tasks!).toBeGreaterThan(0.85);
      }
    },
  );

  it('replays a seed exactly', { timeout: 120_000 }, async () => {
    const once = await runSeeds(42, 1);
    const twice = await runSeeds(42, 1);
    const strip = (s: string) => JSON.parse(s.trim()) as Record<string, unknown>;
    const a = strip(once.stdout);
    const b = strip(twice.stdout);
    delete a.wallSeconds;
    delete b.wallSeconds;
    expect(a).toEqual(b);
  });
});
