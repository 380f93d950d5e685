// Five real processes of the bundled action coordinate through one issue on the emulator, over real HTTP.
import { readFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { fold } from '../../src/protocol/fold.js';
import { taskViews } from '../../src/protocol/decide.js';
import { makeTrust } from '../../src/protocol/thread-comment.js';
import { FAST_TIMING_LIMITS, startNode, waitAll, type NodeProcess } from '../../scripts/local-nodes.js';
import { threadOf } from '../../emulator/thread-view.js';
import { agentScript } from '../helpers/scenario.js';

const ISSUE_BODY = [
  'Build the feature.',
  '',
  '- [ ] Backend API (priority: high)',
  '  Endpoints for the widgets.',
  '- [ ] Frontend (priority: medium, depends: task-1)',
  '- [ ] Docs (priority: low)',
  '- [ ] Tests (depends: task-1, task-2)',
  '- [ ] Benchmarks (priority: high)',
  '- [ ] Release notes (depends: task-4)',
].join('\n');

/** The agent checks it was given a prompt file that names its task, then works a moment. */
const AGENT_BODY =
  'test -s "$P2P_PROMPT_FILE"; grep -q "$P2P_TASK_ID" "$P2P_PROMPT_FILE"; echo "working on $P2P_TASK_TITLE"; sleep 0.7';

let server: RunningEmulator | undefined;
let nodes: NodeProcess[] = [];
afterEach(async () => {
  for (const n of nodes) n.child.kill('SIGKILL');
  nodes = [];
  await server?.close();
  server = undefined;
});

describe('five nodes, one issue', () => {
  it('elects one leader and runs every task exactly once, dependencies first; every node exits 0', async () => {
    // Five nodes at FAST_TIMINGS (a heartbeat a second): GitHub's limits scaled alike.
    server = await startEmulator({ ...FAST_TIMING_LIMITS, config: { latencyMs: [5, 40] } });
    const { emulator, url } = server;
    const issue = emulator.createIssue({ title: 'Widgets', body: ISSUE_BODY });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-e2e-'));
    const agent = agentScript(dir, AGENT_BODY);
    nodes = [1, 2, 3, 4, 5].map((i) =>
      startNode(i, {
        apiUrl: url,
        token: 'ghs_bot_token',
        repository: 'octo-org/demo',
        issue,
        instances: 5,
        inputs: { 'agent-command': agent },
      }),
    );
    await waitAll(nodes, 90_000);
    for (const n of nodes)
      expect({ node: n.instance, code: (await n.exited).code, log: n.log().slice(-2000) }).toMatchObject({
        code: 0,
      });

    const roles = nodes.map((n) => n.outputs().role);
    expect(roles.filter((r) => r === 'leader')).toHaveLength(1);
    expect(roles.filter((r) => r === 'worker')).toHaveLength(4);
    const completedByNodes = nodes.reduce((sum, n) => sum + Number(n.outputs()['tasks-completed']), 0);
    expect(completedByNodes).toBe(6);

    const runs = readFileSync(path.join(dir, 'runs.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    const starts = runs.filter((r) => r[0] === 'start');
    expect(starts.map((r) => r[1]).sort()).toEqual([
      'task-1',
      'task-2',
      'task-3',
      'task-4',
      'task-5',
      'task-6',
    ]);
    const at = (kind: string, task: string) => Number(runs.find((r) => r[0] === kind && r[1] === task)![4]);
    for (const [task, deps] of [
      ['task-2', ['task-1']],
      ['task-4', ['task-1', 'task-2']],
      ['task-6', ['task-4']],
    ] as const) {
      for (const dep of deps) expect(at('start', task)).toBeGreaterThan(at('end', dep));
    }

    // The thread, folded as any reader would, agrees.
    const state = fold(threadOf(emulator, issue), {
      run: '4242.1',
      trust: makeTrust({ login: 'github-actions[bot]', id: 41898282 }),
    });
    expect([...taskViews(state, Date.now()).values()].map((v) => v.status)).toEqual(
      Array(6).fill('completed'),
    );
    expect(state.plan?.leader).toBe(nodes.find((n) => n.outputs().role === 'leader')!.outputs()['node-id']);
    expect(state.nodes.size).toBe(5);
  });
});
