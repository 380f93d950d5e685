// Keeping a claim alive through the real client against the emulator: heartbeats that fail are sent again at
// once, so server errors do not cost a lease that the node still holds.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { botClient, recordingLogger } from '../helpers/bot-client.js';
import { IssueThread } from '../../src/github/thread.js';
import type { NodeContext } from '../../src/node/loop/context.js';
import { LeaseKeeper } from '../../src/node/watches/lease-keeper.js';

let server: RunningEmulator | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A keeper of a fresh claim comment. By default the budget pays for a heartbeat a second for the whole hour to
 * its reset; `budget` makes it scarcer, `instances` the nodes it is shared by.
 */
async function keeperOnEmulator(
  claimAgeMs = 0,
  options: { budget?: { limit: number; windowMs: number }; instances?: number } = {},
) {
  server = await startEmulator({
    config: { rateLimit: options.budget ?? { limit: 100_000, windowMs: 3_600_000 } },
  });
  const log = recordingLogger();
  // The client as the action makes it: plugin-retry's default back-off (1 s, 4 s, 9 s) included.
  const client = botClient(server, { log });
  const issue = server.emulator.createIssue({ title: 't', body: 'b' });
  const thread = new IssueThread(client, issue);
  const ctx = {
    client,
    thread,
    log,
    sleep,
    config: { heartbeatMs: 1000, leaseMs: 4000, instances: options.instances ?? 1 },
  } as unknown as NodeContext;
  const claim = await thread.post('claim');
  const fenced: string[] = [];
  const keeper = new LeaseKeeper(ctx, claim.id, Date.parse(claim.created_at) - claimAgeMs, (reason) =>
    fenced.push(reason),
  );
  const body = async (): Promise<string> =>
    (await client.octokit.rest.issues.getComment({ owner: 'octo-org', repo: 'demo', comment_id: claim.id }))
      .data.body ?? '';
  return { emulator: server.emulator, client, keeper, fenced, lines: log.lines, body, thread, id: claim.id };
}

