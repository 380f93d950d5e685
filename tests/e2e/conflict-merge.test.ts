// Two tasks that change the same line of the same file, each on its own branch: the summary job's agent is run
// on the merge that conflicts (real dist/index.js processes, real git). It is given the checkout in the middle
// of the merge, the markers in the file and both tasks in its prompt; verify-command gates what it made; the
// node commits the merge with both branches as parents, pushes it to p2p/issue-<n>-merge/<task>, and a re-run
// of the job takes that merge instead of paying the agent again. An agent that leaves the markers gets the task
// left out, as without an agent, saying which tasks conflict and why the agent's merge was not taken.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { gitClones, runAggregate, startScenario, type Scenario } from '../helpers/scenario.js';
import { cloneFor, git, remoteBranches } from '../../scripts/local-git.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

/** Whether `ancestor` is in the history of `of`, in the bare remote. */
const isAncestor = (remote: string, ancestor: string, of: string): boolean => {
  try {
    execFileSync('git', ['merge-base', '--is-ancestor', ancestor, of], { cwd: remote });
    return true;
  } catch {
    return false;
  }
};

/** Two tasks that write shared.txt's one line differently; `merge` is what the agent does on a merge. */
async function conflictingRun(merge: string): Promise<{ s: Scenario; remote: string }> {
  const clones = gitClones({ 'shared.txt': 'zero\n' });
  const s = await startScenario({
    nodes: 2,
    issueBody: ['- [ ] Say one', '- [ ] Say two'].join('\n'),
    inputs: { 'max-attempts': '1' },
    agentBody: [
      'case "$P2P_TASK_ID" in',
      '  task-1) echo one > shared.txt ;;',
      '  task-2) echo two > shared.txt ;;',
      `  merge-*) ${merge} ;;`,
      'esac',
    ].join('\n'),
    workspaceFor: clones.workspaceFor,
  });
  scenario = s;
  await s.finish();
  return { s, remote: clones.remote() };
}

/** The summary job, in a checkout of its own, with the scenario's agent script as its agent. */
async function aggregate(s: Scenario, remote: string, name: string, verify = true): Promise<string> {
  const job = await runAggregate(
    s,
    {
      'fail-on-task-failure': 'false',
      'agent-command': `bash ${s.dir}/agent.sh`,
      // What the agent made is taken only when the repository's own check passes on it.
      ...(verify ? { 'verify-command': "! grep -rq '^<<<<<<<' shared.txt" } : {}),
    },
    cloneFor(remote, s.dir, name),
  );
  expect(job.code, job.log).toBe(0);
  return job.log;
}

const summaryOf = (s: Scenario): string =>
  s.server.emulator.listComments(s.issue).find((c) => c.body.includes('p2p-dev-summary'))!.body;
const mergeRuns = (s: Scenario): string[][] =>
  s.runs().filter((r) => r[0] === 'start' && r[1] === 'merge-task-2');

