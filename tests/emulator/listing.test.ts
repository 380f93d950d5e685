// Listing comments through the real Octokit over HTTP: pages and Link headers, `since`, ETags, timestamps, ids.
import { describe, expect, it } from 'vitest';
import { BOT, manualClock, octokitFor, repo, serve, statusOf } from './helpers.js';

describe('listing comments', () => {
  it('pages 250 comments with GitHub’s Link header, which octokit.paginate follows', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'many' });
    for (let i = 0; i < 250; i++) server.emulator.addComment(issue, `c${i}`, 'maintainer');
    const api = octokitFor(server);

    const all = await api.paginate(api.rest.issues.listComments, {
      ...repo,
      issue_number: issue,
      per_page: 100,
    });
    expect(all.map((c) => c.body)).toEqual(Array.from({ length: 250 }, (_, i) => `c${i}`));

    const base = `${server.url}/repos/octo-org/demo/issues/${issue}/comments`;
    const first = await api.rest.issues.listComments({ ...repo, issue_number: issue, per_page: 100 });
    expect(first.data).toHaveLength(100);
    expect(first.headers.link).toBe(
      `<${base}?per_page=100&page=2>; rel="next", <${base}?per_page=100&page=3>; rel="last"`,
    );
    const middle = await api.rest.issues.listComments({
      ...repo,
      issue_number: issue,
      per_page: 100,
      page: 2,
    });
    expect(middle.headers.link).toBe(
      `<${base}?per_page=100&page=1>; rel="prev", <${base}?per_page=100&page=3>; rel="next", ` +
        `<${base}?per_page=100&page=3>; rel="last", <${base}?per_page=100&page=1>; rel="first"`,
    );
    const last = await api.rest.issues.listComments({ ...repo, issue_number: issue, per_page: 100, page: 3 });
    expect(last.data).toHaveLength(50);
    expect(last.headers.link).not.toContain('rel="next"');
  });

  it('pages 30 by default and at most 100', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'sizes' });
    for (let i = 0; i < 120; i++) server.emulator.addComment(issue, `c${i}`);
    const api = octokitFor(server);
    expect((await api.rest.issues.listComments({ ...repo, issue_number: issue })).data).toHaveLength(30);
    const capped = await api.rest.issues.listComments({ ...repo, issue_number: issue, per_page: 500 });
    expect(capped.data).toHaveLength(100);
  });

  it('gives increasing ids and whole-second timestamps from the emulator’s clock', async () => {
    const clock = manualClock(Date.parse('2026-11-21T00:00:05.789Z'));
    const server = await serve({ clock });
    const issue = server.emulator.createIssue({ title: 'times' });
    const api = octokitFor(server);
    const a = await api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'a' });
    clock.advance(1500);
    const b = await api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'b' });
    expect(a.data.created_at).toBe('2026-11-21T00:00:05Z');
    expect(a.data.updated_at).toBe('2026-11-21T00:00:05Z');
    expect(b.data.created_at).toBe('2026-11-21T00:00:07Z');
    expect(b.data.id).toBe(a.data.id + 1);
    expect(a.data.html_url).toBe(
      `https://github.example/octo-org/demo/issues/${issue}#issuecomment-${a.data.id}`,
    );
    expect(a.data.issue_url).toBe(`${server.url}/repos/octo-org/demo/issues/${issue}`);
    expect(a.data.user).toMatchObject({ login: 'github-actions[bot]', id: 41898282, type: 'Bot' });
    expect(b.headers.date).toBe('Sat, 21 Nov 2026 00:00:07 GMT');

    clock.advance(2000);
    const edited = await api.rest.issues.updateComment({ ...repo, comment_id: a.data.id, body: 'a2' });
    expect(edited.data.updated_at).toBe('2026-11-21T00:00:09Z');
    expect(edited.data.created_at).toBe('2026-11-21T00:00:05Z');
    const history = server.emulator.commentHistory(issue)[0]!;
    expect(history.versions.map((v) => v.body)).toEqual(['a', 'a2']);
  });

  it('filters on updated_at with since, in whole seconds, so edited comments come back', async () => {
    const clock = manualClock(Date.parse('2026-11-21T00:00:00.500Z'));
    const server = await serve({ clock });
    const issue = server.emulator.createIssue({ title: 'since' });
    const old = server.emulator.addComment(issue, 'old');
    clock.advance(10_000);
    server.emulator.addComment(issue, 'new');
    const api = octokitFor(server);
    const since = async (iso: string): Promise<string[]> =>
      (await api.rest.issues.listComments({ ...repo, issue_number: issue, since: iso })).data.map(
        (c) => c.body!,
      );
    expect(await since('2026-11-21T00:00:05Z')).toEqual(['new']);
    // Shown as 00:00:10Z, so a since of exactly that includes it.
    expect(await since('2026-11-21T00:00:10Z')).toEqual(['new']);
    expect(await since('2026-11-21T00:00:11Z')).toEqual([]);
    clock.advance(5_000);
    server.emulator.editComment(old, 'old, edited');
    expect(await since('2026-11-21T00:00:11Z')).toEqual(['old, edited']);
    expect(await since('2026-11-21T00:00:00Z')).toEqual(['old, edited', 'new']);
  });

  it('answers 304 to a matching If-None-Match, for free, and 200 once the listing changed', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'etag' });
    server.emulator.addComment(issue, 'one');
    const api = octokitFor(server);
    const first = await api.rest.issues.listComments({ ...repo, issue_number: issue });
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
    const before = server.emulator.stats();

    const conditional = { ...repo, issue_number: issue, headers: { 'if-none-match': etag } };
    const notModified = await api.rest.issues.listComments(conditional).catch((e: unknown) => e);
    expect(notModified).toMatchObject({ status: 304 });
    const headers = (notModified as { response: { headers: Record<string, string> } }).response.headers;
    expect(headers['x-ratelimit-remaining']).toBe(first.headers['x-ratelimit-remaining']);
    const after = server.emulator.stats();
    expect(after.notModified).toBe(before.notModified + 1);
    expect(after.counted).toBe(before.counted);
    expect(after.requests).toBe(before.requests + 1);

    server.emulator.addComment(issue, 'two');
    const changed = await api.rest.issues.listComments(conditional);
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.data.map((c) => c.body)).toEqual(['one', 'two']);

    // Every GET has an ETag, the issue too.
    const got = await api.rest.issues.get({ ...repo, issue_number: issue });
    expect(
      await statusOf(
        api.rest.issues.get({
          ...repo,
          issue_number: issue,
          headers: { 'if-none-match': got.headers.etag! },
        }),
      ),
    ).toBe(304);
  });

  it('shows issues as GitHub does, with the comment count and labels', async () => {
    const server = await serve();
    const api = octokitFor(server, BOT);
    const created = await api.rest.issues.create({
      ...repo,
      title: 'Widgets',
      body: '- [ ] a',
      labels: ['p2p-dev'],
    });
    expect(created.status).toBe(201);
    await api.rest.issues.createComment({ ...repo, issue_number: created.data.number, body: 'hi' });
    const issue = await api.rest.issues.get({ ...repo, issue_number: created.data.number });
    expect(issue.data).toMatchObject({
      number: created.data.number,
      title: 'Widgets',
      body: '- [ ] a',
      state: 'open',
      comments: 1,
      user: { login: 'github-actions[bot]' },
      html_url: `https://github.example/octo-org/demo/issues/${created.data.number}`,
    });
    expect(issue.data.labels).toMatchObject([{ name: 'p2p-dev' }]);
    const closed = await api.rest.issues.update({
      ...repo,
      issue_number: created.data.number,
      state: 'closed',
    });
    expect(closed.data.state).toBe('closed');
    const labels = await api.rest.issues.addLabels({
      ...repo,
      issue_number: created.data.number,
      labels: ['done'],
    });
    expect(labels.data.map((l) => l.name)).toEqual(['p2p-dev', 'done']);
  });
});
