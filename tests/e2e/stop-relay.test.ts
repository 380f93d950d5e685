// `/p2p-dev stop` relayed by the workflow's check-trigger job (mode: trigger on the issue_comment event), as the
// README's workflow runs it: the busy nodes only watch the stop beacon and read no one's comments, yet their
// agents stop within seconds. Real dist/index.js processes: three nodes and the trigger job, on the emulator.
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_TIMINGS } from '../../scripts/local-nodes.js';
import { commentTriggerJob, TRIAGER } from '../helpers/trigger-job.js';
import { startScenario, type Scenario, taskList } from '../helpers/scenario.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

describe('a stop relayed by check-trigger', () => {
  it('stops every agent within seconds, though no busy node reads people’s comments; a triager’s is not relayed', async () => {
    scenario = await startScenario({
      nodes: 3,
      issueBody: taskList(6),
      agentBody: 'sleep 30',
      inputs: { ...FAST_TIMINGS, 'stop-relay': 'true', 'max-attempts': '2' },
      beforeNodes: (server) => void server.emulator.addUser({ ...TRIAGER }),
    });
    const s = scenario;
    for (const id of ['task-1', 'task-2', 'task-3'])
      await s.waitForRun((r) => r[0] === 'start' && r[1] === id, 60_000);

    const triaged = await commentTriggerJob(
      s,
      s.server.emulator.addComment(s.issue, '/p2p-dev stop', 'triager'),
    );
    expect(triaged.code).toBe(0);
    expect(triaged.log).toMatch(
      /not relaying the stop asked by triager in comment \d+: their permission is read/,
    );
    expect(s.state().stopped).toBeUndefined();

    const asked = Date.now();
    const stopComment = s.server.emulator.addComment(s.issue, '/p2p-dev stop', 'maintainer');
    const relayed = await commentTriggerJob(s, stopComment);
    expect(relayed.code).toBe(0);
    expect(relayed.outputs).toMatchObject({ 'should-run': 'false' });
    expect(relayed.log).toMatch(/maintainer asked to stop run \S+ \(comment \d+\): relaying it/);
    await s.finish(60_000);
    expect(Date.now() - asked, 'every node left within about 20 s').toBeLessThan(20_000);
    for (const n of s.nodes) expect((await n.exited).code).toBe(0);
    const state = s.state();
    expect(state.stopped).toMatchObject({ by: 'maintainer', commentId: stopComment });
    expect(state.stopped!.node).toMatch(/^relay-/);
    // Nothing started after the stop, and the three running agents ended early (they sleep 30 s).
    expect(s.runs().filter((r) => r[0] === 'start')).toHaveLength(3);
    expect(s.runs().filter((r) => r[0] === 'end')).toHaveLength(0);
    // The busy nodes heard of it from the beacon: none judged or relayed a request itself.
    for (const n of s.nodes) {
      expect(n.log()).not.toMatch(/asked to stop the run \(comment \d+\): relaying it/);
      expect(n.log()).not.toMatch(/ignoring the stop asked by triager/);
    }
  }, 180_000);

  it('relays nothing to a run that is over: its beacon keeps saying how to stop it, and no stop is written', async () => {
    scenario = await startScenario({
      nodes: 2,
      issueBody: taskList(2),
      agentBody: 'sleep 0.2',
      inputs: { ...FAST_TIMINGS, 'stop-relay': 'true' },
    });
    const s = scenario;
    await s.finish(60_000);
    const before = s.server.emulator.listComments(s.issue).length;
    const late = await commentTriggerJob(
      s,
      s.server.emulator.addComment(s.issue, '/p2p-dev stop', 'maintainer'),
    );
    expect(late.code).toBe(0);
    expect(late.log).toMatch(/run \S+ on #\d+ is over: no run in progress to stop/);
    const after = s.server.emulator.listComments(s.issue);
    // Only the maintainer's comment was added; the run reads as it ended.
    expect(after).toHaveLength(before + 1);
    expect(s.state().stopped).toBeUndefined();
    expect(after.some((c) => /This run was stopped by/.test(c.body))).toBe(false);
  }, 120_000);
});
