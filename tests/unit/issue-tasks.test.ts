import { describe, expect, it } from 'vitest';
import { tasksFromIssue } from '../../src/tasks/issue-tasks.js';
import { finalizePlan } from '../../src/tasks/plan.js';
import { planComments } from '../../src/protocol/render.js';
import { fold } from '../../src/protocol/fold.js';
import { taskViews } from '../../src/protocol/decide.js';
import { ThreadBuilder, RUN, T0, trust } from '../helpers/thread-builder.js';

describe('tasks from the issue body', () => {
  it('makes each top-level task-list item a task, in order, with annotations and bodies', () => {
    const body = [
      'We need a small service.',
      '',
      '- [ ] Implement backend API (priority: high, est: 8h)',
      '  Use Express.',
      '',
      '  Endpoints: /a and /b.',
      '  - [ ] a nested item stays in the body',
      '* [ ] Create frontend UI (priority: low, depends: task-1)',
      '- [ ] Write tests (depends: task-1, task-2)',
      '- [x] Already done',
      '- [ ] Plain item (see the wiki)',
      'Trailing text.',
    ].join('\n');
    const tasks = tasksFromIssue({ title: 'Service', body });
    expect(tasks.map((t) => t.id)).toEqual(['task-1', 'task-2', 'task-3', 'task-4']);
    expect(tasks[0]).toEqual({
      id: 'task-1',
      title: 'Implement backend API',
      priority: 'high',
      est: '8h',
      depends_on: [],
      body: 'Use Express.\n\nEndpoints: /a and /b.\n- [ ] a nested item stays in the body',
    });
    expect(tasks[1]).toMatchObject({ title: 'Create frontend UI', priority: 'low', depends_on: ['task-1'] });
    expect(tasks[2]).toMatchObject({
      title: 'Write tests',
      priority: 'medium',
      depends_on: ['task-1', 'task-2'],
    });
    expect(tasks[3]).toMatchObject({ title: 'Plain item (see the wiki)', body: '' });
  });

  it('ignores task lists inside code fences', () => {
    const tasks = tasksFromIssue({ title: 'T', body: '```\n- [ ] not a task\n```\n- [ ] real' });
    expect(tasks.map((t) => t.title)).toEqual(['real']);
  });

  it('makes an issue without a task list one task: the whole issue', () => {
    expect(tasksFromIssue({ title: 'Fix the login bug', body: 'It crashes.\r\nSee logs.' })).toEqual([
      {
        id: 'task-1',
        title: 'Fix the login bug',
        body: 'It crashes.\r\nSee logs.',
        priority: 'medium',
        depends_on: [],
      },
    ]);
    expect(tasksFromIssue({ title: 'Empty', body: null })).toHaveLength(1);
  });
});

describe('a huge, hostile issue', () => {
  it('plans hundreds of tasks, marks the cycle and the unknown dependency, and the rest can run', () => {
    const lines = Array.from(
      { length: 300 },
      (_, i) => `- [ ] Task number ${i + 1} ${'padding '.repeat(20)}`,
    );
    lines[9] = '- [ ] Ten (depends: task-11)';
    lines[10] = '- [ ] Eleven (depends: task-10)';
    lines[20] = '- [ ] Twenty-one (depends: task-999)';
    lines[21] = '- [ ] Twenty-two (depends: task-21)';
    const tasks = finalizePlan(
      tasksFromIssue({ title: 'Huge', body: `<!-- hidden -->\n${lines.join('\n')}` }),
    );
    expect(tasks).toHaveLength(300);
    expect(tasks[9]!.error).toMatch(/cycle/);
    expect(tasks[20]!.error).toMatch(/task-999/);

    const t = new ThreadBuilder();
    t.bid('node-1', T0);
    const bodies = planComments(
      { type: 'plan', run: RUN, node: 'node-1', term: 1, max_attempts: 2 },
      tasks,
      () => Math.random().toString(36).slice(2, 14),
    );
    bodies.forEach((body, i) => t.add(body, T0 + 1000 + i));
    const views = taskViews(fold(t.comments, { run: RUN, trust }), T0 + 5000);
    const count = (status: string) => [...views.values()].filter((v) => v.status === status).length;
    expect(count('skipped')).toBe(4);
    expect(count('claimable')).toBe(296);
    expect(views.get('task-22')!.reason).toBe('dependency task-21 skipped');
  });
});
