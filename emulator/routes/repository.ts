// The account and repository: who am I, the rate limit, the repository, collaborator permissions.
import { forbidden, notFound, ok, type Route, path } from './context.js';
import { userJson } from './shapes.js';

/** How GitHub shows a permission in the `permission` field (maintain as write, triage as read). */
const LEGACY: Record<string, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none',
};

export const repositoryRoutes: Route[] = [
  [
    'GET',
    /^\/user$/,
    (ctx) =>
      // What GitHub answers GITHUB_TOKEN (an installation token) here.
      ctx.user.type === 'Bot' ? forbidden('Resource not accessible by integration') : ok(userJson(ctx.user)),
  ],
  [
    'GET',
    /^\/users\/([^/]+)$/,
    (ctx, [login]) => {
      const user = ctx.store.userByLogin(decodeURIComponent(login!));
      return user ? ok(userJson(user)) : notFound();
    },
  ],
  [
    'GET',
    /^\/rate_limit$/,
    (ctx) => {
      const { resource: _resource, ...core } = ctx.rate;
      return ok({
        resources: {
          core,
          search: { limit: 30, remaining: 30, reset: core.reset, used: 0 },
          graphql: { limit: 5000, remaining: 5000, reset: core.reset, used: 0 },
        },
        rate: core,
      });
    },
  ],
  [
    'GET',
    path(''),
    (ctx) =>
      ok({
        id: 424242,
        node_id: 'R_424242',
        name: ctx.repo,
        full_name: `${ctx.owner}/${ctx.repo}`,
        private: false,
        owner: { login: ctx.owner, id: 4242, type: 'Organization' },
        html_url: `https://github.example/${ctx.owner}/${ctx.repo}`,
        default_branch: 'main',
        has_issues: true,
        permissions: {
          admin: ctx.user.permission === 'admin',
          maintain: ['admin', 'maintain'].includes(ctx.user.permission),
          push: ['admin', 'maintain', 'write'].includes(ctx.user.permission),
          triage: ctx.user.permission !== 'read' && ctx.user.permission !== 'none',
          pull: ctx.user.permission !== 'none',
        },
      }),
  ],
  [
    'GET',
    path('/collaborators/([^/]+)/permission'),
    (ctx, [login]) => {
      const u = ctx.store.userByLogin(decodeURIComponent(login!));
      if (!u) return notFound();
      return ok({ permission: LEGACY[u.permission] ?? 'none', role_name: u.permission, user: userJson(u) });
    },
  ],
];
