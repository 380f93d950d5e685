// Human gates through GitHub's own reviews, on real processes and real git: a task that asks for a review gets
// a pull request to be reviewed on even with create-pr issue; a maintainer's Approve on it lets the dependent
// start (a triager's does not; a comment-only review neither); Request changes sends the agent back with the
// review's text and its line comments, as a revision; the summary job then opens the issue's one pull request
// and closes the review pull requests, which have done their part.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_TIMINGS } from '../../scripts/local-nodes.js';
import { TRIAGER } from '../helpers/trigger-job.js';
import { gitClones, runAggregate, startScenario, type Scenario } from '../helpers/scenario.js';
import { cloneFor, git } from '../../scripts/local-git.js';

type GitScenario = Scenario & { remote: () => string };

let scenario: GitScenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

const ISSUE = ['- [ ] Write the parser (review: required)', '- [ ] Use the parser (depends: task-1)'].join(
  '\n',
);
const AGENT = [
  'printf "%s" "$P2P_TASK_BODY" > "$(dirname "$0")/body-$P2P_TASK_ID.txt"',
  'echo "$P2P_TASK_ID" >> work.txt',
].join('\n');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The pull request opened for a task's review, once there is one, and its head commit (the nodes push to a
 * bare repository beside the emulator, so a review names the commit it is of, as GitHub's do).
 */
async function reviewPull(
  s: Scenario,
  task: string,
): Promise<{ number: number; state: string; commit_id: string }> {
  const branch = `p2p/issue-${s.issue}/${task}`;
  for (let i = 0; i < 120; i++) {
    const pull = s.server.emulator.pulls().find((p) => p.head === branch);
    if (pull) return { ...pull, commit_id: git((s as GitScenario).remote(), 'rev-parse', branch) };
    await sleep(250);
  }
  throw new Error(`no pull request for ${task}`);
}

function start(nodes: number): Promise<GitScenario> {
  const clones = gitClones();
  return startScenario({
    nodes,
    issueBody: ISSUE,
    agentBody: AGENT,
    inputs: { ...FAST_TIMINGS, 'review-timeout-min': '5', 'max-attempts': '1' },
    workspaceFor: clones.workspaceFor,
    beforeNodes: (server) => void server.emulator.addUser({ ...TRIAGER }),
  }).then((s) => Object.assign(s, { remote: clones.remote }));
}

describe('a review of the task’s pull request', () => {
  it('approves the work: a maintainer’s Approve, not a triager’s or a comment, lets the dependent start', async () => {
    scenario = await start(2);
    const s = scenario;
    await s.waitForRun((r) => r[0] === 'end' && r[1] === 'task-1', 60_000);
    const pull = await reviewPull(s, 'task-1');
    expect(pull.state).toBe('open');
    expect(s.server.emulator.pulls().find((p) => p.number === pull.number)!.body).toContain(
      'Opened for the review only',
    );
    s.server.emulator.addReview({
      pull: pull.number,
      commit_id: pull.commit_id,
      login: 'triager',
      state: 'APPROVED',
    });
    s.server.emulator.addReview({
      pull: pull.number,
      commit_id: pull.commit_id,
      login: 'maintainer',
      state: 'COMMENTED',
      body: 'hm',
    });
    await sleep(8000);
    expect(
      s.runs().some((r) => r[1] === 'task-2'),
      'neither a triager’s approval nor a comment lets task-2 start',
    ).toBe(false);
    const approvedAt = Date.now();
    s.server.emulator.addReview({
      pull: pull.number,
      commit_id: pull.commit_id,
      login: 'maintainer',
      state: 'APPROVED',
    });
    await s.finish(90_000);
    const start2 = s.runs().find((r) => r[0] === 'start' && r[1] === 'task-2');
    expect(start2, 'task-2 ran once approved').toBeDefined();
    expect(Number(start2![4]) / 1e6).toBeGreaterThan(approvedAt);
    expect(s.state().tasks.get('task-1')!.review).toMatchObject({
      verdict: 'approved',
      by: 'maintainer',
      reviewId: expect.any(Number),
    });
    const relays = s.state().entries.filter((e) => e.message?.type === 'review');
    expect(relays.map((e) => e.message?.type === 'review' && e.message.by.login)).toEqual(['maintainer']);
    for (const n of s.nodes) expect((await n.exited).code).toBe(0);
    // Waiting on the review costs a counted reading per node when the pull request is new and after each
    // change to its reviews (three submitted here); the readings in between are 304s
    // (tests/integration/pull-reviews.test.ts).
    const readings = s.server.emulator
      .requestLog()
      .filter((r) => r.method === 'GET' && r.path.endsWith(`/pulls/${pull.number}/reviews`));
    expect(readings.filter((r) => r.status === 200).length).toBeLessThanOrEqual(2 * 4);

    // The summary job opens the issue's pull request, which holds the work, and closes the review one.
    const remote = s.remote();
    const job = await runAggregate(
      s,
      { 'fail-on-task-failure': 'false' },
      cloneFor(remote, s.dir, 'aggregate'),
    );
    expect(job.code, job.log).toBe(0);
    const pulls = s.server.emulator.pulls();
    const issuePull = pulls.find((p) => p.head === `p2p/issue-${s.issue}-integration`)!;
    expect(issuePull.state).toBe('open');
    const closed = pulls.find((p) => p.number === pull.number)!;
    expect(closed.state).toBe('closed');
    expect(closed.body).toContain(`Its work is now in the issue's pull request`);
  }, 180_000);

  it('Request changes sends the agent back with the review and its line comments', async () => {
    scenario = await start(1);
    const s = scenario;
    await s.waitForRun((r) => r[0] === 'end' && r[1] === 'task-1', 60_000);
    const pull = await reviewPull(s, 'task-1');
    s.server.emulator.addReview({
      pull: pull.number,
      commit_id: pull.commit_id,
      login: 'maintainer',
      state: 'CHANGES_REQUESTED',
      body: 'Name it parseLine.',
      comments: [{ path: 'work.txt', line: 1, body: 'and add a test here' }],
    });
    await s.waitForRun((r) => r[0] === 'end' && r[1] === 'task-1.r1', 60_000);
    const body = readFileSync(`${s.dir}/body-task-1.r1.txt`, 'utf8');
    expect(body).toContain('> Name it parseLine.');
    expect(body).toContain('> work.txt:1: and add a test here');
    // The revision asks for a review in turn, on a pull request of its own.
    const revision = await reviewPull(s, 'task-1.r1');
    await sleep(3000);
    expect(s.runs().some((r) => r[1] === 'task-2')).toBe(false);
    s.server.emulator.addReview({
      pull: revision.number,
      commit_id: revision.commit_id,
      login: 'maintainer',
      state: 'APPROVED',
    });
    await s.finish(90_000);
    const order = s
      .runs()
      .filter((r) => r[0] === 'start')
      .map((r) => r[1]);
    expect(order).toEqual(['task-1', 'task-1.r1', 'task-2']);
  }, 180_000);
});
