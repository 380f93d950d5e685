// The node's git in a workspace an agent has had: its config made the node's own, the token taken out of
// every place a checkout leaves it, fetches authenticated through the node's own helper, and hung commands
// stopped.
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { authHeader, checkoutOverHttp, createRemote, git, gitAsync } from '../../scripts/local-git.js';
import { WorkspaceConfig } from '../../src/delivery/workspace-config.js';
import { removePersistedCredentials } from '../../src/delivery/persisted-credentials.js';
import { gitIn } from '../../src/delivery/git.js';

const TOKEN = 'ghs_bot_token';
let server: RunningEmulator;
let url: string;
let remote: string;
beforeAll(async () => {
  server = await startEmulator();
  remote = createRemote(mkdtempSync(path.join(os.tmpdir(), 'p2p-gc-')), { 'README.md': '# Demo\n' });
  server.git.serve('octo-org/demo', remote);
  url = server.gitUrl('octo-org/demo');
});
afterAll(() => server.close());

const tmp = (): string => mkdtempSync(path.join(os.tmpdir(), 'p2p-gc-'));

describe('the token where checkouts leave it', () => {
  it('is taken out of .git/config (v4), the file it includes (v6), ~/.gitconfig and ~/.git-credentials', async () => {
    const dir = tmp();
    const runnerTemp = tmp();
    const home = tmp();
    const v4 = await checkoutOverHttp(url, dir, 'v4', TOKEN);
    const v6 = await checkoutOverHttp(url, dir, 'v6', TOKEN, { runnerTemp });
    writeFileSync(
      path.join(home, '.git-credentials'),
      `https://x-access-token:${TOKEN}@github.com\nhttps://other:keep@example.com\n`,
    );
    writeFileSync(
      path.join(home, '.gitconfig'),
      `[user]\n\tname = me\n[http "https://github.com/"]\n\textraheader = ${authHeader(TOKEN)}\n`,
    );
    // (v6 first: its credentials file goes as the file its config includes, not as one found in RUNNER_TEMP.)
    for (const workspace of [v6, v4]) {
      const { removed, remaining } = await removePersistedCredentials(TOKEN, { workspace, home, runnerTemp });
      expect(remaining).toEqual([]);
      expect(removed.length).toBeGreaterThan(0);
      expect(readFileSync(path.join(workspace, '.git', 'config'), 'utf8')).not.toContain(
        authHeader(TOKEN).slice(21),
      );
    }
    expect(readdirSync(runnerTemp)).toEqual([]);
    expect(readFileSync(path.join(home, '.git-credentials'), 'utf8')).toBe(
      'https://other:keep@example.com\n',
    );
    const global = readFileSync(path.join(home, '.gitconfig'), 'utf8');
    expect(global).toContain('name = me');
    expect(global).not.toContain('extraheader');
    // And a plain git in the workspace can no longer authenticate with anything left there.
    await expect(gitAsync(v6, 'fetch', 'origin')).rejects.toThrow();
  });
});

