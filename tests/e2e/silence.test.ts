// Silence that proves nothing starts no takeover: when GitHub itself was unreachable, or held one node back
// while its job kept running, no task's agent runs twice. Real processes of the bundled action on the
// emulator; leases of 4 s, so that the faults outlast them.
import { afterEach, describe, expect, it } from 'vitest';
import { taskViews } from '../../src/protocol/decide.js';
import { startScenario, type Scenario } from '../helpers/scenario.js';

let s: Scenario | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const tasks = (n: number): string => Array.from({ length: n }, (_, i) => `- [ ] Step ${i + 1}`).join('\n');

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
      // task-1's and task-2's agents finish, and the first to finish takes GitHub away for 6 s (a lease is
      // 4 s): their outcomes wait for it, every node's reads fail, and nobody may count that as silence.
      const agentBody = [
        'sleep 1',
        'if [ "$P2P_TASK_ID" = task-1 ]; then',
        `  node --input-type=module -e 'await fetch(process.env.GITHUB_API_URL + "/_emulator/faults", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ kind: "down", forMs: 6000, mode: "${mode}" }) })'`,
        'fi',
      ].join('\n');
      s = await startScenario({ nodes: 3, issueBody: tasks(3), agentBody });
      await s.finish(150_000);
      await expectEachAgentOnce(s, 3);
      const logs = s.nodes.map((n) => n.log()).join('\n');
      expect(logs).toMatch(/failed or held back this node for \d+s of its silence|failed \(/);
    }, 180_000);
});
