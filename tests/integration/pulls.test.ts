// Opening pull requests through the real client against the emulator: a new one, and the one an earlier
// attempt left open (updated rather than duplicated, as GitHub allows one open pull per branch).
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { botClient } from '../helpers/bot-client.js';
import { openPullRequest } from '../../src/github/pulls.js';

let server: RunningEmulator | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const spec = (body: string) => ({
  head: 'p2p/issue-1/task-1',
  base: 'main',
  title: 'Task one',
  body,
  draft: false,
});

async function clientOnEmulator() {
  server = await startEmulator({});
  return botClient(server);
}

describe('pull requests', () => {
  it('opens one, and on a second attempt updates the open one instead of failing', async () => {
    const client = await clientOnEmulator();
    const sleep = async () => {};
    const first = await openPullRequest(client, spec('attempt 1'), sleep);
    expect(first.reused).toBe(false);
    expect(first.url).toContain(`/pull/${first.number}`);
    const second = await openPullRequest(client, spec('attempt 2'), sleep);
    expect(second).toMatchObject({ number: first.number, reused: true });
    const pulls = server!.emulator.pulls();
    expect(pulls).toHaveLength(1);
    expect(pulls[0]!.body).toBe('attempt 2');
  });

  it('says why GitHub refused a pull request', async () => {
    const client = await clientOnEmulator();
    await expect(openPullRequest(client, { ...spec('x'), head: 'main' }, async () => {})).rejects.toThrow(
      /refused the pull request.*No commits between main and main/,
    );
  });
});
