// Results as branches and pull requests, with real git: each node works in its own clone of a bare remote,
// and the pull requests go to the emulator.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { gitClones, startScenario, BOT_IDENTITY, type Scenario } from '../helpers/scenario.js';
import { cloneFor, git, remoteBranches } from '../../scripts/local-git.js';
import { taskViews } from '../../src/protocol/decide.js';
import { startNode } from '../../scripts/local-nodes.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

const attemptOf = (s: Scenario, task: string) => s.state().tasks.get(task)!.attempts.at(-1)!;

describe('results as branches and pull requests', () => {
  it('pushes each task to its branch, builds on dependencies, opens PRs, and keeps failed work', async () => {
    const clones = gitClones();
    scenario = await startScenario({
      nodes: 3,
      issueBody: [
        '- [ ] Add feature A',
        '- [ ] Extend feature A (depends: task-1)',
        '- [ ] Only read the code',
        '- [ ] Break the build',
      ].join('\n'),
      inputs: { 'max-attempts': '1', 'create-pr': 'task' },
      agentBody: [
        'case "$P2P_TASK_ID" in',
        '  task-1) mkdir -p src && echo "feature A" > src/a.txt ;;',
        // Fails unless task-1's work is in the workspace.
        '  task-2) test -f src/a.txt && echo "extended" >> src/a.txt ;;',
        '  task-3) cat README.md > /dev/null ;;',
        '  task-4) echo "half done" > broken.txt; exit 3 ;;',
        'esac',
      ].join('\n'),
      workspaceFor: clones.workspaceFor,
    });
    await scenario.finish();
    const remote = clones.remote();
    const issue = scenario.issue;
    const views = taskViews(scenario.state(), Date.now());
    expect([...views.values()].map((v) => v.status)).toEqual([
      'completed',
      'completed',
      'completed',
      'failed',
    ]);

    expect(remoteBranches(remote)).toEqual([
      'main',
      `p2p/issue-${issue}/task-1`,
      `p2p/issue-${issue}/task-2`,
      `p2p/issue-${issue}/task-4-attempt-1-failed`,
    ]);
    // task-2 started from task-1's branch merged into main.
    expect(git(remote, 'show', `p2p/issue-${issue}/task-2:src/a.txt`)).toBe('feature A\nextended');
    expect(git(remote, 'show', `p2p/issue-${issue}/task-1:src/a.txt`)).toBe('feature A');
    expect(git(remote, 'log', '-1', '--format=%an <%ae>', `p2p/issue-${issue}/task-1`)).toBe(
      `${BOT_IDENTITY.login} <${BOT_IDENTITY.id}+${BOT_IDENTITY.login}@users.noreply.github.com>`,
    );
    // The failed run's work is kept, marked failed; it gets no pull request.
    expect(git(remote, 'show', `p2p/issue-${issue}/task-4-attempt-1-failed:broken.txt`)).toBe('half done');
    expect(git(remote, 'log', '-1', '--format=%s', `p2p/issue-${issue}/task-4-attempt-1-failed`)).toBe(
      '[failed] Break the build',
    );

    const pulls = scenario.server.emulator.pulls().sort((a, b) => a.number - b.number);
    expect(pulls.map((p) => [p.head, p.base, p.draft])).toEqual([
      [`p2p/issue-${issue}/task-1`, 'main', false],
      [`p2p/issue-${issue}/task-2`, 'main', false],
    ]);
    for (const pull of pulls) expect(pull.body).toContain(`#${issue}`);
    expect(pulls[1]!.body).toMatch(/Builds on[\s\S]*task-1/);

    const t1 = attemptOf(scenario, 'task-1').result!;
    expect(t1).toMatchObject({ changes: true, branch: `p2p/issue-${issue}/task-1` });
    expect(t1.pr).toContain(`/pull/${pulls[0]!.number}`);
    expect(t1.commit).toBe(git(remote, 'rev-parse', `p2p/issue-${issue}/task-1`));
    // Nothing changed: the completion says so, and there is no branch.
    const t3 = attemptOf(scenario, 'task-3').result!;
    expect(t3.changes).toBe(false);
    expect(t3.branch).toBeUndefined();
    const t4 = attemptOf(scenario, 'task-4').result!;
    expect(t4).toMatchObject({ changes: true, branch: `p2p/issue-${issue}/task-4-attempt-1-failed` });
    expect(t4.error).toContain('exited with 3');
    // main is untouched.
    expect(git(remote, 'log', '--format=%s', 'main')).toBe('Initial commit');

    // The summary links each task's result.
    const aggregate = startNode(1, {
      apiUrl: scenario.server.url,
      token: 'ghs_bot_token',
      repository: 'octo-org/demo',
      issue,
      instances: 1,
      workspace: cloneFor(remote, scenario.dir, 'aggregate'),
      inputs: {
        mode: 'aggregate',
        'fail-on-task-failure': 'false',
        'publish-dashboard': 'true',
        'create-pr': 'task',
      },
    });
    expect((await aggregate.exited).code).toBe(0);
    // The dashboard went to the Pages branch, as one file.
    expect(git(remote, 'show', 'gh-pages:index.html')).toBe(
      readFileSync('dist/dashboard.html', 'utf8').trim(),
    );
    expect(aggregate.log()).toMatch(/published the dashboard to gh-pages/);
    const summary = scenario.server.emulator
      .listComments(issue)
      .find((c) => c.body.includes('p2p-dev-summary'))!;
    // Its pull request, and how much it changed.
    expect(summary.body).toContain(`| ${t1.pr} · 1 file +1 −0 |`);
    expect(summary.body).toMatch(/task-3: Only read the code \| ✅ completed .*\| no changes \|/);
    expect(summary.body).toContain(`branch \`p2p/issue-${issue}/task-4-attempt-1-failed\``);
  });

  it('fails a task whose dependencies do not merge, naming the files, without running the agent', async () => {
    const clones = gitClones({ 'shared.txt': 'zero\n' });
    scenario = await startScenario({
      nodes: 2,
      issueBody: ['- [ ] Say one', '- [ ] Say two', '- [ ] Combine (depends: task-1, task-2)'].join('\n'),
      inputs: { 'max-attempts': '1', 'draft-pr': 'true', 'base-branch': 'main', 'create-pr': 'task' },
      agentBody: [
        'case "$P2P_TASK_ID" in',
        '  task-1) echo one > shared.txt ;;',
        '  task-2) echo two > shared.txt ;;',
        '  task-3) echo combined > combined.txt ;;',
        'esac',
      ].join('\n'),
      workspaceFor: clones.workspaceFor,
    });
    await scenario.finish();
    const remote = clones.remote();
    const views = taskViews(scenario.state(), Date.now());
    expect([...views.values()].map((v) => v.status)).toEqual(['completed', 'completed', 'failed']);
    const t3 = attemptOf(scenario, 'task-3').result!;
    expect(t3.error).toMatch(/merge conflict/);
    expect(t3.error).toContain('shared.txt');
    expect(scenario.runs().filter((r) => r[1] === 'task-3')).toEqual([]);
    expect(remoteBranches(remote)).not.toContain(`p2p/issue-${scenario.issue}/task-3`);
    const pulls = scenario.server.emulator.pulls();
    expect(pulls).toHaveLength(2);
    expect(pulls.every((p) => p.draft)).toBe(true);
  });
});
