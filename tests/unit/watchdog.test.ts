// The watchdog: a node quiet (no request to GitHub, no decision) for longer than its quiet span says, once per
// span, what it waits for: a request on its way, a limit's reset, or what the node said it waits for.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Watchdog, waitsFor, type WatchedClient } from '../../src/node/loop/watchdog.js';
import { quietSpanMs } from '../../src/node/loop/polling.js';
import type { PendingRequest } from '../../src/github/time-limit.js';

function setup(quietMs = 10_000) {
  let t = Date.parse('2026-12-01T10:00:00Z');
  const inFlight = new Set<PendingRequest>();
  const client: WatchedClient = { stats: { requests: 0 }, inFlight, heldBack: { ms: 0 } };
  const lines: string[] = [];
  const log = { debug: () => {}, info: (m: string) => lines.push(m), warning: (m: string) => lines.push(m) };
  const dog = new Watchdog(client, log, quietMs, () => t);
  return { dog, client, inFlight, lines, advance: (ms: number) => void (t += ms), now: () => t };
}

afterEach(() => vi.restoreAllMocks());

describe('the watchdog', () => {
  it('is quiet for four poll intervals, at least 10 s', () => {
    expect(quietSpanMs({ pollMs: 3000 })).toBe(12_000);
    expect(quietSpanMs({ pollMs: 100 })).toBe(10_000);
  });

  it('says once per quiet span what the node waits for', () => {
    const { dog, client, lines, advance } = setup();
    dog.decided('the next reading of the thread, in 60 s');
    advance(10_000);
    dog.check();
    expect(lines).toEqual([]);
    advance(1000);
    dog.check();
    advance(5000);
    dog.check();
    expect(lines).toEqual([
      '⏳ no request to GitHub and no decision for 11 s: waiting for the next reading of the thread, in 60 s',
    ]);
    // A request ends the span; the next one is told again.
    client.stats.requests += 1;
    dog.check();
    advance(12_000);
    dog.check();
    expect(lines).toHaveLength(2);
    // So does a decision.
    dog.decided('its claim of task-2, then the agent');
    advance(9000);
    dog.check();
    expect(lines).toHaveLength(2);
  });

  it('names the request on its way, the end of a limit, or what the node waits for inside an action', async () => {
    const { dog, client, inFlight, lines, advance, now } = setup();
    inFlight.add({ what: 'GET /repos/o/r/issues/1/comments', since: now() });
    advance(15_000);
    dog.check();
    expect(lines.pop()).toBe(
      "⏳ no request to GitHub and no decision for 15 s: waiting for GitHub's answer to GET /repos/o/r/issues/1/comments (sent 15 s ago)",
    );
    inFlight.clear();
    client.stats.requests += 1;
    dog.check();
    client.heldBack.until = now() + 60_000;
    advance(11_000);
    dog.check();
    expect(lines.pop()).toMatch(
      /waiting for GitHub's rate-limit reset at 2026-12-01T10:01:15.000Z \(requests are held back until then\)$/,
    );
    client.heldBack.until = undefined;
    dog.decided('its claim of task-2, then the agent');
    let finish = (): void => {};
    const agent = dog.during('the agent for task-2 (pid 4242)', () => new Promise<void>((r) => (finish = r)));
    advance(11_000);
    dog.check();
    expect(lines.pop()).toMatch(/waiting for the agent for task-2 \(pid 4242\)$/);
    finish();
    await agent;
    dog.decided('x');
    advance(11_000);
    dog.check();
    expect(lines.pop()).toMatch(/waiting for x$/);
  });

  it('checks on a timer that keeps no process alive, until stopped', async () => {
    const spy = vi.spyOn(globalThis, 'setInterval');
    const lines: string[] = [];
    const client: WatchedClient = { stats: { requests: 0 }, inFlight: new Set(), heldBack: { ms: 0 } };
    const dog = new Watchdog(client, { debug: () => {}, info: (m) => lines.push(m), warning: () => {} }, 300);
    dog.decided('the end of the test');
    dog.start();
    const timer = spy.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    await new Promise((r) => setTimeout(r, 1200));
    expect(lines).toEqual([expect.stringMatching(/waiting for the end of the test$/)]);
    dog.stop();
    dog.decided('nothing');
    await new Promise((r) => setTimeout(r, 800));
    expect(lines).toHaveLength(1);
  });

  it('describes every action', () => {
    const choice = { task: 'task-3', attempt: 1 } as never;
    expect(waitsFor({ kind: 'claim', choice })).toBe('its claim of task-3, then the agent');
    expect(waitsFor({ kind: 'wait', ms: 60_000, optional: true })).toBe(
      'the next reading of the thread, in 60 s',
    );
    expect(
      waitsFor({ kind: 'watch-tail', untilLocal: 0, lookAtLocal: 0, lapseServer: Infinity, probeMs: 100 }),
    ).toBe('a new comment');
  });
});
