// Silence that proves nothing starts no takeover: when GitHub itself was unreachable, or held one node back
// while its job kept running, no task's agent runs twice. Real processes of the bundled action on the
// emulator; leases of 4 s, so that the faults outlast them.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { taskViews } from '../../src/protocol/decide.js';
import { startScenario, type Scenario, taskList } from '../helpers/scenario.js';

const OUTAGE_AGENT = path.join(import.meta.dirname, 'silence', 'outage-agent.mjs');

let s: Scenario | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** Every task completed, each agent started once, every node exited cleanly. */
async function expectEachAgentOnce(scenario: Scenario, count: number): Promise<void> {
  for (const n of scenario.nodes)
    expect({ node: n.instance, code: (await n.exited).code }).toEqual({ node: n.instance, code: 0 });
  const views = [...taskViews(scenario.state(), Date.now()).values()];
  expect(views.map((v) => v.status)).toEqual(Array(count).fill('completed'));
  const starts = scenario.runs().filter((l) => l[0] === 'start');
  const perTask = new Map<string, number>();
  for (const l of starts) perTask.set(l[1]!, (perTask.get(l[1]!) ?? 0) + 1);
  expect(Object.fromEntries(perTask)).toEqual(
    Object.fromEntries(Array.from({ length: count }, (_, i) => [`task-${i + 1}`, 1])),
  );
}

describe('silence that proves nothing', () => {
  for (const mode of ['reset', 'status'] as const)
    it(`takes nothing over after GitHub was unreachable (${mode === 'reset' ? 'connections reset' : '503s'}) for one and a half leases while agents finished`, async () => {
      // task-1's first agent finishes and takes GitHub away for 6 s (a lease is 4 s); its outcome gets through
      // a few seconds after the others can read again. Every node's reads failed meanwhile: nobody may count
      // that as task-1's silence, and nobody takes it over.
      const agentBody = [
        'sleep 1',
        'if [ "$P2P_TASK_ID" = task-1 ] && [ "$P2P_ATTEMPT" = 1 ]; then',
        `  DOWN_MODE=${mode} node ${OUTAGE_AGENT}`,
        'fi',
      ].join('\n');
      s = await startScenario({ nodes: 3, issueBody: taskList(3), agentBody });
      await s.finish(150_000);
      await expectEachAgentOnce(s, 3);
      const logs = s.nodes.map((n) => n.log()).join('\n');
      expect(logs).toMatch(
        /lease on task-1 \(attempt 1\) has run out, but its silence proves nothing yet: GitHub failed or held back this node for \d+s of its silence/,
      );
    }, 180_000);
});
