// mode: aggregate after a real run: the summary comment (updated, not duplicated, on a re-run), the outputs,
// the metrics file, the issue labelled p2p-dev:failed, and failing the job when tasks failed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAggregate, startScenario, type Scenario } from '../helpers/scenario.js';
import { labelIssue } from '../helpers/labels.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

describe('mode: aggregate', () => {
  it('posts one summary of the run, with outputs and metrics, and fails the job when a task failed', async () => {
    scenario = await startScenario({
      nodes: 2,
      issueBody: '- [ ] Works\n- [ ] Breaks\n- [ ] Needs the broken one (depends: task-2)',
      agentBody: 'if [ "$P2P_TASK_ID" = task-2 ]; then echo "compile error" >&2; exit 3; fi; sleep 0.2',
      inputs: { 'max-attempts': '1' },
      beforeNodes: (server, issue) => labelIssue(server, issue, ['p2p-dev']),
    });
    await scenario.finish();
    const s = scenario;
    const aggregate = (inputs: Record<string, string>) => runAggregate(s, inputs);

    const first = await aggregate({});
    expect(first.code).toBe(1);
    expect(first.log).toMatch(/1 of 3 task\(s\) failed/);
    expect(first.outputs).toMatchObject({
      'tasks-completed': '1',
      'tasks-failed': '1',
      'success-rate': '0.333',
    });
    const summaries = () =>
      s.server.emulator.listComments(s.issue).filter((c) => c.body.includes('p2p-dev-summary'));
    expect(summaries()).toHaveLength(1);
    const body = summaries()[0]!.body;
    expect(body).toContain('1 of 3 task(s) completed (33%)');
    expect(body).toMatch(/task-2: Breaks \| ❌ failed \(1 attempt\(s\); last: the agent exited with 3\)/);
    expect(body).toMatch(/task-3: Needs the broken one \| ⏭️ skipped \(dependency task-2 failed\)/);
    // The trigger label gives way to the failed one (a failing step still labels the issue).
    expect(s.server.emulator.getIssue(s.issue)!.labels).toEqual(['p2p-dev:failed']);
    expect(first.log).toMatch(/labelled #\d+ p2p-dev:failed, removed p2p-dev/);

    const again = await aggregate({ 'fail-on-task-failure': 'false' });
    expect(again.code).toBe(0);
    expect(summaries()).toHaveLength(1);
    const metrics = JSON.parse(readFileSync(path.join(s.dir, 'metrics.json'), 'utf8'));
    expect(metrics).toMatchObject({
      run: '4242.1',
      issue: s.issue,
      totals: { completed: 1, failed: 1, skipped: 1, total: 3 },
    });
    expect(metrics.nodes).toHaveLength(2);
    expect(metrics.api.requests).toBeGreaterThan(0);
    // The run's whole cost: what each node logged it spent, recorded on the thread as it left.
    const logged = s.nodes.map((n) => Number(/API use: (\d+) counted requests/.exec(n.log())?.[1]));
    expect(metrics.spent).toMatchObject({ requests: logged[0]! + logged[1]!, nodes: 2 });
    expect(body).toContain(`API cost of the run: ${logged[0]! + logged[1]!} counted requests`);
    expect(body).toContain('as recorded by 2 of 2 node(s) when they left');

    // The summary job re-run on its own ("Re-run failed jobs"): attempt 2, whose nodes did not run again. It
    // sums up their run, attempt 1, in the same comment.
    const alone = await runAggregate(s, { 'fail-on-task-failure': 'false' }, undefined, '2');
    expect(alone.code, alone.log).toBe(0);
    expect(alone.log).toContain(
      'summing up run 4242.1, the latest attempt of this workflow run its nodes wrote',
    );
    expect(alone.outputs).toMatchObject({ 'tasks-completed': '1', 'tasks-failed': '1' });
    expect(summaries()).toHaveLength(1);
    expect(JSON.parse(readFileSync(path.join(s.dir, 'metrics.json'), 'utf8')).run).toBe('4242.1');

    const bad = await aggregate({ 'fail-on-task-failure': 'maybe' });
    expect(bad.code).toBe(1);
    expect(bad.log).toMatch(/Input "fail-on-task-failure" must be true or false; got "maybe"/);
  });
});