describe('a conflict between two task branches', () => {
  it('is merged by the agent, keeping both tasks’ work and commits, and a re-run reuses its merge', async () => {
    // Only a checkout in the middle of the merge, with a prompt that holds both tasks, gets it resolved.
    const { s, remote } = await conflictingRun(
      [
        "grep -q '^<<<<<<<' shared.txt",
        'grep -q "Say one" "$P2P_PROMPT_FILE"',
        'grep -q "Say two" "$P2P_PROMPT_FILE"',
        'grep -q "shared.txt" "$P2P_PROMPT_FILE"',
        "printf 'one\\ntwo\\n' > shared.txt",
      ].join(' && '),
    );
    const issue = s.issue;
    const log = await aggregate(s, remote, 'aggregate');
    const branch = `p2p/issue-${issue}-integration`;
    expect(git(remote, 'show', `${branch}:shared.txt`)).toBe('one\ntwo');
    for (const task of ['task-1', 'task-2'])
      expect(isAncestor(remote, `p2p/issue-${issue}/${task}`, branch), task).toBe(true);
    // The agent's merge is on a branch of its own, its parents the integration so far and task-2's branch.
    const merge = `p2p/issue-${issue}-merge/task-2`;
    expect(remoteBranches(remote)).toContain(merge);
    const parents = git(remote, 'rev-list', '--parents', '-n', '1', merge).split(' ').slice(1);
    expect(parents[1]).toBe(git(remote, 'rev-parse', `p2p/issue-${issue}/task-2`));
    expect(mergeRuns(s)).toHaveLength(1);
    expect(log).toContain('the agent merges it');
    const [pull] = s.server.emulator.pulls();
    // Every task is in: the pull request closes the issue, and says who merged task-2 and with what.
    expect(pull!.body).toMatch(new RegExp(`^Closes #${issue}`));
    expect(pull!.body).toMatch(/\| `task-2`: Say two \(merged by the agent \(it conflicted with task-1\)/);
    expect(summaryOf(s)).toContain('- `task-2` merged by the agent (it conflicted with task-1)');
    expect(summaryOf(s)).toContain('2 task(s) merged');

    // The job again (a re-run, or one that died after the agent): the same merge, and no second agent run.
    const head = git(remote, 'rev-parse', branch);
    await aggregate(s, remote, 'aggregate-again');
    expect(mergeRuns(s)).toHaveLength(1);
    // (Rebuilt: new merge commits, the same content, both task branches still in its history.)
    expect(git(remote, 'rev-parse', `${branch}^{tree}`)).toBe(git(remote, 'rev-parse', `${head}^{tree}`));
    expect(isAncestor(remote, `p2p/issue-${issue}/task-2`, branch)).toBe(true);
    expect(s.server.emulator.pulls()).toHaveLength(1);
    expect(summaryOf(s)).toContain(
      'merged by the agent (it conflicted with task-1), its merge from an earlier run',
    );
  }, 180_000);

  it('is left out, naming the tasks, when the agent leaves the conflict markers', async () => {
    const { s, remote } = await conflictingRun('true');
    const issue = s.issue;
    await aggregate(s, remote, 'aggregate');
    const branch = `p2p/issue-${issue}-integration`;
    expect(git(remote, 'show', `${branch}:shared.txt`)).toBe('one');
    // (Sent back with the check's output, fix-attempts times, as a task's agent is.)
    expect(mergeRuns(s).length).toBeGreaterThanOrEqual(1);
    const [pull] = s.server.emulator.pulls();
    expect(pull!.body).toMatch(new RegExp(`^Part of #${issue}`));
    // verify-command failed on the markers the agent left: said, with the tasks that conflict.
    expect(pull!.body).toMatch(
      /`task-2`.*not merged, its branch conflicts with task-1 in shared\.txt; the agent could not resolve it: the agent's merge failed: the check .* exited with 1/,
    );
    expect(pull!.body).toContain(`\`p2p/issue-${issue}/task-2\` is kept for a person`);
    expect(remoteBranches(remote)).not.toContain(`p2p/issue-${issue}-merge/task-2`);
    expect(summaryOf(s)).toMatch(
      /`task-2` not merged: its branch conflicts with task-1 in shared\.txt; the agent could not/,
    );
  }, 180_000);

  it('is left out when the agent leaves the markers and no check catches them: the action does not commit them', async () => {
    const { s, remote } = await conflictingRun('true');
    await aggregate(s, remote, 'aggregate', false);
    const [pull] = s.server.emulator.pulls();
    expect(git(remote, 'show', `p2p/issue-${s.issue}-integration:shared.txt`)).toBe('one');
    expect(pull!.body).toMatch(
      /`task-2`.*not merged, its branch conflicts with task-1 in shared\.txt; the agent could not resolve it: conflict markers are left in shared\.txt/,
    );
  }, 180_000);
  it('is left out when the agent aborts the merge: a merge that drops the task’s work is not committed', async () => {
    const { s, remote } = await conflictingRun('git merge --abort');
    await aggregate(s, remote, 'aggregate');
    const [pull] = s.server.emulator.pulls();
    expect(git(remote, 'show', `p2p/issue-${s.issue}-integration:shared.txt`)).toBe('one');
    expect(pull!.body).toMatch(
      /`task-2`.*not merged, its branch conflicts with task-1 in shared\.txt; the agent could not resolve it: the merge drops the task branch’s changes/,
    );
    expect(remoteBranches(remote)).not.toContain(`p2p/issue-${s.issue}-merge/task-2`);
  }, 180_000);

  it('keeps an agent that writes to the scratch repository out of the issue’s branch', async () => {
    // The agent finds the node's scratch (the one holding the task branch it is merging), moves its
    // integration branch to a commit of its own and plants a merge driver, then resolves the conflict.
    const planted = `${process.env.TMPDIR ?? '/tmp'}/p2p-hostile-driver-${process.pid}`;
    const { s, remote } = await conflictingRun(
      [
        'tip=$(git rev-parse MERGE_HEAD)',
        `for d in "\${TMPDIR:-/tmp}"/p2p-integration-* /tmp/p2p-integration-*; do`,
        '  git -C "$d" cat-file -e "$tip^{commit}" 2>/dev/null || continue',
        '  git -C "$d" -c user.name=evil -c user.email=evil@example.test commit -q --allow-empty -m hostile-commit',
        '  h=$(git -C "$d" rev-parse HEAD)',
        '  git -C "$d" for-each-ref --format="%(refname)" refs/heads | while read -r r; do git -C "$d" update-ref "$r" "$h"; done',
        `  git -C "$d" config merge.evil.driver "touch ${planted}"`,
        '  echo "* merge=evil" > "$d/.git/info/attributes"',
        `  touch ${planted}-found`,
        'done',
        "printf 'one\\ntwo\\n' > shared.txt",
      ].join('\n'),
    );
    await aggregate(s, remote, 'aggregate');
    const branch = `p2p/issue-${s.issue}-integration`;
    expect(git(remote, 'show', `${branch}:shared.txt`)).toBe('one\ntwo');
    expect(git(remote, 'log', '--format=%s', branch)).not.toContain('hostile-commit');
    expect(isAncestor(remote, `p2p/issue-${s.issue}/task-2`, branch)).toBe(true);
    expect(existsSync(planted)).toBe(false);
    // (It did find the scratch and write to it.)
    expect(existsSync(`${planted}-found`)).toBe(true);
    rmSync(`${planted}-found`, { force: true });
  }, 180_000);
});
