// Which nodes are gone (the Actions API's jobs against the runners the bids name), how often idle nodes look,
// and how a run leaves the repository some of its API budget.
import { describe, expect, it } from 'vitest';
import { fold } from '../../src/protocol/fold.js';
import { goneNodes, type RunJob } from '../../src/protocol/liveness.js';
import { JOBS_LOOK_MS, jobsLookIntervalMs, worthLooking } from '../../src/node/watches/liveness-watch.js';
import { budgetIsLow, emptyStats, type GitHubClient } from '../../src/github/client.js';
import { Headroom, LOW_BUDGET_STRETCH } from '../../src/node/loop/headroom.js';
import { ownOutcomes } from '../../src/node/loop/run-node.js';
import { budgetSentence } from '../../src/aggregate/run-summary.js';
import { RUN, T0, ThreadBuilder, task, trust } from '../helpers/thread-builder.js';

const iso = (ms: number) => new Date(ms).toISOString();
const job = (id: number, runner: string, status: string, started: number, completed?: number): RunJob => ({
  id,
  name: `p2p-execute (${id})`,
  runner_name: runner,
  status,
  conclusion: status === 'completed' ? 'cancelled' : null,
  started_at: iso(started),
  completed_at: completed !== undefined ? iso(completed) : null,
});

function thread(): ThreadBuilder {
  const t = new ThreadBuilder();
  t.bid('node-1', T0, { runner: 'runner-a' });
  t.bid('node-2', T0, { runner: 'runner-b' });
  t.bid('node-3', T0);
  t.plan('node-1', [task('task-1'), task('task-2')], T0 + 1000);
  return t;
}

describe('goneNodes', () => {
  it('names the nodes whose job has completed, by the runner in their bid', () => {
    const state = fold(thread().comments, { run: RUN, trust });
    const jobs = [
      job(11, 'runner-a', 'in_progress', T0 - 5000),
      job(12, 'runner-b', 'completed', T0 - 5000, T0 + 9000),
    ];
    expect([...goneNodes(state, jobs)]).toEqual([['node-2', { job: 12, endedAt: T0 + 9000 }]]);
    // A node without a runner in its bid is never taken for gone.
    expect(goneNodes(state, [job(13, 'runner-c', 'completed', T0 - 5000, T0)]).size).toBe(0);
  });

  it('takes the job a runner ran when the node joined, not an earlier or a later one on the same runner', () => {
    const state = fold(thread().comments, { run: RUN, trust });
    const earlier = job(20, 'runner-a', 'completed', T0 - 60_000, T0 - 30_000);
    const current = job(21, 'runner-a', 'in_progress', T0 - 5000);
    const later = job(22, 'runner-a', 'completed', T0 + 60_000, T0 + 90_000);
    expect(goneNodes(state, [earlier, current, later]).has('node-1')).toBe(false);
    // A listing that lacks the node's own job (it lags) does not make it gone.
    expect(goneNodes(state, [earlier, later]).has('node-1')).toBe(false);
    expect(
      goneNodes(state, [earlier, { ...current, status: 'completed', completed_at: iso(T0 + 5000) }]).get(
        'node-1',
      ),
    ).toEqual({
      job: 21,
      endedAt: T0 + 5000,
    });
  });
  it('leaves a node unknown, not gone, when two jobs that could be its own share its runner name', () => {
    const state = fold(thread().comments, { run: RUN, trust });
    const repoRunner = job(30, 'runner-a', 'in_progress', T0 - 5000);
    const orgRunner = job(31, 'runner-a', 'completed', T0 - 4000, T0 + 5000);
    expect(goneNodes(state, [repoRunner, orgRunner]).has('node-1')).toBe(false);
  });
});

describe('looking at the jobs', () => {
  it('shares the looks among the idle nodes and looks less often on a low budget', () => {
    expect(jobsLookIntervalMs(1, false)).toBe(JOBS_LOOK_MS);
    expect(jobsLookIntervalMs(2, false)).toBe(JOBS_LOOK_MS);
    expect(jobsLookIntervalMs(19, false)).toBe(10 * JOBS_LOOK_MS);
    expect(jobsLookIntervalMs(2, true)).toBe(4 * JOBS_LOOK_MS);
  });

  it('looks only while another node with a known runner holds a task', () => {
    const t = thread();
    expect(worthLooking(fold(t.comments, { run: RUN, trust }), 'node-1')).toBe(false);
    t.claim('node-3', 'task-1', T0 + 2000);
    expect(worthLooking(fold(t.comments, { run: RUN, trust }), 'node-1')).toBe(false);
    t.claim('node-2', 'task-2', T0 + 2000);
    expect(worthLooking(fold(t.comments, { run: RUN, trust }), 'node-1')).toBe(true);
    expect(worthLooking(fold(t.comments, { run: RUN, trust }), 'node-2')).toBe(false);
  });
});

