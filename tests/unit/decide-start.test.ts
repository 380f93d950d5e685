import { describe, expect, it } from 'vitest';
import { decideStart, type TriggerSettings } from '../../src/trigger/decide-start.js';
import { parseCommand } from '../../src/trigger/commands.js';

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

  it('answers no run for a stop comment, whoever wrote it', () => {
    const comment = (body: string) => ({
      action: 'created',
      issue: { number: 3 },
      comment: { id: 99, body, user: alice },
      sender: alice,
    });
    for (const body of ['/p2p-dev stop', '  /p2p-dev   STOP  ', '/p2p-dev Stop\nthe plan is wrong']) {
      expect(decideStart('issue_comment', comment(body), settings)).toEqual({
        start: false,
        reason: 'the comment asks to stop the run',
      });
    }
    expect(decideStart('issue_comment', comment('/p2p-dev stopwatch'), settings)).toMatchObject({
      start: true,
    });
  });

  it('says who asked to stop, for check-trigger to relay: a person, on an issue, in a comment', () => {
    const asker = { login: 'alice', id: 7, type: 'User' };
    const payload = (user: typeof asker) => ({
      action: 'created',
      issue: { number: 3 },
      comment: { id: 99, body: '/p2p-dev stop', user, html_url: 'https://github.com/o/r/issues/3#c99' },
      sender: user,
    });
    expect(decideStart('issue_comment', payload(asker), settings)).toEqual({
      start: false,
      reason: 'the comment asks to stop the run',
      stop: {
        issueNumber: 3,
        commentId: 99,
        login: 'alice',
        id: 7,
        htmlUrl: 'https://github.com/o/r/issues/3#c99',
      },
    });
    // A bot's stop is nobody's to relay.
    const bot = { login: 'ci[bot]', id: 8, type: 'Bot' };
    expect(decideStart('issue_comment', payload(bot), settings)).not.toHaveProperty('stop');
  });
});

describe('parseCommand', () => {
  it('reads a start, with its arguments, from the first line only', () => {
    expect(parseCommand('/p2p-dev', '/p2p-dev')).toEqual({ kind: 'start' });
    expect(parseCommand('  /p2p-dev  instances=3 \nmore text', '/p2p-dev')).toEqual({
      kind: 'start',
      args: 'instances=3',
    });
    expect(parseCommand('/p2p-dev\r\n/p2p-dev stop', '/p2p-dev')).toEqual({ kind: 'start' });
    expect(parseCommand('/run.it now', '/run.it')).toEqual({ kind: 'start', args: 'now' });
  });

  it('reads stop in any case, with spaces around it and words after it', () => {
    for (const text of ['/p2p-dev stop', '\t/p2p-dev\tstop ', '/p2p-dev sToP', '/p2p-dev stop, please\nwhy'])
      expect(parseCommand(text, '/p2p-dev')).toEqual({ kind: 'stop' });
    expect(parseCommand('/p2p-dev stopped', '/p2p-dev')).toEqual({ kind: 'start', args: 'stopped' });
    expect(parseCommand('/p2p-dev nonstop', '/p2p-dev')).toEqual({ kind: 'start', args: 'nonstop' });
    expect(parseCommand('/p2p-dev stop-it', '/p2p-dev')).toEqual({ kind: 'start', args: 'stop-it' });
  });

  it('finds no command elsewhere than at the start of the first line', () => {
    for (const text of ['', 'please /p2p-dev stop', '/p2p-devious', '/p2p-dev-stop', 'hi\n/p2p-dev stop'])
      expect(parseCommand(text, '/p2p-dev')).toBeUndefined();
    // The command is text, not a pattern.
    expect(parseCommand('/runxit', '/run.it')).toBeUndefined();
  });
});
