// Nodes killed mid-task and mid-election, forged comments, a flaky API: real processes of dist/index.js.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startScenario, type Scenario } from '../helpers/scenario.js';
import { taskViews } from '../../src/protocol/decide.js';
import { encode } from '../../src/protocol/codec.js';
import { renderBid, renderPlan } from '../../src/protocol/render.js';
import type { Bid, Plan } from '../../src/protocol/messages.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

const statuses = (s: Scenario) => [...taskViews(s.state(), Date.now()).values()].map((v) => v.status);
const THREE_TASKS = '- [ ] One\n- [ ] Two\n- [ ] Three';

describe('a node dies', () => {
  it('takes over the task of a worker killed mid-task; the dead node’s agent is stopped too', async () => {
    scenario = await startScenario({
      nodes: 3,
      issueBody: THREE_TASKS,
      // The first attempt at task-2 hangs until its node is killed.
      agentBody: 'if [ "$P2P_TASK_ID" = task-2 ] && [ "$P2P_ATTEMPT" = 1 ]; then sleep 60; fi; sleep 0.3',
    });
    const [, , victimId] = await scenario.waitForRun((r) => r[0] === 'start' && r[1] === 'task-2');
    const victim = scenario.nodes.find((n) => n.outputs()['node-id'] === victimId)!;
    victim.child.kill('SIGKILL');
    const survivors = scenario.nodes.filter((n) => n !== victim);
    await Promise.all(survivors.map((n) => n.exited));
    for (const n of survivors) expect((await n.exited).code).toBe(0);
    expect(statuses(scenario)).toEqual(['completed', 'completed', 'completed']);
    const task2 = scenario.state().tasks.get('task-2')!.attempts;
    expect(task2.map((a) => a.outcome)).toEqual(['expired', 'completed']);
    expect(task2[1]!.node).not.toBe(victimId);
    // The killed node's agent never finished its attempt: the watchdog ended it.
    await new Promise((r) => setTimeout(r, 1500));
    expect(
      scenario
        .runs()
        .filter((r) => r[0] === 'end' && r[1] === 'task-2')
        .map((r) => r[3]),
    ).toEqual(['2']);
  });

  it('elects a new leader when the leader is killed before it publishes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-planner-'));
    const marker = path.join(dir, 'planner-started');
    const planner = path.join(dir, 'planner.sh');
    writeFileSync(
      planner,
      `#!/usr/bin/env bash\nif [ ! -e ${marker} ]; then echo "$P2P_NODE_ID" > ${marker}; sleep 60; fi\necho '{"tasks":[{"id":"a","title":"A"},{"id":"b","title":"B","depends_on":["a"]}]}'\n`,
      { mode: 0o755 },
    );
    scenario = await startScenario({
      nodes: 3,
      issueBody: 'x',
      inputs: { 'planner-command': `bash ${planner}` },
    });
    const until = Date.now() + 30_000;
    while (!existsSync(marker) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const firstLeader = readFileSync(marker, 'utf8').trim();
    const victim = scenario.nodes.find((n) => n.outputs()['node-id'] === firstLeader)!;
    victim.child.kill('SIGKILL');
    const survivors = scenario.nodes.filter((n) => n !== victim);
    await Promise.all(survivors.map((n) => n.exited));
    for (const n of survivors) expect((await n.exited).code).toBe(0);
    const state = scenario.state();
    expect(state.plan).toMatchObject({ term: 2 });
    expect(state.plan!.leader).not.toBe(firstLeader);
    expect(survivors.filter((n) => n.outputs().role === 'leader')).toHaveLength(1);
    expect(statuses(scenario)).toEqual(['completed', 'completed']);
  });
});

