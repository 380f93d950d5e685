import { describe, expect, it } from 'vitest';
import { decideStart, type TriggerSettings } from '../../src/trigger/decide-start.js';

const settings: TriggerSettings = {
  label: 'p2p-dev',
  command: '/p2p-dev',
  instances: 5,
  maxInstances: 8,
  issueNumber: undefined,
};
const alice = { login: 'alice', type: 'User' };

describe('which events start a run', () => {
  it('starts on the trigger label, not on another label or from a bot', () => {
    const labeled = (name: string, sender = alice) => ({
      action: 'labeled',
      label: { name },
      issue: { number: 7 },
      sender,
    });
    expect(decideStart('issues', labeled('p2p-dev'), settings)).toEqual({
      start: true,
      issueNumber: 7,
      instances: 5,
      sender: alice,
    });
    expect(decideStart('issues', labeled('bug'), settings)).toMatchObject({
      start: false,
      reason: 'label "bug" is not "p2p-dev"',
    });
    expect(
      decideStart('issues', labeled('p2p-dev', { login: 'github-actions[bot]', type: 'Bot' }), settings),
    ).toMatchObject({
      start: false,
      reason: expect.stringContaining('bot'),
    });
    expect(decideStart('issues', { ...labeled('p2p-dev'), action: 'opened' }, settings)).toMatchObject({
      start: false,
    });
  });

  it('starts on the command comment, with instances=N bounded by max-instances', () => {
    const comment = (body: string, user = alice, extra = {}) => ({
      action: 'created',
      issue: { number: 3, ...extra },
      comment: { id: 99, body, user },
      sender: user,
    });
    expect(decideStart('issue_comment', comment('/p2p-dev'), settings)).toEqual({
      start: true,
      issueNumber: 3,
      instances: 5,
      sender: alice,
      commentId: 99,
    });
    expect(decideStart('issue_comment', comment('/p2p-dev instances=3\nplease'), settings)).toMatchObject({
      instances: 3,
    });
    expect(decideStart('issue_comment', comment('/p2p-dev instances=300'), settings)).toMatchObject({
      instances: 8,
    });
    expect(decideStart('issue_comment', comment('please /p2p-dev'), settings)).toMatchObject({
      start: false,
    });
    expect(decideStart('issue_comment', comment('/p2p-devious'), settings)).toMatchObject({ start: false });
    expect(
      decideStart(
        'issue_comment',
        comment('/p2p-dev', { login: 'github-actions[bot]', type: 'Bot' }),
        settings,
      ),
    ).toMatchObject({
      start: false,
      reason: expect.stringContaining('bots'),
    });
    expect(
      decideStart('issue_comment', comment('/p2p-dev', alice, { pull_request: {} }), settings),
    ).toMatchObject({
      start: false,
      reason: '#3 is a pull request, not an issue',
    });
  });

  it('starts on workflow_dispatch with an issue number, and on nothing else', () => {
    expect(
      decideStart(
        'workflow_dispatch',
        { inputs: { 'issue-number': '12', instances: '2' }, sender: alice },
        settings,
      ),
    ).toEqual({ start: true, issueNumber: 12, instances: 2, sender: alice });
    expect(decideStart('workflow_dispatch', { inputs: {}, sender: alice }, settings)).toMatchObject({
      start: false,
    });
    expect(decideStart('push', {}, settings)).toMatchObject({
      start: false,
      reason: 'the event push does not start a run',
    });
  });
});