describe('the lease keeper', () => {
  it('writes an outcome whose answer was lost only once: sent again, it finds the first try landed', async () => {
    const { emulator, keeper, body, thread, id } = await keeperOnEmulator();
    await thread.refresh();
    emulator.queueFaults([{ kind: 'lost-response', count: 1, match: { method: 'PATCH' } }]);
    await expect(keeper.write(() => 'completed', true)).rejects.toThrow();
    const landed = emulator.listComments(thread.issueNumber).find((c) => c.id === id)!.updatedAt;
    await sleep(1100);
    // Written again, the outcome would move the comment's time, and so when its task ended for everyone.
    expect(
      await keeper.writeFinalAgain(
        () => 'completed again',
        (c) => c.body === 'completed',
      ),
    ).toBe(true);
    expect(await body()).toBe('completed');
    expect(emulator.listComments(thread.issueNumber).find((c) => c.id === id)!.updatedAt).toBe(landed);
  });

  it('keeps a 4 s lease through three failed heartbeats in a row, sending each again at once', async () => {
    const { emulator, keeper, fenced, lines, body } = await keeperOnEmulator();
    emulator.queueFaults([{ kind: 'status', status: 502, count: 3, match: { method: 'PATCH' } }]);
    keeper.start(({ beat }) => `claim, heartbeat ${beat}`, false);
    await sleep(6500);
    keeper.stop();
    expect(fenced).toEqual([]);
    expect(keeper.isFenced()).toBe(false);
    expect(lines.filter((l) => /heartbeat on comment \d+ failed/.test(l))).toHaveLength(3);
    // Three failed, then one every second: the lease never went 4 s without a heartbeat landing.
    expect(Number((await body()).match(/heartbeat (\d+)/)?.[1])).toBeGreaterThanOrEqual(7);
    expect(emulator.stats().faultsInjected).toBe(3);
  });

  it('sends a failed heartbeat again only with the message it now keeps, not one it was restarted from', async () => {
    const { emulator, keeper, fenced, body } = await keeperOnEmulator();
    emulator.queueFaults([{ kind: 'status', status: 502, count: 1, match: { method: 'PATCH' } }]);
    const rendered: string[] = [];
    keeper.start(() => (rendered.push('claimed'), 'claimed'), true);
    // The claim is won: the node keeps the comment alive with its running state from now on.
    keeper.stop();
    keeper.start(() => (rendered.push('running'), 'running'), false);
    await sleep(1600);
    keeper.stop();
    expect(fenced).toEqual([]);
    expect(rendered.filter((r) => r === 'claimed')).toHaveLength(1); // the failed write, never again
    expect(rendered).toContain('running');
    expect(await body()).toBe('running');
  });

  it('gives the lease up when no heartbeat gets through, before anyone else may take it over', async () => {
    const { emulator, keeper, fenced } = await keeperOnEmulator();
    emulator.queueFaults([{ kind: 'status', status: 503, count: 1000, match: { method: 'PATCH' } }]);
    const started = Date.now();
    keeper.start(({ beat }) => `claim, heartbeat ${beat}`, false);
    while (!keeper.isFenced() && Date.now() - started < 8000) await sleep(100);
    keeper.stop();
    expect(fenced).toEqual(['no heartbeat got through for 4s: the lease may have run out']);
    // Fenced by lastAlive + lease + 1 s - margin (1 s): within about 4 s of the claim, never after 5 s.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('records a final write that came after the lease as not counting, without calling it a lapse', async () => {
    // The node's last heartbeat was 10 s ago: a 4 s lease has run out.
    const { keeper, fenced, body } = await keeperOnEmulator(10_000);
    expect(await keeper.write(() => 'outcome: completed', true)).toBe(false);
    expect(await body()).toBe('outcome: completed');
    expect(fenced).toEqual([]);
    // A heartbeat that late is a lapse: the keeper stops relying on the lease.
    expect(await keeper.write(() => 'heartbeat')).toBe(false);
    expect(fenced).toEqual(['a write landed after the lease had run out']);
  });

  it('lengthens its lease when the budget left cannot pay for its heartbeats, and keeps it past the reset', async () => {
    // 20 requests a window of 8 s, shared by 10 nodes: 1 heartbeat each, where the settings want 8.
    const { keeper, fenced, lines, body } = await keeperOnEmulator(0, {
      budget: { limit: 20, windowMs: 8000 },
      instances: 10,
    });
    keeper.start(
      ({ beat, leaseMs, prevLeaseMs }) => `claim, heartbeat ${beat}, lease ${leaseMs} after ${prevLeaseMs}`,
      false,
    );
    const started = Date.now();
    while (!lines.some((l) => l.includes('request budget low')) && Date.now() - started < 4000)
      await sleep(50);
    expect(lines.find((l) => l.includes('request budget low'))).toMatch(
      /request budget low: \d+ left until the reset at \d\d:\d\d:\d\d UTC, too few for the heartbeats of 1 lease\(s\) shared by 10 node\(s\); leases lengthened to \d+s, heartbeats every \d+s/,
    );
    // The rest of the budget goes elsewhere (other nodes, the repository's other jobs): the next heartbeat
    // waits for the reset, longer than the settings' 4 s lease.
    expect(keeper.lease).toBeGreaterThan(4000);
    if (!server) throw new Error('no emulator');
    for (let i = 0; i < 40; i++) {
      const answer = await fetch(`${server.url}/repos/octo-org/demo/issues/1`, {
        headers: { authorization: 'token ghs_bot_token' },
      });
      if (answer.status === 403) break;
    }
    await sleep(9000);
    keeper.stop();
    expect(lines.some((l) => /waiting \d+s for the reset before retrying PATCH/.test(l))).toBe(true);
    expect(fenced).toEqual([]);
    // The comment announces the lengthened lease, and the one it was lengthened from.
    expect(await body()).toMatch(/lease (\d+) after (\d+)/);
    const [, lease, before] = /lease (\d+) after (\d+)/.exec(await body())!;
    expect(Number(lease)).toBeGreaterThan(4000);
    expect(Number(before)).toBeGreaterThanOrEqual(4000);
  }, 30_000);
});
