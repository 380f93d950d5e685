// An issue's labels through the real Octokit over HTTP, as GitHub's REST API answers them: list (paged,
// lagging like every read), add (a content-creating request), remove (404 "Label does not exist" when absent).
import { describe, expect, it } from 'vitest';
import { failureOf, manualClock, octokitFor, OUTSIDER, repo, serve, statusOf } from './helpers.js';

describe('issue labels', () => {
  it('adds labels once each (whatever their case), lists them, and removes them by name', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'labels', labels: ['p2p-dev'] });
    const api = octokitFor(server);
    const listed = async () =>
      (await api.rest.issues.listLabelsOnIssue({ ...repo, issue_number: issue })).data.map((l) => l.name);
    expect(await listed()).toEqual(['p2p-dev']);

    const added = await api.rest.issues.addLabels({ ...repo, issue_number: issue, labels: ['p2p-dev:done'] });
    expect(added.status).toBe(200);
    expect(added.data.map((l) => l.name)).toEqual(['p2p-dev', 'p2p-dev:done']);
    const again = await api.rest.issues.addLabels({ ...repo, issue_number: issue, labels: ['P2P-DEV:DONE'] });
    expect(again.data.map((l) => l.name)).toEqual(['p2p-dev', 'p2p-dev:done']);
    expect(await listed()).toEqual(['p2p-dev', 'p2p-dev:done']);
    const shown = (await api.rest.issues.listLabelsOnIssue({ ...repo, issue_number: issue })).data[1]!;
    expect(shown).toMatchObject({ name: 'p2p-dev:done', color: 'ededed', default: false });

    // The name is a path segment: octokit encodes the colon, the emulator decodes it.
    const removed = await api.rest.issues.removeLabel({ ...repo, issue_number: issue, name: 'p2p-dev:done' });
    expect(removed.status).toBe(200);
    expect(removed.data.map((l) => l.name)).toEqual(['p2p-dev']);
    const absent = await failureOf(
      api.rest.issues.removeLabel({ ...repo, issue_number: issue, name: 'p2p-dev:done' }),
    );
    expect([absent.status, (absent.response.data as { message: string }).message]).toEqual([
      404,
      'Label does not exist',
    ]);
    expect(await listed()).toEqual(['p2p-dev']);
    expect(server.emulator.getIssue(issue)!.labels).toEqual(['p2p-dev']);
  });

  it('answers 404 for an issue that does not exist, and 403 to a token that may not label', async () => {
    const server = await serve();
    const issue = server.emulator.createIssue({ title: 'labels', labels: ['p2p-dev'] });
    const api = octokitFor(server);
    expect(await statusOf(api.rest.issues.listLabelsOnIssue({ ...repo, issue_number: 999 }))).toBe(404);
    expect(await statusOf(api.rest.issues.addLabels({ ...repo, issue_number: 999, labels: ['x'] }))).toBe(
      404,
    );
    expect(await statusOf(api.rest.issues.removeLabel({ ...repo, issue_number: 999, name: 'x' }))).toBe(404);
    const outsider = octokitFor(server, OUTSIDER);
    expect(
      await statusOf(outsider.rest.issues.addLabels({ ...repo, issue_number: issue, labels: ['x'] })),
    ).toBe(403);
    expect(
      await statusOf(outsider.rest.issues.removeLabel({ ...repo, issue_number: issue, name: 'p2p-dev' })),
    ).toBe(403);
    expect(server.emulator.getIssue(issue)!.labels).toEqual(['p2p-dev']);
  });

  it('pages the listing with a Link header, and serves it as of the read lag', async () => {
    const clock = manualClock();
    const server = await serve({ clock, listingLagMs: 2_000 });
    const names = Array.from({ length: 35 }, (_, i) => `l${i}`);
    const issue = server.emulator.createIssue({ title: 'many', labels: names });
    const api = octokitFor(server);
    const first = await api.rest.issues.listLabelsOnIssue({ ...repo, issue_number: issue });
    expect(first.data).toHaveLength(30);
    expect(first.headers.link).toContain('rel="next"');
    const all = await api.paginate(api.rest.issues.listLabelsOnIssue, { ...repo, issue_number: issue });
    expect(all.map((l) => l.name)).toEqual(names);

    clock.advance(5_000);
    await api.rest.issues.addLabels({ ...repo, issue_number: issue, labels: ['fresh'] });
    const lagging = await api.paginate(api.rest.issues.listLabelsOnIssue, { ...repo, issue_number: issue });
    expect(lagging.map((l) => l.name)).not.toContain('fresh');
    clock.advance(2_000);
    const caught = await api.paginate(api.rest.issues.listLabelsOnIssue, { ...repo, issue_number: issue });
    expect(caught.map((l) => l.name)).toContain('fresh');
  });

  it('counts adding a label as content creation, under the secondary limit; removing it is not', async () => {
    const server = await serve({ contentLimit: { perMinute: 2 } });
    const issue = server.emulator.createIssue({ title: 'limited' });
    const api = octokitFor(server);
    await api.rest.issues.addLabels({ ...repo, issue_number: issue, labels: ['a'] });
    await api.rest.issues.removeLabel({ ...repo, issue_number: issue, name: 'a' });
    await api.rest.issues.addLabels({ ...repo, issue_number: issue, labels: ['b'] });
    expect(server.emulator.stats().contentCreating).toBe(2);
    const refused = await failureOf(
      api.rest.issues.addLabels({ ...repo, issue_number: issue, labels: ['c'] }),
    );
    expect(refused.status).toBe(403);
    expect(refused.message).toMatch(/secondary rate limit/);
    expect(server.emulator.getIssue(issue)!.labels).toEqual(['b']);
  });
});
