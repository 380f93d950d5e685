// Human gates on real processes: a task that asks for a review (`review: required`) completes, and its
// dependent does not start until a maintainer approves it on the issue; a triager's approval is not relayed.
// Changes asked send the agent back with the comments, as a revision, before the dependent starts. The
// verdicts come as people write them: comments on the issue, relayed by the workflow's check-trigger job, or
// by an idle node reading the thread.
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_TIMINGS } from '../../scripts/local-nodes.js';
import { commentTriggerJob, TRIAGER } from '../helpers/trigger-job.js';
import { startScenario, type Scenario } from '../helpers/scenario.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

const ISSUE = ['- [ ] Write the parser (review: required)', '- [ ] Use the parser (depends: task-1)'].join(
  '\n',
);

const checklist = (s: Scenario): string =>
  s.server.emulator.listComments(s.issue).find((c) => c.body.includes('<!-- p2p-dev:checklist '))?.body ?? '';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a task that asks for a review', () => {
  it('holds its dependent until a maintainer approves it; a triager cannot', async () => {
    scenario = await startScenario({
      nodes: 2,
      issueBody: ISSUE,
      agentBody: 'sleep 0.2',
      inputs: { ...FAST_TIMINGS, 'review-timeout-min': '5' },
      beforeNodes: (server) => void server.emulator.addUser({ ...TRIAGER }),
    });
    const s = scenario;
    await s.waitForRun((r) => r[0] === 'end' && r[1] === 'task-1', 60_000);
    // The checklist says it awaits a review, and how to give one.
    for (let i = 0; i < 60 && !checklist(s).includes('awaiting review'); i++) await sleep(500);
    expect(checklist(s)).toMatch(
      /task-1\*\* Write the parser — 👀 awaiting review until .* `\/p2p-dev approve task-1`/,
    );
    await sleep(4000);
    expect(
      s.runs().some((r) => r[1] === 'task-2'),
      'task-2 waits for the review',
    ).toBe(false);

    const triaged = await commentTriggerJob(
      s,
      s.server.emulator.addComment(s.issue, '/p2p-dev approve task-1', 'triager'),
    );
    expect(triaged.log).toMatch(/not relaying the verdict of triager .*reviewing takes write/);
    await sleep(3000);
    expect(s.runs().some((r) => r[1] === 'task-2')).toBe(false);

    const approvedAt = Date.now();
    const approval = s.server.emulator.addComment(s.issue, '/p2p-dev approve task-1', 'maintainer');
    const relayed = await commentTriggerJob(s, approval);
    expect(relayed.code).toBe(0);
    await s.finish(90_000);
    const start2 = s.runs().find((r) => r[0] === 'start' && r[1] === 'task-2');
    expect(start2, 'task-2 ran once approved').toBeDefined();
    expect(Number(start2![4]) / 1e6).toBeGreaterThan(approvedAt);
    const state = s.state();
    expect(state.tasks.get('task-1')!.review).toMatchObject({
      verdict: 'approved',
      by: 'maintainer',
      commentId: approval,
    });
    // One relay of it counts (the trigger job's, or an idle node's): the triager's was relayed by nobody.
    const reviews = state.entries.filter((e) => e.message?.type === 'review' && e.status === 'accepted');
    expect(reviews.every((e) => e.message?.type === 'review' && e.message.by.login === 'maintainer')).toBe(
      true,
    );
    for (const n of s.nodes) expect((await n.exited).code).toBe(0);
    expect(checklist(s)).toMatch(/👍 approved by maintainer/);
  }, 180_000);

  it('changes asked send the agent back with the comments, as a revision the dependent waits for', async () => {
    scenario = await startScenario({
      nodes: 1,
      issueBody: ISSUE,
      agentBody: 'printf "%s" "$P2P_TASK_BODY" > "$(dirname "$0")/body-$P2P_TASK_ID.txt"; sleep 0.2',
      inputs: { ...FAST_TIMINGS, 'review-timeout-min': '5' },
    });
    const s = scenario;
    await s.waitForRun((r) => r[0] === 'end' && r[1] === 'task-1', 60_000);
    await sleep(1500);
    // No check-trigger job here: the idle node reads the comment and relays it.
    s.server.emulator.addComment(
      s.issue,
      '/p2p-dev changes task-1 name it parseLine\nand add a test',
      'maintainer',
    );
    await s.waitForRun((r) => r[0] === 'end' && r[1] === 'task-1.r1', 60_000);
    const { readFileSync } = await import('node:fs');
    const body = readFileSync(`${s.dir}/body-task-1.r1.txt`, 'utf8');
    expect(body).toContain('> name it parseLine\n> and add a test');
    expect(body).toContain('### Write the parser');
    await sleep(3000);
    expect(
      s.runs().some((r) => r[1] === 'task-2'),
      'task-2 waits for the revision’s review',
    ).toBe(false);
    s.server.emulator.addComment(s.issue, '/p2p-dev approve', 'maintainer');
    await s.finish(90_000);
    const order = s
      .runs()
      .filter((r) => r[0] === 'start')
      .map((r) => r[1]);
    expect(order).toEqual(['task-1', 'task-1.r1', 'task-2']);
    expect(s.state().tasks.get('task-1')!.review).toMatchObject({
      verdict: 'changes',
      revisedIn: 'task-1.r1',
    });
  }, 180_000);

  it('with no verdict in time, its dependent is skipped and the run ends', async () => {
    scenario = await startScenario({
      nodes: 1,
      issueBody: ISSUE,
      agentBody: 'sleep 0.2',
      // review-timeout-min takes fractions: 0.1 min, so that the test does not wait long.
      inputs: { ...FAST_TIMINGS, 'review-timeout-min': '0.1' },
    });
    await scenario.finish(90_000);
    expect(scenario.runs().some((r) => r[1] === 'task-2')).toBe(false);
    expect(checklist(scenario)).toMatch(
      /task-2\*\* Use the parser — ⏭️ skipped \(dependency task-1 was not reviewed within 6 s\)/,
    );
  }, 180_000);
});
