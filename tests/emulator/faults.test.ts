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
