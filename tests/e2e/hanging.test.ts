// Connections that hang: mid-run, some requests of one node get no answer at all, or their headers and half
// their body, and nothing more until the node gives up. Real processes of the bundled action on the emulator,
// each node with a token of its own. With no time limit that node waited forever (its job would have run
// until GitHub's six-hour cap); with request-timeout-s each such request is abandoned after 3 s and retried
// like a 5xx, the log says so, the run completes and no task's agent runs twice.
import { afterEach, describe, expect, it } from 'vitest';
import { taskViews } from '../../src/protocol/decide.js';
import { nodeToken, startScenario, taskList, type Scenario } from '../helpers/scenario.js';

let s: Scenario | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const TASKS = 5;

describe('connections that hang', () => {
  it('abandons the hung requests of one node, retries them, and the run completes with each agent once', async () => {
    s = await startScenario({
      nodes: 3,
      issueBody: taskList(TASKS),
      agentBody: 'sleep 3',
      tokenPerNode: true,
      // A lease well past a hung heartbeat and its retry (3 s, then 1 s), on a loaded machine.
      inputs: { 'request-timeout-s': '3', 'lease-timeout-s': '20' },
    });
    await s.waitForRun((l) => l[0] === 'start', 60_000);
    const token = nodeToken(2);
    s.server.emulator.queueFaults([
      { kind: 'hang', count: 2, match: { method: 'GET', token } },
      {
        kind: 'hang',
        count: 1,
        after: 'headers',
        match: { method: 'GET', pathIncludes: '/comments', token },
      },
      { kind: 'hang', count: 1, match: { method: 'PATCH', token } },
    ]);
    await s.finish(150_000);
    for (const n of s.nodes)
      expect({ node: n.instance, code: (await n.exited).code }).toEqual({ node: n.instance, code: 0 });
    const views = [...taskViews(s.state(), Date.now()).values()];
    expect(views.map((v) => v.status)).toEqual(Array(TASKS).fill('completed'));
    const starts = s.runs().filter((l) => l[0] === 'start');
    expect(starts.map((l) => l[1]).sort()).toEqual(
      Array.from({ length: TASKS }, (_, i) => `task-${i + 1}`).sort(),
    );

    const hung = s.server.emulator.requestLog().filter((r) => r.status === 'hang');
    expect(hung.every((r) => r.token === token)).toBe(true);
    // At least the two reads with no answer and the one whose body stalled (a node always reads).
    expect(hung.filter((r) => r.method === 'GET').length).toBeGreaterThanOrEqual(3);
    const log = s.nodes[1]!.log();
    const abandoned = log.split('\n').filter((l) => l.includes('abandoned (retried like a 5xx)'));
    expect(abandoned.length, log.slice(-3000)).toBeGreaterThanOrEqual(hung.length);
    expect(
      abandoned.some((l) => /GitHub did not answer GET \/repos\/octo-org\/demo\/.* within 3 s/.test(l)),
    ).toBe(true);
    expect(
      abandoned.some((l) => /GitHub sent the headers of GET .*\/comments but not the whole body/.test(l)),
    ).toBe(true);
  }, 200_000);
});
