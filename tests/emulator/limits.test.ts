// The emulator's default limits are GitHub's documented ones: 1,000 requests an hour for GITHUB_TOKEN, per
// repository and shared by every token of the bot identity; 5,000 for a user; 80 content-creating requests a
// minute and 500 an hour per identity (edits and deletes included), with or without retry-after; and
// secondary limits answered 403 or 429, with or without retry-after.
import { Octokit } from '@octokit/rest';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, GitHubEmulator } from '../../emulator/index.js';
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

const OTHER_JOB = 'ghs_other_job_token';
const OTHER_APP = 'ghs_other_app_token';

/** An emulator on a hand-driven clock with a second token of github-actions[bot] and another App's bot. */
function emulatorWithTokens(options: ConstructorParameters<typeof GitHubEmulator>[0] = {}) {
  const clock = manualClock(Date.parse('2026-11-21T00:00:00Z'));
  const emulator = new GitHubEmulator({ clock, ...options });
  // Another job's GITHUB_TOKEN: the same bot identity.
  emulator.addUser({
    login: 'github-actions[bot]',
    id: 41898282,
    type: 'Bot',
    token: OTHER_JOB,
    permission: 'write',
  });
  // Another App's installation token: another identity.
  emulator.addUser({ login: 'other-app[bot]', id: 77, type: 'Bot', token: OTHER_APP, permission: 'write' });
  const issue = emulator.createIssue({ title: 'limits' });
  const api = (token: string): Octokit =>
    new Octokit({
      auth: token,
      baseUrl: 'http://github.emulator',
      log: quiet,
      request: { fetch: emulator.fetch },
    });
  const get = (token: string) =>
    emulator.handle({
      method: 'GET',
      url: `/repos/octo-org/demo/issues/${issue}`,
      headers: { authorization: `token ${token}` },
    });
  return { clock, emulator, issue, api, get };
}

