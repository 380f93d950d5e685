// The label lifecycle after a real run: mode aggregate (dist/index.js) takes the trigger label off the issue
// and puts on p2p-dev:done when every task completed, taking off a p2p-dev:failed an earlier run left; a
// label it cannot set is a warning, never a failed step. (After a run with a failed task: aggregate.test.ts.)
import { afterEach, describe, expect, it } from 'vitest';
import { labelIssue } from '../helpers/labels.js';
import { runAggregate, startScenario, type Scenario } from '../helpers/scenario.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

describe('labels after the aggregate job', () => {
  it('gives the trigger label way to p2p-dev:done when every task completed', async () => {
    scenario = await startScenario({
      nodes: 1,
      issueBody: '- [ ] One\n- [ ] Two',
      agentBody: 'sleep 0.1',
      beforeNodes: (server, issue) => labelIssue(server, issue, ['bug', 'p2p-dev', 'p2p-dev:failed']),
    });
    await scenario.finish();
    const s = scenario;
    const labels = () => s.server.emulator.getIssue(s.issue)!.labels;

    // GitHub refuses the label: the summary is posted and the step still succeeds, with a warning.
    s.server.emulator.queueFaults([
      { kind: 'status', status: 403, count: 1, match: { method: 'POST', pathIncludes: '/labels' } },
    ]);
    const refused = await runAggregate(s);
    expect(refused.code).toBe(0);
    expect(refused.outputs).toMatchObject({ 'tasks-completed': '2', 'tasks-failed': '0' });
    expect(refused.log).toMatch(/::warning::could not set the outcome label of #\d+: /);
    expect(labels()).toEqual(['bug', 'p2p-dev', 'p2p-dev:failed']);

    const labelled = await runAggregate(s);
    expect(labelled.code).toBe(0);
    expect(labelled.log).toMatch(/labelled #\d+ p2p-dev:done, removed p2p-dev, p2p-dev:failed/);
    expect(labels()).toEqual(['bug', 'p2p-dev:done']);
    const summaries = s.server.emulator
      .listComments(s.issue)
      .filter((c) => c.body.includes('p2p-dev-summary'));
    expect(summaries).toHaveLength(1);
  });

  it('uses the done-label and failed-label inputs, and refuses one that is the trigger label', async () => {
    scenario = await startScenario({
      nodes: 1,
      issueBody: '- [ ] One',
      agentBody: 'sleep 0.1',
      beforeNodes: (server, issue) => labelIssue(server, issue, ['go', 'red']),
    });
    await scenario.finish();
    const s = scenario;
    const inputs = { 'trigger-label': 'go', 'done-label': 'green', 'failed-label': 'red' };
    const same = await runAggregate(s, { ...inputs, 'done-label': 'GO' });
    expect(same.code).toBe(1);
    expect(same.log).toMatch(
      /Inputs "done-label" and "failed-label" must differ from "trigger-label" \("go"\)/,
    );
    expect(s.server.emulator.getIssue(s.issue)!.labels).toEqual(['go', 'red']);

    expect((await runAggregate(s, inputs)).code).toBe(0);
    expect(s.server.emulator.getIssue(s.issue)!.labels).toEqual(['green']);
  });
});
