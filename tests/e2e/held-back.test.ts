// GitHub holding everyone back is not a node dying: work that finished while its lease ran is never thrown
// away or done twice, and what each node says it completed is what the thread says. Real processes of the
// bundled action on the emulator, with the repository's shared budget running out and silent secondary limits.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { taskViews } from '../../src/protocol/decide.js';
import type { RunState } from '../../src/protocol/fold.js';
import { startScenario, type Scenario, taskList } from '../helpers/scenario.js';

const HOLD_AGENT = path.join(import.meta.dirname, 'held-back', 'hold-my-outcome.mjs');

let s: Scenario | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** Every task completed once, and each node's `tasks-completed` is its share of the fold's completions. */
function expectOutputsAgree(scenario: Scenario, state: RunState, count: number): void {
  const views = [...taskViews(state, Date.now()).values()];
  expect(views.map((v) => v.status)).toEqual(Array(count).fill('completed'));
  for (const record of state.tasks.values())
    expect(record.attempts.filter((a) => a.outcome === 'completed')).toHaveLength(1);
  let sum = 0;
  for (const n of scenario.nodes) {
    const out = n.outputs();
    const byFold = [...state.tasks.values()].filter((r) =>
      r.attempts.some((a) => a.outcome === 'completed' && a.node === out['node-id']),
    ).length;
    expect({ node: n.instance, completed: Number(out['tasks-completed']) }).toEqual({
      node: n.instance,
      completed: byFold,
    });
    sum += byFold;
  }
  expect(sum).toBe(count);
}

describe('GitHub holding everyone back', () => {
  it('keeps work that finished while the shared budget ran out for longer than a lease', async () => {
    // Agents take a second; the repository's budget runs out just after the first ones start and stays out
    // for 12 s (three leases of 4 s): agents finish while their leases run, their outcomes wait for the reset.
    s = await startScenario({ nodes: 5, issueBody: taskList(8), agentBody: 'sleep 1' });
    await s.waitForRun((l) => l[0] === 'start');
    s.server.emulator.queueFaults([{ kind: 'primary-rate-limit', resetInSeconds: 12 }]);
    await s.finish(150_000);
    for (const n of s.nodes)
      expect({ node: n.instance, code: (await n.exited).code }).toEqual({ node: n.instance, code: 0 });
    const state = s.state();
    expectOutputsAgree(s, state, 8);
    // The held-back outcomes were recorded late and still count.
    const logs = s.nodes.map((n) => n.log()).join('\n');
    expect(logs).toMatch(
      /GitHub held this node back until after its lease ran out, but the work had ended in time/,
    );
    const late = [...state.tasks.values()].flatMap((r) =>
      r.attempts.filter((a) => a.outcome === 'completed' && a.ev.late),
    );
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((a) => a.result?.finished_at !== undefined)).toBe(true);
  }, 180_000);

  it('finishes every task once when the shared hourly budget, scaled down, runs out and resets again and again', async () => {
    // GitHub's budget is 1,000 counted requests an hour for the whole repository. Here the window is 10 s and
    // the budget 40: the five nodes use it up within each window and wait for its reset (their leases are
    // 4 s), over and over, for the whole run.
    s = await startScenario({
      nodes: 5,
      issueBody: taskList(8),
      agentBody: 'sleep 1',
      emulator: { config: { latencyMs: [5, 30], rateLimit: { limit: 40, windowMs: 10_000 } } },
    });
    await s.finish(240_000);
    for (const n of s.nodes)
      expect({ node: n.instance, code: (await n.exited).code }).toEqual({ node: n.instance, code: 0 });
    expectOutputsAgree(s, s.state(), 8);
    expect(s.nodes.map((n) => n.log()).join('\n')).toMatch(
      /rate limit is used up: waiting \d+s for the reset/,
    );
  }, 300_000);

  for (const status of [403, 429] as const)
    it(`keeps finished work whose outcome a ${status} without retry-after held back past the lease, and starts no takeover while its job runs`, async () => {
      // task-1's first agent finishes at once and has GitHub answer its outcome's edit with a secondary limit
      // that names no wait: the node waits a minute and its 4 s lease runs out. Its job still runs (the Actions
      // API), so the others give it GitHub's wait before its silence counts: the outcome lands and stands, and
      // no second agent is paid for.
      const agentBody = [
        'if [ "$P2P_TASK_ID" = task-1 ] && [ "$P2P_ATTEMPT" = 1 ]; then',
        `  HOLD_STATUS=${status} node ${HOLD_AGENT}`,
        'elif [ "$P2P_TASK_ID" = task-1 ]; then sleep 90',
        'else sleep 0.3; fi',
      ].join('\n');
      s = await startScenario({ nodes: 3, issueBody: taskList(2), agentBody });
      await s.finish(150_000);
      for (const n of s.nodes)
        expect({ node: n.instance, code: (await n.exited).code }).toEqual({ node: n.instance, code: 0 });
      const state = s.state();
      expectOutputsAgree(s, state, 2);
      const attempts = state.tasks.get('task-1')!.attempts;
      expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'completed']]);
      expect(attempts[0]!.ev.late).toBe(true);
      expect(s.runs().filter((l) => l[0] === 'start' && l[1] === 'task-1')).toHaveLength(1);
      expect(s.nodes.map((n) => n.log()).join('\n')).toMatch(
        /lease on task-1 \(attempt 1\) has run out, but its silence proves nothing yet: its job is still running/,
      );
    }, 180_000);
});
