// Issues: create, read (lagged), list, update, labels (list, add, set, remove).
import type { StoredIssue } from '../state.js';
import {
  atLeast,
  created,
  DOCS,
  forbidden,
  invalid,
  labelNames,
  MAX_BODY,
  missing,
  notFound,
  ok,
  tooLong,
  type Body,
  type Route,
  type RouteContext,
  type RouteResult,
  path,
} from './context.js';
import { issueJson, labelJson } from './shapes.js';
import { paginate } from './pagination.js';

export const issueRoutes: Route[] = [
  [
    'POST',
    path('/issues'),
    (ctx, _p, body) => {
      if (typeof body.title !== 'string' || body.title === '') return missing('Issue', 'title');
      if (typeof body.body === 'string' && body.body.length > MAX_BODY) return tooLong('Issue');
      const issue = ctx.store.createIssue(ctx.user, ctx.now, {
        title: body.title,
        ...(typeof body.body === 'string' ? { body: body.body } : {}),
        labels: atLeast(ctx.user, 'triage') ? labelNames(body.labels) : [],
      });
      return created(issueJson(ctx, issue, ctx.now));
    },
  ],
  [
    'GET',
    path('/issues'),
    (ctx) => {
      const state = ctx.url.searchParams.get('state') ?? 'open';
      const wanted = (ctx.url.searchParams.get('labels') ?? '').split(',').filter((l) => l !== '');
      const shown = [...ctx.store.issues.values()]
        .filter((i) => i.createdAt <= ctx.readAt)
        .map((i) => issueJson(ctx, i, ctx.readAt))
        .filter((j) => state === 'all' || j.state === state)
        .filter((j) => {
          const names = (j.labels as { name: string }[]).map((l) => l.name.toLowerCase());
          return wanted.every((w) => names.includes(w.toLowerCase()));
        })
        .reverse(); // newest first, as GitHub sorts by default
      const { page, headers } = paginate(ctx, shown);
      return ok(page, headers);
    },
  ],
  [
    'GET',
    path(String.raw`/issues/(\d+)`),
    (ctx, [n]) => {
      const issue = ctx.store.issues.get(Number(n));
      return issue ? ok(issueJson(ctx, issue, ctx.readAt)) : notFound();
    },
  ],
  [
    'PATCH',
    path(String.raw`/issues/(\d+)`),
    (ctx, [n], body) => {
      const issue = ctx.store.issues.get(Number(n));
      if (!issue) return notFound();
      const own = issue.user.id === ctx.user.id;
      if (!own && !atLeast(ctx.user, 'triage')) return notFound();
      if (typeof body.body === 'string' && body.body.length > MAX_BODY) return tooLong('Issue');
      if (body.state !== undefined && body.state !== 'open' && body.state !== 'closed')
        return invalid([{ resource: 'Issue', code: 'invalid', field: 'state' }]);
      ctx.store.updateIssue(issue, ctx.now, {
        ...(typeof body.title === 'string' ? { title: body.title } : {}),
        ...(typeof body.body === 'string' ? { body: body.body } : {}),
        ...(body.state === 'open' || body.state === 'closed' ? { state: body.state } : {}),
        ...(Array.isArray(body.labels) && atLeast(ctx.user, 'triage')
          ? { labels: labelNames(body.labels) }
          : {}),
      });
      return ok(issueJson(ctx, issue, ctx.now));
    },
  ],
  [
    'GET',
    path(String.raw`/issues/(\d+)/labels`),
    (ctx, [n]) => {
      const issue = ctx.store.issues.get(Number(n));
      if (!issue) return notFound();
      const labels = ctx.store.issueAt(issue, ctx.readAt).labels.map((l) => labelJson(ctx.store.label(l)));
      const { page, headers } = paginate(ctx, labels);
      return ok(page, headers);
    },
  ],
  [
    'POST',
    path(String.raw`/issues/(\d+)/labels`),
    (ctx, [n], body) =>
      labelsChange(ctx, ctx.store.issues.get(Number(n)), body, (issue, names) => [...issue.labels, ...names]),
  ],
  [
    'PUT',
    path(String.raw`/issues/(\d+)/labels`),
    (ctx, [n], body) => labelsChange(ctx, ctx.store.issues.get(Number(n)), body, (_issue, names) => names),
  ],
  [
    'DELETE',
    path(String.raw`/issues/(\d+)/labels/([^/]+)`),
    (ctx, [n, name]) => {
      const issue = ctx.store.issues.get(Number(n));
      const label = decodeURIComponent(name!).toLowerCase();
      if (!issue) return notFound();
      if (!atLeast(ctx.user, 'triage')) return forbidden('Resource not accessible by integration');
      // GitHub's answer for a label the issue does not have (whether or not the repository has it).
      if (!issue.labels.some((l) => l.toLowerCase() === label))
        return { status: 404, data: { message: 'Label does not exist', documentation_url: DOCS } };
      ctx.store.updateIssue(issue, ctx.now, {
        labels: issue.labels.filter((l) => l.toLowerCase() !== label),
      });
      return ok(issue.labels.map((l) => labelJson(ctx.store.label(l))));
    },
  ],
];

function labelsChange(
  ctx: RouteContext,
  issue: StoredIssue | undefined,
  body: Body,
  next: (issue: StoredIssue, names: string[]) => string[],
): RouteResult {
  if (!issue) return notFound();
  if (!atLeast(ctx.user, 'triage')) return forbidden('Resource not accessible by integration');
  const names = labelNames(body.labels);
  if (names.length === 0 && !Array.isArray(body.labels)) return missing('Label', 'labels');
  ctx.store.updateIssue(issue, ctx.now, { labels: next(issue, names) });
  return ok(issue.labels.map((l) => labelJson(ctx.store.label(l))));
}
