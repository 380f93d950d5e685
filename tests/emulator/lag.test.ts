// Read-replica lag, prefix-consistent: a read at t shows the state as of t − lag; writes answer at once.
import { describe, expect, it } from 'vitest';
import { GitHubEmulator } from '../../emulator/index.js';
import { manualClock, octokitFor, repo, serve, statusOf } from './helpers.js';

describe('listing lag', () => {
  it('hides a fresh comment from listings until the lag has passed, but not from the POST’s answer', async () => {
    const clock = manualClock();
    const server = await serve({ clock, listingLagMs: 2_000 });
    const issue = server.emulator.createIssue({ title: 'lag' });
    const api = octokitFor(server);
    clock.advance(5_000);
    const list = async (): Promise<string[]> =>
      (await api.rest.issues.listComments({ ...repo, issue_number: issue })).data.map((c) => c.body!);

    const posted = await api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'fresh' });
    expect(posted.status).toBe(201);
    expect(posted.data.body).toBe('fresh');
    expect(await list()).toEqual([]);
    expect(await statusOf(api.rest.issues.getComment({ ...repo, comment_id: posted.data.id }))).toBe(404);
    expect((await api.rest.issues.get({ ...repo, issue_number: issue })).data.comments).toBe(0);

    clock.advance(1_999);
    expect(await list()).toEqual([]);
    clock.advance(1);
    expect(await list()).toEqual(['fresh']);
    expect((await api.rest.issues.getComment({ ...repo, comment_id: posted.data.id })).data.body).toBe(
      'fresh',
    );
  });

  it('shows each comment in the version it had lag ago, while the PATCH answers with the new one', async () => {
    const clock = manualClock();
    const server = await serve({ clock });
    const issue = server.emulator.createIssue({ title: 'edits' });
    const api = octokitFor(server);
    const a = await api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'v1' });
    clock.advance(10_000);
    server.emulator.configure({ listingLagMs: 3_000 });

    const patched = await api.rest.issues.updateComment({ ...repo, comment_id: a.data.id, body: 'v2' });
    expect(patched.data.body).toBe('v2');
    clock.advance(1_000);
    const b = await api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'later' });

    const listed = async (): Promise<string[]> =>
      (await api.rest.issues.listComments({ ...repo, issue_number: issue })).data.map((c) => c.body!);
    expect(await listed()).toEqual(['v1']);
    expect((await api.rest.issues.getComment({ ...repo, comment_id: a.data.id })).data.body).toBe('v1');
    clock.advance(2_000); // the edit is 3 s old, the new comment 2 s
    expect(await listed()).toEqual(['v2']);
    clock.advance(1_000);
    expect(await listed()).toEqual(['v2', 'later']);
    expect(b.data.id).toBeGreaterThan(a.data.id);
  });

  it('lags the issue’s fields too, but not its existence', async () => {
    const clock = manualClock();
    const server = await serve({ clock, listingLagMs: 1_000 });
    const api = octokitFor(server, 'ghp_maintainer_token');
    const created = await api.rest.issues.create({ ...repo, title: 'first' });
    expect((await api.rest.issues.get({ ...repo, issue_number: created.data.number })).data.title).toBe(
      'first',
    );
    clock.advance(5_000);
    await api.rest.issues.update({ ...repo, issue_number: created.data.number, title: 'second' });
    expect((await api.rest.issues.get({ ...repo, issue_number: created.data.number })).data.title).toBe(
      'first',
    );
    clock.advance(1_000);
    expect((await api.rest.issues.get({ ...repo, issue_number: created.data.number })).data.title).toBe(
      'second',
    );
  });

  it('hides a deleted comment only once the lag has passed', async () => {
    const clock = manualClock();
    const server = await serve({ clock });
    const issue = server.emulator.createIssue({ title: 'deletes' });
    const api = octokitFor(server);
    const c = await api.rest.issues.createComment({ ...repo, issue_number: issue, body: 'bye' });
    clock.advance(10_000);
    server.emulator.configure({ listingLagMs: 1_000 });
    expect((await api.rest.issues.deleteComment({ ...repo, comment_id: c.data.id })).status).toBe(204);
    expect((await api.rest.issues.listComments({ ...repo, issue_number: issue })).data).toHaveLength(1);
    clock.advance(1_000);
    expect((await api.rest.issues.listComments({ ...repo, issue_number: issue })).data).toHaveLength(0);
    expect(server.emulator.listComments(issue)).toEqual([]);
  });

  it('draws jitter from the seeded PRNG, so the same seed lags the same way', async () => {
    const visibleAfter = async (seed: number): Promise<number[]> => {
      const clock = manualClock();
      const emulator = new GitHubEmulator({ clock, seed, listingLagMs: 100, listingLagJitterMs: 1_000 });
      const issue = emulator.createIssue({ title: 'jitter' });
      emulator.addComment(issue, 'x');
      const seen: number[] = [];
      for (let i = 0; i < 12; i++) {
        clock.advance(100);
        const res = await emulator.handle({
          method: 'GET',
          url: `/repos/octo-org/demo/issues/${issue}/comments`,
          headers: { authorization: 'token ghs_bot_token' },
        });
        seen.push((JSON.parse(res.body) as unknown[]).length);
      }
      return seen;
    };
    const a = await visibleAfter(7);
    expect(await visibleAfter(7)).toEqual(a);
    expect(a).toContain(0);
    expect(a).toContain(1);
  });
});
