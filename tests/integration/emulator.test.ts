// The emulator behaves like GitHub where the protocol depends on it, checked through the real Octokit over HTTP.
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
let server: RunningEmulator;
const octokit = (token = 'ghs_bot_token') => new Octokit({ auth: token, baseUrl: server.url, log: quiet });
const repo = { owner: 'octo-org', repo: 'demo' };

beforeAll(async () => {
  server = await startEmulator();
});
afterAll(() => server.close());

const status = async (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (e: { status: number }) => e.status,
  );

describe('the GitHub emulator', () => {
  it('pages comments with Link headers, in ascending ids, with whole-second timestamps', async () => {
    const issue = server.emulator.createIssue({ title: 'many' });
    for (let i = 0; i < 250; i++) server.emulator.addComment(issue, `c${i}`, 'maintainer');
    const all = await octokit().paginate(octokit().rest.issues.listComments, {
      ...repo,
      issue_number: issue,
      per_page: 100,
    });
    expect(all).toHaveLength(250);
    expect(all.map((c) => c.body)).toEqual(Array.from({ length: 250 }, (_, i) => `c${i}`));
    expect(all.every((c, i) => i === 0 || c.id > all[i - 1]!.id)).toBe(true);
    expect(all[0]!.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const first = await octokit().rest.issues.listComments({ ...repo, issue_number: issue, per_page: 100 });
    expect(first.headers.link).toContain('rel="next"');
    expect(first.headers.link).toContain('page=3>; rel="last"');
  });

  it('answers an unchanged listing 304 to its ETag, and 200 once it changed', async () => {
    const issue = server.emulator.createIssue({ title: 'etag' });
    const api = octokit();
    const first = await api.rest.issues.listComments({ ...repo, issue_number: issue });
    const etag = first.headers.etag!;
    expect(
      await status(
        api.rest.issues.listComments({ ...repo, issue_number: issue, headers: { 'if-none-match': etag } }),
      ),
    ).toBe(304);
    await api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'new' });
    const after = await api.rest.issues.listComments({
      ...repo,
      issue_number: issue,
      headers: { 'if-none-match': etag },
    });
    expect(after.status).toBe(200);
    expect(after.data).toHaveLength(1);
  });

  it('filters on updated_at with since, so edited comments come back', async () => {
    const issue = server.emulator.createIssue({ title: 'since' });
    const api = octokit();
    const old = await api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'old' });
    // Timestamps have whole seconds: a watermark in the next second excludes the comment just made.
    const sinceMs = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    const since = new Date(sinceMs).toISOString();
    expect((await api.rest.issues.listComments({ ...repo, issue_number: issue, since })).data).toHaveLength(
      0,
    );
    await new Promise((r) => setTimeout(r, sinceMs - Date.now() + 50));
    await api.rest.issues.updateComment({ ...repo, comment_id: old.data.id, body: 'edited' });
    const listed = await api.rest.issues.listComments({ ...repo, issue_number: issue, since });
    expect(listed.data.map((c) => c.body)).toEqual(['edited']);
  });

  it('lags listings behind writes, as a read replica does, but not the write’s own answer', async () => {
    const issue = server.emulator.createIssue({ title: 'lag' });
    server.emulator.configure({ listingLagMs: 400 });
    try {
      const api = octokit();
      const posted = await api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'fresh' });
      expect(posted.data.body).toBe('fresh');
      expect((await api.rest.issues.listComments({ ...repo, issue_number: issue })).data).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 450));
      expect((await api.rest.issues.listComments({ ...repo, issue_number: issue })).data).toHaveLength(1);
    } finally {
      server.emulator.configure({ listingLagMs: 0 });
    }
  });

  it('loses the answer to a POST that landed, so a retrying client posts twice', async () => {
    const issue = server.emulator.createIssue({ title: 'lost' });
    server.emulator.queueFaults([
      { kind: 'lost-response', count: 1, match: { method: 'POST', pathIncludes: '/comments' } },
    ]);
    const Retrying = Octokit.plugin(retry);
    const api = new Retrying({
      auth: 'ghs_bot_token',
      baseUrl: server.url,
      log: quiet,
      retry: { retryAfterBaseValue: 10 },
    });
    await api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'once' });
    expect(server.emulator.listComments(issue).map((c) => c.body)).toEqual(['once', 'once']);
  });

  it('answers rate limits as GitHub does', async () => {
    const issue = server.emulator.createIssue({ title: 'limits' });
    server.emulator.queueFaults([{ kind: 'secondary-rate-limit', retryAfter: 7, count: 1 }]);
    const secondary = await octokit()
      .rest.issues.get({ ...repo, issue_number: issue })
      .catch((e: { status: number; response: { headers: Record<string, string> }; message: string }) => e);
    expect(secondary).toMatchObject({ status: 403, response: { headers: { 'retry-after': '7' } } });
    expect((secondary as { message: string }).message).toMatch(/secondary rate limit/);
    server.emulator.queueFaults([{ kind: 'primary-rate-limit', resetInSeconds: 1 }]);
    const primary = await octokit()
      .rest.issues.get({ ...repo, issue_number: issue })
      .catch((e: { status: number; response: { headers: Record<string, string> } }) => e);
    expect(primary).toMatchObject({ status: 403, response: { headers: { 'x-ratelimit-remaining': '0' } } });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await octokit().rest.issues.get({ ...repo, issue_number: issue })).status).toBe(200);
  });

  it('refuses what GitHub refuses', async () => {
    const issue = server.emulator.createIssue({ title: 'refusals' });
    expect(await status(octokit('nope').rest.issues.get({ ...repo, issue_number: issue }))).toBe(401);
    expect(await status(octokit().rest.users.getAuthenticated())).toBe(403);
    expect((await octokit('ghp_maintainer_token').rest.users.getAuthenticated()).data.login).toBe(
      'maintainer',
    );
    expect(await status(octokit().rest.issues.get({ owner: 'x', repo: 'y', issue_number: issue }))).toBe(404);
    const c = await octokit().rest.issues.createComment({ ...repo, issue_number: issue, body: 'mine' });
    expect(
      await status(
        octokit('ghp_outsider_token').rest.issues.updateComment({
          ...repo,
          comment_id: c.data.id,
          body: 'x',
        }),
      ),
    ).toBe(403);
    expect(
      await status(
        octokit().rest.issues.createComment({ ...repo, issue_number: issue, body: 'x'.repeat(65_537) }),
      ),
    ).toBe(422);
    const permission = await octokit().rest.repos.getCollaboratorPermissionLevel({
      ...repo,
      username: 'outsider',
    });
    expect(permission.data.permission).toBe('read');
  });

  it('answers a browser’s CORS preflight', async () => {
    const res = await fetch(`${server.url}/repos/octo-org/demo/issues/1/comments`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toContain('if-none-match');
    expect(res.headers.get('access-control-expose-headers')).toContain('etag');
  });
});
