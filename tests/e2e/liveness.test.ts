// A dead node is known from GitHub itself: its job in the Actions API has completed. Real processes of the
// bundled action; each node process is a job on the emulator, which completes when the process ends.
import { afterEach, describe, expect, it } from 'vitest';
import { taskViews } from '../../src/protocol/decide.js';
import { startScenario, type Scenario } from '../helpers/scenario.js';

let s: Scenario | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const LONG_LEASE = { 'lease-timeout-s': '60', 'heartbeat-interval-s': '20' };

describe('a node whose job has ended', () => {
  it('has its task taken over long before its 60 s lease would end; the jobs reads are in the API use line', async () => {
    s = await startScenario({
      nodes: 3,
      issueBody: '- [ ] One\n- [ ] Two',
      inputs: LONG_LEASE,
      // The first attempt at task-1 would run for five minutes.
      agentBody: 'if [ "$P2P_TASK_ID" = task-1 ] && [ "$P2P_ATTEMPT" = 1 ]; then sleep 300; fi; sleep 0.3',
    });
    const [, , victimId] = await s.waitForRun((r) => r[0] === 'start' && r[1] === 'task-1');
    const victim = s.nodes.find((n) => n.outputs()['node-id'] === victimId)!;
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    const survivors = s.nodes.filter((n) => n !== victim);
    await Promise.all(survivors.map((n) => n.exited));
    for (const n of survivors) expect((await n.exited).code).toBe(0);

    const state = s.state();
    expect([...taskViews(state, Date.now()).values()].map((v) => v.status)).toEqual([
      'completed',
      'completed',
    ]);
    const [first, second] = state.tasks.get('task-1')!.attempts;
    expect([first!.outcome, second!.outcome]).toEqual(['expired', 'completed']);
    expect(second!.takeover).toMatchObject({ node: victimId });
    // Taken over within seconds of the kill, well inside the lease that ran from the victim's last write.
    expect(second!.created).toBeLessThan(first!.ev.lastAlive + 60_000 - 15_000);
    expect(second!.created - killedAt).toBeLessThan(45_000);
    const logs = survivors.map((n) => n.log()).join('\n');
    expect(logs).toMatch(
      /the job of \S+ has ended \(job \d+\): taking task-1 over without waiting for its lease/,
    );
    expect(logs).toMatch(/API use: .*; Actions API \(the run's jobs\): [1-9]\d* reads, [1-9]\d* counted/);
  }, 150_000);

  it('falls back to the lease, saying so once, when the token may not read the run’s jobs', async () => {
    s = await startScenario({
      nodes: 2,
      issueBody: '- [ ] One',
      agentBody: 'if [ "$P2P_ATTEMPT" = 1 ]; then sleep 300; fi; sleep 0.3',
      beforeNodes: (server) => {
        server.emulator.setUserActions?.('github-actions[bot]', 'none');
      },
    });
    const [, , victimId] = await s.waitForRun((r) => r[0] === 'start');
    const victim = s.nodes.find((n) => n.outputs()['node-id'] === victimId)!;
    victim.child.kill('SIGKILL');
    const survivor = s.nodes.find((n) => n !== victim)!;
    expect((await survivor.exited).code).toBe(0);
    const log = survivor.log();
    expect(log.match(/cannot tell dead nodes from the Actions API/g)).toHaveLength(1);
    expect(log).toMatch(/actions: read/);
    const [first, second] = s.state().tasks.get('task-1')!.attempts;
    expect(second!.takeover).toBeUndefined();
    expect(second!.created).toBeGreaterThan(first!.ev.lastAlive + 4000);
  }, 150_000);
});
