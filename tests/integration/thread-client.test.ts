// The action's GitHub client and thread reader against the emulator over real HTTP: conditional polling,
// incremental listings, lag, retries, rate limits, the server's clock.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { createClient, type Logger } from '../../src/github/client.js';
import { IssueThread } from '../../src/github/thread.js';
import { persist, type NodeContext } from '../../src/node/context.js';

let server: RunningEmulator | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, debug: () => {}, info: (m) => lines.push(m), warning: (m) => lines.push(`warning: ${m}`) };
}

async function setup(options: Parameters<typeof startEmulator>[0] = {}) {
  server = await startEmulator(options);
  const log = recorder();
  const client = createClient({
    token: 'ghs_bot_token',
    baseUrl: server.url,
    owner: 'octo-org',
    repo: 'demo',
    log,
    retryBaseMs: 20,
  });
  const issue = server.emulator.createIssue({ title: 't', body: 'b' });
  return {
    emulator: server.emulator,
    client,
    log,
    issue,
    thread: new IssueThread(client, issue, { lagMarginMs: 5000 }),
  };
}

describe('reading the thread', () => {
  it('costs nothing while the thread is unchanged, and picks up new and edited comments', async () => {
    const { emulator, client, thread, issue } = await setup();
    emulator.addComment(issue, 'hello', 'maintainer');
    expect(await thread.refresh()).toBe(true);
    expect(thread.all().map((c) => c.body)).toEqual(['hello']);
    const counted = client.stats.counted;
    expect(await thread.refresh()).toBe(false);
    expect(await thread.refresh()).toBe(false);
    expect(client.stats.counted).toBe(counted);
    expect(client.stats.notModified).toBe(2);

    const mine = await thread.post('mine');
    expect(thread.has(mine.id)).toBe(false); // only a listing puts it in the view
    expect(await thread.refresh()).toBe(true);
    expect(thread.has(mine.id)).toBe(true);
    await thread.edit(mine.id, 'mine, edited');
    await thread.refresh();
    expect(thread.all().map((c) => c.body)).toEqual(['hello', 'mine, edited']);
    expect(thread.all()[1]!.user?.login).toBe('github-actions[bot]');
  });

  it('asks only for recent comments once the thread is longer than a page', async () => {
    // The old comments were written two minutes ago; the listing lag margin is 5 s.
    let offset = -120_000;
    const { emulator, thread, issue } = await setup({ clock: { now: () => Date.now() + offset } });
    for (let i = 0; i < 149; i++) emulator.addComment(issue, `c${i}`, 'maintainer');
    offset = -60_000;
    emulator.addComment(issue, 'a minute ago', 'maintainer');
    await thread.refresh();
    expect(thread.all()).toHaveLength(150);
    offset = 0;
    emulator.resetStats();
    emulator.addComment(issue, 'new', 'maintainer');
    await thread.refresh();
    expect(thread.all()).toHaveLength(151);
    // One request, not the two pages a full listing takes; then a free 304.
    expect(emulator.stats().counted).toBe(1);
    expect(await thread.refresh()).toBe(false);
    expect(emulator.stats()).toMatchObject({ counted: 1, notModified: 1 });
  });

  it('shows a comment only once the lagging listing does', async () => {
    const { emulator, thread } = await setup({ config: { listingLagMs: 300 } });
    const posted = await thread.post('lagging');
    await thread.refresh();
    expect(thread.has(posted.id)).toBe(false);
    await new Promise((r) => setTimeout(r, 350));
    await thread.refresh();
    expect(thread.has(posted.id)).toBe(true);
    expect(emulator.stats().counted).toBeGreaterThan(0);
  });
});

describe('the client', () => {
  it('retries server errors and waits out a secondary rate limit, saying so', async () => {
    const { emulator, client, thread, log } = await setup();
    emulator.queueFaults([
      { kind: 'status', status: 502, count: 2 },
      { kind: 'secondary-rate-limit', retryAfter: 1, count: 1 },
    ]);
    const started = Date.now();
    await thread.refresh();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(client.stats.faults).toBe(3);
    expect(log.lines.some((l) => /secondary rate limit: waiting 1s/.test(l))).toBe(true);
  });

  it('waits for the reset when the primary rate limit is used up, and says so', async () => {
    const { emulator, thread, log } = await setup();
    emulator.queueFaults([{ kind: 'primary-rate-limit', resetInSeconds: 1 }]);
    await thread.refresh();
    expect(log.lines.some((l) => /rate limit is used up: waiting \ds for the reset/.test(l))).toBe(true);
  });

  it('keeps trying through an outage and gives up only after its limit', async () => {
    const { emulator, client, thread, log } = await setup();
    const ctx = {
      client,
      thread,
      log,
      sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
      config: { pollMs: 100, leaseMs: 3000 },
    } as unknown as NodeContext;
    emulator.queueFaults([{ kind: 'down', forMs: 1500 }]);
    await persist(ctx, 'reading the thread', () => thread.refresh(), 10_000);
    expect(log.lines.some((l) => l.startsWith('warning: reading the thread failed'))).toBe(true);
    emulator.queueFaults([{ kind: 'down', forMs: 60_000 }]);
    await expect(persist(ctx, 'reading the thread', () => thread.refresh(), 300)).rejects.toThrow(
      /kept failing/,
    );
  });

  it('fails at once on an answer that will not change', async () => {
    const { client, log } = await setup();
    const ctx = {
      client,
      log,
      sleep: async () => {},
      config: { pollMs: 100, leaseMs: 3000 },
    } as unknown as NodeContext;
    const missing = new IssueThread(client, 999);
    await expect(persist(ctx, 'reading issue #999', () => missing.issue())).rejects.toThrow(
      /reading issue #999 failed: 404/,
    );
  });

  it('reads the server’s clock, however far the local one is off', async () => {
    const skew = 3_600_000;
    const { client, thread } = await setup({ clock: { now: () => Date.now() + skew } });
    await thread.refresh();
    await thread.refresh();
    expect(Math.abs(client.clock.now() - (Date.now() + skew))).toBeLessThan(1500);
  });
});

describe('a thread longer than one page', () => {
  it('sees a comment that lands on page 2 although page 1 is unchanged (its ETag proves nothing then)', async () => {
    const { emulator, issue, thread } = await setup();
    for (let i = 0; i < 100; i++) emulator.addComment(issue, `comment ${i}`, 'maintainer');
    await thread.refresh();
    expect(thread.all()).toHaveLength(100);
    const late = emulator.addComment(issue, 'the 101st', 'maintainer');
    await thread.refresh();
    expect(thread.has(late)).toBe(true);
  });
});
