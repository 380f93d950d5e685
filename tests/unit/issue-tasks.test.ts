import { describe, expect, it } from 'vitest';
import { tasksFromIssue } from '../../src/tasks/issue-tasks.js';

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
