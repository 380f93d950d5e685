// Faults on purpose: server errors, lost responses, outages, and GitHub's primary and secondary rate limits.
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { describe, expect, it } from 'vitest';
import { GitHubEmulator } from '../../emulator/index.js';
import {
  BOT,
  failureOf,
  MAINTAINER,
  manualClock,
  octokitFor,
  quiet,
  repo,
  serve,
  statusOf,
} from './helpers.js';

describe('faults', () => {
  it('loses the answer to a POST that landed, so Octokit with plugin-retry posts twice', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'lost' });
    server.emulator.queueFaults([
      { kind: 'lost-response', count: 1, match: { method: 'POST', pathIncludes: '/comments' } },
    ]);
    const Retrying = Octokit.plugin(retry);
    const api = new Retrying({
      auth: BOT,
      baseUrl: server.url,
      log: quiet,
      retry: { retryAfterBaseValue: 1 },
    });
    const res = await api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'once' });
    expect(res.status).toBe(201);
    expect(server.emulator.listComments(issue).map((c) => c.body)).toEqual(['once', 'once']);
    const stats = server.emulator.stats();
    expect(stats.faultsInjected).toBe(1);
    expect(stats.contentCreating).toBe(2);
  });

  it('answers a share of the writes 502/503 although they were performed (ghost writes), and logs each request', async () => {
    const server = await serve({ config: { ghostWriteRate: 0.5 }, seed: 7 });
    const issue = server.emulator.createIssue({ title: 'ghosts' });
    const api = octokitFor(server, BOT);
    const answers: number[] = [];
    for (let i = 0; i < 20; i++)
      answers.push(
        await statusOf(api.rest.issues.createComment({ ...repo, issue_number: issue, body: `c${i}` })),
      );
    const ghosts = answers.filter((a) => a === 502 || a === 503).length;
    expect(ghosts).toBeGreaterThan(3);
    expect(ghosts).toBeLessThan(17);
    // Every one of them landed, answered well or not; reads are never ghosts.
    expect(server.emulator.listComments(issue)).toHaveLength(20);
    expect((await api.rest.issues.listComments({ ...repo, issue_number: issue })).status).toBe(200);
    const log = (await (await fetch(`${server.url}/_emulator/requests`)).json()) as { status: number }[];
    expect(log).toHaveLength(21);
    expect(log[0]).toMatchObject({ method: 'POST', login: 'github-actions[bot]', token: BOT });
    expect(log.slice(0, 20).map((r) => r.status)).toEqual(answers);
  });

  it('answers queued statuses only to matching requests, count times', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'status' });
    server.emulator.queueFaults([
      { kind: 'status', status: 502, count: 2, match: { method: 'GET', pathIncludes: '/comments' } },
    ]);
    const api = octokitFor(server);
    expect(await statusOf(api.rest.issues.get({ ...repo, issue_number: issue }))).toBe(200);
    const failed = await failureOf(api.rest.issues.listComments({ ...repo, issue_number: issue }));
    expect(failed.status).toBe(502);
    expect(failed.response.data).toEqual({ message: 'Server Error' });
    expect(await statusOf(api.rest.issues.listComments({ ...repo, issue_number: issue }))).toBe(502);
    expect(await statusOf(api.rest.issues.listComments({ ...repo, issue_number: issue }))).toBe(200);
    expect(server.emulator.pendingFaults()).toEqual([]);
  });

  it('is down for a while: 503, or a reset connection', async () => {
    const clock = manualClock();
    const server = await serve({ clock });
    const issue = server.emulator.createIssue({ title: 'down' });
    const api = octokitFor(server);
    server.emulator.queueFaults([{ kind: 'down', forMs: 1_000 }]);
    expect(await statusOf(api.rest.issues.get({ ...repo, issue_number: issue }))).toBe(503);
    clock.advance(1_000);
    expect(await statusOf(api.rest.issues.get({ ...repo, issue_number: issue }))).toBe(200);

    server.emulator.queueFaults([{ kind: 'down', forMs: 1_000, mode: 'reset' }]);
    const reset = await failureOf(api.rest.issues.get({ ...repo, issue_number: issue }));
    expect(reset.status).toBe(500); // Octokit's status for a network error
    await expect(server.emulator.fetch(`${server.url}/rate_limit`)).rejects.toThrow(/fetch failed/);
  });

  it('answers a status to every matching request for a span of time when queued with forMs', async () => {
    const clock = manualClock();
    const server = await serve({ clock });
    const issue = server.emulator.createIssue({ title: 'span' });
    const api = octokitFor(server);
    server.emulator.queueFaults([
      {
        kind: 'status',
        status: 503,
        count: 1,
        forMs: 2_000,
        match: { method: 'GET', pathIncludes: '/issues/' },
      },
    ]);
    for (let i = 0; i < 3; i++)
      expect(await statusOf(api.rest.issues.get({ ...repo, issue_number: issue }))).toBe(503);
    expect(await statusOf(api.rest.issues.listComments({ ...repo, issue_number: 999 }))).toBe(503);
    expect(await statusOf(api.rest.repos.get({ ...repo }))).toBe(200);
    clock.advance(2_000);
    expect(await statusOf(api.rest.issues.get({ ...repo, issue_number: issue }))).toBe(200);
    expect(server.emulator.pendingFaults()).toEqual([]);
  });

  it('leaves a matching request hanging, with no answer or with headers and half a body, until the client gives up', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'hang' });
    server.emulator.addComment(issue, 'a comment long enough to be cut in half', 'maintainer');
    const comments = `${server.url}/repos/octo-org/demo/issues/${issue}/comments`;
    const as = (token: string, signal?: AbortSignal): RequestInit => ({
      headers: { authorization: `token ${token}` },
      ...(signal ? { signal } : {}),
    });
    // Queued through the control API, for one token's reads of the comments only.
    const queued = await fetch(`${server.url}/_emulator/faults`, {
      method: 'POST',
      body: JSON.stringify([
        { kind: 'hang', count: 1, match: { method: 'GET', pathIncludes: '/comments', token: BOT } },
        { kind: 'hang', count: 1, after: 'headers', match: { token: BOT } },
      ]),
    });
    expect(queued.status).toBe(200);
    expect((await fetch(comments, as(MAINTAINER))).status).toBe(200);

    const started = Date.now();
    await expect(fetch(comments, as(BOT, AbortSignal.timeout(300)))).rejects.toThrow(/aborted/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    // The status and headers come, and half the body; the rest never does (not even as a 304).
    const controller = new AbortController();
    const first = await fetch(comments, as(BOT, controller.signal));
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    const body = first.text();
    const stalled = await Promise.race([body, new Promise((r) => setTimeout(() => r('stalled'), 300))]);
    expect(stalled).toBe('stalled');
    controller.abort();
    await expect(body).rejects.toThrow(/aborted/);

    const after = await fetch(comments, {
      headers: { authorization: `token ${BOT}`, 'if-none-match': etag },
    });
    expect(after.status).toBe(304);
    expect(server.emulator.pendingFaults()).toEqual([]);
    expect(server.emulator.requestLog().map((r) => [r.token, r.status])).toEqual([
      [MAINTAINER, 200],
      [BOT, 'hang'],
      [BOT, 'hang'],
      [BOT, 304],
    ]);
    expect(server.emulator.stats().faultsInjected).toBe(2);
  });

  it('performs a write that hangs after its headers, and ends hanging connections when it closes', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'hang and close' });
    server.emulator.queueFaults([
      { kind: 'hang', count: 1, after: 'headers', match: { method: 'POST' } },
      { kind: 'hang', count: 1, match: { method: 'GET' } },
    ]);
    const api = octokitFor(server);
    const write = api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'landed' });
    const read = api.rest.issues.get({ ...repo, issue_number: issue });
    const settled = Promise.allSettled([write, read]);
    await new Promise((r) => setTimeout(r, 300));
    expect(server.emulator.listComments(issue).map((c) => c.body)).toEqual(['landed']);
    const closing = Date.now();
    await server.close();
    expect(Date.now() - closing).toBeLessThan(2000);
    const [wrote, got] = await settled;
    // Octokit alone takes a body cut short for an empty one (it swallows the error reading it): the action's
    // client reads every body itself, within the time limit (src/github/time-limit.ts).
    expect(wrote).toMatchObject({ status: 'fulfilled', value: { status: 201, data: '' } });
    expect(got.status).toBe('rejected');
  });

  it('hangs in process too (emulator.fetch), until the request is aborted', async () => {
    const emulator = new GitHubEmulator();
    const issue = emulator.createIssue({ title: 'in process' });
    emulator.addComment(issue, 'half of this', 'maintainer');
    emulator.queueFaults([
      { kind: 'hang', count: 1 },
      { kind: 'hang', count: 1, after: 'headers' },
    ]);
    const url = `https://api.github.com/repos/octo-org/demo/issues/${issue}/comments`;
    const init = { headers: { authorization: `token ${BOT}` }, signal: AbortSignal.timeout(200) };
    await expect(emulator.fetch(url, init)).rejects.toThrow(/timeout|aborted/i);
    const second = await emulator.fetch(url, { ...init, signal: AbortSignal.timeout(200) });
    expect(second.status).toBe(200);
    await expect(second.text()).rejects.toThrow(/timeout|aborted/i);
    expect((await emulator.fetch(url, { headers: init.headers })).status).toBe(200);
  });

  it('fails a share of requests at random, the same ones for the same seed', async () => {
    const statuses = async (seed: number): Promise<number[]> => {
      const emulator = new GitHubEmulator({ seed, failureRate: 0.3 });
      const out: number[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await emulator.handle({
          method: 'GET',
          url: '/rate_limit',
          headers: { authorization: `token ${BOT}` },
        });
        out.push(res.status);
      }
      return out;
    };
    const a = await statuses(42);
    expect(await statuses(42)).toEqual(a);
    expect(a.filter((s) => s !== 200).length).toBeGreaterThan(3);
    expect(a.filter((s) => s !== 200).every((s) => [500, 502, 503].includes(s))).toBe(true);
  });
});

