// The plan from a planner command, a planner that fails, and inputs that are wrong: real processes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startNode } from '../../scripts/local-nodes.js';
import { startScenario, type Scenario } from '../helpers/scenario.js';
import { taskViews } from '../../src/protocol/decide.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

describe('planning', () => {
  it('runs the plan a planner command prints, in dependency order', async () => {
    const plan = {
      tasks: [
        { id: 'schema', title: 'Schema', priority: 'high' },
        { id: 'api', title: 'API', depends_on: ['schema'] },
        { id: 'ui', title: 'UI', priority: 'low', depends_on: ['api'] },
      ],
    };
    const planFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'p2p-plan-')), 'plan.json');
    writeFileSync(planFile, JSON.stringify(plan));
    scenario = await startScenario({
      nodes: 3,
      issueBody: 'Plan this with the planner.',
      inputs: { 'planner-command': `echo "planning issue $P2P_ISSUE_NUMBER" >&2; cat ${planFile}` },
    });
    await scenario.finish();
    for (const n of scenario.nodes) expect((await n.exited).code).toBe(0);
    const starts = scenario
      .runs()
      .filter((r) => r[0] === 'start')
      .map((r) => r[1]);
    expect(starts).toEqual(['schema', 'api', 'ui']);
    const views = [...taskViews(scenario.state(), Date.now()).values()];
    expect(views.map((v) => [v.id, v.status])).toEqual([
      ['schema', 'completed'],
      ['api', 'completed'],
      ['ui', 'completed'],
    ]);
  });

  it('waits for a slow planner on a long thread with free 304s, not by reading the thread again', async () => {
    const planFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'p2p-plan-')), 'plan.json');
    writeFileSync(planFile, JSON.stringify({ tasks: [{ id: 'only', title: 'The only task' }] }));
    scenario = await startScenario({
      nodes: 2,
      issueBody: 'Plan this slowly.',
      // A long discussion first: a listing of the thread is then never answered by a 304.
      beforeNodes: (server, issue) => {
        for (let i = 0; i < 110; i++) server.emulator.addComment(issue, `discussion ${i}`, 'maintainer');
      },
      inputs: { 'planner-command': `sleep 10; cat ${planFile}`, 'poll-interval-ms': '1000' },
    });
    await scenario.finish(90_000);
    const logs = scenario.nodes.map((n) => n.log());
    const worker = logs.find((l) => !/published the plan/.test(l))!;
    const use = /API use: (\d+) counted requests, (\d+) free 304s \(([^)]*)\)/.exec(worker);
    expect(use, worker).not.toBeNull();
    const electing = Number(/electing (\d+)/.exec(use![3]!)?.[1] ?? 0);
    // Ten seconds of waiting, looked at every second: reading the thread's two pages each time would cost
    // more than 20. The first 3 s are read (a plan usually comes at once), then only free 304s until it came.
    expect(electing).toBeLessThanOrEqual(14);
    // About seven free looks; a worker slow to start on a loaded machine has fewer of the ten seconds left.
    expect(Number(use![2])).toBeGreaterThanOrEqual(3);
    expect(taskViews(scenario.state(), Date.now()).get('only')?.status).toBe('completed');
  });

  it('says on the issue why an invalid plan failed; the leader’s step fails, the others end cleanly', async () => {
    scenario = await startScenario({
      nodes: 3,
      issueBody: 'x',
      inputs: { 'planner-command': `echo '{"tasks":[{"id":"a b","title":"bad id"}]}'` },
    });
    await scenario.finish();
    const codes = await Promise.all(
      scenario.nodes.map(async (n) => ({ code: (await n.exited).code, role: n.outputs().role })),
    );
    expect(codes.filter((c) => c.code === 1)).toEqual([{ code: 1, role: 'leader' }]);
    expect(codes.filter((c) => c.code === 0)).toHaveLength(2);
    const leader = scenario.nodes.find((n) => n.outputs().role === 'leader')!;
    expect(leader.log()).toMatch(/planning failed: the planner's JSON is not a valid plan: tasks\.0\.id/);
    const comments = scenario.server.emulator.listComments(scenario.issue);
    expect(
      comments.some((c) => c.body.includes('could not plan the tasks') && c.body.includes('tasks.0.id')),
    ).toBe(true);
    expect(scenario.runs()).toEqual([]);
  });
});

