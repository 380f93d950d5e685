// Checks and commit statuses: a commit's check runs (by sha or branch; check_name, status, filter latest|all;
// paged, newest first), one check run, the combined status (the latest status per context), and setting a
// status. Reads are lagged like every read; a ref the emulator cannot resolve has no commit.
import { SHA, STATUS_STATES, type StatusState, type StoredCheckRun } from '../checks-state.js';
import { JOB_STATUSES, type JobStatus } from '../job-state.js';
import {
  atLeast,
  created,
  DOCS,
  forbidden,
  HTML,
  invalid,
  notFound,
  ok,
  type RouteContext,
  type RouteResult,
  type Route,
  path,
} from './context.js';
import { paginate } from './pagination.js';
import { checkRunJson, statusJson } from './shapes.js';

const noCommit = (ref: string, status: 404 | 422): RouteResult => ({
  status,
  data: { message: `No commit found for SHA: ${ref}`, documentation_url: DOCS },
});

/** A ref in a path (`p2p%2Ftask-1`, or a sha). */
const refOf = (raw: string): string => {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
};

const checkRunsOf = (ctx: RouteContext, sha: string): StoredCheckRun[] =>
  ctx.store.checks.checkRuns.filter((r) => r.headSha === sha && r.createdAt <= ctx.readAt).reverse();

function listCheckRuns(ctx: RouteContext, raw: string): RouteResult {
  const ref = refOf(raw);
  const sha = ctx.store.checks.resolve(ref);
  if (!sha) return noCommit(ref, 422);
  const q = ctx.url.searchParams;
  const filter = q.get('filter') ?? 'latest';
  if (filter !== 'latest' && filter !== 'all')
    return invalid([{ resource: 'CheckRun', code: 'invalid', field: 'filter' }]);
  const status = q.get('status');
  if (status !== null && !JOB_STATUSES.includes(status as JobStatus))
    return invalid([{ resource: 'CheckRun', code: 'invalid', field: 'status' }]);
  const name = q.get('check_name');
  let runs = checkRunsOf(ctx, sha).filter((r) => name === null || r.name === name);
  if (filter === 'latest') {
    const seen = new Set<string>();
    runs = runs.filter((r) => {
      if (seen.has(r.name)) return false;
      seen.add(r.name);
      return true;
    });
  }
  const shown = runs
    .map((r) => ({ run: r, at: ctx.store.checks.checkAt(r, ctx.readAt) }))
    .filter((x) => status === null || x.at.status === status);
  const { page, headers } = paginate(ctx, shown);
  return ok(
    { total_count: shown.length, check_runs: page.map((x) => checkRunJson(ctx, x.run, x.at)) },
    headers,
  );
}

function combinedStatus(ctx: RouteContext, raw: string): RouteResult {
  const ref = refOf(raw);
  const sha = ctx.store.checks.resolve(ref);
  if (!sha) return noCommit(ref, 404);
  const { state, latest } = ctx.store.checks.combined(sha, ctx.readAt);
  const { page, headers } = paginate(ctx, latest);
  const api = `${ctx.origin}/repos/${ctx.owner}/${ctx.repo}`;
  return ok(
    {
      state,
      statuses: page.map((s) => statusJson(ctx, s)),
      sha,
      total_count: latest.length,
      repository: {
        id: 424242,
        node_id: 'R_424242',
        name: ctx.repo,
        full_name: `${ctx.owner}/${ctx.repo}`,
        private: false,
        owner: { login: ctx.owner, id: 4242, type: 'Organization' },
        html_url: `${HTML}/${ctx.owner}/${ctx.repo}`,
        url: api,
      },
      commit_url: `${api}/commits/${sha}`,
      url: `${api}/commits/${sha}/status`,
    },
    headers,
  );
}

const badStatus = (field: string, message: string): RouteResult =>
  invalid([{ resource: 'Status', code: 'custom', field, message }]);

function createStatus(ctx: RouteContext, raw: string, body: Record<string, unknown>): RouteResult {
  if (!atLeast(ctx.user, 'write'))
    return forbidden(
      ctx.user.type === 'Bot'
        ? 'Resource not accessible by integration'
        : 'Resource not accessible by personal access token',
    );
  const ref = refOf(raw);
  if (!SHA.test(ref)) return noCommit(ref, 422);
  if (!STATUS_STATES.includes(body.state as StatusState))
    return badStatus('state', 'state is not included in the list');
  const description = typeof body.description === 'string' ? body.description : null;
  if (description !== null && description.length > 140)
    return badStatus('description', 'description is too long (maximum is 140 characters)');
  const context = typeof body.context === 'string' && body.context !== '' ? body.context : 'default';
  const status = ctx.store.checks.addStatus({
    sha: ref.toLowerCase(),
    context,
    state: body.state as StatusState,
    description,
    targetUrl: typeof body.target_url === 'string' ? body.target_url : null,
    createdAt: ctx.now,
    creator: ctx.user,
  });
  const answer = created(statusJson(ctx, status, true));
  return {
    ...answer,
    headers: { location: `${ctx.origin}/repos/${ctx.owner}/${ctx.repo}/statuses/${status.sha}` },
  };
}

export const checkRoutes: Route[] = [
  ['GET', path('/commits/(.+)/check-runs'), (ctx, [ref]) => listCheckRuns(ctx, ref!)],
  [
    'GET',
    path(String.raw`/check-runs/(\d+)`),
    (ctx, [id]) => {
      const run = ctx.store.checks.checkRuns.find((r) => r.id === Number(id) && r.createdAt <= ctx.readAt);
      return run ? ok(checkRunJson(ctx, run, ctx.store.checks.checkAt(run, ctx.readAt))) : notFound();
    },
  ],
  ['GET', path('/commits/(.+)/status'), (ctx, [ref]) => combinedStatus(ctx, ref!)],
  ['POST', path('/statuses/([^/]+)'), (ctx, [sha], body) => createStatus(ctx, sha!, body)],
];
