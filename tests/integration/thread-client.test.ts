// The action's GitHub client and thread reader against the emulator over real HTTP: conditional polling,
// incremental listings, lag, retries, rate limits, the server's clock.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { botClient, recordingLogger } from '../helpers/bot-client.js';
import { IssueThread } from '../../src/github/thread.js';
import { writeBackOffMs } from '../../src/github/write-back-off.js';
import { overlappingPage } from '../../src/github/comment-listing.js';
import { decode, encode } from '../../src/protocol/codec.js';
import type { NodeContext } from '../../src/node/loop/context.js';
import { keepTrying } from '../../src/node/loop/keep-trying.js';

let server: RunningEmulator | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(options: Parameters<typeof startEmulator>[0] = {}) {
  server = await startEmulator(options);
  const log = recordingLogger();
  const client = botClient(server, { log, retryBaseMs: 20 });
  const issue = server.emulator.createIssue({ title: 't', body: 'b' });
  return {
    emulator: server.emulator,
    client,
    log,
    issue,
    thread: new IssueThread(client, issue, { lagMarginMs: 5000 }),
  };
}

/**
 * A thread of `size` comments read once: all but the last written two minutes ago, the last a minute ago (the
 * listing lag margin is 5 s); then the clock is now and the emulator's figures are reset.
 */
async function readOldThread(size: number) {
  let offset = -120_000;
  const ready = await setup({ clock: { now: () => Date.now() + offset } });
  for (let i = 0; i < size - 1; i++) ready.emulator.addComment(ready.issue, `c${i}`, 'maintainer');
  offset = -60_000;
  ready.emulator.addComment(ready.issue, 'a minute ago', 'maintainer');
  await ready.thread.refresh();
  offset = 0;
  ready.emulator.resetStats();
  return ready;
}

/** Just what keepTrying() needs of a node: its client, thread, log and timers, polling every 0.1 s. */
function persistContext(
  client: NodeContext['client'],
  thread: NodeContext['thread'],
  log: NodeContext['log'],
): NodeContext {
  return {
    client,
    thread,
    log,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    config: { pollMs: 100, leaseMs: 3000 },
  } as unknown as NodeContext;
}

