// Reading a task's pull request reviews through the real client against the emulator: what waiting on a
// person's review costs (every reading after the first is a free 304 while nobody reviews), and a review's
// line comments as the agent gets them.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { botClient } from '../helpers/bot-client.js';
import { PullReviewReader } from '../../src/github/pull-reviews.js';

let server: RunningEmulator | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('a task’s pull request reviews', () => {
  it('are read for free while nobody reviews, and again once someone does', async () => {
    server = await startEmulator({});
    const client = botClient(server);
    const { data: pull } = await client.octokit.rest.pulls.create({
      owner: client.owner,
      repo: client.repo,
      head: 'p2p/issue-1/task-1',
      base: 'main',
      title: 'Task 1',
    });
    const reader = new PullReviewReader(client);
    expect(await reader.read(pull.number)).toEqual([]);
    const counted = client.stats.counted;
    for (let i = 0; i < 5; i++) expect(await reader.read(pull.number)).toBeUndefined();
    // Five more readings, all 304s: nothing counted against the budget.
    expect(client.stats.counted).toBe(counted);
    expect(client.stats.notModified).toBeGreaterThanOrEqual(5);

    const review = server.emulator.addReview({
      pull: pull.number,
      login: 'maintainer',
      state: 'CHANGES_REQUESTED',
      body: 'Rename it.',
      comments: [{ path: 'src/a.ts', line: 3, body: 'parseLine, please' }],
    });
    const reviews = await reader.read(pull.number);
    expect(reviews).toEqual([
      expect.objectContaining({
        id: review.id,
        login: 'maintainer',
        state: 'CHANGES_REQUESTED',
        body: 'Rename it.',
        submittedAt: expect.any(Number),
      }),
    ]);
    expect(client.stats.counted).toBe(counted + 1);
    expect(await reader.comments(pull.number, review.id as number)).toBe('src/a.ts:3: parseLine, please');
  });
});
