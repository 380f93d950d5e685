// Check runs, commit statuses, reviews and job logs over real HTTP, in GitHub's shapes, with ETags and pages
// like every read; and the CI rule that gives a real git push its check run, outcome after outcome, but not a
// push with a token that starts no workflow (GITHUB_TOKEN's).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/index.js';
import { checkoutOverHttp, createRemote, git, gitAsync } from '../../scripts/local-git.js';
import { BOT, COLLABORATOR, MAINTAINER, manualClock, octokitFor, repo, serve, statusOf } from './helpers.js';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const CHECK_RUNS = 'GET /repos/{owner}/{repo}/commits/{ref}/check-runs';
const STATUS = 'GET /repos/{owner}/{repo}/commits/{ref}/status';

async function control(
  server: RunningEmulator,
  route: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}/_emulator/${route}`, { method: 'POST', body: JSON.stringify(body) });
  const data = (await res.json()) as Record<string, unknown>;
  if (res.status !== 201) throw new Error(`${route}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

/** A GET with a token and an optional If-None-Match: its status, ETag and JSON. */
async function get(server: RunningEmulator, route: string, etag?: string) {
  const res = await fetch(`${server.url}/repos/octo-org/demo${route}`, {
    headers: { authorization: `token ${BOT}`, ...(etag ? { 'if-none-match': etag } : {}) },
  });
  const text = await res.text();
  return {
    status: res.status,
    etag: res.headers.get('etag') ?? '',
    data: text ? JSON.parse(text) : undefined,
  };
}

