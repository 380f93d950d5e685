// A run people can watch, stop and afford, with real dist/index.js processes against the emulator: a budget
// that runs out partway (nothing starts after it is spent; the summary's total and wording), the checklist
// comment ticking tasks while the run goes on, and `/p2p-dev stop` by a maintainer mid-run (nothing new
// starts, every node leaves) and by a read-only user (ignored).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_TIMINGS } from '../../scripts/local-nodes.js';
import { readChecklist } from '../../src/protocol/checklist.js';
import { runAggregate, startScenario, type Scenario, taskList } from '../helpers/scenario.js';
import { TRIAGER } from '../helpers/trigger-job.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

/** An agent that spends `usd`, or its cap (P2P_MAX_COST_USD) if that is less, and reports it. */
const costs = (usd: number, sleep: number): string =>
  `sleep ${sleep}; awk -v c="\${P2P_MAX_COST_USD:-${usd}}" 'BEGIN { s = ${usd}; if (c + 0 < s) s = c + 0; printf "{\\"cost_usd\\": %s}", s }' > "$P2P_USAGE_FILE"`;
const comments = (s: Scenario) => s.server.emulator.listComments(s.issue);
const checklistOf = (s: Scenario) => comments(s).find((c) => readChecklist(c.body) !== undefined);

