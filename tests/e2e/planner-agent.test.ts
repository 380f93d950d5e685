// planner: agent, end to end: the leader runs the real Claude Code CLI (the claude preset) against a stand-in
// for Anthropic's API, which answers the planning prompt with a plan; every task then runs through the same
// preset.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { taskViews } from '../../src/protocol/decide.js';
import { startScenario, type Scenario } from '../helpers/scenario.js';
import { cliPath } from '../helpers/agent-clis.js';
import {
  answeredTool,
  claudeEnvFor,
  startAnthropicStandIn,
  type Answer,
  type MessagesRequest,
  type StandIn,
} from '../../scripts/anthropic-stand-in.js';

let scenario: Scenario | undefined;
let standIn: StandIn | undefined;
afterEach(async () => {
  await scenario?.close();
  await standIn?.close();
  scenario = undefined;
  standIn = undefined;
});

const PLAN = {
  tasks: [
    { id: 'model', title: 'Add the widget model', body: 'Fields: id, name.', priority: 'high' },
    { id: 'api', title: 'Add the widgets API', depends_on: ['model'] },
  ],
};

const firstPrompt = (request: MessagesRequest): string => JSON.stringify(request.messages[0]?.content ?? '');

async function run(planAnswer: (request: MessagesRequest) => Answer, nodes = 2): Promise<Scenario> {
  standIn = await startAnthropicStandIn((request) => {
    if (firstPrompt(request).includes('You are planning the work')) return planAnswer(request);
    // A task: write a file named after it, then say so.
    return answeredTool(request)
      ? { text: 'Task done.' }
      : { bash: 'echo "$P2P_TASK_ID" > "$P2P_TASK_ID.txt"' };
  });
  const home = mkdtempSync(path.join(os.tmpdir(), 'p2p-claude-home-'));
  return startScenario({
    nodes,
    issueBody: 'Add widgets to the shop: a model, then an API for it.',
    inputs: { agent: 'claude', 'agent-command': '', planner: 'agent', 'planner-max-tasks': '5' },
    env: { PATH: cliPath(), ...claudeEnvFor(standIn, home) },
  });
}

describe('planner: agent', () => {
  it('plans with the agent and runs the plan it writes', async () => {
    scenario = await run((request) =>
      answeredTool(request)
        ? { text: 'The plan is written.' }
        : { bash: `cat > "$P2P_PLAN_FILE" <<'PLAN'\n${JSON.stringify(PLAN)}\nPLAN` },
    );
    await scenario.finish(120_000);
    const state = scenario.state();
    expect(state.plan?.planner).toBe('agent');
    expect(state.plan?.usage?.cost_usd).toBeGreaterThan(0);
    const views = [...taskViews(state, Date.now()).values()];
    expect(views.map((v) => [v.id, v.status])).toEqual([
      ['model', 'completed'],
      ['api', 'completed'],
    ]);
    expect(state.tasks.get('model')!.task.body).toBe('Fields: id, name.');
    expect(state.tasks.get('api')!.attempts[0]!.result!.usage?.turns).toBe(2);
    const planComment = scenario.server.emulator
      .listComments(scenario.issue)
      .find((c) => c.body.includes('TASKS_DATA'))!;
    expect(planComment.body).toMatch(/publishes 2 task\(s\), planned by the agent \(\$[\d.]+ · /);
    // The planning prompt told the agent about the repository and the bound.
    const planning = standIn!.requests.find((r) => firstPrompt(r).includes('You are planning the work'))!;
    expect(firstPrompt(planning)).toContain('at most 5 tasks');
  });

  it('takes the plan from the agent’s answer when it writes no plan file', async () => {
    scenario = await run(() => ({
      text: `Here is the plan:\n\n\`\`\`json\n${JSON.stringify(PLAN)}\n\`\`\``,
    }));
    await scenario.finish(120_000);
    expect([...taskViews(scenario.state(), Date.now()).values()].map((v) => v.status)).toEqual([
      'completed',
      'completed',
    ]);
  });

  it('fails clearly on the issue when the agent’s plan is wrong', async () => {
    const many = { tasks: Array.from({ length: 6 }, (_, i) => ({ id: `t${i}`, title: `Task ${i}` })) };
    scenario = await run(() => ({ text: JSON.stringify(many) }));
    await scenario.finish(120_000);
    const codes = await Promise.all(
      scenario.nodes.map(async (n) => ({ code: (await n.exited).code, role: n.outputs().role })),
    );
    expect(codes.find((c) => c.role === 'leader')?.code).toBe(1);
    expect(scenario.state().plan?.error).toBe('the agent planned 6 tasks; planner-max-tasks allows 5');
    const comment = scenario.server.emulator
      .listComments(scenario.issue)
      .find((c) => c.body.includes('could not plan'))!;
    expect(comment.body).toContain('planner-max-tasks allows 5');
  });
});
