// The emulator as a server and as a fetch: CORS for a browser, GitHub's headers on every answer, the
// /_emulator/ control routes, Octokit in-process with no sockets, and the command line.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Octokit } from '@octokit/rest';
import { describe, expect, it } from 'vitest';
import { GitHubEmulator } from '../../emulator/index.js';
import { BOT, manualClock, octokitFor, quiet, repo, serve } from './helpers.js';

describe('the emulator server', () => {
  it('answers a browser’s CORS preflight and exposes the headers a dashboard reads', async () => {
    const server = await serve();
    const res = await fetch(`${server.url}/repos/octo-org/demo/issues/1/comments`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const allowed = res.headers.get('access-control-allow-headers')!;
    for (const h of ['authorization', 'if-none-match', 'content-type', 'accept', 'x-github-api-version'])
      expect(allowed).toContain(h);
    const exposed = res.headers.get('access-control-expose-headers')!;
    for (const h of ['etag', 'link', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after'])
      expect(exposed).toContain(h);
    expect(server.emulator.stats().requests).toBe(0);
  });

  it('sends GitHub’s headers on every answer, refusals included', async () => {
    const clock = manualClock(Date.parse('2026-11-21T00:00:05.500Z'));
    const server = await serve({ clock });
    const ids = new Set<string>();
    for (const [token, url] of [
      [BOT, '/repos/octo-org/demo/issues/1'],
      [BOT, '/rate_limit'],
      ['nope', '/repos/octo-org/demo'],
    ] as const) {
      const res = await fetch(`${server.url}${url}`, { headers: { authorization: `token ${token}` } });
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('date')).toBe('Sat, 21 Nov 2026 00:00:05 GMT');
      expect(res.headers.get('x-ratelimit-resource')).toBe('core');
      for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-used'])
        expect(res.headers.get(h)).toMatch(/^\d+$/);
      ids.add(res.headers.get('x-github-request-id')!);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    }
    expect(ids.size).toBe(3);
  });

  it('is configured, loaded with faults and inspected over HTTP under /_emulator/, without auth or counting', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'control' });
    const post = (route: string, body: unknown) =>
      fetch(`${server.url}/_emulator/${route}`, { method: 'POST', body: JSON.stringify(body) });

    const config = await (await post('config', { listingLagMs: 250, rateLimit: { limit: 500 } })).json();
    expect(config).toMatchObject({ listingLagMs: 250, rateLimit: { limit: 500, windowMs: 3_600_000 } });
    expect(server.emulator.config.listingLagMs).toBe(250);
    await post('config', { listingLagMs: 0 });

    await post('faults', [{ kind: 'status', status: 500, count: 1 }]);
    const api = octokitFor(server);
    expect(
      (await api.rest.issues.get({ ...repo, issue_number: issue }).catch((e: { status: number }) => e))
        .status,
    ).toBe(500);
    const c = await api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'v1' });
    await api.rest.issues.updateComment({ ...repo, comment_id: c.data.id, body: 'v2' });

    const stats = await (await fetch(`${server.url}/_emulator/stats`)).json();
    expect(stats).toMatchObject({
      requests: 3,
      counted: 3,
      faultsInjected: 1,
      contentCreating: 1,
      mutations: 2,
    });
    expect(stats.byRoute['PATCH /repos/:owner/:repo/issues/comments/:n']).toBe(1);
    expect(stats.byToken[BOT]).toBe(3);

    const history = await (await fetch(`${server.url}/_emulator/comments?issue=${issue}`)).json();
    expect(history).toMatchObject([
      { id: c.data.id, login: 'github-actions[bot]', versions: [{ body: 'v1' }, { body: 'v2' }] },
    ]);

    await post('reset-stats', {});
    expect(server.emulator.stats().requests).toBe(0);
  });

  it('serves Octokit in-process through emulator.fetch, with no sockets', async () => {
    const emulator = new GitHubEmulator({ clock: manualClock() });
    const issue = emulator.createIssue({ title: 'in-process' });
    for (let i = 0; i < 120; i++) emulator.addComment(issue, `c${i}`);
    const api = new Octokit({
      auth: BOT,
      baseUrl: 'http://github.emulator',
      log: quiet,
      request: { fetch: emulator.fetch },
    });
    const all = await api.paginate(api.rest.issues.listComments, {
      ...repo,
      issue_number: issue,
      per_page: 50,
    });
    expect(all).toHaveLength(120);
    const posted = await api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'x' });
    expect(posted.data.issue_url).toBe(`http://github.emulator/repos/octo-org/demo/issues/${issue}`);
    const etag = (await api.rest.issues.get({ ...repo, issue_number: issue })).headers.etag!;
    const cached = await api.rest.issues
      .get({ ...repo, issue_number: issue, headers: { 'if-none-match': etag } })
      .catch((e: unknown) => e);
    expect(cached).toMatchObject({ status: 304 });
    expect(emulator.stats()).toMatchObject({ counted: 5, notModified: 1 });
  });

  it('waits out latency with the injected sleep', async () => {
    const slept: number[] = [];
    const emulator = new GitHubEmulator({
      latencyMs: [100, 200],
      sleep: async (ms) => void slept.push(ms),
      seed: 3,
    });
    for (let i = 0; i < 5; i++)
      await emulator.handle({
        method: 'GET',
        url: '/rate_limit',
        headers: { authorization: `token ${BOT}` },
      });
    expect(slept).toHaveLength(5);
    expect(slept.every((ms) => ms >= 100 && ms <= 200)).toBe(true);
    const again: number[] = [];
    const twin = new GitHubEmulator({
      latencyMs: [100, 200],
      sleep: async (ms) => void again.push(ms),
      seed: 3,
    });
    for (let i = 0; i < 5; i++)
      await twin.handle({ method: 'GET', url: '/rate_limit', headers: { authorization: `token ${BOT}` } });
    expect(again).toEqual(slept);
  });

  it('starts from the command line and prints its URL and tokens', async () => {
    const cli = path.resolve(import.meta.dirname, '../../emulator/cli.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`cli exited ${code}`)));
      });
      const info = JSON.parse(line) as { url: string; issue: number; tokens: Record<string, string> };
      expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(info.tokens['github-actions[bot]']).toBe(BOT);
      const res = await fetch(`${info.url}/repos/octo-org/demo/issues/${info.issue}`, {
        headers: { authorization: `token ${BOT}` },
      });
      expect(res.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
