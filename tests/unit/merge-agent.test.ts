// The pure parts of the agent's merge of a conflicting task branch: its prompt, the conflict markers the node
// refuses to commit, the branch its merge goes to, and how the pull request and the summary say it.
import { describe, expect, it } from 'vitest';
import { mergePrompt } from '../../src/aggregate/merge-agent.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasConflictMarkers } from '../../src/delivery/workspace-merge.js';
import { refusedMerge } from '../../src/delivery/merge-check.js';
import { gitIn } from '../../src/delivery/git.js';
import { costTrailer, mergeBranch, mergeTitle, trailerCost } from '../../src/delivery/merge-resolution.js';
import { integrationBranch, type TaskToMerge } from '../../src/delivery/integration-plan.js';
import { taskBranch } from '../../src/delivery/task-branch.js';
import { agentMergeText, integrationSummary } from '../../src/delivery/integration-body.js';
import type { Integration } from '../../src/delivery/issue-branch.js';

const item = (id: string, title: string, body: string): TaskToMerge => ({
  task: { id, title, body, priority: 'medium', depends_on: [] },
  branch: `p2p/issue-7/${id}`,
  deps: [],
});

describe('the merge agent', () => {
  it('is told the conflicting files and every task on both sides, and to keep both', () => {
    const prompt = mergePrompt(
      7,
      {
        item: item('task-2', 'Say two', 'Write two into shared.txt'),
        with: [item('task-1', 'Say one', 'Write one into shared.txt')],
      },
      ['shared.txt', 'src/a.ts'],
    );
    expect(prompt).toContain('task task-2 of issue #7');
    expect(prompt).toContain('already holds task-1');
    expect(prompt).toContain('- shared.txt\n- src/a.ts');
    expect(prompt).toMatch(/## The task being merged\n\n### task-2: Say two\n\nWrite two into shared\.txt/);
    expect(prompt).toMatch(
      /## The tasks it conflicts with\n\n### task-1: Say one\n\nWrite one into shared\.txt/,
    );
    expect(prompt).toMatch(/Leave no conflict marker/);
    expect(prompt).toMatch(/do not commit/);
  });

  it('finds the markers git writes, and not lines that only look like them', () => {
    expect(hasConflictMarkers('a\n<<<<<<< HEAD\none\n=======\ntwo\n>>>>>>> refs/remotes/origin/x\n')).toBe(
      true,
    );
    expect(hasConflictMarkers('>>>>>>> theirs')).toBe(true);
    expect(hasConflictMarkers('x\n||||||| base\n')).toBe(true);
    expect(hasConflictMarkers('one\ntwo\n')).toBe(false);
    // A setext heading, a quote, an arrow in the middle of a line.
    expect(hasConflictMarkers('Title\n=======\n> quoted\na <<<<<<< b\n<<<<<<<<< longer\n')).toBe(false);
  });

  it('pushes to a branch no task can have: beside the task branches, not under them', () => {
    const name = mergeBranch(7, 'task-2');
    expect(name).toBe('p2p/issue-7-merge/task-2');
    for (const id of ['merge', 'merge-task-2', 'task-2'])
      expect(name.startsWith(`${taskBranch(7, id)}/`) || name === taskBranch(7, id)).toBe(false);
    expect(name.startsWith(`${integrationBranch(7)}/`)).toBe(false);
    expect(costTrailer({ cost_usd: 0.12 })).toBe('\n\nP2p-Agent-Cost-Usd: 0.12');
    expect(costTrailer(undefined)).toBe('');
  });

  it('says in the summary which task the agent merged, with what, and its cost', () => {
    const merged = {
      ...item('task-2', 'Say two', ''),
      commits: [],
      agentMerge: { with: ['task-1'], usage: { cost_usd: 0.12 } },
    };
    expect(agentMergeText(merged)).toBe('merged by the agent (it conflicted with task-1), $0.12');
    expect(agentMergeText({ ...merged, agentMerge: { with: ['task-1'], reused: true } })).toBe(
      'merged by the agent (it conflicted with task-1), its merge from an earlier run',
    );
    const i: Integration = {
      branch: integrationBranch(7),
      base: 'main',
      merged: [{ ...item('task-1', 'Say one', ''), commits: [] }, merged],
      notMerged: [],
      plan: { merge: [], unchanged: [], notCompleted: [] },
      pr: 'https://example.test/pull/1',
    };
    expect(integrationSummary(i)).toContain(
      '- `task-2` merged by the agent (it conflicted with task-1), $0.12.',
    );
  });
});

describe('a merge commit the node makes or reuses', () => {
  it('has a one-line title, and takes its cost only from a valid last-line trailer', () => {
    expect(mergeTitle('task-2', 'Say\ntwo\r\n  now')).toBe('Merge task-2: Say two now');
    expect(trailerCost(`Merge x\n\nResolved.${costTrailer({ cost_usd: 0.12 })}\n`)).toBe(0.12);
    expect(trailerCost('Merge x\n\nP2p-Agent-Cost-Usd: 0.12\nmore')).toBeUndefined();
    expect(trailerCost('Merge x\n\nP2p-Agent-Cost-Usd: 1.2.3')).toBeUndefined();
    expect(trailerCost('Merge x\n\nP2p-Agent-Cost-Usd: -1')).toBeUndefined();
    expect(trailerCost('Merge x\n\nP2p-Agent-Cost-Usd: 1e999')).toBeUndefined();
    expect(trailerCost('Merge x')).toBeUndefined();
  });

  it('is refused when it drops a side, changes what merged cleanly, or keeps markers', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-merge-check-'));
    try {
      const sh = (...args: string[]): string =>
        execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir })
          .toString()
          .trim();
      const put = (files: Record<string, string>): void => {
        for (const [f, t] of Object.entries(files)) writeFileSync(path.join(dir, f), t);
        sh('add', '.');
      };
      sh('init', '-q', '-b', 'main');
      put({ 'f.txt': 'zero\n', 'g.txt': 'g\n' });
      sh('commit', '-qm', 'base');
      sh('checkout', '-qb', 'task');
      put({ 'f.txt': 'two\n', 'h.txt': 'h\n' });
      sh('commit', '-qm', 'task');
      sh('checkout', '-q', 'main');
      put({ 'f.txt': 'one\n' });
      sh('commit', '-qm', 'main');
      const head = sh('rev-parse', 'main');
      const tip = sh('rev-parse', 'task');
      const tree = (files: Record<string, string>): string => {
        sh('checkout', '-qf', '--detach', head);
        sh('clean', '-fdq');
        put(files);
        return sh('write-tree');
      };
      const git = gitIn(dir);
      const check = (t: string): Promise<string | undefined> =>
        refusedMerge(git, { head, tip, tree: t, files: ['f.txt'] });
      expect(await check(sh('rev-parse', `${head}^{tree}`))).toMatch(/drops the task branch/);
      expect(await check(sh('rev-parse', `${tip}^{tree}`))).toMatch(/drops the integration so far/);
      expect(await check(tree({ 'f.txt': 'one\ntwo\n' }))).toMatch(/merged without conflict: h\.txt/);
      expect(await check(tree({ 'f.txt': 'one\ntwo\n', 'h.txt': 'h\n', 'g.txt': 'x\n' }))).toMatch(
        /merged without conflict: g\.txt/,
      );
      expect(
        await check(tree({ 'f.txt': '<<<<<<< a\none\n=======\ntwo\n>>>>>>> b\n', 'h.txt': 'h\n' })),
      ).toMatch(/conflict markers are left in f\.txt/);
      expect(await check(tree({ 'f.txt': 'one\ntwo\n', 'h.txt': 'h\n' }))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
