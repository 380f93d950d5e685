// Git over smart HTTP beside the API, with real git and real `git http-backend`: clones as actions/checkout
// leaves them (the token persisted as an extraheader, in .git/config or included from RUNNER_TEMP), pushes
// recorded with the token they used, and refusals (no token, a wrong one, a reader's push) that git fails on.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, unlinkSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/index.js';
import {
  authHeader,
  checkoutOverHttp,
  createRemote,
  git,
  gitAsync,
  remoteBranches,
} from '../../scripts/local-git.js';
import { BOT, COLLABORATOR, OUTSIDER, serve } from './helpers.js';

let dir = '';
let remote = '';
let server: RunningEmulator;
let url = '';
let logged: string[] = [];

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'git-http-'));
  remote = createRemote(dir, { 'README.md': '# Demo\n' });
  server = await serve();
  server.git.serve('octo-org/demo', remote);
  logged = [];
  server.git.log = (line) => void logged.push(line);
  url = server.gitUrl('octo-org/demo');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const commitIn = (clone: string, file: string): void => {
  git(clone, 'checkout', '--quiet', '-b', 'work');
  git(clone, 'commit', '--quiet', '--allow-empty', '-m', file);
};

describe('git over HTTP', () => {
  it('clones with a token as actions/checkout does and persists it, every request authenticated with it', async () => {
    const clone = await checkoutOverHttp(url, dir, 'node-1', BOT);
    expect(url).toBe(`${server.url}/git/octo-org/demo.git`);
    expect(readFileSync(path.join(clone, 'README.md'), 'utf8')).toBe('# Demo\n');
    expect(git(clone, 'config', '--get', `http.${server.url}/.extraheader`)).toBe(authHeader(BOT));
    expect(git(clone, 'remote', 'get-url', 'origin')).toBe(url);

    const seen = server.git.requests('octo-org/demo');
    // Protocol v2, as git speaks it to github.com: the capabilities, then ls-refs and fetch.
    expect(seen.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /info/refs?service=git-upload-pack',
      'POST /git-upload-pack',
      'POST /git-upload-pack',
    ]);
    for (const r of seen)
      expect(r).toMatchObject({ status: 200, push: false, token: BOT, login: 'github-actions[bot]' });
    expect(server.git.requests('octo-org/other')).toEqual([]);
    expect(logged).toEqual([]);
  });

  it('refuses a clone or fetch without a token or with a wrong one: git fails on the 401', async () => {
    await expect(gitAsync(dir, 'clone', '--quiet', url, 'anonymous')).rejects.toThrow(
      /could not read Username/,
    );
    const wrong = ['-c', `http.extraheader=${authHeader('ghp_wrong')}`];
    await expect(gitAsync(dir, ...wrong, 'clone', '--quiet', url, 'wrong')).rejects.toThrow(
      /could not read Username/,
    );
    const clone = await checkoutOverHttp(url, dir, 'node-1', BOT);
    git(clone, 'config', `http.${server.url}/.extraheader`, authHeader('ghp_wrong'));
    await expect(gitAsync(clone, 'fetch', 'origin')).rejects.toThrow(/could not read Username/);
    git(clone, 'config', '--unset', `http.${server.url}/.extraheader`);
    await expect(gitAsync(clone, 'fetch', 'origin')).rejects.toThrow(/could not read Username/);

    const refused = server.git.requests().filter((r) => r.status !== 200);
    expect(refused.map((r) => [r.status, r.token, r.login])).toEqual([
      [401, undefined, undefined],
      [401, 'ghp_wrong', undefined],
      [401, 'ghp_wrong', undefined],
      [401, undefined, undefined],
    ]);
    expect(logged).toHaveLength(4);
    expect(logged[0]).toMatch(
      /^git 401 GET \/git\/octo-org\/demo\.git\/info\/refs\?service=git-upload-pack: /,
    );
    const res = await fetch(`${url}/info/refs?service=git-upload-pack`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="GitHub"');
  });

  it('answers the challenge git meets with credentials: any username, the token as password', async () => {
    const withCredentials = url.replace('http://', `http://anyone:${COLLABORATOR}@`);
    await gitAsync(dir, 'clone', '--quiet', withCredentials, 'node-1');
    const [challenged, ...rest] = server.git.requests();
    expect(challenged).toMatchObject({ status: 401, refused: 'Authentication required.' });
    expect(rest.length).toBeGreaterThan(0);
    for (const r of rest)
      expect(r).toMatchObject({ status: 200, token: COLLABORATOR, login: 'collaborator' });
  });

  it('pushes a new branch with the persisted extraheader, recorded as the token’s', async () => {
    const clone = await checkoutOverHttp(url, dir, 'node-1', BOT);
    commitIn(clone, 'task-1');
    await gitAsync(clone, 'push', '--quiet', 'origin', 'HEAD:refs/heads/p2p/task-1');
    expect(remoteBranches(remote)).toEqual(['main', 'p2p/task-1']);
    expect(git(remote, 'rev-parse', 'p2p/task-1')).toBe(git(clone, 'rev-parse', 'HEAD'));

    const pushes = server.git.requests('octo-org/demo').filter((r) => r.push);
    expect(pushes.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /info/refs?service=git-receive-pack',
      'POST /git-receive-pack',
    ]);
    for (const r of pushes)
      expect(r).toMatchObject({ status: 200, token: BOT, login: 'github-actions[bot]' });
    expect(server.git.requests().every((r) => r.status === 200)).toBe(true);
  });

  it('lets a reader’s token fetch but not push (403), and 404s an unserved repository', async () => {
    const clone = await checkoutOverHttp(url, dir, 'reader', OUTSIDER);
    await gitAsync(clone, 'fetch', '--quiet', 'origin');
    commitIn(clone, 'nope');
    await expect(gitAsync(clone, 'push', 'origin', 'HEAD:refs/heads/nope')).rejects.toThrow(
      /Permission to octo-org\/demo\.git denied to outsider/,
    );
    expect(remoteBranches(remote)).toEqual(['main']);
    expect(server.git.requests().filter((r) => r.push)).toMatchObject([{ status: 403, login: 'outsider' }]);

    const other = await fetch(`${server.gitUrl('octo-org/other')}/info/refs?service=git-upload-pack`, {
      headers: { authorization: authHeader(BOT).replace('AUTHORIZATION: ', '') },
    });
    expect(other.status).toBe(404);
  });

  it('authenticates through the credentials file actions/checkout v6 includes from RUNNER_TEMP', async () => {
    const runnerTemp = path.join(dir, 'runner-temp');
    mkdirSync(runnerTemp);
    const clone = await checkoutOverHttp(url, dir, 'node-1', COLLABORATOR, { runnerTemp });
    const [file] = readdirSync(runnerTemp);
    expect(file).toMatch(/^git-credentials-[0-9a-f-]{36}\.config$/);
    const credentials = path.join(runnerTemp, file!);
    expect(readFileSync(credentials, 'utf8')).toContain(authHeader(COLLABORATOR));
    const config = readFileSync(path.join(clone, '.git', 'config'), 'utf8');
    expect(config).not.toContain('AUTHORIZATION');
    expect(git(clone, 'config', '--get', `includeIf.gitdir:${realpathSync(clone)}/.git.path`)).toBe(
      credentials,
    );

    commitIn(clone, 'task-2');
    await gitAsync(clone, 'push', '--quiet', 'origin', 'HEAD:refs/heads/p2p/task-2');
    expect(remoteBranches(remote)).toEqual(['main', 'p2p/task-2']);
    const pushes = server.git.requests().filter((r) => r.push);
    expect(pushes).toHaveLength(2);
    for (const r of pushes)
      expect(r).toMatchObject({ status: 200, token: COLLABORATOR, login: 'collaborator' });

    unlinkSync(credentials);
    await expect(gitAsync(clone, 'fetch', 'origin')).rejects.toThrow(/could not read Username/);
    expect(server.git.requests().at(-1)).toMatchObject({ status: 401, refused: 'Authentication required.' });
  });

  it('clones a repository whose many branches make git gzip its request', async () => {
    // 40 branches at 40 commits: the clone wants each, over 1 KB of "want" lines, which git gzips.
    const tree = git(remote, 'rev-parse', 'main^{tree}');
    let head = git(remote, 'rev-parse', 'main');
    for (let i = 0; i < 40; i++) {
      head = git(remote, 'commit-tree', tree, '-p', head, '-m', `commit ${i}`);
      git(remote, 'update-ref', `refs/heads/branch-${i}`, head);
    }
    const clone = await checkoutOverHttp(url, dir, 'node-1', BOT);
    expect(git(clone, 'rev-parse', 'origin/branch-39')).toBe(head);
    const gzipped = server.git.requests().filter((r) => r.gzip);
    expect(gzipped).toMatchObject([{ method: 'POST', path: '/git-upload-pack', status: 200 }]);
  });

  it('shares the port with the API, which neither sees nor counts git’s requests', async () => {
    await checkoutOverHttp(url, dir, 'node-1', BOT);
    const api = await fetch(`${server.url}/repos/octo-org/demo`, {
      headers: { authorization: `token ${BOT}` },
    });
    expect(api.status).toBe(200);
    expect(server.emulator.stats().requests).toBe(1);
  });

  it('kills a `git http-backend` that outlives its timeout and cuts the answer short', async () => {
    server.git.timeoutMs = 300;
    const started = Date.now();
    const outcome = await new Promise<string>((resolve) => {
      const req = request(`${url}/git-upload-pack`, {
        method: 'POST',
        headers: {
          authorization: authHeader(BOT).replace('AUTHORIZATION: ', ''),
          'content-type': 'application/x-git-upload-pack-request',
          'content-length': '1000',
        },
      });
      req.on('response', (res) => {
        res.on('error', () => resolve(`cut short after ${res.statusCode}`));
        res.on('end', () => resolve(`ended ${res.statusCode}`));
        res.resume();
      });
      req.on('error', (error) => resolve(`failed: ${error.message}`));
      req.write('0032want '); // never finished
    });
    // http-backend sends its headers before it reads the body: the answer is begun, then cut.
    expect(outcome).toMatch(/^(cut short after 200|ended 500)$/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(server.git.requests().at(-1)!.refused).toMatch(/^timed out after 300 ms/);
    expect(logged).toHaveLength(1);
  });
});
