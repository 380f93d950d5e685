// Containment, end to end: workspaces set up as actions/checkout leaves them (cloned over HTTP from the
// emulator's git server, the token persisted as v4 and as v6 do, and left in ~/.git-credentials and
// ~/.gitconfig too), and a hostile agent (hostile/agent.mjs) that looks for the token everywhere, plants every
// kind of code git could run, and leaves processes behind. It must find nothing, nothing it planted may run
// outside an agent run, every task is still delivered as a branch and a pull request (pushed with the node's
// own credentials), and the run ends on time.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startScenario, type Scenario } from '../helpers/scenario.js';
import { authHeader, checkoutOverHttp, createRemote, git, remoteBranches } from '../../scripts/local-git.js';
import { taskViews } from '../../src/protocol/decide.js';
import { DEFAULT_USERS } from '../../emulator/index.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

const AGENT = path.resolve(import.meta.dirname, 'hostile/agent.mjs');
// A token of this test's own: no other test's processes can hold it.
const TOKEN = `ghs_contained_${Math.random().toString(36).slice(2, 10)}`;
const USERS = DEFAULT_USERS.map((u) => (u.type === 'Bot' ? { ...u, token: TOKEN } : { ...u }));
const NODES = 3;

describe('a hostile agent', () => {
  it('finds no token, runs nothing in the node, and every task is still delivered on time', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-hostile-'));
    const hostile = path.join(dir, 'hostile');
    mkdirSync(hostile);
    const record = path.join(dir, 'ran.log');
    const foundFile = path.join(dir, 'found.log');
    writeFileSync(foundFile, '');
    const homes: string[] = [];
    const temps: string[] = [];
    const workspaces: string[] = [];
    let remote = '';
    const started = Date.now();
    scenario = await startScenario({
      nodes: NODES,
      issueBody: '- [ ] First\n- [ ] Second\n- [ ] Third (depends: task-1)',
      emulator: { users: USERS, config: { latencyMs: [5, 30] } },
      beforeNodes: async (server) => {
        remote = createRemote(dir, { 'README.md': '# Demo\n' });
        server.git.serve('octo-org/demo', remote);
        const url = server.gitUrl('octo-org/demo');
        for (let i = 1; i <= NODES; i++) {
          const home = mkdtempSync(path.join(os.tmpdir(), 'p2p-hostile-home-'));
          const temp = mkdtempSync(path.join(os.tmpdir(), 'p2p-hostile-temp-'));
          // Node 1 as actions/checkout v4 leaves it (the header in .git/config), the others as v6 does.
          workspaces.push(
            await checkoutOverHttp(url, dir, `node-${i}`, TOKEN, i === 1 ? {} : { runnerTemp: temp }),
          );
          // And where a workflow of the user's own might have left it.
          writeFileSync(path.join(home, '.git-credentials'), `http://x-access-token:${TOKEN}@127.0.0.1\n`);
          writeFileSync(
            path.join(home, '.gitconfig'),
            `[credential]\n\thelper = store\n[http "${new URL(url).origin}/"]\n\textraheader = ${authHeader(TOKEN)}\n`,
          );
          homes.push(home);
          temps.push(temp);
        }
      },
      workspaceFor: (instance) => workspaces[instance - 1]!,
      startNodes: false,
    });
    // Started by hand: each node its own home, temp folder and PATH (with a folder the agent can write first).
    const { startNode } = await import('../../scripts/local-nodes.js');
    const s = scenario;
    for (let i = 1; i <= NODES; i++) {
      s.nodes.push(
        startNode(i, {
          apiUrl: s.server.url,
          token: TOKEN,
          repository: 'octo-org/demo',
          issue: s.issue,
          instances: NODES,
          workspace: workspaces[i - 1]!,
          inputs: { 'agent-command': `node ${AGENT}`, 'max-attempts': '1', 'create-pr': 'task' },
          env: {
            HOME: homes[i - 1]!,
            RUNNER_TEMP: temps[i - 1]!,
            PATH: `${path.join(homes[i - 1]!, 'bin')}:${process.env.PATH}`,
            HOSTILE_NEEDLE: [...TOKEN].reverse().join(''),
            HOSTILE_RECORD: record,
            HOSTILE_FOUND: foundFile,
            HOSTILE_DIR: hostile,
          },
        }),
      );
    }
    await s.finish(90_000);
    const tookMs = Date.now() - started;
    const logs = s.nodes.map((n) => n.log()).join('\n');

    // It found nothing: not in any environment or command line, not in any file it could read.
    expect(readFileSync(foundFile, 'utf8'), logs.slice(-4000)).toBe('');
    // Nothing it planted ran in the node: every record comes from inside an agent run (the node's marker).
    const ran = existsSync(record) ? readFileSync(record, 'utf8').trim().split('\n').filter(Boolean) : [];
    expect(ran.filter((line) => line.split(' ')[1] === 'NODE')).toEqual([]);
    // The processes it left were stopped when its run ended: the daemon recorded nothing since.
    const daemon = readFileSync(`${record}.daemon`, 'utf8').trim().split('\n');
    const lastBeat = Number(daemon.at(-1)!.split(' ')[2]) / 1e6;
    await new Promise((r) => setTimeout(r, 1000));
    expect(readFileSync(`${record}.daemon`, 'utf8').trim().split('\n').length).toBe(daemon.length);
    expect(lastBeat).toBeLessThan(Date.now() - 900);

    // Every task delivered, as a branch and a pull request, with the content as the agent left it.
    const state = s.state();
    const failures = [...state.tasks.values()].flatMap((r) =>
      r.attempts
        .filter((a) => a.outcome !== 'completed')
        .map((a) => `${a.task}: ${a.result?.error} ${a.result?.output_tail}`),
    );
    expect(
      [...taskViews(state, Date.now()).values()].map((v) => v.status),
      `${failures.join('\n')}\n${logs.slice(-5000)}`,
    ).toEqual(['completed', 'completed', 'completed']);
    const issue = s.issue;
    expect(remoteBranches(remote)).toEqual([
      'main',
      `p2p/issue-${issue}/task-1`,
      `p2p/issue-${issue}/task-2`,
      `p2p/issue-${issue}/task-3`,
    ]);
    for (const task of ['task-1', 'task-2', 'task-3']) {
      const branch = `p2p/issue-${issue}/${task}`;
      expect(git(remote, 'show', `${branch}:${task}.txt`)).toMatch(/^done by run-/);
      expect(git(remote, 'show', `${branch}:.gitattributes`)).toBe('* filter=evil diff=evil merge=evil');
      expect(git(remote, 'show', `${branch}:.githooks/post-commit`)).toContain('committed hooks are content');
    }
    // task-3 was built on task-1's branch.
    expect(git(remote, 'show', `p2p/issue-${issue}/task-3:task-1.txt`)).toMatch(/^done by run-/);
    expect(s.server.emulator.pulls()).toHaveLength(3);
    // Pushed over HTTP with the node's own credentials (nothing was left for them in the workspace).
    const pushes = s.server.git.requests('octo-org/demo').filter((r) => r.push && r.status === 200);
    expect(pushes.length).toBeGreaterThanOrEqual(3);
    for (const push of pushes) expect(push.login).toBe('github-actions[bot]');

    // The workspaces hold no token now, and no config the agent wrote.
    for (const ws of workspaces) {
      const config = readFileSync(path.join(ws, '.git', 'config'), 'utf8');
      expect(config).not.toContain(TOKEN);
      expect(config).not.toMatch(/extraheader|hooksPath|fsmonitor|evil|include/i);
      expect(existsSync(path.join(ws, '.git', 'hooks', 'post-commit'))).toBe(false);
    }
    // On time: a planted fsmonitor or gpg program that waits for ever would have held a node until the timeout.
    expect(tookMs).toBeLessThan(90_000);
  }, 150_000);
});