describe('reading the thread', () => {
  it('keeps of people’s comments only what a prompt can use, and every protocol message whole', async () => {
    const { emulator, client, issue } = await setup();
    const thread = new IssueThread(client, issue, {
      lagMarginMs: 5000,
      chatter: { keeps: (c) => c.user?.login === 'maintainer', chars: 100 },
    });
    emulator.addComment(issue, `${'a'.repeat(500)}<!-- hidden -->END`, 'maintainer');
    emulator.addComment(issue, 'x'.repeat(500), 'outsider');
    const forged = encode(
      {
        p2p: 1,
        type: 'bid',
        run: 'r',
        node: 'n',
        nonce: 'nonce-0001',
        term: 1,
        instance: 1,
        instances: 1,
        lease_ms: 1000,
      },
      `forged ${'y'.repeat(400)}`,
    );
    emulator.addComment(issue, forged, 'outsider');
    const junk = `<!-- p2p-dev {"p2p":1,"x":"${'z'.repeat(60_000)}"} -->`;
    emulator.addComment(issue, junk, 'outsider');
    await thread.refresh();
    const [kept, dropped, message, malformed] = thread.all();
    // Sanitised (the HTML comment gone), then the last 100 characters: the end of a long comment is kept.
    expect(kept!.body).toBe(`${'a'.repeat(97)}END`);
    expect(dropped!.body).toBe('');
    expect(message!.body).toBe(forged);
    // A payload that is not a message is kept only as far as it shows it is malformed.
    expect(malformed!.body).toBe(junk.slice(0, 2000));
    expect(decode(malformed!.body).kind).toBe('malformed');
  });

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
    const { emulator, thread, issue } = await readOldThread(150);
    expect(thread.all()).toHaveLength(150);
    emulator.addComment(issue, 'new', 'maintainer');
    await thread.refresh();
    expect(thread.all()).toHaveLength(151);
    // One request, not the two pages a full listing takes; then a free 304.
    expect(emulator.stats().counted).toBe(1);
    expect(await thread.refresh()).toBe(false);
    expect(emulator.stats()).toMatchObject({ counted: 1, notModified: 1 });
  });

  it('moves to recent comments past half a page, so crossing a page costs no second page', async () => {
    const { emulator, thread, issue } = await readOldThread(95);
    // The thread grows past a page: one `since` listing of what is new, not pages 1 and 2 of all of it.
    for (let i = 0; i < 10; i++) emulator.addComment(issue, `new${i}`, 'maintainer');
    await thread.refresh();
    expect(thread.all()).toHaveLength(105);
    expect(emulator.stats().counted).toBe(1);
    // (Before: the first page, full, and the second.)
    expect(emulator.stats().notModified).toBe(0);
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

  it('backs off each request from its own first retry, whatever the requests before it went through', async () => {
    // plugin-retry keeps its retry count in the request's options; Octokit shares one such object between
    // calls that pass none, so one request that used its retries made the next one's first retry wait 16–25
    // times the base (with the action's 1 s base: up to 25 s of silence, issue 19).
    server = await startEmulator({});
    const client = botClient(server, { retryBaseMs: 100 });
    const issue = server.emulator.createIssue({ title: 't', body: 'b' });
    const get = () =>
      client.octokit.rest.issues.get({ owner: 'octo-org', repo: 'demo', issue_number: issue });
    for (let round = 0; round < 2; round++) {
      server.emulator.queueFaults([{ kind: 'status', status: 502, count: 3, match: { method: 'GET' } }]);
      await get();
    }
    const sent = server.emulator.requestLog().map((r) => r.at);
    expect(sent).toHaveLength(8);
    // Round two's retries wait 0.1 s, 0.4 s, 0.9 s, like round one's: not 1.6 s or 2.5 s first.
    const firstRetry = sent[5]! - sent[4]!;
    expect(firstRetry).toBeGreaterThanOrEqual(80);
    expect(firstRetry).toBeLessThan(800);
  });

  it('backs off a 5xx from the first retry after limit waits, not from the limit waits’ count', async () => {
    // plugin-throttling writes its count of limit waits where plugin-retry keeps its own: after nine silent
    // limits on one post, its 502's first retry waited (9 + 1)² s, 100 s of silence (the simulation, seed 696).
    server = await startEmulator({});
    const client = botClient(server, { retryBaseMs: 100 });
    const issue = server.emulator.createIssue({ title: 't', body: 'b' });
    server.emulator.queueFaults([
      { kind: 'secondary-rate-limit', retryAfter: 1, count: 3, match: { method: 'GET' } },
      { kind: 'status', status: 502, count: 1, match: { method: 'GET' } },
    ]);
    await client.octokit.rest.issues.get({ owner: 'octo-org', repo: 'demo', issue_number: issue });
    const sent = server.emulator.requestLog().map((r) => r.at);
    expect(sent).toHaveLength(5);
    // The 502's retry waits the base, 0.1 s: not (3 + 1)² × 0.1 = 1.6 s.
    expect(sent[4]! - sent[3]!).toBeLessThan(800);
  }, 20_000);

  it('waits as long as a 429 asks (retry-after), worded as GitHub does or bare, not plugin-retry’s back-off', async () => {
    const { emulator, client, thread, log } = await setup();
    emulator.queueFaults([
      { kind: 'secondary-rate-limit', status: 429, retryAfter: 1, count: 1 },
      { kind: 'secondary-rate-limit', status: 429, message: 'Too Many Requests', retryAfter: 2, count: 1 },
    ]);
    const started = Date.now();
    await thread.refresh();
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect(client.stats.faults).toBe(2);
    expect(client.stats.requests).toBe(3);
    const waits = log.lines.filter((l) => /secondary rate limit: waiting \d+s before retrying GET/.test(l));
    expect(waits.map((l) => l.match(/waiting (\d+)s/)?.[1])).toEqual(['1', '2']);
  });

  it('waits for the reset when the primary rate limit is used up, and says so', async () => {
    const { emulator, thread, log } = await setup();
    emulator.queueFaults([{ kind: 'primary-rate-limit', resetInSeconds: 1 }]);
    await thread.refresh();
    expect(log.lines.some((l) => /rate limit is used up: waiting \ds for the reset/.test(l))).toBe(true);
  });

  it('backs off, rather than retrying at once without end, when a used-up limit names no reset', async () => {
    const { emulator, client, thread, log } = await setup();
    const ctx = {
      client,
      log,
      sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
      config: { pollMs: 1000, leaseMs: 3000 },
    } as unknown as NodeContext;
    emulator.queueFaults([{ kind: 'primary-rate-limit', resetInSeconds: 2.5, withoutReset: true }]);
    await keepTrying(ctx, 'reading the thread', () => thread.refresh(), 30_000);
    // Tries at 0 s, 1 s and 3 s (each retried once by the plugin at once): not hundreds of requests.
    expect(client.stats.requests).toBeLessThan(10);
    expect(log.lines.some((l) => /names no reset ahead; backing off/.test(l))).toBe(true);
    expect(log.lines.some((l) => /reading the thread failed \(403: API rate limit exceeded/.test(l))).toBe(
      true,
    );
  });

  it('does not give up while GitHub holds it back: waits the server asked for do not count', async () => {
    const { emulator, client, thread, log } = await setup();
    const ctx = persistContext(client, thread, log);
    // Two secondary limits asking for a second's wait each, against a limit of half a second of failures.
    emulator.queueFaults([{ kind: 'secondary-rate-limit', retryAfter: 1, count: 2 }]);
    await keepTrying(ctx, 'reading the thread', () => thread.refresh(), 500);
    expect(client.heldBack.ms).toBe(2000);
    expect(log.lines.filter((l) => /secondary rate limit: waiting 1s/.test(l))).toHaveLength(2);
  });

  it('spreads out a write refused by a secondary limit twice in a row, past what retry-after asks, among many writers', async () => {
    server = await startEmulator();
    const log = recordingLogger();
    const client = botClient(server, { log, retryBaseMs: 20, writers: 100 });
    const emulator = server.emulator;
    const thread = new IssueThread(client, emulator.createIssue({ title: 't', body: 'b' }));
    const random = vi.spyOn(Math, 'random').mockReturnValue(1);
    try {
      emulator.queueFaults([{ kind: 'secondary-rate-limit', retryAfter: 1, count: 2 }]);
      await thread.post('a claim, say');
      // A few nodes (the default, one): a second refusal in a row waits as asked.
      await server.close();
      const few = await setup();
      few.emulator.queueFaults([{ kind: 'secondary-rate-limit', retryAfter: 1, count: 2 }]);
      await few.thread.post('a claim, say');
      expect(few.log.lines.filter((l) => /waiting 1s before retrying POST/.test(l))).toHaveLength(2);
    } finally {
      random.mockRestore();
    }
    const waits = log.lines.filter((l) => /secondary rate limit: waiting/.test(l));
    // The first as asked; the second up to twice as long (here the longest: the draw was 1).
    expect(waits.map((l) => /waiting (\d+)s before retrying POST/.exec(l)?.[1])).toEqual(['1', '2']);
    expect(waits[1]).toContain('2 limits in a row: spread out from the other writers');
    expect(client.heldBack.ms).toBe(3000);
    expect(writeBackOffMs(7, 0, 0.9)).toBe(0);
    expect([1, 2, 5, 9].map((k) => writeBackOffMs(2, k, 0.5))).toEqual([1000, 3000, 31_000, 31_000]);
    expect(writeBackOffMs(60, 5, 1)).toBe(120_000);
  });

  it('keeps trying through an outage and gives up only after its limit', async () => {
    const { emulator, client, thread, log } = await setup();
    const ctx = persistContext(client, thread, log);
    emulator.queueFaults([{ kind: 'down', forMs: 1500 }]);
    await keepTrying(ctx, 'reading the thread', () => thread.refresh(), 10_000);
    expect(log.lines.some((l) => l.startsWith('warning: reading the thread failed'))).toBe(true);
    emulator.queueFaults([{ kind: 'down', forMs: 60_000 }]);
    await expect(keepTrying(ctx, 'reading the thread', () => thread.refresh(), 300)).rejects.toThrow(
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
    await expect(keepTrying(ctx, 'reading issue #999', () => missing.issue())).rejects.toThrow(
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

describe('a `since` listing longer than a page', () => {
  /** 150 comments from two minutes ago and one from a minute ago, read once (the watermark is then ~65 s ago). */
  async function longThread() {
    let offset = -120_000;
    const setupResult = await setup({ clock: { now: () => Date.now() + offset } });
    const { emulator, thread, issue } = setupResult;
    const old: number[] = [];
    for (let i = 0; i < 150; i++) old.push(emulator.addComment(issue, `old ${i}`, 'maintainer'));
    offset = -60_000;
    emulator.addComment(issue, 'a minute ago', 'maintainer');
    await thread.refresh();
    expect(thread.all()).toHaveLength(151);
    // 120 comments twenty seconds ago: more than a page changed since the watermark.
    offset = -20_000;
    const recent: number[] = [];
    for (let i = 0; i < 120; i++) recent.push(emulator.addComment(issue, `recent ${i}`, 'maintainer'));
    offset = 0;
    return { ...setupResult, old, recent, setOffset: (ms: number) => (offset = ms) };
  }

  it('reads it in overlapping pages, not the whole thread again', async () => {
    const { emulator, thread, recent } = await longThread();
    emulator.resetStats();
    await thread.refresh();
    expect(recent.every((id) => thread.has(id))).toBe(true);
    // Two pages of the `since` listing (122 comments), not the three of a full listing.
    expect(emulator.stats().byRoute).toEqual({
      'GET /repos/:owner/:repo/issues/:n/comments?since': 1,
      'GET /repos/:owner/:repo/issues/:n/comments?since&page=2+': 1,
    });
  });

  it('misses nothing when a later page comes from a replica that lags behind the first', async () => {
    const { emulator, client, thread, old, recent } = await longThread();
    // Ten old comments edited a moment ago: they join the `since` listing ahead of the recent ones, but a
    // replica ten seconds behind does not show the edits yet, so its pages start ten comments later.
    for (const id of old.slice(0, 10)) emulator.editComment(id, 'edited');
    let sinceReads = 0;
    client.octokit.hook.before('request', (options) => {
      if (String(options.url).includes('/comments') && JSON.stringify(options).includes('since')) {
        sinceReads += 1;
        if (sinceReads === 2) emulator.configure({ listingLagMs: 10_000 });
      }
    });
    await thread.refresh();
    const missing = recent.filter((id) => !thread.has(id));
    expect(missing).toEqual([]);
    expect(sinceReads).toBeGreaterThanOrEqual(2);
  });
});

describe('overlapping pages', () => {
  it('start 1–20 comments before the last page ended, for listings of up to 2,000 comments', () => {
    expect(overlappingPage(100)).toEqual({ page: 2, perPage: 99 });
    for (let end = 100; end <= 2000; end++) {
      const step = overlappingPage(end)!;
      const start = (step.page - 1) * step.perPage;
      expect(step.perPage).toBeLessThanOrEqual(100);
      expect(start).toBeLessThan(end);
      expect(start).toBeGreaterThanOrEqual(end - 20);
    }
  });
});

describe('two edits in one second', () => {
  it('keeps the later one (by its edit count) when a lagging read shows the earlier', async () => {
    // The server's clock stands still inside one second, so both edits carry the same updated_at.
    const second = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    let now = second;
    const { emulator, thread } = await setup({ clock: { now: () => now } });
    const claim = (beat: number, state: 'running' | 'completed') =>
      encode(
        {
          p2p: 1,
          run: '1.1',
          node: 'node-1',
          nonce: 'nonce-0001',
          type: 'claim',
          task: 't',
          attempt: 1,
          state,
          lease_ms: 60_000,
          beat,
        },
        `${state}`,
      );
    const posted = await thread.post(claim(0, 'running'));
    now = second + 100;
    await thread.edit(posted.id, claim(1, 'running'));
    now = second + 600;
    await thread.edit(posted.id, claim(2, 'completed'));
    now = second + 700;
    await thread.refresh();
    expect(thread.all()[0]!.body).toContain('"beat":2');
    // A read from a replica 300 ms behind shows the heartbeat, stamped with the same second.
    emulator.configure({ listingLagMs: 300 });
    await thread.reload(posted.id);
    expect(thread.all()[0]!.body).toContain('"beat":2');
    expect(thread.all()[0]!.body).toContain('"state":"completed"');
  });
});

describe('reading the end of the thread', () => {
  it('takes in only what was added, from the last page on, and costs nothing while nothing is', async () => {
    const { emulator, thread, issue } = await setup();
    for (let i = 0; i < 150; i++) emulator.addComment(issue, `c${i}`, 'maintainer');
    await thread.refresh();
    emulator.resetStats();
    expect(await thread.readTail()).toEqual({ added: [], unsure: false });
    expect(await thread.readTail()).toEqual({ added: [], unsure: false });
    // The last page once (its ETag learnt), then a free 304.
    expect(emulator.stats()).toMatchObject({ counted: 1, notModified: 1 });
    const ids = Array.from({ length: 60 }, (_, i) => emulator.addComment(issue, `new ${i}`, 'maintainer'));
    const tail = await thread.readTail();
    expect(tail.added.map((c) => c.id)).toEqual(ids);
    expect(ids.every((id) => thread.has(id))).toBe(true);
    // Page 2 (now full) and page 3.
    expect(emulator.stats().counted).toBe(3);
  });
});
