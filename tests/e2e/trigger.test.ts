// mode: trigger as the check-trigger job runs it: dist/index.js with an event payload, against the emulator.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { runTriggerJob } from '../helpers/trigger-job.js';

let server: RunningEmulator | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const trigger = (eventName: string, payload: unknown, inputs: Record<string, string> = {}) =>
  runTriggerJob(server!.url, eventName, payload, inputs);

describe('mode: trigger', () => {
  it('starts a run for a maintainer’s command, reacts to it, and hands over the matrix', async () => {
    server = await startEmulator();
    const issue = server.emulator.createIssue({ title: 'Do it' });
    const commentId = server.emulator.addComment(issue, '/p2p-dev instances=3', 'maintainer');
    const payload = {
      action: 'created',
      issue: { number: issue },
      comment: { id: commentId, body: '/p2p-dev instances=3', user: { login: 'maintainer', type: 'User' } },
      sender: { login: 'maintainer', type: 'User' },
    };
    const result = await trigger('issue_comment', payload);
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({
      'should-run': 'true',
      'issue-number': String(issue),
      instances: '[1,2,3]',
    });
    const reactions = server.emulator.store.reactions.filter((r) => r.user.login === 'github-actions[bot]');
    expect(reactions.map((r) => r.content)).toEqual(['rocket']);
  });

  it('refuses a sender without write permission and says why', async () => {
    server = await startEmulator();
    const issue = server.emulator.createIssue({ title: 'Do it', author: 'outsider' });
    const payload = {
      action: 'labeled',
      label: { name: 'p2p-dev' },
      issue: { number: issue },
      sender: { login: 'outsider', type: 'User' },
    };
    const result = await trigger('issues', payload);
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ 'should-run': 'false', instances: '[]' });
    expect(result.log).toMatch(/run refused: outsider has read permission/);

    // A collaborator's label does not make an outsider's text safe to hand to an agent...
    const labeled = { ...payload, sender: { login: 'collaborator', type: 'User' } };
    const refused = await trigger('issues', labeled);
    expect(refused.outputs).toMatchObject({ 'should-run': 'false' });
    expect(refused.log).toMatch(
      /run refused: issue #\d+ was written by outsider, who has read permission .* unless allow-untrusted-authors is true/,
    );
    // ...unless the workflow says so.
    const allowed = await trigger('issues', labeled, {
      'max-instances': '2',
      'allow-untrusted-authors': 'true',
    });
    expect(allowed.outputs).toMatchObject({ 'should-run': 'true', instances: '[1,2]' });
  });

  it('answers no run for a maintainer’s stop comment, and does not react to it', async () => {
    server = await startEmulator();
    const issue = server.emulator.createIssue({ title: 'Do it' });
    const body = ' /p2p-dev  Stop \nthe plan is wrong';
    const commentId = server.emulator.addComment(issue, body, 'maintainer');
    const payload = {
      action: 'created',
      issue: { number: issue },
      comment: { id: commentId, body, user: { login: 'maintainer', type: 'User' } },
      sender: { login: 'maintainer', type: 'User' },
    };
    const result = await trigger('issue_comment', payload);
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ 'should-run': 'false', 'issue-number': '', instances: '[]' });
    expect(result.log).toMatch(/no run: the comment asks to stop the run/);
    expect(server.emulator.store.reactions).toEqual([]);
  });
});
