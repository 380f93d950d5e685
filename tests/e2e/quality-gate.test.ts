// The quality gate (verify-command) and what the agents spent, end to end with real processes and real git:
// a check that fails until the agent has been run again with its output, a check that never passes, and the
// usage a custom agent writes to P2P_USAGE_FILE, shown in the outcome and the run's summary.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git, remoteBranches } from '../../scripts/local-git.js';
import { taskViews } from '../../src/protocol/decide.js';
import { gitClones, runAggregate, startScenario, type Scenario } from '../helpers/scenario.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

/** The run's summary comment, after mode: aggregate. */
const aggregate = async (s: Scenario): Promise<string> => {
  await runAggregate(s, { 'fail-on-task-failure': 'false' });
  return s.server.emulator.listComments(s.issue).find((c) => c.body.includes('p2p-dev-summary'))!.body;
};

describe('the quality gate', () => {
  it('runs the agent again with the failing check’s output, in the same attempt on the same node', async () => {
    const clones = gitClones();
    scenario = await startScenario({
      nodes: 2,
      issueBody: '- [ ] Make value.txt right',
      inputs: {
        'create-pr': 'task',
        'verify-command':
          'grep -q fixed value.txt || { echo "value.txt says $(cat value.txt), expected fixed"; exit 1; }',
      },
      agentBody: [
        'echo "round $P2P_FIX_ROUND $P2P_NODE_ID $P2P_ATTEMPT" >> "$LOG.rounds"',
        'if [ "$P2P_FIX_ROUND" = 0 ]; then echo broken > value.txt;',
        // A fix round's prompt holds the check's output: only then does the agent know what to do.
        'elif grep -q "value.txt says broken, expected fixed" "$P2P_PROMPT_FILE"; then echo fixed > value.txt; fi',
      ].join('\n'),
      workspaceFor: clones.workspaceFor,
    });
    await scenario.finish();
    const remote = clones.remote();
    const attempts = scenario.state().tasks.get('task-1')!.attempts;
    expect(attempts).toHaveLength(1);
    const result = attempts[0]!.result!;
    expect(attempts[0]!.outcome).toBe('completed');
    expect(result.check).toMatchObject({ passed: true, fix_rounds: 1, exit_code: 0 });
    expect(result.runs).toBe(2);
    const rounds = readFileSync(path.join(scenario.dir, 'runs.log.rounds'), 'utf8').trim().split('\n');
    expect(rounds.map((r) => r.split(' ').slice(0, 2).join(' '))).toEqual(['round 0', 'round 1']);
    expect(new Set(rounds.map((r) => r.split(' ')[2])).size).toBe(1);
    // The branch holds the fixed work; the pull request and the summary say the check passed after a round.
    const issue = scenario.issue;
    expect(git(remote, 'show', `p2p/issue-${issue}/task-1:value.txt`)).toBe('fixed');
    const pull = scenario.server.emulator.pulls()[0]!;
    expect(pull.body).toContain('passed after 1 fix round(s)');
    const summary = await aggregate(scenario);
    expect(summary).toContain('| ✅ passed after 1 fix round |');
    expect(summary).toContain('Checked with `grep -q fixed value.txt ||');
  });

  it('fails the task when the check never passes: its work on the failed branch, dependents skipped, the issue says why', async () => {
    const clones = gitClones();
    scenario = await startScenario({
      nodes: 2,
      issueBody: '- [ ] Write the code\n- [ ] Build on it (depends: task-1)',
      inputs: {
        'verify-command': 'echo "FAIL: 3 of 12 tests failed"; exit 1',
        'fix-attempts': '1',
        'max-attempts': '1',
      },
      agentBody: 'echo "attempt at $P2P_FIX_ROUND" > work.txt',
      workspaceFor: clones.workspaceFor,
    });
    await scenario.finish();
    const remote = clones.remote();
    const views = taskViews(scenario.state(), Date.now());
    expect(views.get('task-1')!.status).toBe('failed');
    expect(views.get('task-2')).toMatchObject({ status: 'skipped', reason: 'dependency task-1 failed' });
    const result = scenario.state().tasks.get('task-1')!.attempts[0]!.result!;
    expect(result.error).toBe(
      'the check `echo "FAIL: 3 of 12 tests failed"; exit 1` exited with 1 after 1 fix round(s)',
    );
    expect(result.check).toMatchObject({ passed: false, fix_rounds: 1, exit_code: 1 });
    expect(result.check!.output_tail).toContain('FAIL: 3 of 12 tests failed');
    const issue = scenario.issue;
    expect(remoteBranches(remote)).toEqual(['main', `p2p/issue-${issue}/task-1-attempt-1-failed`]);
    expect(git(remote, 'show', `p2p/issue-${issue}/task-1-attempt-1-failed:work.txt`)).toBe('attempt at 1');
    expect(scenario.server.emulator.pulls()).toEqual([]);
    // The issue shows why, to a person reading it.
    const claim = scenario.server.emulator
      .listComments(issue)
      .find((c) => c.body.includes('failed on node'))!;
    expect(claim.body).toContain(
      'Error: the check `echo "FAIL: 3 of 12 tests failed"; exit 1` exited with 1 after 1 fix round(s)',
    );
    expect(claim.body).toMatch(/Check output[\s\S]*FAIL: 3 of 12 tests failed/);
    const summary = await aggregate(scenario);
    expect(summary).toContain('exited with 1 after 1 fix round(s)');
  });

  it('records what a custom agent writes to P2P_USAGE_FILE in the outcome and the summary', async () => {
    scenario = await startScenario({
      nodes: 2,
      issueBody: '- [ ] One\n- [ ] Two',
      agentBody: `echo '{"cost_usd": 0.42, "input_tokens": 1200, "output_tokens": 340, "turns": 7, "model": "x"}' > "$P2P_USAGE_FILE"`,
    });
    await scenario.finish();
    for (const id of ['task-1', 'task-2'])
      expect(scenario.state().tasks.get(id)!.attempts[0]!.result!.usage).toEqual({
        cost_usd: 0.42,
        input_tokens: 1200,
        output_tokens: 340,
        turns: 7,
      });
    const summary = await aggregate(scenario);
    expect(summary).toContain('| $0.42 · 1.2k in / 340 out tokens · 7 turns |');
    expect(summary).toContain('Agent cost of the run: $0.84 · 2.4k in / 680 out tokens · 14 turns');
    const metrics = JSON.parse(readFileSync(path.join(scenario.dir, 'metrics.json'), 'utf8'));
    expect(metrics.usage).toEqual({
      cost_usd: 0.84,
      input_tokens: 2400,
      output_tokens: 680,
      turns: 14,
    });
  });
});