describe('headroom', () => {
  const client = (limit: number, remaining: number) =>
    ({ budget: { limit, remaining }, stats: emptyStats() }) as unknown as GitHubClient;

  it('is low below a fifth of the budget, and unknown is not low', () => {
    expect(budgetIsLow({ limit: 1000, remaining: 199 })).toBe(true);
    expect(budgetIsLow({ limit: 1000, remaining: 200 })).toBe(false);
    expect(budgetIsLow({})).toBe(false);
  });

  it('stretches optional waits while low, counts the extra time and says so once each way', async () => {
    const said: string[] = [];
    const c = client(1000, 100);
    const h = new Headroom(c, { debug: () => {}, info: (m) => said.push(m), warning: () => {} });
    const slept: number[] = [];
    const sleep = async (ms: number) => void slept.push(ms);
    await h.wait(sleep, 1000);
    await h.wait(sleep, 1000);
    c.budget.remaining = 900;
    await h.wait(sleep, 1000);
    expect(slept).toEqual([LOW_BUDGET_STRETCH * 1000, LOW_BUDGET_STRETCH * 1000, 1000]);
    expect(h.slowedMs).toBe(2 * (LOW_BUDGET_STRETCH - 1) * 1000);
    expect(said).toHaveLength(2);
    expect(said[0]).toMatch(/budget is low \(100 of 1000 left\)/);
    expect(said[1]).toMatch(/budget is back/);
  });

  it('is reported in the run summary', () => {
    expect(budgetSentence(410, { limit: 1000, lowestRemaining: 120, slowedMs: 95_000 })).toBe(
      "That is 41% of the repository's hourly budget of 1000; the least left at any time was 120; nodes slowed their idle reads for 95s in all to leave some to the repository's other workflows.",
    );
    expect(budgetSentence(50, { limit: 1000, slowedMs: 0 })).toMatch(/5% .*never had to slow down/);
  });

  it('measures a run longer than an hour against each of its hours', () => {
    // 3,000 requests in two and a half hours: 1,200 an hour, more than the hourly budget, though less than
    // three times it; a share of the whole would hide that the repository's other workflows went short.
    expect(budgetSentence(3000, { limit: 1000, slowedMs: 0 }, 150 * 60_000)).toMatch(
      /^That is 1200 an hour over the run's 2h 30m, 120% of the repository's hourly budget of 1000;/,
    );
    expect(budgetSentence(300, { limit: 1000, slowedMs: 0 }, 30 * 60_000)).toMatch(/^That is 30% of/);
  });

  it('says in the run summary when nodes lengthened their leases because the budget ran short', () => {
    expect(
      budgetSentence(990, { limit: 1000, lowestRemaining: 0, slowedMs: 0, longestLeaseMs: 6 * 60_000 }),
    ).toBe(
      "That is 99% of the repository's hourly budget of 1000; the least left at any time was 0; too little of it was left for the heartbeats, so nodes lengthened their leases (up to 6m 0s) rather than lose them, and the run went slower.",
    );
  });
});

describe("a node's outputs", () => {
  it('count only what the fold accepted: a superseded takeover is not a completion', () => {
    const t = thread();
    const c = t.claim('node-2', 'task-1', T0 + 2000);
    const d = t.claim('node-3', 'task-1', T0 + 8000, { attempt: 2 });
    t.update(
      c,
      T0 + 12_000,
      {
        state: 'completed',
        result: { exit_code: 0, duration_ms: 1, output_tail: '', finished_at: T0 + 4000 },
      },
      T0 + 2000,
    );
    t.update(d, T0 + 20_000, {
      state: 'completed',
      result: { exit_code: 0, duration_ms: 1, output_tail: '' },
    });
    const state = fold(t.comments, { run: RUN, trust });
    expect(ownOutcomes(state, 'node-2')).toEqual({ completed: 1, failed: 0 });
    expect(ownOutcomes(state, 'node-3')).toEqual({ completed: 0, failed: 0 });
  });
});
