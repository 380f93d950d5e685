// One pull request for the issue (create-pr: issue, the default), with real dist/index.js processes and real
// git: the nodes push each task to its branch and open no pull request of their own; the aggregate job merges
// the completed tasks' branches in dependency order into p2p/issue-<n>-integration and opens one pull request
// that closes the issue, which a re-run of the job updates. A branch that does not merge is left out, named with
// the task it conflicts with and the files, and so is the task that builds on it.
import { afterEach, describe, expect, it } from 'vitest';
import { gitClones, runAggregate, startScenario, type Scenario } from '../helpers/scenario.js';
import { checkoutOverHttp, cloneFor, git, remoteBranches } from '../../scripts/local-git.js';
import { decode } from '../../src/protocol/codec.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

/** The aggregate job, in a checkout of its own; resolves with its log. */
async function aggregate(
  s: Scenario,
  remote: string,
  name: string,
  inputs: Record<string, string> = {},
  workspace = cloneFor(remote, s.dir, name),
): Promise<string> {
  const job = await runAggregate(s, { 'fail-on-task-failure': 'false', ...inputs }, workspace);
  expect(job.code, job.log).toBe(0);
  return job.log;
}

/** The GitHub App the run writes as (its installation token; GET /user refuses it, so the inputs name it). */
const APP = { 'github-token': 'ghs_app_token', 'app-slug': 'p2p-app' };
function addApp(server: Scenario['server']): void {
  server.emulator.addUser({
    login: 'p2p-app[bot]',
    id: 4242,
    type: 'Bot',
    token: 'ghs_app_token',
    permission: 'write',
  });
}

const summaryOf = (s: Scenario): string =>
  s.server.emulator.listComments(s.issue).find((c) => c.body.includes('p2p-dev-summary'))!.body;

