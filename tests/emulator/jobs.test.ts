// The Actions jobs API: a run's jobs (the latest attempt's, all, or one attempt's), paged like every listing,
// lagged like every read, with an ETag; 403 for a token without actions: read; the control routes that add jobs
// and end them.
import { describe, expect, it } from 'vitest';
import { BOT, failureOf, MAINTAINER, manualClock, octokitFor, repo, serve, statusOf } from './helpers.js';

const JOBS = 'GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs';
const ATTEMPT_JOBS = 'GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs';

type Job = Record<string, unknown> & { id: number };

async function control(url: string, method: string, route: string, body?: unknown): Promise<Response> {
  return fetch(`${url}/_emulator/${route}`, { method, ...(body ? { body: JSON.stringify(body) } : {}) });
}

async function addJob(url: string, fields: Record<string, unknown>): Promise<Job> {
  const res = await control(url, 'POST', 'jobs', fields);
  expect(res.status).toBe(201);
  return (await res.json()) as Job;
}

describe('the jobs of a workflow run', () => {
  it('lists the latest attempt’s jobs by default, every attempt’s with filter=all, in GitHub’s shape', async () => {
    const clock = manualClock(Date.parse('2026-11-21T00:00:05Z'));
    const server = await serve({ clock });
    server.emulator.addWorkflowRun({ id: 77, name: 'P2P Autonomous Development', head_sha: 'a'.repeat(40) });
    const first = await addJob(server.url, { run_id: 77, name: 'p2p-execute (1)', runner_name: 'runner-a' });
    clock.advance(2_000);
    await addJob(server.url, {
      run_id: 77,
      run_attempt: 2,
      name: 'p2p-execute (1)',
      runner_name: 'runner-b',
    });
    await addJob(server.url, {
      run_id: 77,
      run_attempt: 2,
      name: 'p2p-execute (2)',
      runner_name: 'runner-c',
    });
    const api = octokitFor(server);

    const latest = await api.request(JOBS, { ...repo, run_id: 77 });
    expect(latest.data.total_count).toBe(2);
    expect(latest.data.jobs.map((j) => [j.name, j.run_attempt, j.runner_name])).toEqual([
      ['p2p-execute (1)', 2, 'runner-b'],
      ['p2p-execute (2)', 2, 'runner-c'],
    ]);
    const all = await api.request(JOBS, { ...repo, run_id: 77, filter: 'all' });
    expect(all.data.jobs.map((j) => j.runner_name)).toEqual(['runner-a', 'runner-b', 'runner-c']);
    expect(all.data.jobs[0]).toEqual({
      id: first.id,
      run_id: 77,
      run_url: `${server.url}/repos/octo-org/demo/actions/runs/77`,
      run_attempt: 1,
      node_id: `CR_${first.id}`,
      head_sha: 'a'.repeat(40),
      head_branch: 'main',
      url: `${server.url}/repos/octo-org/demo/actions/jobs/${first.id}`,
      html_url: `https://github.example/octo-org/demo/actions/runs/77/job/${first.id}`,
      status: 'in_progress',
      conclusion: null,
      created_at: '2026-11-21T00:00:05Z',
      started_at: '2026-11-21T00:00:05Z',
      completed_at: null,
      name: 'p2p-execute (1)',
      steps: [],
      check_run_url: `${server.url}/repos/octo-org/demo/check-runs/${first.id}`,
      labels: ['ubuntu-latest'],
      runner_id: expect.any(Number),
      runner_name: 'runner-a',
      runner_group_id: 1,
      runner_group_name: 'GitHub Actions',
      workflow_name: 'P2P Autonomous Development',
    });
    expect(first).toEqual(all.data.jobs[0]);
    // One job.
    const one = await api.request('GET /repos/{owner}/{repo}/actions/jobs/{job_id}', {
      ...repo,
      job_id: first.id,
    });
    expect(one.data).toEqual(all.data.jobs[0]);
    expect(await statusOf(api.request(JOBS, { ...repo, run_id: 77, filter: 'newest' as 'latest' }))).toBe(
      422,
    );
  });

  it('answers one attempt’s jobs, 404 for an attempt or a run there never was', async () => {
    const server = await serve();
    // A run the store does not know: its jobs are kept by run id all the same.
    for (const attempt of [1, 1, 2])
      await addJob(server.url, { run_id: 4242, run_attempt: attempt, name: `p2p-execute (${attempt})` });
    const api = octokitFor(server);
    const attempt = async (n: number) =>
      (await api.request(ATTEMPT_JOBS, { ...repo, run_id: 4242, attempt_number: n })).data;
    expect((await attempt(1)).total_count).toBe(2);
    expect((await attempt(2)).jobs.map((j) => j.run_attempt)).toEqual([2]);
    expect(await statusOf(api.request(ATTEMPT_JOBS, { ...repo, run_id: 4242, attempt_number: 3 }))).toBe(404);
    expect(await statusOf(api.request(JOBS, { ...repo, run_id: 5 }))).toBe(404);
    // A known run without jobs has an empty list.
    server.emulator.addWorkflowRun({ id: 5 });
    expect((await api.request(JOBS, { ...repo, run_id: 5 })).data).toEqual({ total_count: 0, jobs: [] });
    expect(
      (await api.request(ATTEMPT_JOBS, { ...repo, run_id: 5, attempt_number: 1 })).data.total_count,
    ).toBe(0);
  });

  it('pages with per_page (at most 100) and the Link header', async () => {
    const server = await serve();
    for (let i = 1; i <= 120; i++) server.emulator.addJob({ run_id: 9, name: `p2p-execute (${i})` });
    const api = octokitFor(server);
    const first = await api.request(JOBS, { ...repo, run_id: 9, per_page: 500 });
    expect(first.data.total_count).toBe(120);
    expect(first.data.jobs).toHaveLength(100);
    expect(first.headers.link).toContain('page=2>; rel="next"');
    expect(first.headers.link).toContain('page=2>; rel="last"');
    const second = await api.request(JOBS, { ...repo, run_id: 9, per_page: 100, page: 2 });
    expect(second.data.jobs.map((j) => j.name)).toEqual(
      Array.from({ length: 20 }, (_, i) => `p2p-execute (${101 + i})`),
    );
    expect(second.headers.link).toContain('rel="prev"');
    const all = await api.paginate(JOBS, { ...repo, run_id: 9, per_page: 50 });
    expect(all).toHaveLength(120);
    // 30 by default.
    expect((await api.request(JOBS, { ...repo, run_id: 9 })).data.jobs).toHaveLength(30);
  });

  it('refuses a token without actions: read', async () => {
    const server = await serve();
    server.emulator.addJob({ run_id: 1, name: 'p2p-execute (1)' });
    const users = await control(server.url, 'POST', 'users', {
      login: 'github-actions[bot]',
      id: 41898282,
      type: 'Bot',
      token: 'ghs_no_actions',
      permission: 'write',
      actions: 'none',
    });
    expect(await users.json()).toMatchObject({ login: 'github-actions[bot]', actions: 'none' });
    server.emulator.addUser({ login: 'pat', id: 2001, token: 'ghp_no_actions', actions: 'none' });
    const refused = await failureOf(
      octokitFor(server, 'ghs_no_actions').request(JOBS, { ...repo, run_id: 1 }),
    );
    expect(refused.status).toBe(403);
    expect(refused.response.data).toEqual({
      message: 'Resource not accessible by integration',
      documentation_url: 'https://docs.github.com/rest',
    });
    const pat = await failureOf(
      octokitFor(server, 'ghp_no_actions').request(ATTEMPT_JOBS, { ...repo, run_id: 1, attempt_number: 1 }),
    );
    expect(pat).toMatchObject({ status: 403, message: expect.stringMatching(/personal access token/) });
    expect(
      await statusOf(octokitFor(server, 'ghs_no_actions').rest.actions.listWorkflowRunsForRepo(repo)),
    ).toBe(403);
    // The other token of the same identity, and a user, have actions: read by default.
    expect(await statusOf(octokitFor(server, BOT).request(JOBS, { ...repo, run_id: 1 }))).toBe(200);
    expect(await statusOf(octokitFor(server, MAINTAINER).request(JOBS, { ...repo, run_id: 1 }))).toBe(200);
    // Every token of a login at once.
    server.emulator.setUserActions('github-actions[bot]', 'none');
    expect(await statusOf(octokitFor(server, BOT).request(JOBS, { ...repo, run_id: 1 }))).toBe(403);
    server.emulator.setUserActions('github-actions[bot]', 'read');
    expect(await statusOf(octokitFor(server, 'ghs_no_actions').request(JOBS, { ...repo, run_id: 1 }))).toBe(
      200,
    );
    const bad = await control(server.url, 'POST', 'users', {
      login: 'x',
      id: 3,
      token: 't',
      actions: 'maybe',
    });
    expect(bad.status).toBe(400);
  });

  it('answers 304 to the ETag while nothing changed, free, and 200 once a job completed', async () => {
    const clock = manualClock();
    const server = await serve({ clock });
    const job = await addJob(server.url, { run_id: 3, name: 'p2p-execute (1)', runner_name: 'r1' });
    const api = octokitFor(server);
    const first = await api.request(JOBS, { ...repo, run_id: 3 });
    const etag = first.headers.etag!;
    const again = () => api.request(JOBS, { ...repo, run_id: 3, headers: { 'if-none-match': etag } });
    expect(await statusOf(again())).toBe(304);
    expect(server.emulator.stats()).toMatchObject({ counted: 1, notModified: 1 });

    clock.advance(5_000);
    const patched = await control(server.url, 'PATCH', `jobs/${job.id}`, {
      status: 'completed',
      conclusion: 'failure',
    });
    expect(patched.status).toBe(200);
    const ended = (await patched.json()) as Job;
    expect(ended).toMatchObject({ status: 'completed', conclusion: 'failure', started_at: job.started_at });
    expect(Date.parse(ended.completed_at as string)).toBe(Math.floor(clock.now() / 1000) * 1000);
    const after = await again();
    expect(after.status).toBe(200);
    expect(after.data.jobs[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(after.headers.etag).not.toBe(etag);
    expect(server.emulator.stats().byRoute['GET /repos/:owner/:repo/actions/runs/:n/jobs']).toBe(2);
  });

  it('lags behind the jobs’ changes like every read', async () => {
    const clock = manualClock();
    const server = await serve({ clock, listingLagMs: 1_000 });
    const api = octokitFor(server);
    const jobs = async () => (await api.request(JOBS, { ...repo, run_id: 8, filter: 'all' })).data.jobs;
    const job = server.emulator.addJob({ run_id: 8, name: 'p2p-execute (1)' });
    expect(await jobs()).toEqual([]);
    clock.advance(1_000);
    expect((await jobs()).map((j) => j.status)).toEqual(['in_progress']);
    server.emulator.updateJob(job.id as number, { conclusion: 'cancelled' });
    expect((await jobs()).map((j) => j.status)).toEqual(['in_progress']);
    clock.advance(1_000);
    expect((await jobs()).map((j) => [j.status, j.conclusion])).toEqual([['completed', 'cancelled']]);
  });

  it('adds and moves jobs through the control routes, refusing what makes no sense', async () => {
    const clock = manualClock(Date.parse('2026-11-21T00:00:00Z'));
    const server = await serve({ clock });
    const queued = await addJob(server.url, {
      run_id: 6,
      name: 'p2p-execute (1)',
      runner_name: 'r',
      status: 'queued',
    });
    // A queued job has no runner yet.
    expect(queued).toMatchObject({ status: 'queued', runner_name: null, runner_id: null, conclusion: null });
    clock.advance(3_000);
    const started = await control(server.url, 'PATCH', `jobs/${queued.id}`, { status: 'in_progress' });
    expect(await started.json()).toMatchObject({
      status: 'in_progress',
      runner_name: 'r',
      created_at: '2026-11-21T00:00:00Z',
      started_at: '2026-11-21T00:00:03Z',
    });
    const done = await control(server.url, 'PATCH', `jobs/${queued.id}`, { status: 'completed' });
    expect(await done.json()).toMatchObject({ conclusion: 'success', completed_at: '2026-11-21T00:00:03Z' });
    expect((await control(server.url, 'PATCH', 'jobs/123', { status: 'completed' })).status).toBe(404);
    expect((await control(server.url, 'POST', 'jobs', { run_id: 6 })).status).toBe(400);
    expect((await control(server.url, 'POST', 'jobs', { name: 'x' })).status).toBe(400);
    expect((await control(server.url, 'POST', 'jobs', { run_id: 6, name: 'x', status: 'gone' })).status).toBe(
      400,
    );
    expect(
      (
        await control(server.url, 'PATCH', `jobs/${queued.id}`, {
          status: 'in_progress',
          conclusion: 'failure',
        })
      ).status,
    ).toBe(400);
    const listed = (await (await control(server.url, 'GET', 'jobs?run_id=6')).json()) as Job[];
    expect(listed.map((j) => j.id)).toEqual([queued.id]);
    expect(server.emulator.jobs(6)).toHaveLength(1);
    expect(server.emulator.stats().requests).toBe(0);
  });
});