describe("the workspace's git config", () => {
  it('keeps what a checkout needs, drops what names code or credentials, and is written back over an agent’s', async () => {
    const workspace = await checkoutOverHttp(url, tmp(), 'ws', TOKEN);
    git(workspace, 'config', 'core.hooksPath', '/tmp/evil');
    git(workspace, 'config', 'filter.lfs.clean', 'git-lfs clean -- %f');
    git(workspace, 'config', 'include.path', '/tmp/evil.config');
    git(workspace, 'config', 'core.sparseCheckout', 'true');
    const config = await WorkspaceConfig.capture(workspace, tmp());
    const kept = (): string => git(workspace, 'config', '--file', '.git/config', '--list');
    expect(kept()).toMatch(/remote\.origin\.url=http:\/\/127\.0\.0\.1:\d+\/git\/octo-org\/demo\.git/);
    expect(kept()).toContain('core.sparsecheckout=true');
    expect(kept()).toContain('branch.main.remote=origin');
    expect(kept()).not.toMatch(/hookspath|filter|include|extraheader/);
    expect(config.dropped).toEqual(
      expect.arrayContaining(['core.hookspath', 'filter.lfs.clean', 'include.path']),
    );
    // An agent rewrites it, links it elsewhere, adds a worktree config: the node's comes back.
    writeFileSync(path.join(workspace, '.git', 'config'), '[core]\n\tfsmonitor = /tmp/evil\n');
    writeFileSync(path.join(workspace, '.git', 'config.worktree'), '[core]\n\tfsmonitor = /tmp/evil\n');
    config.restore();
    expect(kept()).toContain('remote.origin.url=');
    expect(kept()).not.toContain('fsmonitor');
    expect(existsSync(path.join(workspace, '.git', 'config.worktree'))).toBe(false);
    // A .git replaced by a link (or a pointer to another repository) is refused.
    const gitDir = path.join(workspace, '.git');
    const moved = `${gitDir}-moved`;
    git(workspace, 'config', 'core.bare', 'false');
    rmSync(moved, { recursive: true, force: true });
    renameSync(gitDir, moved);
    symlinkSync(moved, gitDir);
    expect(() => config.restore()).toThrow(/replaced by a symbolic link/);
  });
});

describe('the node’s git commands', () => {
  it('fetch with the token from the node’s own helper, and nothing else in the workspace', async () => {
    const workspace = await checkoutOverHttp(url, tmp(), 'ws', TOKEN);
    await removePersistedCredentials(TOKEN, { workspace });
    const before = server.git.requests().length;
    const result = await gitIn(workspace, { remoteUrl: url, token: TOKEN }).try(
      ['fetch', '--quiet', url, 'main'],
      {
        network: true,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const authed = server.git
      .requests()
      .slice(before)
      .filter((r) => r.login);
    expect(authed.length).toBeGreaterThan(0);
    expect(authed.every((r) => r.token === TOKEN)).toBe(true);
    // Without network: true (a local command) no credential is offered at all.
    const bare = await gitIn(workspace, { remoteUrl: url, token: TOKEN }).try([
      'fetch',
      '--quiet',
      url,
      'main',
    ]);
    expect(bare.code).not.toBe(0);
  });

  it('never goes looking for another repository when the workspace’s is broken', async () => {
    const parent = tmp();
    const workspace = await checkoutOverHttp(url, parent, 'ws', TOKEN);
    // A repository of the agent's in the folder above, with a filter that records when it runs.
    const record = path.join(tmp(), 'ran');
    git(parent, 'init', '--quiet');
    git(parent, 'config', 'core.fsmonitor', `echo fsmonitor >> ${record}; false`);
    git(parent, 'config', 'filter.evil.clean', `sh -c 'echo filter >> ${record}; cat'`);
    writeFileSync(path.join(parent, '.git', 'info', 'attributes'), '* filter=evil\n');
    rmSync(path.join(workspace, '.git', 'HEAD'));
    const pinned = await gitIn(workspace, { workTree: workspace }).try(['add', '--all']);
    expect(pinned.code).not.toBe(0);
    expect(pinned.stderr).toMatch(/not a git repository/);
    const ceiling = await gitIn(workspace).try(['status', '--porcelain']);
    expect(ceiling.stderr).toMatch(/not a git repository/);
    expect(existsSync(record)).toBe(false);
  });

  it('stops a command that hangs, with its process group, saying so', async () => {
    const silent = createServer((socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const result = await gitIn(tmp(), { timeoutMs: 1000 }).try([
        'ls-remote',
        `http://127.0.0.1:${port}/x.git`,
      ]);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(result).toMatchObject({ code: 124, timedOut: true });
      expect(result.stderr).toBe('did not finish within 1s and was stopped (its process group killed)');
    } finally {
      silent.close();
    }
  });
});