describe('untrusted authors', () => {
  it('does not hand an issue written without write permission to an agent', async () => {
    scenario = await startScenario({
      nodes: 2,
      issueBody: '- [ ] Add my crypto miner',
      issueAuthor: 'outsider',
    });
    await scenario.finish();
    const leader = scenario.nodes.find((n) => n.outputs().role === 'leader')!;
    expect((await leader.exited).code).toBe(1);
    expect(leader.log()).toMatch(
      /was written by outsider, who has read permission .*allow-untrusted-authors/,
    );
    expect(scenario.state().plan?.error).toMatch(/written by outsider/);
    expect(scenario.runs()).toEqual([]);
  });
});

describe('inputs', () => {
  it('fails the step naming the input and what it accepts, and posts nothing', async () => {
    scenario = await startScenario({ nodes: 0, issueBody: 'x', startNodes: false });
    const cases: [Record<string, string>, RegExp][] = [
      [
        { 'settle-ms': 'soon' },
        /Input "settle-ms" must be a whole number from 0 to 600000 milliseconds; got "soon"/,
      ],
      [
        { 'lease-timeout-s': '2', 'heartbeat-interval-s': '1' },
        /Input "lease-timeout-s" must be at least twice "heartbeat-interval-s" plus one second/,
      ],
      [{ mode: 'leader' }, /Input "mode" must be one of node, trigger, aggregate; got "leader"/],
      [{ instance: '4' }, /Input "instance" must be from 1 to the value of "instances" \(3\); got 4/],
      [{ 'max-attempts': '0' }, /Input "max-attempts" must be a whole number from 1 to 100; got "0"/],
      [{ 'issue-number': 'abc' }, /Input "issue-number" must be a positive whole number/],
      [{ 'base-branch': 'main..dev' }, /Input "base-branch" must be a branch name .*got "main..dev"/],
      [{ 'create-pr': 'maybe' }, /Input "create-pr" must be one of issue, task, none; got "maybe"/],
      [{ 'max-turns': '0' }, /Input "max-turns" must be a whole number from 1 to 10000; got "0"/],
      [
        { 'max-task-cost-usd': 'lots' },
        /Input "max-task-cost-usd" must be a number from 0.01 to 100000 dollars/,
      ],
      [
        { 'max-cost-usd': '0' },
        /Input "max-cost-usd" must be a number from 0.01 to 1000000 dollars; got "0"/,
      ],
      [
        { 'max-cost-usd': '$5' },
        /Input "max-cost-usd" must be a number from 0.01 to 1000000 dollars; got "\$5"/,
      ],
      [
        { 'done-label': 'all done' },
        /Input "done-label" must be a label name without spaces; got "all done"/,
      ],
      [
        { 'failed-label': 'P2P-dev:done' },
        /Inputs "done-label" and "failed-label" must differ; both are "p2p-dev:done"/,
      ],
      [{ 'fix-attempts': '-1' }, /Input "fix-attempts" must be a whole number from 0 to 20; got "-1"/],
      [{ planner: 'magic' }, /Input "planner" must be one of issue, agent, command; got "magic"/],
      [{ planner: 'command' }, /Input "planner-command" is required when "planner" is command/],
      [
        { agent: 'codex', 'agent-command': '', 'agent-args': '--model x', 'planner-max-tasks': '0' },
        /Input "planner-max-tasks" must be a whole number from 1 to 500/,
      ],
    ];
    for (const [inputs, message] of cases) {
      const node = startNode(1, {
        apiUrl: scenario.server.url,
        token: 'ghs_bot_token',
        repository: 'octo-org/demo',
        issue: scenario.issue,
        instances: 3,
        inputs,
      });
      expect((await node.exited).code).toBe(1);
      expect(node.log()).toMatch(message);
    }
    const wrongToken = startNode(1, {
      apiUrl: scenario.server.url,
      token: 'ghp_wrong_token_0000000000000000',
      repository: 'octo-org/demo',
      issue: scenario.issue,
      instances: 1,
    });
    expect((await wrongToken.exited).code).toBe(1);
    expect(wrongToken.log()).toMatch(/401/);
    // Only the runner's masking command may carry the token; no message does.
    const lines = wrongToken
      .log()
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'));
    expect(lines.join('\n')).not.toContain('ghp_wrong_token_0000000000000000');
    expect(scenario.server.emulator.listComments(scenario.issue)).toEqual([]);
  });
});
