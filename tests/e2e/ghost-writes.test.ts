// Ghost writes: a tenth of the writes are answered 502 or 503 although GitHub performed them. Real processes
// of the bundled action on the emulator. Found with the emulator's request log: plugin-retry kept its retry
// count in options every request shares, so after one request had used its retries the next one's first retry
// waited 16 s to 25 s, every node of the run silent meanwhile; and a claim whose answer was lost went out
// again only after that wait, by when the first copy (the one the fold counts) had gone unrefreshed past its
// lease: its node gave it up, and the others waited out the grace of a holder whose job still ran (70 s with
// no write at all). No node may go quiet, the run may not stall, and no task's agent may run twice.
import { afterEach, describe, expect, it } from 'vitest';
import type { LoggedRequest } from '../../emulator/handler.js';
import { taskViews } from '../../src/protocol/decide.js';
import { nodeToken, startScenario, type Scenario, taskList } from '../helpers/scenario.js';

let s: Scenario | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** The longest time, in ms, between two of the requests, and the one before it. */
function longestQuiet(own: LoggedRequest[]): { ms: number; after?: LoggedRequest } {
  let longest: { ms: number; after?: LoggedRequest } = { ms: 0 };
  for (let i = 1; i < own.length; i++) {
    const gap = own[i]!.at - own[i - 1]!.at;
    if (gap > longest.ms) longest = { ms: gap, after: own[i - 1]! };
  }
  return longest;
}

describe('ghost writes', () => {
  it('keeps going when a tenth of the writes land but are answered 502/503, and runs each agent once', async () => {
    s = await startScenario({
      nodes: 3,
      issueBody: taskList(8),
      agentBody: 'sleep 3',
      tokenPerNode: true,
      emulator: { seed: 19, config: { latencyMs: [5, 30], ghostWriteRate: 0.1 } },
    });
    await s.finish(150_000);
    for (const n of s.nodes)
      expect({ node: n.instance, code: (await n.exited).code }).toEqual({ node: n.instance, code: 0 });
    const views = [...taskViews(s.state(), Date.now()).values()];
    expect(views.map((v) => v.status)).toEqual(Array(8).fill('completed'));
    const starts = s.runs().filter((l) => l[0] === 'start');
    expect(starts.map((l) => l[1]).sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => `task-${i + 1}`).sort(),
    );

    const requests = s.server.emulator.requestLog();
    const ghosts = requests.filter((r) => r.method !== 'GET' && (r.status === 502 || r.status === 503));
    expect(ghosts.length).toBeGreaterThan(0);
    // Every node polls every 100 ms here and beats every second: 8 s without one request is a stall.
    for (const n of s.nodes) {
      const quiet = longestQuiet(requests.filter((r) => r.token === nodeToken(n.instance)));
      expect(
        quiet.ms,
        `node ${n.instance} sent nothing for ${quiet.ms} ms after ${JSON.stringify(quiet.after)}`,
      ).toBeLessThan(8_000);
    }
    // Nor may the run as a whole make no progress (an earlier version: 70 s without a single write, every node
    // waiting out the grace of a holder whose job ran, for a claim its node had given up).
    const writes = longestQuiet(requests.filter((r) => r.method !== 'GET'));
    expect(writes.ms, `no node wrote for ${writes.ms} ms after ${JSON.stringify(writes.after)}`).toBeLessThan(
      10_000,
    );
  }, 180_000);
});
