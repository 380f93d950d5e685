// What a commit's CI says, from its check runs and statuses, and how long the summary job waits for it: until
// every check has ended, until a while has passed with none at all, or until ci-timeout-min.
import { describe, expect, it } from 'vitest';
import { ciVerdict, jobIdOf, type CheckRunView } from '../../src/delivery/ci-verdict.js';
import { waitForCi, startsNoWorkflows } from '../../src/delivery/ci-wait.js';
import type { CiReading } from '../../src/github/checks.js';

const run = (
  id: number,
  name: string,
  status: string,
  conclusion: string | null,
  extra = {},
): CheckRunView => ({
  id,
  name,
  status,
  conclusion,
  ...extra,
});

describe('a commit’s CI verdict', () => {
  it('is none without checks, pending while any runs, failing when one failed, passing otherwise', () => {
    expect(ciVerdict([], []).state).toBe('none');
    expect(ciVerdict([run(1, 'test', 'in_progress', null)], []).state).toBe('pending');
    expect(
      ciVerdict([run(1, 'test', 'completed', 'success'), run(2, 'lint', 'completed', 'skipped')], []).state,
    ).toBe('passing');
    expect(
      ciVerdict([run(1, 'test', 'completed', 'success')], [{ context: 'ci/x', state: 'pending' }]).state,
    ).toBe('pending');
    const failing = ciVerdict(
      [
        run(1, 'test', 'completed', 'failure', {
          summary: 'Tests: 1 failed',
          detailsUrl: 'https://github.com/o/r/actions/runs/7/job/99',
        }),
      ],
      [{ context: 'deploy', state: 'error', description: 'no key' }],
    );
    expect(failing.state).toBe('failing');
    expect(failing.failing).toEqual([
      {
        name: 'test',
        summary: 'failure: Tests: 1 failed',
        url: 'https://github.com/o/r/actions/runs/7/job/99',
        jobId: 99,
      },
      { name: 'deploy', summary: 'error: no key' },
    ]);
  });

  it('reads only the latest run of each check: a re-run that passed wins over the run that failed', () => {
    expect(
      ciVerdict([run(5, 'test', 'completed', 'success'), run(3, 'test', 'completed', 'failure')], []).state,
    ).toBe('passing');
  });

  it('finds the Actions job behind a check run', () => {
    expect(jobIdOf('https://github.com/o/r/actions/runs/12/job/345')).toBe(345);
    expect(jobIdOf('https://ci.example/build/1')).toBeUndefined();
  });
});

describe('waiting for CI', () => {
  function reader(sequence: Partial<CiReading>[]): { read(): Promise<CiReading>; reads: number } {
    const r = {
      reads: 0,
      read: () => {
        const next = sequence[Math.min(r.reads, sequence.length - 1)]!;
        r.reads += 1;
        return Promise.resolve({ runs: [], statuses: [], changed: true, errors: [], ...next });
      },
    };
    return r;
  }
  const clock = () => {
    let now = 0;
    return { now: () => now, sleep: (ms: number) => ((now += ms), Promise.resolve()) };
  };
  const log = { info: () => {}, warning: () => {} };

  it('reads until every check has ended', async () => {
    const ci = reader([
      { runs: [run(1, 'test', 'queued', null)] },
      { runs: [run(1, 'test', 'in_progress', null)] },
      { runs: [run(1, 'test', 'completed', 'failure')] },
    ]);
    const result = await waitForCi(ci, { timeoutMs: 600_000, ...clock(), log });
    expect(result).toMatchObject({ state: 'failing', waitedMs: 30_000 });
    expect(ci.reads).toBe(3);
  });

  it('takes a commit with no check at all after two minutes to have no CI', async () => {
    const result = await waitForCi(reader([{}]), { timeoutMs: 600_000, ...clock(), log });
    expect(result).toEqual({ state: 'none', waitedMs: 120_000 });
  });

  it('says a commit’s checks could not be read rather than that it has none', async () => {
    const result = await waitForCi(reader([{ errors: ['the commit statuses could not be read: 403'] }]), {
      timeoutMs: 600_000,
      ...clock(),
      log,
    });
    expect(result).toEqual({
      state: 'unreadable',
      why: 'the commit statuses could not be read: 403',
      waitedMs: 120_000,
    });
  });

  it('declares passing only when it still passes a poll later (another workflow may start)', async () => {
    const ci = reader([
      { runs: [run(1, 'lint', 'completed', 'success', { suite: 1 })] },
      {
        runs: [
          run(1, 'lint', 'completed', 'success', { suite: 1 }),
          run(2, 'build', 'queued', null, { suite: 2 }),
        ],
      },
      {
        runs: [
          run(1, 'lint', 'completed', 'success', { suite: 1 }),
          run(2, 'build', 'completed', 'failure', { suite: 2 }),
        ],
      },
    ]);
    expect(await waitForCi(ci, { timeoutMs: 600_000, ...clock(), log })).toMatchObject({ state: 'failing' });
  });

  it('keeps two workflows’ checks of the same name apart', () => {
    const v = ciVerdict(
      [
        run(2, 'build', 'completed', 'success', { suite: 1 }),
        run(1, 'build', 'completed', 'failure', { suite: 2 }),
      ],
      [],
    );
    expect(v.state).toBe('failing');
  });

  it('stops at its limit with what was still running', async () => {
    const result = await waitForCi(reader([{ runs: [run(1, 'e2e', 'in_progress', null)] }]), {
      timeoutMs: 60_000,
      ...clock(),
      log,
    });
    expect(result).toMatchObject({ state: 'timed-out', waitedMs: 60_000, verdict: { pending: ['e2e'] } });
  });

  it('knows GITHUB_TOKEN’s identity, whose pushes start no workflow', () => {
    expect(startsNoWorkflows('github-actions[bot]')).toBe(true);
    expect(startsNoWorkflows('my-p2p-app[bot]')).toBe(false);
  });
});