describe('a run people can watch, stop and afford', () => {
  it('stops starting agents once the budget is spent; the summary says so, with the total', async () => {
    scenario = await startScenario({
      nodes: 2,
      issueBody: taskList(6),
      agentBody: costs(0.4, 1),
      inputs: { ...FAST_TIMINGS, 'max-cost-usd': '1.00', 'max-attempts': '1' },
    });
    await scenario.finish();
    for (const n of scenario.nodes) expect((await n.exited).code).toBe(0);
    const state = scenario.state();
    // Each claim is granted its share of what is left (half of it while both nodes are free), each agent
    // spends $0.40 or its cap if less, and what it does not spend goes to the next; once less than $0.02 is
    // left, nothing else starts.
    const started = scenario.runs().filter((r) => r[0] === 'start');
    expect(started.length).toBeGreaterThanOrEqual(3);
    const attempts = [...state.tasks.values()].flatMap((r) => r.attempts);
    for (const a of attempts) expect(a.cap?.granted, a.task).toBeLessThanOrEqual(0.5);
    const outcomes = attempts.map((a) => a.endedAt ?? Infinity).sort((a, b) => a - b);
    const spentAt = outcomes.find((t) => {
      const spent = attempts
        .filter((a) => (a.endedAt ?? Infinity) <= t)
        .reduce((sum, a) => sum + (a.result?.usage?.cost_usd ?? 0), 0);
      return spent > 0.98;
    })!;
    for (const a of attempts)
      expect(a.ev.start, `${a.task} claimed after the budget was spent`).toBeLessThanOrEqual(spentAt);
    const agg = await runAggregate(scenario, { 'fail-on-task-failure': 'false' });
    const summary = comments(scenario).find((c) => c.body.includes('p2p-dev-summary'))!.body;
    expect(summary).toContain('Agent cost of the run: $1.00');
    expect(summary).toContain(
      `The run's budget of $1.00 was spent: ${6 - started.length} task(s) were not run.`,
    );
    expect(summary).toMatch(/not run: the run's budget of \$1\.00 was spent/);
    expect(agg.log).toMatch(/p2p-dev:failed/);
  });

  it('ticks each task on the checklist comment while the run is still going', async () => {
    const release = path.join(mkdtempSync(path.join(os.tmpdir(), 'p2p-release-')), 'release');
    scenario = await startScenario({
      env: { RELEASE: release },
      nodes: 2,
      issueBody: taskList(4),
      // Task 4 runs until the test has seen the checklist show the others completed while it still runs.
      agentBody:
        'if [ "$P2P_TASK_ID" = task-4 ]; then for i in $(seq 600); do [ -f "$RELEASE" ] && break; sleep 0.1; done; else sleep 0.5; fi',
      inputs: { ...FAST_TIMINGS, 'max-attempts': '1' },
    });
    const s = scenario;
    await s.waitForRun((r) => r[0] === 'start' && r[1] === 'task-4', 60_000);
    let ticked: string | undefined;
    const until = Date.now() + 45_000;
    while (Date.now() < until && !ticked) {
      const body = checklistOf(s)?.body ?? '';
      if ((body.match(/^- \[x\]/gm) ?? []).length >= 3 && /task-4[^\n]*running/.test(body)) ticked = body;
      else await new Promise((r) => setTimeout(r, 200));
    }
    writeFileSync(release, '');
    expect(ticked, `checklist: ${checklistOf(s)?.body}`).toBeDefined();
    // Never ahead of the fold: what it ticks, the thread has completed.
    const state = s.state();
    for (const id of ['task-1', 'task-2', 'task-3'])
      expect(state.tasks.get(id)!.attempts.some((a) => a.outcome === 'completed')).toBe(true);
    expect(ticked).not.toMatch(/^- \[x\][^\n]*task-4/m);
    await s.finish();
    const final = checklistOf(s)!.body;
    expect((final.match(/^- \[x\]/gm) ?? []).length).toBe(4);
    // One checklist, and a handful of edits, not one per reading.
    expect(comments(s).filter((c) => readChecklist(c.body) !== undefined)).toHaveLength(1);
  });

  it('stops the run when a maintainer comments /p2p-dev stop: agents stop, nothing new starts, every node leaves', async () => {
    scenario = await startScenario({
      nodes: 3,
      issueBody: taskList(6),
      agentBody: 'sleep 30',
      inputs: { ...FAST_TIMINGS, 'max-attempts': '2' },
      // Triage shows as a collaborator on the issue, but may not write: not enough to stop a run.
      beforeNodes: (server) => void server.emulator.addUser({ ...TRIAGER }),
    });
    const s = scenario;
    for (const id of ['task-1', 'task-2', 'task-3'])
      await s.waitForRun((r) => r[0] === 'start' && r[1] === id, 60_000);
    // Stops by people who may not write change nothing: a read-only user's, and a triager's (checked).
    s.server.emulator.addComment(s.issue, '/p2p-dev stop', 'outsider');
    s.server.emulator.addComment(s.issue, '/p2p-dev stop', 'triager');
    const judged = Date.now() + 15_000;
    while (Date.now() < judged && !s.nodes.some((n) => /ignoring the stop asked by triager/.test(n.log())))
      await new Promise((r) => setTimeout(r, 200));
    expect(s.nodes.some((n) => /ignoring the stop asked by triager/.test(n.log()))).toBe(true);
    expect(s.state().stopped).toBeUndefined();
    const asked = Date.now();
    const stopComment = s.server.emulator.addComment(s.issue, '/p2p-dev stop', 'maintainer');
    await s.finish(60_000);
    const left = Date.now() - asked;
    expect(left, 'every node left within about 30 s').toBeLessThan(30_000);
    for (const n of s.nodes) expect((await n.exited).code).toBe(0);
    const state = s.state();
    expect(state.stopped).toMatchObject({ by: 'maintainer', commentId: stopComment });
    // Nothing started after the stop, and the three running agents ended early (they sleep 30 s).
    expect(s.runs().filter((r) => r[0] === 'start')).toHaveLength(3);
    expect(s.runs().filter((r) => r[0] === 'end')).toHaveLength(0);
    for (const r of state.tasks.values()) {
      const last = r.attempts.at(-1);
      if (last) expect(last.result?.error).toMatch(/stopped by maintainer/);
    }
    const agg = await runAggregate(s, { 'fail-on-task-failure': 'false' });
    expect(agg.code).toBe(0);
    const summary = comments(s).find((c) => c.body.includes('p2p-dev-summary'))!.body;
    expect(summary).toContain(`Stopped by @maintainer (comment ${stopComment}); 6 task(s) stopped.`);
  });
});
