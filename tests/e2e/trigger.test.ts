// mode: trigger as the check-trigger job runs it: dist/index.js with an event payload, against the emulator.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { startNode } from '../../scripts/local-nodes.js';

let server: RunningEmulator | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function trigger(eventName: string, payload: unknown, inputs: Record<string, string> = {}) {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'p2p-event-')), 'event.json');
  writeFileSync(file, JSON.stringify(payload));
  const node = startNode(1, {
    apiUrl: server!.url,
    token: 'ghs_bot_token',
    repository: 'octo-org/demo',
    issue: 0,
    instances: 4,
    inputs: { mode: 'trigger', 'issue-number': '', ...inputs },
    env: { GITHUB_EVENT_NAME: eventName, GITHUB_EVENT_PATH: file },
  });
  const { code } = await node.exited;
  return { code, outputs: node.outputs(), log: node.log() };
}

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
