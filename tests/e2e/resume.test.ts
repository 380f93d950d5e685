// Re-runs resume: a new run attempt (or a new run) on the same issue does not redo what completed; it takes up
// the failed and unfinished tasks.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startNode, waitAll } from '../../scripts/local-nodes.js';
import { startScenario, type Scenario } from '../helpers/scenario.js';
import { taskViews } from '../../src/protocol/decide.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

const statuses = (s: Scenario, run: string) =>
  [...taskViews(s.state(run), Date.now()).values()].map((v) => v.status);

describe('re-runs', () => {
  it('skip the tasks an earlier run completed and run the failed and unfinished ones', async () => {
    scenario = await startScenario({
      nodes: 2,
      issueBody: '- [ ] One\n- [ ] Two\n- [ ] Three (depends: task-2)',
      // task-2 fails until the maintainer "fixes" things.
      agentBody: 'if [ "$P2P_TASK_ID" = task-2 ] && [ ! -f "$LOG.fixed" ]; then exit 4; fi; sleep 0.2',
      inputs: { 'max-attempts': '1' },
    });
    await scenario.finish();
    expect(statuses(scenario, '4242.1')).toEqual(['completed', 'failed', 'skipped']);

    writeFileSync(path.join(scenario.dir, 'runs.log.fixed'), '');
    const s = scenario;
    const rerun = [1, 2].map((instance) =>
      startNode(instance, {
        apiUrl: s.server.url,
        token: 'ghs_bot_token',
        repository: 'octo-org/demo',
        issue: s.issue,
        instances: 2,
        runAttempt: '2',
        workspace: s.dir,
        inputs: { 'agent-command': `bash ${path.join(s.dir, 'agent.sh')}`, 'max-attempts': '1' },
      }),
    );
    s.nodes.push(...rerun);
    await waitAll(rerun, 90_000);
    for (const n of rerun) expect((await n.exited).code).toBe(0);
    expect(statuses(s, '4242.2')).toEqual(['completed', 'completed', 'completed']);
    const starts = (task: string) => s.runs().filter((r) => r[0] === 'start' && r[1] === task).length;
    expect([starts('task-1'), starts('task-2'), starts('task-3')]).toEqual([1, 2, 1]);
    const plan = s.state('4242.2').plan!;
    expect(plan.tasks[0]!.completed_in).toMatchObject({ run: '4242.1' });
    expect(
      rerun.some((n) => /1 completed in an earlier run and are not run again \(task-1\)/.test(n.log())),
    ).toBe(true);
  });
});