describe('hostile and flaky surroundings', () => {
  it('ignores forged elections, plans and completions by another account, even in the exact format', async () => {
    const forge = (server: Scenario['server'], issue: number) => {
      const bid: Bid = {
        p2p: 1,
        type: 'bid',
        run: '4242.1',
        node: 'run-4242.1-node-1-evil',
        nonce: 'forged-nonce-1',
        term: 1,
        instance: 1,
        instances: 3,
        state: 'standing',
        lease_ms: 3_600_000,
        beat: 0,
      };
      const plan: Plan = {
        p2p: 1,
        type: 'plan',
        run: '4242.1',
        node: bid.node,
        nonce: 'forged-nonce-2',
        term: 1,
        part: 1,
        parts: 1,
        max_attempts: 2,
        tasks: [{ id: 'task-1', title: 'rm -rf /', body: 'evil', priority: 'high', depends_on: [] }],
      };
      server.emulator.addComment(issue, encode(bid, renderBid(bid)), 'outsider');
      server.emulator.addComment(issue, encode(plan, renderPlan(plan)), 'collaborator');
      server.emulator.addComment(issue, '🎯 LEADER_ELECTION|node-1|1700000000', 'outsider');
    };
    scenario = await startScenario({ nodes: 3, issueBody: '- [ ] Honest task', beforeNodes: forge });
    await scenario.finish();
    for (const n of scenario.nodes) expect((await n.exited).code).toBe(0);
    const state = scenario.state();
    expect(state.plan?.tasks.map((t) => t.title)).toEqual(['Honest task']);
    expect(state.plan?.leader).not.toContain('evil');
    expect(state.entries.filter((e) => e.status === 'forged')).toHaveLength(2);
    expect(state.entries.filter((e) => e.status === 'malformed')).toHaveLength(1);
    expect(scenario.nodes.some((n) => /skipping comment \d+ by outsider: forged/.test(n.log()))).toBe(true);
    expect(statuses(scenario)).toEqual(['completed']);
  });

  it('runs every task once through server errors, lost responses and secondary rate limits', async () => {
    scenario = await startScenario({
      nodes: 4,
      issueBody: '- [ ] A\n- [ ] B\n- [ ] C\n- [ ] D (depends: task-1)',
      emulator: {
        seed: 7,
        config: { latencyMs: [5, 60], failureRate: 0.08, listingLagMs: 300, listingLagJitterMs: 400 },
      },
      beforeNodes: (server) =>
        server.emulator.queueFaults([
          { kind: 'lost-response', count: 3, match: { method: 'POST', pathIncludes: '/comments' } },
          { kind: 'secondary-rate-limit', retryAfter: 1, count: 2, match: { method: 'GET' } },
          // A limit worded as a proxy would, on edits (heartbeats, outcomes): waited out as asked.
          {
            kind: 'secondary-rate-limit',
            status: 429,
            message: 'Too Many Requests',
            retryAfter: 1,
            count: 2,
            match: { method: 'PATCH' },
          },
        ]),
    });
    await scenario.finish(120_000);
    for (const n of scenario.nodes)
      expect({ code: (await n.exited).code, log: n.log().slice(-1500) }).toMatchObject({ code: 0 });
    // On a failure, the thread as folded says what happened.
    const why = JSON.stringify(
      {
        tasks: [...scenario.state().tasks.values()],
        entries: scenario.state().entries.map((e) => ({ ...e, message: undefined })),
        logs: scenario.nodes.map((n) => n.log().slice(-3000)),
      },
      null,
      1,
    );
    expect(statuses(scenario), why).toEqual(['completed', 'completed', 'completed', 'completed']);
    const starts = scenario.runs().filter((r) => r[0] === 'start');
    // One attempt per task, unless a node gave one up; never two at once.
    expect(new Set(starts.map((r) => r[1]))).toEqual(new Set(['task-1', 'task-2', 'task-3', 'task-4']));
    expect(scenario.server.emulator.stats().faultsInjected).toBeGreaterThan(7);
    expect(scenario.server.emulator.pendingFaults()).toEqual([]);
    const waited = scenario.nodes.flatMap(
      (n) => n.log().match(/secondary rate limit: waiting 1s before retrying PATCH/g) ?? [],
    );
    expect(waited).toHaveLength(2);
    expect(scenario.nodes.filter((n) => n.outputs().role === 'leader')).toHaveLength(1);
    // (More than the wait for the nodes: a run that does not end fails with their logs, not a bare timeout.)
  }, 180_000);
});

describe('GitHub unavailable', () => {
  it('waits out a used-up primary rate limit and a 30 s outage, says so, and still runs every task', async () => {
    scenario = await startScenario({
      nodes: 3,
      issueBody: THREE_TASKS,
      agentBody: 'sleep 2',
      // A lease longer than the outage: the running agents keep their tasks through it.
      inputs: { 'heartbeat-interval-s': '5', 'lease-timeout-s': '60' },
    });
    // The budget runs out once the nodes have begun: queued before they start, its 4 s could pass before a
    // node on a loaded machine sends its first request.
    const { emulator } = scenario.server;
    await expect
      .poll(() => emulator.requestLog().length, { timeout: 60_000, interval: 50 })
      .toBeGreaterThan(0);
    emulator.queueFaults([{ kind: 'primary-rate-limit', resetInSeconds: 4 }]);
    await scenario.waitForRun((r) => r[0] === 'start', 60_000);
    scenario.server.emulator.queueFaults([{ kind: 'down', forMs: 30_000, mode: 'reset' }]);
    await scenario.finish(150_000);
    for (const n of scenario.nodes) expect((await n.exited).code).toBe(0);
    expect(statuses(scenario)).toEqual(['completed', 'completed', 'completed']);
    const logs = scenario.nodes.map((n) => n.log()).join('\n');
    expect(logs).toMatch(/rate limit is used up: waiting \d+s for the reset/);
    // The outage resets connections; the nodes keep trying.
    expect(logs).toMatch(/failed \(\d+: other side closed\); trying again/);
    // Each task ran once: the outage cost no attempt.
    const starts = scenario.runs().filter((r) => r[0] === 'start');
    expect(starts.map((r) => r[1]).sort()).toEqual(['task-1', 'task-2', 'task-3']);
  }, 180_000);
});
