// Pull requests: create (one open pull per head), list (`head=owner:ref`, `state`), read, update; their reviews
// (as tests submit them: chronological, paged, lagged; a PENDING review shown to its author only) and a
// review's line comments.
import { created, invalid, MAX_BODY, missing, notFound, ok, tooLong, type Route, path } from './context.js';
import { paginate } from './pagination.js';
import { pullJson, reviewCommentJson, reviewJson } from './shapes.js';

const refOf = (head: unknown): string => String(head ?? '').replace(/^[^:]+:/, '');

export const pullRoutes: Route[] = [
  [
    'POST',
    path('/pulls'),
    (ctx, _p, body) => {
      const head = refOf(body.head);
      if (!head) return missing('PullRequest', 'head');
      if (typeof body.base !== 'string' || !body.base) return missing('PullRequest', 'base');
      if (typeof body.title !== 'string' || !body.title) return missing('PullRequest', 'title');
      if (typeof body.body === 'string' && body.body.length > MAX_BODY) return tooLong('PullRequest');
      if (head === body.base)
        return invalid([
          { resource: 'PullRequest', code: 'custom', message: `No commits between ${body.base} and ${head}` },
        ]);
      const open = [...ctx.store.issues.values()].find((i) => i.pull?.head === head && i.state === 'open');
      if (open)
        return invalid([
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${ctx.owner}:${head}.`,
          },
        ]);
      const issue = ctx.store.createIssue(
        ctx.user,
        ctx.now,
        { title: body.title, body: typeof body.body === 'string' ? body.body : '' },
        { head, base: body.base, draft: body.draft === true },
      );
      return created(pullJson(ctx, issue));
    },
  ],
  [
    'GET',
    path('/pulls'),
    (ctx) => {
      const head = ctx.url.searchParams.get('head');
      const base = ctx.url.searchParams.get('base');
      const state = ctx.url.searchParams.get('state') ?? 'open';
      const shown = [...ctx.store.issues.values()]
        .filter((i) => i.pull && i.createdAt <= ctx.readAt)
        .filter((i) => !head || i.pull!.head === refOf(head))
        .filter((i) => !base || i.pull!.base === base)
        .filter((i) => state === 'all' || i.state === state)
        .reverse(); // newest first
      const { page, headers } = paginate(ctx, shown);
      return ok(
        page.map((i) => pullJson(ctx, i)),
        headers,
      );
    },
  ],
  [
    'GET',
    path(String.raw`/pulls/(\d+)`),
    (ctx, [n]) => {
      const issue = ctx.store.issues.get(Number(n));
      return issue?.pull && issue.createdAt <= ctx.readAt ? ok(pullJson(ctx, issue)) : notFound();
    },
  ],
  [
    'PATCH',
    path(String.raw`/pulls/(\d+)`),
    (ctx, [n], body) => {
      const issue = ctx.store.issues.get(Number(n));
      if (!issue?.pull) return notFound();
      if (typeof body.body === 'string' && body.body.length > MAX_BODY) return tooLong('PullRequest');
      ctx.store.updateIssue(issue, ctx.now, {
        ...(typeof body.title === 'string' ? { title: body.title } : {}),
        ...(typeof body.body === 'string' ? { body: body.body } : {}),
        ...(body.state === 'open' || body.state === 'closed' ? { state: body.state } : {}),
      });
      return ok(pullJson(ctx, issue));
    },
  ],
  [
    'GET',
    path(String.raw`/pulls/(\d+)/reviews`),
    (ctx, [n]) => {
      const issue = ctx.store.issues.get(Number(n));
      if (!issue?.pull || issue.createdAt > ctx.readAt) return notFound();
      const reviews = ctx.store.checks.reviews.filter(
        (r) =>
          r.pull === issue.number &&
          r.submittedAt <= ctx.readAt &&
          (r.state !== 'PENDING' || r.user.id === ctx.user.id),
      );
      const { page, headers } = paginate(ctx, reviews);
      return ok(
        page.map((r) => reviewJson(ctx, r)),
        headers,
      );
    },
  ],
  [
    'GET',
    path(String.raw`/pulls/(\d+)/reviews/(\d+)/comments`),
    (ctx, [n, id]) => {
      const issue = ctx.store.issues.get(Number(n));
      if (!issue?.pull || issue.createdAt > ctx.readAt) return notFound();
      const review = ctx.store.checks.reviews.find(
        (r) =>
          r.id === Number(id) &&
          r.pull === issue.number &&
          r.submittedAt <= ctx.readAt &&
          (r.state !== 'PENDING' || r.user.id === ctx.user.id),
      );
      if (!review) return notFound();
      const { page, headers } = paginate(ctx, review.comments);
      return ok(
        page.map((c) => reviewCommentJson(ctx, review, c)),
        headers,
      );
    },
  ],
];
