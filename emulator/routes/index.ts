// The route table: the repository in the path must be the emulator's, then the first matching route answers.
import { actionRoutes } from './actions.js';
import { checkRoutes } from './checks.js';
import { notFound, type Body, type RouteContext, type RouteResult, type Route } from './context.js';
import { commentRoutes } from './comments.js';
import { issueRoutes } from './issues.js';
import { pullRoutes } from './pulls.js';
import { reactionRoutes } from './reactions.js';
import { repositoryRoutes } from './repository.js';

export type { RouteContext, RouteResult } from './context.js';

const ROUTES: Route[] = [
  ...repositoryRoutes,
  ...issueRoutes,
  ...commentRoutes,
  ...reactionRoutes,
  ...pullRoutes,
  ...actionRoutes,
  ...checkRoutes,
];

export function route(ctx: RouteContext, method: string, path: string, parsed: unknown): RouteResult {
  const repo = /^\/repos\/([^/]+)\/([^/]+)/.exec(path);
  if (
    repo &&
    (decodeURIComponent(repo[1]!).toLowerCase() !== ctx.owner.toLowerCase() ||
      decodeURIComponent(repo[2]!).toLowerCase() !== ctx.repo.toLowerCase())
  )
    return notFound();
  // A bare JSON array is the body of the label endpoints.
  const body: Body = Array.isArray(parsed)
    ? { labels: parsed }
    : parsed && typeof parsed === 'object'
      ? (parsed as Body)
      : {};
  for (const [m, pattern, handler] of ROUTES) {
    if (m !== method) continue;
    const match = pattern.exec(path);
    if (match) return handler(ctx, match.slice(1), body);
  }
  return notFound();
}