describe('check runs', () => {
  it('lists a commit’s check runs in GitHub’s shape; one with a log is an Actions job’s, of the same id', async () => {
    const server = await serve({ clock: manualClock(Date.parse('2026-11-21T00:00:05Z')) });
    const made = await control(server, 'check-runs', {
      ref: SHA_A,
      name: 'test',
      conclusion: 'failure',
      output: { title: '1 failed', summary: 'tests/a.test.ts failed', text: 'expected 1, got 2' },
      log: 'FAIL tests/a.test.ts\n',
    });
    await control(server, 'check-runs', { ref: SHA_B, name: 'other commit' });
    const api = octokitFor(server);
    const { data } = await api.rest.checks.listForRef({ ...repo, ref: SHA_A });
    expect(data.total_count).toBe(1);
    const [run] = data.check_runs;
    const jobId = made.id as number;
    const job = server.emulator.jobs().find((j) => j.id === jobId)!;
    const runId = job.run_id as number;
    expect(run).toMatchObject({
      id: jobId,
      name: 'test',
      head_sha: SHA_A,
      status: 'completed',
      conclusion: 'failure',
      started_at: '2026-11-21T00:00:05Z',
      completed_at: '2026-11-21T00:00:05Z',
      html_url: `https://github.example/octo-org/demo/actions/runs/${runId}/job/${jobId}`,
      details_url: `${server.url}/octo-org/demo/actions/runs/${runId}/job/${jobId}`,
      output: { title: '1 failed', summary: 'tests/a.test.ts failed', text: 'expected 1, got 2' },
      app: { slug: 'github-actions' },
      url: `${server.url}/repos/octo-org/demo/check-runs/${jobId}`,
    });
    expect(typeof run!.check_suite!.id).toBe('number');
    expect(job).toMatchObject({ name: 'test', head_sha: SHA_A, status: 'completed', conclusion: 'failure' });
    expect(job.check_run_url).toBe(`https://api.github.example/repos/octo-org/demo/check-runs/${jobId}`);
    expect((await api.rest.checks.get({ ...repo, check_run_id: jobId })).data.name).toBe('test');

    // Without a log: no job, no details_url; in progress until told otherwise.
    const [plain] = (await api.rest.checks.listForRef({ ...repo, ref: SHA_B })).data.check_runs;
    expect(plain).toMatchObject({
      status: 'in_progress',
      conclusion: null,
      completed_at: null,
      details_url: null,
    });
    expect(await statusOf(api.rest.checks.listForRef({ ...repo, ref: 'no-such-branch' }))).toBe(422);
  });

  it('answers 304 to its ETag while nothing changed, 200 once a check run is added or completes', async () => {
    const clock = manualClock();
    const server = await serve({ clock });
    await control(server, 'check-runs', { ref: SHA_A, name: 'lint', conclusion: 'success' });
    const first = await get(server, `/commits/${SHA_A}/check-runs`);
    expect(first.status).toBe(200);
    expect((await get(server, `/commits/${SHA_A}/check-runs`, first.etag)).status).toBe(304);
    expect(server.emulator.stats().notModified).toBe(1);

    const slow = await control(server, 'check-runs', { ref: SHA_A, name: 'test', delayMs: 60_000 });
    const second = await get(server, `/commits/${SHA_A}/check-runs`, first.etag);
    expect(second.status).toBe(200);
    expect(second.data.check_runs[0]).toMatchObject({
      name: 'test',
      status: 'in_progress',
      conclusion: null,
    });
    clock.advance(59_999);
    expect((await get(server, `/commits/${SHA_A}/check-runs`, second.etag)).status).toBe(304);
    clock.advance(1);
    const third = await get(server, `/commits/${SHA_A}/check-runs`, second.etag);
    expect(third.status).toBe(200);
    expect(third.data.check_runs[0]).toMatchObject({
      id: slow.id,
      status: 'completed',
      conclusion: 'success',
    });

    const patched = await fetch(`${server.url}/_emulator/check-runs/${String(slow.id)}`, {
      method: 'PATCH',
      body: JSON.stringify({ conclusion: 'cancelled' }),
    });
    expect(((await patched.json()) as { conclusion: string }).conclusion).toBe('cancelled');
    expect((await get(server, `/commits/${SHA_A}/check-runs`, third.etag)).status).toBe(200);
  });

  it('pages with per_page and page, newest first; filter=latest keeps each name’s newest run', async () => {
    const clock = manualClock();
    const server = await serve({ clock });
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      await control(server, 'check-runs', { ref: SHA_A, name, conclusion: 'success' });
      clock.advance(1_000);
    }
    await control(server, 'check-runs', { ref: SHA_A, name: 'a', conclusion: 'failure' });
    const api = octokitFor(server);
    const page = async (n: number) => api.request(CHECK_RUNS, { ...repo, ref: SHA_A, per_page: 2, page: n });
    const [one, two, three] = [await page(1), await page(2), await page(3)];
    expect(one.data.total_count).toBe(5);
    expect([one, two, three].map((p) => p.data.check_runs.map((r) => r.name))).toEqual([
      ['a', 'e'],
      ['d', 'c'],
      ['b'],
    ]);
    expect(one.data.check_runs[0]!.conclusion).toBe('failure');
    expect(one.headers.link).toContain('rel="next"');
    expect(one.headers.link).toContain('page=3>; rel="last"');
    const all = await api.request(CHECK_RUNS, { ...repo, ref: SHA_A, filter: 'all' });
    expect(all.data.total_count).toBe(6);
    const named = await api.request(CHECK_RUNS, { ...repo, ref: SHA_A, check_name: 'a', filter: 'all' });
    expect(named.data.check_runs.map((r) => r.conclusion)).toEqual(['failure', 'success']);
    expect(server.emulator.stats().byRoute['GET /repos/:owner/:repo/commits/:ref/check-runs?page=2+']).toBe(
      2,
    );
  });
});