describe('one pull request for the issue', () => {
  it('merges tasks that build on each other into one branch, each task once, and a re-run updates it', async () => {
    const clones = gitClones();
    scenario = await startScenario({
      nodes: 2,
      issueBody: [
        '- [ ] Add feature A',
        '- [ ] Extend feature A (depends: task-1)',
        '- [ ] Document feature A (depends: task-2)',
      ].join('\n'),
      inputs: { 'max-attempts': '1' },
      agentBody: [
        'case "$P2P_TASK_ID" in',
        '  task-1) echo "feature A" > a.txt ;;',
        '  task-2) test -f a.txt && echo "extended" >> a.txt ;;',
        '  task-3) grep -q extended a.txt && echo "how to use A" > DOC.md ;;',
        'esac',
      ].join('\n'),
      workspaceFor: clones.workspaceFor,
    });
    await scenario.finish();
    const remote = clones.remote();
    const issue = scenario.issue;
    // The nodes pushed each task's branch and opened no pull request of their own.
    expect(scenario.server.emulator.pulls()).toEqual([]);

    await aggregate(scenario, remote, 'aggregate');
    const branch = `p2p/issue-${issue}-integration`;
    expect(remoteBranches(remote)).toContain(branch);
    const pulls = scenario.server.emulator.pulls();
    expect(pulls.map((p) => [p.head, p.base])).toEqual([[branch, 'main']]);
    // Every task's work is there, and each task's commit once: the dependencies' commits are not repeated.
    expect(git(remote, 'show', `${branch}:a.txt`)).toBe('feature A\nextended');
    expect(git(remote, 'show', `${branch}:DOC.md`)).toBe('how to use A');
    const own = git(remote, 'log', '--no-merges', '--format=%s', `main..${branch}`).split('\n');
    expect(own.sort()).toEqual(['Add feature A', 'Document feature A', 'Extend feature A']);
    expect(git(remote, 'log', '--format=%s', 'main')).toBe('Initial commit');
    const body = pulls[0]!.body;
    expect(body).toMatch(new RegExp(`^Closes #${issue}`));
    for (const t of ['task-1', 'task-2', 'task-3']) expect(body).toContain(`\`${t}\``);
    expect(body).toContain('(builds on task-1)');
    // Each task's row lists its own commit, not its dependencies' again.
    const row = (task: string) => body.split('\n').find((l) => l.startsWith(`| \`${task}\``))!;
    expect(row('task-1')).toMatch(/`[0-9a-f]{7,}` Add feature A/);
    // And how much it changed: task-2 added a line to task-1's file.
    expect(row('task-2')).toContain('| 1 file +1 −0 |');
    expect(row('task-2')).toMatch(/`[0-9a-f]{7,}` Extend feature A/);
    expect(row('task-2')).not.toContain('Add feature A');
    expect(row('task-3')).not.toMatch(/Add feature A|Extend feature A/);
    expect(summaryOf(scenario)).toContain('**Pull request for the issue:** ');
    expect(summaryOf(scenario)).toContain(`/pull/${pulls[0]!.number}, opened with 3 task(s) merged`);
    // The live checklist at the top of the issue links it too.
    const checklist = scenario.server.emulator.listComments(issue).find((c) => c.body.includes(': tasks'))!;
    expect(checklist.body).toContain(`**Pull request for the issue:** `);
    expect(checklist.body).toContain(`/pull/${pulls[0]!.number}`);
    // GITHUB_TOKEN's pushes start no workflow: said once, not waited for.
    expect(summaryOf(scenario)).toContain('**Its CI:** not run: pushes made with GITHUB_TOKEN');

    // The job run again (a re-run, or one that died half way): the same pull request, updated, not a second.
    const head = git(remote, 'rev-parse', branch);
    const log = await aggregate(scenario, remote, 'aggregate-again');
    const again = scenario.server.emulator.pulls();
    expect(again).toHaveLength(1);
    expect(again[0]!.number).toBe(pulls[0]!.number);
    expect(git(remote, 'rev-parse', `${branch}^{tree}`)).toBe(git(remote, 'rev-parse', `${head}^{tree}`));
    expect(summaryOf(scenario)).toMatch(/Pull request for the issue:.*updated with 3 task\(s\) merged/);
    expect(log).toContain("the issue's pull request");
  });

  it('leaves out a branch that conflicts, names the task and the files, and what builds on it', async () => {
    const clones = gitClones({ 'shared.txt': 'zero\n' });
    scenario = await startScenario({
      nodes: 2,
      issueBody: ['- [ ] Say one', '- [ ] Say two', '- [ ] Build on two (depends: task-2)'].join('\n'),
      inputs: { 'max-attempts': '1' },
      agentBody: [
        'case "$P2P_TASK_ID" in',
        '  task-1) echo one > shared.txt ;;',
        '  task-2) echo two > shared.txt ;;',
        '  task-3) echo more > more.txt ;;',
        'esac',
      ].join('\n'),
      workspaceFor: clones.workspaceFor,
    });
    await scenario.finish();
    const remote = clones.remote();
    const issue = scenario.issue;
    await aggregate(scenario, remote, 'aggregate');
    const branch = `p2p/issue-${issue}-integration`;
    const [pull] = scenario.server.emulator.pulls();
    expect(pull!.head).toBe(branch);
    // task-1 merged; task-2 conflicts with it in shared.txt; task-3 builds on task-2.
    expect(git(remote, 'show', `${branch}:shared.txt`)).toBe('one');
    expect(pull!.body).toMatch(new RegExp(`^Part of #${issue}`));
    expect(pull!.body).not.toMatch(/Closes #/);
    expect(pull!.body).toMatch(/`task-2`.*not merged, its branch conflicts with task-1 in shared\.txt/);
    expect(pull!.body).toMatch(/`task-3`.*not merged, it builds on task-2, which was not merged/);
    expect(pull!.body).toContain(`\`p2p/issue-${issue}/task-2\` is kept for a person`);
    // Their branches are left as they were.
    expect(git(remote, 'show', `p2p/issue-${issue}/task-2:shared.txt`)).toBe('two');
    expect(summaryOf(scenario)).toMatch(
      /`task-2` not merged: its branch conflicts with task-1 in shared\.txt/,
    );
  });

  it('as a GitHub App: its pushes start CI, and the summary says which check failed and what it said', async () => {
    const clones = gitClones();
    scenario = await startScenario({
      nodes: 2,
      issueBody: ['- [ ] Add feature A', '- [ ] Extend feature A (depends: task-1)'].join('\n'),
      inputs: { 'max-attempts': '1', ...APP },
      agentBody: 'echo "$P2P_TASK_ID" >> a.txt',
      workspaceFor: clones.workspaceFor,
      beforeNodes: (server) => {
        addApp(server);
        server.emulator.addCiRule({
          branch: 'p2p/*-integration',
          name: 'test',
          outcomes: ['failure'],
          summary: 'Tests: 1 failed',
          log: 'FAIL a.test.js\n  expected 2, got 1\n',
        });
      },
    });
    await scenario.finish();
    const remote = clones.remote();
    // The aggregate job's checkout is over HTTP, as on GitHub: its push of the issue's branch is one the
    // emulator's CI answers.
    scenario.server.git.serve('octo-org/demo', remote);
    const url = scenario.server.gitUrl('octo-org/demo');
    const checkout = await checkoutOverHttp(url, scenario.dir, 'aggregate', 'ghs_app_token');
    // (No fix rounds here: the next test sends the agent back.)
    await aggregate(scenario, remote, 'aggregate', { ...APP, 'ci-fix-attempts': '0' }, checkout);
    const [pull] = scenario.server.emulator.pulls();
    expect(pull!.head).toBe(`p2p/issue-${scenario.issue}-integration`);
    const comments = scenario.server.emulator.listComments(scenario.issue);
    const summary = comments.find((c) => c.body.includes('p2p-dev-summary'))!;
    // Written as the App, and the App's own comments believed: both tasks counted as completed.
    expect(summary.login).toBe('p2p-app[bot]');
    expect(summary.body).toMatch(/2 of 2 task\(s\) completed/);
    expect(pull!.body).toMatch(new RegExp(`^Closes #${scenario.issue}`));
    expect(summary.body).toContain('**Its CI:** ❌ failing: test (failure: Tests: 1 failed)');
  });

  it('sends the agent back while the CI fails: the failing check’s log in its prompt, its fix pushed, CI passing', async () => {
    const clones = gitClones();
    scenario = await startScenario({
      nodes: 2,
      issueBody: ['- [ ] Add feature A', '- [ ] Extend feature A (depends: task-1)'].join('\n'),
      inputs: { 'max-attempts': '1', 'max-cost-usd': '1', ...APP },
      agentBody: [
        'case "$P2P_TASK_ID" in',
        // Only a prompt that holds the failing check's log says what to fix.
        '  pr-ci-fix-*) grep -q "expected 2, got 1" "$P2P_PROMPT_FILE" && echo 2 > answer.txt',
        `    echo '{"cost_usd": 0.05}' > "$P2P_USAGE_FILE" ;;`,
        `  *) echo "$P2P_TASK_ID" >> a.txt; echo '{"cost_usd": 0.01}' > "$P2P_USAGE_FILE" ;;`,
        'esac',
      ].join('\n'),
      workspaceFor: clones.workspaceFor,
      beforeNodes: (server) => {
        addApp(server);
        // The issue's branch fails its first push's check and passes the next.
        server.emulator.addCiRule({
          branch: 'p2p/*-integration',
          name: 'test',
          outcomes: ['failure', 'success'],
          summary: ['Tests: 1 failed', 'Tests: all passed'],
          log: ['FAIL answer.test.js\n  expected 2, got 1\n', 'PASS answer.test.js\n'],
        });
      },
    });
    await scenario.finish();
    const remote = clones.remote();
    scenario.server.git.serve('octo-org/demo', remote);
    const checkout = await checkoutOverHttp(
      scenario.server.gitUrl('octo-org/demo'),
      scenario.dir,
      'aggregate',
      'ghs_app_token',
    );
    const log = await aggregate(
      scenario,
      remote,
      'aggregate',
      { ...APP, 'agent-command': `bash ${scenario.dir}/agent.sh`, 'ci-fix-attempts': '2' },
      checkout,
    );
    const branch = `p2p/issue-${scenario.issue}-integration`;
    // The fix is on the issue's branch, on top of both tasks' work; the pull request is the same one.
    expect(git(remote, 'show', `${branch}:answer.txt`)).toBe('2');
    expect(git(remote, 'show', `${branch}:a.txt`)).toBe('task-1\ntask-2');
    expect(scenario.server.emulator.pulls()).toHaveLength(1);
    expect(scenario.runs().filter((r) => r[0] === 'start' && r[1] === 'pr-ci-fix-1')).toHaveLength(1);
    expect(log).toContain('fix round 1');
    const summary = scenario.server.emulator
      .listComments(scenario.issue)
      .find((c) => c.body.includes('p2p-dev-summary'))!;
    expect(summary.body).toContain('**Its CI:** ✅ passing after 1 fix round(s) by the agent');
    // The fix round took what was left of the run's $1.00 before it ran, and said what it spent after: a
    // re-run of the summary job counts it spent. The run's cost has it.
    const spends = scenario.server.emulator
      .listComments(scenario.issue)
      .map((c) => decode(c.body))
      .flatMap((d) => (d.kind === 'message' && d.message.type === 'spend' ? [d.message] : []));
    expect(spends).toEqual([
      expect.objectContaining({
        purpose: 'CI fix round 1',
        cap_usd: 0.98,
        state: 'done',
        usage: { cost_usd: 0.05 },
      }),
    ]);
    expect(summary.body).toContain("(the summary job's agent, merging and fixing CI: $0.05)");
  }, 180_000);
});