describe('the primary limit by default', () => {
  it('is 1,000 an hour for GITHUB_TOKEN, shared by the tokens of its identity, not by another bot', async () => {
    expect(DEFAULT_CONFIG.rateLimit).toEqual({ limit: 1_000, windowMs: 3_600_000, userLimit: 5_000 });
    const { clock, get } = emulatorWithTokens();
    for (let i = 0; i < 600; i++) expect((await get(BOT)).status).toBe(200);
    for (let i = 0; i < 399; i++) expect((await get(OTHER_JOB)).status).toBe(200);
    const last = await get(OTHER_JOB);
    expect(last.status).toBe(200);
    expect(last.headers).toMatchObject({
      'x-ratelimit-limit': '1000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': '1000',
    });
    for (const token of [BOT, OTHER_JOB]) {
      const limited = await get(token);
      expect(limited.status).toBe(403);
      expect(JSON.parse(limited.body).message).toBe('API rate limit exceeded for installation ID 1.');
    }
    const other = await get(OTHER_APP);
    expect(other.status).toBe(200);
    expect(other.headers).toMatchObject({ 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '999' });
    // The window is an hour.
    clock.advance(3_600_000);
    expect((await get(BOT)).headers['x-ratelimit-remaining']).toBe('999');
  });

  it('is 5,000 an hour for a user, their own', async () => {
    const { get, api } = emulatorWithTokens();
    for (let i = 0; i < 5_000; i++) expect((await get(MAINTAINER)).status).toBe(200);
    const limited = await get(MAINTAINER);
    expect(limited.status).toBe(403);
    expect(limited.headers).toMatchObject({ 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0' });
    expect(JSON.parse(limited.body).message).toBe('API rate limit exceeded for user ID 1001.');
    // /rate_limit is free, and says so.
    expect((await api(MAINTAINER).rest.rateLimit.get()).data.rate).toMatchObject({
      limit: 5000,
      remaining: 0,
    });
    expect((await get(BOT)).headers['x-ratelimit-remaining']).toBe('999');
  });

  it('takes a larger budget for an App’s installation token and another for users from the config', async () => {
    const { get } = emulatorWithTokens({ rateLimit: { limit: 15_000, userLimit: 7 } });
    expect((await get(BOT)).headers['x-ratelimit-limit']).toBe('15000');
    expect((await get(MAINTAINER)).headers['x-ratelimit-limit']).toBe('7');
  });
});

describe('the secondary limit on content by default', () => {
  it('allows 80 content-creating requests a minute per identity, edits and deletes included', async () => {
    const { clock, emulator, issue, api } = emulatorWithTokens();
    const bot = api(BOT);
    const comment = await bot.rest.issues.createComment({ ...repo, issue_number: issue, body: 'claim' });
    const doomed = await bot.rest.issues.createComment({ ...repo, issue_number: issue, body: 'doomed' });
    await bot.rest.issues.deleteComment({ ...repo, comment_id: doomed.data.id });
    await bot.rest.issues.update({ ...repo, issue_number: issue, title: 'limits, renamed' });
    clock.advance(10_000);
    // Heartbeats: edits of a comment.
    for (let i = 0; i < 76; i++)
      await bot.rest.issues.updateComment({ ...repo, comment_id: comment.data.id, body: `beat ${i}` });
    expect(emulator.stats()).toMatchObject({ contentCreating: 2, contentCounted: 80 });
    // The 81st, by either token of the identity, is refused for the 50 s until the first is a minute old.
    const refused = await failureOf(
      bot.rest.issues.updateComment({ ...repo, comment_id: comment.data.id, body: 'one more' }),
    );
    expect(refused.status).toBe(403);
    expect(refused.response.headers['retry-after']).toBe('50');
    expect(refused.message).toMatch(
      /^You have exceeded a secondary rate limit and have been temporarily blocked from content creation\./,
    );
    expect(
      await statusOf(api(OTHER_JOB).rest.issues.createComment({ ...repo, issue_number: issue, body: 'x' })),
    ).toBe(403);
    // Reading is not content creation; another identity, and a user, have their own allowance.
    expect(await statusOf(bot.rest.issues.listComments({ ...repo, issue_number: issue }))).toBe(200);
    expect(
      await statusOf(api(OTHER_APP).rest.issues.createComment({ ...repo, issue_number: issue, body: 'x' })),
    ).toBe(201);
    expect(
      await statusOf(api(MAINTAINER).rest.issues.createComment({ ...repo, issue_number: issue, body: 'x' })),
    ).toBe(201);
    clock.advance(50_000);
    expect(
      await statusOf(bot.rest.issues.updateComment({ ...repo, comment_id: comment.data.id, body: 'again' })),
    ).toBe(200);
  });

  it('allows 500 an hour', async () => {
    const { clock, issue, api } = emulatorWithTokens();
    const bot = api(BOT);
    for (let minute = 0; minute < 7; minute++) {
      for (let i = 0; i < (minute < 6 ? 80 : 20); i++)
        await bot.rest.issues.createComment({ ...repo, issue_number: issue, body: `m${minute} c${i}` });
      clock.advance(60_000);
    }
    const refused = await failureOf(
      bot.rest.issues.createComment({ ...repo, issue_number: issue, body: 'x' }),
    );
    expect(refused.status).toBe(403);
    // The first comment was made 7 minutes ago: it leaves the hour in 53 minutes.
    expect(refused.response.headers['retry-after']).toBe(String(53 * 60));
  });

  it('answers without retry-after when so configured, and is turned off over HTTP with null', async () => {
    const server = await serve({ contentLimit: { perMinute: 1, retryAfter: false } });
    const issue = server.emulator.createIssue({ title: 'no retry-after' });
    const bot = octokitFor(server);
    await bot.rest.issues.createComment({ ...repo, issue_number: issue, body: 'one' });
    const refused = await failureOf(
      bot.rest.issues.createComment({ ...repo, issue_number: issue, body: 'two' }),
    );
    expect(refused.status).toBe(403);
    expect(refused.response.headers['retry-after']).toBeUndefined();
    expect(refused.message).toMatch(/secondary rate limit/);
    expect(server.emulator.config.contentLimit).toEqual({ perMinute: 1, perHour: 500, retryAfter: false });

    const res = await fetch(`${server.url}/_emulator/config`, {
      method: 'POST',
      body: JSON.stringify({ contentLimit: null }),
    });
    expect((await res.json()).contentLimit).toBeUndefined();
    for (let i = 0; i < 3; i++)
      expect(
        await statusOf(bot.rest.issues.createComment({ ...repo, issue_number: issue, body: `${i}` })),
      ).toBe(201);
  });
});

describe('a queued secondary limit', () => {
  it('answers 403 or 429, with retry-after only when it has one', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'secondary' });
    const api = octokitFor(server);
    server.emulator.queueFaults([
      { kind: 'secondary-rate-limit', count: 1 },
      { kind: 'secondary-rate-limit', status: 429, retryAfter: 0, count: 1 },
      { kind: 'secondary-rate-limit', status: 429, retryAfter: 3, count: 1 },
      { kind: 'secondary-rate-limit', status: 429, message: 'Too Many Requests', count: 1 },
    ]);
    const answers = [];
    for (let i = 0; i < 4; i++)
      answers.push(await failureOf(api.rest.issues.get({ ...repo, issue_number: issue })));
    expect(answers.map((a) => [a.status, a.response.headers['retry-after']])).toEqual([
      [403, undefined],
      [429, undefined],
      [429, '3'],
      [429, undefined],
    ]);
    for (const a of answers.slice(0, 3)) {
      expect(a.message).toMatch(/^You have exceeded a secondary rate limit\. Please wait a few minutes/);
      expect(a.response.data).toMatchObject({ documentation_url: expect.stringContaining('secondary') });
    }
    expect(answers[3]!.response.data).toEqual({ message: 'Too Many Requests' });
    expect(await statusOf(api.rest.issues.get({ ...repo, issue_number: issue }))).toBe(200);
    // They cost rate limit, as GitHub counts them.
    expect(server.emulator.stats()).toMatchObject({ counted: 5, faultsInjected: 4 });
  });
});
