// Reactions on issues and on issue comments.
import { created, invalid, notFound, ok, type Route, type RouteContext } from './context.js';
import { paginate } from './pagination.js';
import { reactionJson, REACTIONS } from './shapes.js';

const SUBJECT = String.raw`^/repos/[^/]+/[^/]+/issues/(comments/\d+|\d+)/reactions$`;

function exists(ctx: RouteContext, subject: string, at: number): boolean {
  if (subject.startsWith('comments/')) {
    const c = ctx.store.comments.find((x) => x.id === Number(subject.slice('comments/'.length)));
    return c !== undefined && ctx.store.versionAt(c, at) !== undefined;
  }
  return ctx.store.issues.has(Number(subject));
}

export const reactionRoutes: Route[] = [
  [
    'POST',
    new RegExp(SUBJECT),
    (ctx, [subject], body) => {
      if (!exists(ctx, subject!, ctx.now)) return notFound();
      if (typeof body.content !== 'string' || !REACTIONS.includes(body.content))
        return invalid([{ resource: 'Reaction', code: 'invalid', field: 'content' }]);
      const before = ctx.store.reactions.length;
      const r = ctx.store.addReaction(subject!, ctx.user, body.content, ctx.now);
      // GitHub answers 200 with the existing reaction when the same user reacts the same way again.
      return ctx.store.reactions.length > before ? created(reactionJson(r)) : ok(reactionJson(r));
    },
  ],
  [
    'GET',
    new RegExp(SUBJECT),
    (ctx, [subject]) => {
      if (!exists(ctx, subject!, ctx.readAt)) return notFound();
      const content = ctx.url.searchParams.get('content');
      const shown = ctx.store.reactions
        .filter((r) => r.subject === subject && r.createdAt <= ctx.readAt)
        .filter((r) => !content || r.content === content);
      const { page, headers } = paginate(ctx, shown);
      return ok(page.map(reactionJson), headers);
    },
  ],
];
