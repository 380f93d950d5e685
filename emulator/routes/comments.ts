// Issue comments: list (lagged, paged, `since`), create, read (lagged), edit and delete (author only by default).
import { wholeSecond, type StoredComment } from '../state.js';
import {
  atLeast,
  created,
  forbidden,
  invalid,
  MAX_BODY,
  missing,
  notFound,
  ok,
  tooLong,
  type RouteContext,
  type RouteResult,
  type Route,
  path,
} from './context.js';
import { paginate } from './pagination.js';
import { commentJson } from './shapes.js';

/** Whether the asker may change this comment: its author, or (when so configured) anyone with write access. */
function mayChange(ctx: RouteContext, c: StoredComment): RouteResult | undefined {
  if (c.user.id === ctx.user.id) return undefined;
  if (ctx.config.commentEditors === 'write' && atLeast(ctx.user, 'write')) return undefined;
  return forbidden(
    ctx.user.type === 'Bot'
      ? 'Resource not accessible by integration'
      : 'You cannot edit the comments of other users.',
  );
}

function checkBody(body: unknown): RouteResult | undefined {
  if (typeof body !== 'string' || body === '') return missing('IssueComment', 'body');
  if (body.length > MAX_BODY) return tooLong('IssueComment');
  return undefined;
}

export const commentRoutes: Route[] = [
  [
    'GET',
    path(String.raw`/issues/(\d+)/comments`),
    (ctx, [n]) => {
      const issue = ctx.store.issues.get(Number(n));
      if (!issue) return notFound();
      const sinceText = ctx.url.searchParams.get('since');
      const since = sinceText ? Date.parse(sinceText) : -Infinity;
      if (Number.isNaN(since))
        return invalid([{ resource: 'IssueComment', code: 'invalid', field: 'since' }]);
      // `since` compares with updated_at as GitHub shows it: in whole seconds.
      const shown = ctx.store
        .commentsAt(issue.number, ctx.readAt)
        .filter((x) => wholeSecond(x.version.at) >= since);
      const { page, headers } = paginate(ctx, shown);
      return ok(
        page.map((x) => commentJson(ctx, x.comment, x.version)),
        headers,
      );
    },
  ],
  [
    'POST',
    path(String.raw`/issues/(\d+)/comments`),
    (ctx, [n], body) => {
      if (!ctx.store.issues.has(Number(n))) return notFound();
      const problem = checkBody(body.body);
      if (problem) return problem;
      const c = ctx.store.addComment(Number(n), ctx.user, body.body as string, ctx.now);
      return created(commentJson(ctx, c, c.versions[0]!));
    },
  ],
  [
    'GET',
    path(String.raw`/issues/comments/(\d+)`),
    (ctx, [id]) => {
      const c = ctx.store.comments.find((x) => x.id === Number(id));
      const v = c && ctx.store.versionAt(c, ctx.readAt);
      return c && v ? ok(commentJson(ctx, c, v)) : notFound();
    },
  ],
  [
    'PATCH',
    path(String.raw`/issues/comments/(\d+)`),
    (ctx, [id], body) => {
      const c = ctx.store.comment(Number(id));
      if (!c) return notFound();
      const refused = mayChange(ctx, c) ?? checkBody(body.body);
      if (refused) return refused;
      const v = ctx.store.editComment(c, body.body as string, ctx.now);
      return ok(commentJson(ctx, c, v));
    },
  ],
  [
    'DELETE',
    path(String.raw`/issues/comments/(\d+)`),
    (ctx, [id]) => {
      const c = ctx.store.comment(Number(id));
      if (!c) return notFound();
      const refused = mayChange(ctx, c);
      if (refused) return refused;
      ctx.store.deleteComment(c, ctx.now);
      return { status: 204, data: null };
    },
  ],
];