describe('commit statuses', () => {
  it('combines the latest status of each context: pending with none, failure on any error, else success', async () => {
    const server = await serve({ clock: manualClock() });
    const api = octokitFor(server);
    const combined = async () => (await api.request(STATUS, { ...repo, ref: SHA_A })).data;
    expect(await combined()).toMatchObject({ state: 'pending', sha: SHA_A, total_count: 0, statuses: [] });

    const set = await api.rest.repos.createCommitStatus({
      ...repo,
      sha: SHA_A,
      state: 'pending',
      context: 'ci/build',
      description: 'building',
      target_url: 'https://ci.example/1',
    });
    expect(set.status).toBe(201);
    expect(set.data).toMatchObject({
      state: 'pending',
      context: 'ci/build',
      creator: { login: 'github-actions[bot]' },
    });
    expect(server.emulator.stats().contentCreating).toBe(1);
    await control(server, 'statuses', { ref: SHA_A, context: 'ci/lint', state: 'success' });
    expect((await combined()).state).toBe('pending');
    await control(server, 'statuses', { ref: SHA_A, context: 'ci/build', state: 'success' });
    const green = await combined();
    expect(green).toMatchObject({ state: 'success', total_count: 2 });
    expect(green.statuses.map((s) => [s.context, s.state])).toEqual([
      ['ci/lint', 'success'],
      ['ci/build', 'success'],
    ]);
    expect(green.statuses[1]).toMatchObject({
      id: expect.any(Number),
      description: null,
      target_url: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    await control(server, 'statuses', {
      ref: SHA_A,
      context: 'ci/lint',
      state: 'error',
      description: 'crashed',
    });
    expect((await combined()).state).toBe('failure');
    expect((await combined()).statuses.find((s) => s.context === 'ci/lint')?.description).toBe('crashed');

    expect(
      await statusOf(api.rest.repos.createCommitStatus({ ...repo, sha: SHA_A, state: 'bad' as never })),
    ).toBe(422);
    const outsider = octokitFor(server, 'ghp_outsider_token');
    expect(
      await statusOf(outsider.rest.repos.createCommitStatus({ ...repo, sha: SHA_A, state: 'success' })),
    ).toBe(403);
    expect(await statusOf(api.request(STATUS, { ...repo, ref: 'no-such-branch' }))).toBe(404);
  });

  it('answers 304 to the combined status’s ETag until a status is set', async () => {
    const server = await serve({ clock: manualClock() });
    const first = await get(server, `/commits/${SHA_A}/status`);
    expect((await get(server, `/commits/${SHA_A}/status`, first.etag)).status).toBe(304);
    await control(server, 'statuses', { ref: SHA_A, context: 'ci', state: 'failure' });
    const second = await get(server, `/commits/${SHA_A}/status`, first.etag);
    expect(second).toMatchObject({ status: 200, data: { state: 'failure' } });
  });
});

describe('reviews', () => {
  it('lists a pull request’s reviews in order, a pending one to its author only, with an ETag', async () => {
    const server = await serve({ clock: manualClock(Date.parse('2026-11-21T00:00:05Z')) });
    const api = octokitFor(server, MAINTAINER);
    const pull = await api.rest.pulls.create({ ...repo, head: 'p2p/task-1', base: 'main', title: 'Task 1' });
    const n = pull.data.number;
    const first = await get(server, `/pulls/${n}/reviews`);
    expect(first.data).toEqual([]);
    const approved = await control(server, 'reviews', {
      pull: n,
      login: 'collaborator',
      state: 'CHANGES_REQUESTED',
      body: 'Please add a test',
      commit_id: SHA_A,
    });
    await control(server, 'reviews', { pull: n, login: 'maintainer', state: 'APPROVED' });
    await control(server, 'reviews', { pull: n, login: 'collaborator', state: 'PENDING', body: 'draft' });
    expect((await get(server, `/pulls/${n}/reviews`, first.etag)).status).toBe(200);

    const { data } = await api.rest.pulls.listReviews({ ...repo, pull_number: n });
    expect(data.map((r) => [r.user!.login, r.state])).toEqual([
      ['collaborator', 'CHANGES_REQUESTED'],
      ['maintainer', 'APPROVED'],
    ]);
    expect(data[0]).toMatchObject({
      id: approved.id,
      user: { login: 'collaborator', id: 1003, type: 'User' },
      body: 'Please add a test',
      state: 'CHANGES_REQUESTED',
      submitted_at: '2026-11-21T00:00:05Z',
      commit_id: SHA_A,
      html_url: `https://github.example/octo-org/demo/pull/${n}#pullrequestreview-${String(approved.id)}`,
      author_association: 'COLLABORATOR',
    });
    expect(data[1]).toMatchObject({ commit_id: null, author_association: 'MEMBER' });
    const own = await octokitFor(server, COLLABORATOR).rest.pulls.listReviews({ ...repo, pull_number: n });
    expect(own.data.map((r) => r.state)).toEqual(['CHANGES_REQUESTED', 'APPROVED', 'PENDING']);
    expect(own.data[2]!.submitted_at).toBeUndefined();

    const unknown = await fetch(`${server.url}/_emulator/reviews`, {
      method: 'POST',
      body: JSON.stringify({ pull: n, login: 'nobody', state: 'APPROVED' }),
    });
    expect(unknown.status).toBe(400);
    expect(await statusOf(api.rest.pulls.listReviews({ ...repo, pull_number: 999 }))).toBe(404);
  });

  it('lists a review’s comments on lines of the diff, as GitHub shapes them', async () => {
    const server = await serve({ clock: manualClock(Date.parse('2026-11-21T00:00:05Z')) });
    const api = octokitFor(server, MAINTAINER);
    const pull = await api.rest.pulls.create({ ...repo, head: 'p2p/task-1', base: 'main', title: 'Task 1' });
    const n = pull.data.number;
    const review = await control(server, 'reviews', {
      pull: n,
      login: 'collaborator',
      state: 'CHANGES_REQUESTED',
      comments: [
        { path: 'src/parse.ts', line: 12, body: 'call it parseLine' },
        { path: 'README.md', body: 'say how' },
      ],
    });
    const { data } = await api.rest.pulls.listCommentsForReview({
      ...repo,
      pull_number: n,
      review_id: review.id as number,
    });
    expect(data.map((c) => [c.path, c.line, c.body])).toEqual([
      ['src/parse.ts', 12, 'call it parseLine'],
      ['README.md', null, 'say how'],
    ]);
    expect(data[0]).toMatchObject({
      pull_request_review_id: review.id,
      user: { login: 'collaborator' },
      created_at: '2026-11-21T00:00:05Z',
    });
    const other = await control(server, 'reviews', { pull: n, login: 'maintainer', state: 'APPROVED' });
    expect(
      (await api.rest.pulls.listCommentsForReview({ ...repo, pull_number: n, review_id: other.id as number }))
        .data,
    ).toEqual([]);
    expect(
      await statusOf(api.rest.pulls.listCommentsForReview({ ...repo, pull_number: n, review_id: 999 })),
    ).toBe(404);
  });
});

describe('job logs', () => {
  it('redirects to a plain-text log URL that needs no token; 404 for an unknown job', async () => {
    const server = await serve();
    const job = server.emulator.addJob({ run_id: 77, name: 'test', log: 'line 1\nline 2\n' });
    const api = octokitFor(server);
    const logs = await api.rest.actions.downloadJobLogsForWorkflowRun({ ...repo, job_id: job.id as number });
    expect(logs.status).toBe(200);
    expect(logs.data).toBe('line 1\nline 2\n');

    const raw = await fetch(`${server.url}/repos/octo-org/demo/actions/jobs/${String(job.id)}/logs`, {
      headers: { authorization: `token ${BOT}` },
      redirect: 'manual',
    });
    expect(raw.status).toBe(302);
    const location = raw.headers.get('location')!;
    expect(location).toBe(`${server.url}/_emulator/job-logs/${String(job.id)}`);
    const text = await fetch(location);
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await text.text()).toBe('line 1\nline 2\n');

    expect(await statusOf(api.rest.actions.downloadJobLogsForWorkflowRun({ ...repo, job_id: 1 }))).toBe(404);
    expect((await fetch(`${server.url}/_emulator/job-logs/1`)).status).toBe(404);
    // In process too: emulator.fetch follows the redirect as fetch does.
    const inProcess = await server.emulator.fetch(
      `/repos/octo-org/demo/actions/jobs/${String(job.id)}/logs`,
      {
        headers: { authorization: `token ${BOT}` },
      },
    );
    expect(await inProcess.text()).toBe('line 1\nline 2\n');
  });
});

describe('the CI rule', () => {
  let dir = '';
  let server: RunningEmulator;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'checks-'));
    const remote = createRemote(dir, { 'README.md': '# Demo\n' });
    server = await serve({ clock: manualClock() });
    server.git.serve('octo-org/demo', remote);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const commitAndPush = async (clone: string, branch: string, message: string): Promise<string> => {
    git(clone, 'commit', '--quiet', '--allow-empty', '-m', message);
    await gitAsync(clone, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
    return git(clone, 'rev-parse', 'HEAD');
  };

  it('gives each push of a matching branch its check run, outcomes in order, the last repeating', async () => {
    await control(server, 'ci', {
      branch: 'p2p/*',
      name: 'test',
      outcomes: ['failure', 'success'],
      summary: ['1 test failed', 'all passed'],
      log: ['FAIL tests/a.test.ts\n', 'ok\n'],
    });
    const clone = await checkoutOverHttp(server.gitUrl('octo-org/demo'), dir, 'node', COLLABORATOR);
    const api = octokitFor(server);
    const checksOf = async (ref: string) =>
      (await api.rest.checks.listForRef({ ...repo, ref })).data.check_runs;

    const first = await commitAndPush(clone, 'p2p/task-1', 'first try');
    // By branch (resolved through the served repository) and by sha alike.
    const [failed] = await checksOf('p2p/task-1');
    expect(failed).toMatchObject({
      name: 'test',
      head_sha: first,
      status: 'completed',
      conclusion: 'failure',
    });
    expect(failed!.output.summary).toBe('1 test failed');
    expect((await checksOf(first)).map((r) => r.id)).toEqual([failed!.id]);
    const jobId = Number(/\/actions\/runs\/\d+\/job\/(\d+)$/.exec(failed!.details_url!)![1]);
    const log = await api.rest.actions.downloadJobLogsForWorkflowRun({ ...repo, job_id: jobId });
    expect(log.data).toBe('FAIL tests/a.test.ts\n');

    const fixed = await commitAndPush(clone, 'p2p/task-1', 'the fix');
    expect((await checksOf('p2p/task-1')).map((r) => [r.head_sha, r.conclusion])).toEqual([
      [fixed, 'success'],
    ]);
    const again = await commitAndPush(clone, 'p2p/task-1', 'once more');
    expect((await checksOf(again)).map((r) => r.conclusion)).toEqual(['success']);
    // Another branch counts its own pushes; a branch the glob does not match gets none.
    const other = await commitAndPush(clone, 'p2p/task-2', 'task 2');
    expect((await checksOf(other)).map((r) => r.conclusion)).toEqual(['failure']);
    const unmatched = await commitAndPush(clone, 'feature/x', 'elsewhere');
    expect(await checksOf(unmatched)).toEqual([]);
    const rules = (await (await fetch(`${server.url}/_emulator/ci`)).json()) as { pushes: object }[];
    expect(rules[0]!.pushes).toEqual({ 'p2p/task-1': 3, 'p2p/task-2': 1 });
  });

  it('does not fire for a push with a token that starts no workflow, unless the rule names it', async () => {
    await control(server, 'ci', { branch: 'p2p/', name: 'test', outcomes: ['success'] });
    const bot = await checkoutOverHttp(server.gitUrl('octo-org/demo'), dir, 'bot', BOT);
    const api = octokitFor(server);
    const checksOf = async (ref: string) =>
      (await api.rest.checks.listForRef({ ...repo, ref })).data.check_runs;
    const pushed = await commitAndPush(bot, 'p2p/task-1', 'by GITHUB_TOKEN');
    expect(await checksOf(pushed)).toEqual([]);
    expect(await checksOf('p2p/task-1')).toEqual([]);

    // A user's token may be marked as one that starts none either (a push told without git here).
    server.emulator.addUser({
      login: 'quiet',
      id: 2001,
      token: 'ghp_quiet',
      permission: 'write',
      startsWorkflows: false,
    });
    expect(server.emulator.recordPush({ branch: 'p2p/task-3', sha: SHA_A, token: 'ghp_quiet' })).toEqual([]);
    expect(
      server.emulator.recordPush({ branch: 'p2p/task-3', sha: SHA_B, token: COLLABORATOR }),
    ).toHaveLength(1);

    await control(server, 'ci', {
      branch: 'p2p/**',
      name: 'bot-ci',
      outcomes: ['neutral'],
      tokens: [BOT],
      delayMs: 5_000,
    });
    const second = await commitAndPush(bot, 'p2p/task-1', 'by GITHUB_TOKEN again');
    const runs = await checksOf(second);
    expect(runs.map((r) => [r.name, r.status, r.conclusion])).toEqual([['bot-ci', 'in_progress', null]]);
  });
});