describe('rate limits', () => {
  it('answers a queued secondary rate limit with 403 and retry-after', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'secondary' });
    server.emulator.queueFaults([{ kind: 'secondary-rate-limit', retryAfter: 7, count: 1 }]);
    const failed = await failureOf(octokitFor(server).rest.issues.get({ ...repo, issue_number: issue }));
    expect(failed.status).toBe(403);
    expect(failed.response.headers['retry-after']).toBe('7');
    expect(failed.message).toMatch(/You have exceeded a secondary rate limit/);
  });

  it('limits content creation per minute when configured, with retry-after', async () => {
    const clock = manualClock();
    const server = await serve({ clock, contentLimit: { perMinute: 2, perHour: 100 } });
    const issue = server.emulator.createIssue({ title: 'content' });
    const api = octokitFor(server);
    await api.rest.issues.createComment({ ...repo, issue_number: issue, body: '1' });
    clock.advance(10_000);
    await api.rest.issues.createComment({ ...repo, issue_number: issue, body: '2' });
    const failed = await failureOf(
      api.rest.issues.createComment({ ...repo, issue_number: issue, body: '3' }),
    );
    expect(failed.status).toBe(403);
    expect(failed.response.headers['retry-after']).toBe('50');
    expect(failed.message).toMatch(/secondary rate limit/);
    // Reading is not content creation.
    expect(await statusOf(api.rest.issues.listComments({ ...repo, issue_number: issue }))).toBe(200);
    clock.advance(50_000);
    expect(await statusOf(api.rest.issues.createComment({ ...repo, issue_number: issue, body: '3' }))).toBe(
      201,
    );
  });

  it('sends the primary limit’s headers and counts a bot identity per repository, users per user', async () => {
    const clock = manualClock(Date.parse('2026-11-21T00:00:00Z'));
    // A limit of 3 a minute, to reach it in a few requests.
    const server = await serve({ clock, rateLimit: { limit: 3, windowMs: 60_000 } });
    const issue = server.emulator.createIssue({ title: 'primary' });
    const bot = octokitFor(server, BOT);
    const first = await bot.rest.issues.get({ ...repo, issue_number: issue });
    expect(first.headers).toMatchObject({
      'x-ratelimit-limit': '3',
      'x-ratelimit-remaining': '2',
      'x-ratelimit-used': '1',
      'x-ratelimit-reset': String(Date.parse('2026-11-21T00:01:00Z') / 1000),
      'x-ratelimit-resource': 'core',
    });
    // Another GITHUB_TOKEN of the repository (another job's: the same bot identity) shares the bucket.
    server.emulator.addUser({
      login: 'github-actions[bot]',
      id: 41898282,
      type: 'Bot',
      token: 'ghs_other_job',
      permission: 'write',
    });
    await octokitFor(server, 'ghs_other_job').rest.issues.get({ ...repo, issue_number: issue });
    await bot.rest.issues.get({ ...repo, issue_number: issue });
    const limited = await failureOf(bot.rest.issues.get({ ...repo, issue_number: issue }));
    expect(limited.status).toBe(403);
    expect(limited.message).toMatch(/API rate limit exceeded for installation ID 1\./);
    expect(limited.response.headers['x-ratelimit-remaining']).toBe('0');
    // /rate_limit is free and still answers.
    const rate = await bot.rest.rateLimit.get();
    expect(rate.data.resources.core).toMatchObject({ limit: 3, remaining: 0, used: 3 });
    expect(rate.data.rate.remaining).toBe(0);
    // Another bot identity (another App's installation) has its own bucket, and so has a user.
    server.emulator.addUser({
      login: 'other[bot]',
      id: 5,
      type: 'Bot',
      token: 'ghs_other',
      permission: 'write',
    });
    expect(
      await statusOf(octokitFor(server, 'ghs_other').rest.issues.get({ ...repo, issue_number: issue })),
    ).toBe(200);
    expect(
      await statusOf(octokitFor(server, MAINTAINER).rest.issues.get({ ...repo, issue_number: issue })),
    ).toBe(200);
    clock.advance(60_000);
    expect(await statusOf(bot.rest.issues.get({ ...repo, issue_number: issue }))).toBe(200);
  });

  it('uses up the primary limit on a queued fault until the reset passes', async () => {
    const clock = manualClock(Date.parse('2026-11-21T00:00:00Z'));
    const server = await serve({ clock });
    const issue = server.emulator.createIssue({ title: 'exhausted' });
    const api = octokitFor(server);
    server.emulator.queueFaults([{ kind: 'primary-rate-limit', resetInSeconds: 30 }]);
    const limited = await failureOf(api.rest.issues.get({ ...repo, issue_number: issue }));
    expect(limited.status).toBe(403);
    expect(limited.response.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(limited.response.headers['x-ratelimit-reset'])).toBe(
      Date.parse('2026-11-21T00:00:30Z') / 1000,
    );
    clock.advance(29_000);
    expect(await statusOf(api.rest.issues.get({ ...repo, issue_number: issue }))).toBe(403);
    clock.advance(1_000);
    expect(await statusOf(api.rest.issues.get({ ...repo, issue_number: issue }))).toBe(200);
  });
});
