// Moving an issue's labels through the real client against the emulator: the outcome label on first, then
// off only the labels the issue has, and a removal that fails named once every removal was tried.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { botClient } from '../helpers/bot-client.js';
import { issueLabels, relabel, removeLabel } from '../../src/github/labels.js';

let server: RunningEmulator | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const routes = (s: RunningEmulator, route: string): number => s.emulator.stats().byRoute[route] ?? 0;
const DELETE = 'DELETE /repos/:owner/:repo/issues/:n/labels/:name';

describe('relabel', () => {
  it('adds the outcome label, then removes the trigger and the other outcome label the issue has', async () => {
    server = await startEmulator({});
    const issue = server.emulator.createIssue({ title: 'run', labels: ['bug', 'P2P-dev', 'p2p-dev:failed'] });
    const client = botClient(server);
    const done = await relabel(client, issue, { add: 'p2p-dev:done', remove: ['p2p-dev', 'p2p-dev:failed'] });
    expect(done.removed).toEqual(['p2p-dev', 'p2p-dev:failed']);
    expect(server.emulator.getIssue(issue)!.labels).toEqual(['bug', 'p2p-dev:done']);
    expect(await issueLabels(client, issue)).toEqual(['bug', 'p2p-dev:done']);
    expect(routes(server, DELETE)).toBe(2);

    // Labels it does not have are not asked for; the one to add is never removed.
    const again = await relabel(client, issue, { add: 'p2p-dev:done', remove: ['p2p-dev', 'p2p-dev:done'] });
    expect(again.removed).toEqual([]);
    expect(routes(server, DELETE)).toBe(2);
    expect(server.emulator.getIssue(issue)!.labels).toEqual(['bug', 'p2p-dev:done']);
    expect(await removeLabel(client, issue, 'p2p-dev')).toBe(false);
  });

  it('tries every removal, and names the ones that failed', async () => {
    server = await startEmulator({});
    const issue = server.emulator.createIssue({ title: 'run', labels: ['p2p-dev', 'p2p-dev:done'] });
    server.emulator.queueFaults([
      { kind: 'status', status: 403, count: 1, match: { method: 'DELETE', pathIncludes: '/labels/p2p-dev' } },
    ]);
    const client = botClient(server);
    await expect(
      relabel(client, issue, { add: 'p2p-dev:failed', remove: ['p2p-dev', 'p2p-dev:done'] }),
    ).rejects.toThrow(/added p2p-dev:failed, but could not remove p2p-dev \(.*\) from #\d+/);
    expect(server.emulator.getIssue(issue)!.labels).toEqual(['p2p-dev', 'p2p-dev:failed']);
  });
});
