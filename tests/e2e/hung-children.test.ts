// A child that hangs fails its attempt, says which one hung, and keeps no lease alive: a git fetch from a
// remote that never answers (git-timeout-min), and a check that never ends (verify-timeout-min). The node's
// loop goes on, and the run ends.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { cloneFor, createRemote, git } from '../../scripts/local-git.js';
import { taskViews } from '../../src/protocol/decide.js';
import { startScenario, type Scenario } from '../helpers/scenario.js';

let scenario: Scenario | undefined;
let silent: Server | undefined;
afterEach(async () => {
  await scenario?.close();
  silent?.close();
  scenario = undefined;
  silent = undefined;
});

describe('children that hang', () => {
  it('a git fetch that never returns fails the attempt naming the command, and the run ends', async () => {
    // A "remote" that accepts connections and never says a word.
    silent = createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    scenario = await startScenario({
      nodes: 1,
      issueBody: '- [ ] Anything',
      inputs: { 'git-timeout-min': '0.05', 'max-attempts': '2' },
      workspaceFor: (instance, dir) => {
        const ws = cloneFor(createRemote(dir, { 'README.md': '# Demo\n' }), dir, `node-${instance}`);
        git(ws, 'remote', 'set-url', 'origin', `http://127.0.0.1:${port}/octo-org/demo.git`);
        return ws;
      },
    });
    const started = Date.now();
    await scenario.finish(60_000);
    expect(Date.now() - started).toBeLessThan(40_000);
    const view = taskViews(scenario.state(), Date.now()).get('task-1')!;
    expect(view.status).toBe('failed');
    expect(view.attempts).toBe(2);
    expect(view.last!.result!.error).toMatch(
      /^could not start from main: git fetch --no-tags --quiet http:\/\/127\.0\.0\.1:\d+\/octo-org\/demo\.git \+refs\/heads\/main:refs\/remotes\/origin\/main failed: did not finish within 3s and was stopped/,
    );
    // The agent never ran on a branch that could not be prepared.
    expect(scenario.runs()).toEqual([]);
  });

  it('a check that never ends fails the attempt after verify-timeout-min', async () => {
    scenario = await startScenario({
      nodes: 1,
      issueBody: '- [ ] Anything',
      inputs: {
        'verify-command': 'echo checking; sleep 600',
        'verify-timeout-min': '0.05',
        'fix-attempts': '0',
        'max-attempts': '1',
      },
    });
    const started = Date.now();
    await scenario.finish(60_000);
    expect(Date.now() - started).toBeLessThan(30_000);
    const result = scenario.state().tasks.get('task-1')!.attempts[0]!.result!;
    expect(result.error).toBe(
      'the check `echo checking; sleep 600` ran longer than verify-timeout-min and was stopped',
    );
    expect(result.check).toMatchObject({ passed: false, timed_out: true, output_tail: 'checking' });
  });
});
