// The deterministic simulation in CI: 1,000 seeds of hostile schedules (faults, lag, crashes, skew,
// forgeries), in two processes at once, every invariant checked on each. `npm run soak` runs 10,000.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function runSeeds(
  from: number,
  count: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'sim/cli.ts', '--seeds', String(count), '--from', String(from), '--json'],
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
  it('keeps every invariant on 1,000 seeds', { timeout: 900_000 }, async () => {
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
  });

  it('keeps them on seeds that once broke them', { timeout: 300_000 }, async () => {
    // 32941: a takeover judged from a listing of several pages that missed the previous attempt's last
    // heartbeat, so two nodes ran one task. (Earlier finds are pinned by unit tests of the fold.)
    for (const seed of [32941]) {
      const run = await runSeeds(seed, 1);
      expect({ seed, stderr: run.stderr, code: run.code }).toEqual({ seed, stderr: '', code: 0 });
    }
  });

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
