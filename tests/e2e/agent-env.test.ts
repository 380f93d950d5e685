// What the agent process is given: the P2P_* variables, and no GitHub token unless the user asks for it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startScenario, type Scenario } from '../helpers/scenario.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

async function agentEnv(inputs: Record<string, string>): Promise<string> {
  scenario = await startScenario({
    nodes: 1,
    issueBody: '- [ ] Look around',
    // The agent also prints its whole environment, as a careless agent might.
    agentBody: 'env > "$(dirname "$LOG")/agent-env.txt"; env',
    inputs,
  });
  await scenario.finish();
  expect((await scenario.nodes[0]!.exited).code).toBe(0);
  return readFileSync(path.join(scenario.dir, 'agent-env.txt'), 'utf8');
}

describe('the agent’s environment', () => {
  it('has the task variables and no token by default', async () => {
    const env = await agentEnv({});
    expect(env).toMatch(/^P2P_TASK_ID=task-1$/m);
    expect(env).toMatch(/^P2P_ISSUE_NUMBER=\d+$/m);
    expect(env).toMatch(/^P2P_ATTEMPT=1$/m);
    expect(env).toMatch(/^P2P_PROMPT_FILE=.+\.md$/m);
    expect(env).not.toContain('ghs_bot_token');
    expect(env).not.toMatch(/^INPUT_/m);
  });

  it('has the token when pass-token-to-agent is true', async () => {
    const env = await agentEnv({ 'pass-token-to-agent': 'true' });
    expect(env).toMatch(/^GITHUB_TOKEN=ghs_bot_token$/m);
    expect(env).toMatch(/^GH_TOKEN=ghs_bot_token$/m);
    // What it printed reaches the thread and the log masked.
    const comments = scenario!.server.emulator.listComments(scenario!.issue);
    expect(comments.some((c) => c.body.includes('GITHUB_TOKEN=***'))).toBe(true);
    expect(comments.every((c) => !c.body.includes('ghs_bot_token'))).toBe(true);
    expect(scenario!.nodes[0]!.log()).not.toMatch(/GITHUB_TOKEN=ghs_bot_token/);
  });
});
