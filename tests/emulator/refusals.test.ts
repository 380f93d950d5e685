// What GitHub refuses: bad credentials, GITHUB_TOKEN on /user, other repositories, unknown routes, editing
// someone else's comment, bodies that are too long, a second pull request for the same head.
import { describe, expect, it } from 'vitest';
import {
  BOT,
  COLLABORATOR,
  failureOf,
  MAINTAINER,
  octokitFor,
  OUTSIDER,
  repo,
  serve,
  statusOf,
} from './helpers.js';

describe('refusals', () => {
  it('answers 401 to a missing or unknown token, and takes token or Bearer', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'auth' });
    const bad = await failureOf(
      octokitFor(server, 'ghp_nope').rest.issues.get({ ...repo, issue_number: issue }),
    );
    expect(bad.status).toBe(401);
    expect(bad.response.data).toMatchObject({ message: 'Bad credentials' });
    expect(await statusOf(octokitFor(server, null).rest.issues.get({ ...repo, issue_number: issue }))).toBe(
      401,
    );
    const bearer = await fetch(`${server.url}/repos/octo-org/demo/issues/${issue}`, {
      headers: { authorization: `Bearer ${BOT}` },
    });
    expect(bearer.status).toBe(200);
  });

  it('refuses /user to GITHUB_TOKEN and shows users their own account', async () => {
    const server = await serve();
    const bot = await failureOf(octokitFor(server, BOT).rest.users.getAuthenticated());
    expect(bot.status).toBe(403);
    expect(bot.response.data).toMatchObject({ message: 'Resource not accessible by integration' });
    const me = await octokitFor(server, MAINTAINER).rest.users.getAuthenticated();
    expect(me.data).toMatchObject({ login: 'maintainer', id: 1001, type: 'User' });
  });

  it('answers 404 for another repository and for unknown routes', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'where' });
    const api = octokitFor(server);
    const other = await failureOf(
      api.rest.issues.get({ owner: 'someone', repo: 'else', issue_number: issue }),
    );
    expect(other.status).toBe(404);
    expect(other.response.data).toMatchObject({ message: 'Not Found' });
    expect(await statusOf(api.rest.issues.get({ ...repo, issue_number: 999 }))).toBe(404);
    const unknown = await failureOf(api.request('GET /repos/{owner}/{repo}/nothing-here', repo));
    expect(unknown.status).toBe(404);
    expect(unknown.response.data).toMatchObject({
      message: 'Not Found',
      documentation_url: expect.any(String),
    });
  });

  it('lets only the author edit or delete a comment', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'mine' });
    const c = await octokitFor(server, BOT).rest.issues.createComment({
      ...repo,
      issue_number: issue,
      body: 'mine',
    });
    for (const token of [OUTSIDER, COLLABORATOR, MAINTAINER]) {
      const api = octokitFor(server, token);
      expect(
        await statusOf(api.rest.issues.updateComment({ ...repo, comment_id: c.data.id, body: 'x' })),
      ).toBe(403);
      expect(await statusOf(api.rest.issues.deleteComment({ ...repo, comment_id: c.data.id }))).toBe(403);
    }
    expect(server.emulator.listComments(issue).map((x) => x.body)).toEqual(['mine']);
    // github.com lets anyone with write access edit others' comments: one setting away.
    server.emulator.configure({ commentEditors: 'write' });
    const api = octokitFor(server, MAINTAINER);
    expect(await statusOf(api.rest.issues.updateComment({ ...repo, comment_id: c.data.id, body: 'x' }))).toBe(
      200,
    );
    expect(
      await statusOf(
        octokitFor(server, OUTSIDER).rest.issues.deleteComment({ ...repo, comment_id: c.data.id }),
      ),
    ).toBe(403);
  });

  it('refuses a comment body over 65536 characters with GitHub’s 422', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'long' });
    const api = octokitFor(server);
    const failed = await failureOf(
      api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'x'.repeat(65_537) }),
    );
    expect(failed.status).toBe(422);
    expect(failed.response.data).toMatchObject({
      message: 'Validation Failed',
      errors: [
        {
          resource: 'IssueComment',
          code: 'custom',
          field: 'body',
          message: 'body is too long (maximum is 65536 characters)',
        },
      ],
    });
    expect(
      await statusOf(
        api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'x'.repeat(65_536) }),
      ),
    ).toBe(201);
  });

  it('reports collaborator permissions, maintain as write', async () => {
    const server = await serve();
    server.emulator.addUser({
      login: 'keeper',
      id: 1004,
      type: 'User',
      token: 'ghp_keeper',
      permission: 'maintain',
    });
    const api = octokitFor(server);
    const permission = async (username: string) =>
      (await api.rest.repos.getCollaboratorPermissionLevel({ ...repo, username })).data;
    expect(await permission('maintainer')).toMatchObject({
      permission: 'admin',
      role_name: 'admin',
      user: { login: 'maintainer' },
    });
    expect(await permission('collaborator')).toMatchObject({ permission: 'write' });
    expect(await permission('outsider')).toMatchObject({ permission: 'read' });
    expect(await permission('keeper')).toMatchObject({ permission: 'write', role_name: 'maintain' });
  });

  it('opens one pull request per head, numbered with the issues', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'before' });
    const api = octokitFor(server);
    const pull = await api.rest.pulls.create({
      ...repo,
      title: 'T1',
      head: 'p2p/t1',
      base: 'main',
      body: 'b',
      draft: true,
    });
    expect(pull.status).toBe(201);
    expect(pull.data).toMatchObject({
      number: issue + 1,
      head: { ref: 'p2p/t1' },
      base: { ref: 'main' },
      draft: true,
      state: 'open',
      title: 'T1',
      body: 'b',
      html_url: `https://github.example/octo-org/demo/pull/${issue + 1}`,
    });
    const again = await failureOf(
      api.rest.pulls.create({ ...repo, title: 'T1', head: 'p2p/t1', base: 'main' }),
    );
    expect(again.status).toBe(422);
    expect(again.message).toContain('A pull request already exists for octo-org:p2p/t1.');
    const listed = await api.rest.pulls.list({ ...repo, head: 'octo-org:p2p/t1', state: 'open' });
    expect(listed.data.map((p) => p.number)).toEqual([pull.data.number]);
    expect((await api.rest.pulls.list({ ...repo, head: 'octo-org:p2p/t2' })).data).toEqual([]);
    expect(server.emulator.getPulls()).toMatchObject([
      { number: pull.data.number, head: 'p2p/t1', draft: true },
    ]);
  });

  it('takes reactions on issues and comments, and lists seeded workflow runs', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'react' });
    const api = octokitFor(server);
    const c = await api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'hi' });
    const r = await api.rest.reactions.createForIssueComment({
      ...repo,
      comment_id: c.data.id,
      content: 'eyes',
    });
    expect(r.status).toBe(201);
    expect(r.data).toMatchObject({ content: 'eyes', user: { login: 'github-actions[bot]' } });
    expect(
      (await api.rest.reactions.createForIssueComment({ ...repo, comment_id: c.data.id, content: 'eyes' }))
        .status,
    ).toBe(200);
    await api.rest.reactions.createForIssue({ ...repo, issue_number: issue, content: 'rocket' });
    const onComment = await api.rest.reactions.listForIssueComment({ ...repo, comment_id: c.data.id });
    expect(onComment.data.map((x) => x.content)).toEqual(['eyes']);
    const onIssue = await api.rest.reactions.listForIssue({ ...repo, issue_number: issue });
    expect(onIssue.data.map((x) => x.content)).toEqual(['rocket']);
    expect(
      await statusOf(
        api.rest.reactions.createForIssue({ ...repo, issue_number: issue, content: 'nope' as 'eyes' }),
      ),
    ).toBe(422);

    server.emulator.addWorkflowRun({ id: 4242, status: 'in_progress', conclusion: null });
    const runs = await api.rest.actions.listWorkflowRunsForRepo({ ...repo });
    expect(runs.data.total_count).toBe(1);
    expect(runs.data.workflow_runs[0]).toMatchObject({ id: 4242, status: 'in_progress' });
  });
});
