// The Actions API: workflow runs (as added by the test), their jobs (lagged like every read, paged, the latest
// attempt's or all of them, or one attempt's), one job, a job's logs (a redirect to the emulator's plain-text
// log URL, which needs no token, as GitHub's signed one). Each needs the token's `actions: read`.
import type { StoredJob } from '../state.js';
import {
  forbidden,
  invalid,
  notFound,
  ok,
  type RouteContext,
  type RouteResult,
  type Route,
  path,
} from './context.js';
import { paginate } from './pagination.js';
import { jobJson } from './shapes.js';

/** 403 for a token without `actions: read`, worded as GitHub words it for an App's token or a PAT. */
function refused(ctx: RouteContext): RouteResult | undefined {
  if ((ctx.user.actions ?? 'read') !== 'none') return undefined;
  return forbidden(
    ctx.user.type === 'Bot'
      ? 'Resource not accessible by integration'
      : 'Resource not accessible by personal access token',
  );
}

/** The highest attempt the run is known to have had (by its record or by its jobs). */
function lastAttempt(ctx: RouteContext, runId: number, jobs: readonly StoredJob[]): number {
  const run = ctx.store.workflowRuns.find((r) => r.id === runId);
  const recorded = typeof run?.run_attempt === 'number' ? run.run_attempt : 1;
  return Math.max(recorded, ...jobs.map((j) => j.runAttempt));
}

/** A run's jobs as a reader sees them (lagged), or undefined when neither the run nor any job of it exists. */
function jobsOfRun(ctx: RouteContext, runId: number): StoredJob[] | undefined {
  const all = ctx.store.jobs.filter((j) => j.runId === runId);
  if (all.length === 0 && !ctx.store.workflowRuns.some((r) => r.id === runId)) return undefined;
  return all.filter((j) => j.createdAt <= ctx.readAt).sort((a, b) => a.id - b.id);
}

function listing(ctx: RouteContext, jobs: readonly StoredJob[]): RouteResult {
  const { page, headers } = paginate(ctx, jobs);
  return ok(
    {
      total_count: jobs.length,
      jobs: page.map((j) => jobJson(ctx, j, ctx.store.jobAt(j, ctx.readAt))),
    },
    headers,
  );
}

export const actionRoutes: Route[] = [
  [
    'GET',
    path('/actions/runs'),
    (ctx) => {
      const denied = refused(ctx);
      if (denied) return denied;
      const q = ctx.url.searchParams;
      const filters: [string, string][] = [
        ['status', 'status'],
        ['branch', 'head_branch'],
        ['event', 'event'],
        ['head_sha', 'head_sha'],
      ];
      const runs = ctx.store.workflowRuns
        .filter((run) =>
          filters.every(([param, field]) => {
            const wanted = q.get(param);
            if (!wanted) return true;
            return run[field] === wanted || (param === 'status' && run.conclusion === wanted);
          }),
        )
        .slice()
        .reverse(); // newest first
      const { page, headers } = paginate(ctx, runs);
      return ok({ total_count: runs.length, workflow_runs: page }, headers);
    },
  ],
  [
    'GET',
    path(String.raw`/actions/runs/(\d+)`),
    (ctx, [id]) => {
      const denied = refused(ctx);
      if (denied) return denied;
      const run = ctx.store.workflowRuns.find((r) => r.id === Number(id));
      return run ? ok(run) : notFound();
    },
  ],
  [
    'GET',
    path(String.raw`/actions/runs/(\d+)/jobs`),
    (ctx, [id]) => {
      const denied = refused(ctx);
      if (denied) return denied;
      const filter = ctx.url.searchParams.get('filter') ?? 'latest';
      if (filter !== 'latest' && filter !== 'all')
        return invalid([{ resource: 'WorkflowJob', code: 'invalid', field: 'filter' }]);
      const jobs = jobsOfRun(ctx, Number(id));
      if (!jobs) return notFound();
      if (filter === 'all') return listing(ctx, jobs);
      const latest = lastAttempt(ctx, Number(id), jobs);
      return listing(
        ctx,
        jobs.filter((j) => j.runAttempt === latest),
      );
    },
  ],
  [
    'GET',
    path(String.raw`/actions/runs/(\d+)/attempts/(\d+)/jobs`),
    (ctx, [id, n]) => {
      const denied = refused(ctx);
      if (denied) return denied;
      const jobs = jobsOfRun(ctx, Number(id));
      const attempt = Number(n);
      const known = ctx.store.jobs.filter((j) => j.runId === Number(id));
      if (!jobs || attempt < 1 || attempt > lastAttempt(ctx, Number(id), known)) return notFound();
      return listing(
        ctx,
        jobs.filter((j) => j.runAttempt === attempt),
      );
    },
  ],
  [
    'GET',
    path(String.raw`/actions/jobs/(\d+)`),
    (ctx, [id]) => {
      const denied = refused(ctx);
      if (denied) return denied;
      const job = ctx.store.jobs.find((j) => j.id === Number(id) && j.createdAt <= ctx.readAt);
      return job ? ok(jobJson(ctx, job, ctx.store.jobAt(job, ctx.readAt))) : notFound();
    },
  ],
  [
    'GET',
    path(String.raw`/actions/jobs/(\d+)/logs`),
    (ctx, [id]) => {
      const denied = refused(ctx);
      if (denied) return denied;
      const job = ctx.store.jobs.find((j) => j.id === Number(id) && j.createdAt <= ctx.readAt);
      if (!job) return notFound();
      return { status: 302, data: null, headers: { location: `${ctx.origin}/_emulator/job-logs/${job.id}` } };
    },
  ],
];
