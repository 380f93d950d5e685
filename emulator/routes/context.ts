// What a route handler gets (the store, who asks, when, as of when reads are served) and what it returns.
import type { EmulatorConfig } from '../config.js';
import type { RateSnapshot } from '../rate-limits.js';
import type { Store, User } from '../state.js';

export interface RouteContext {
  store: Store;
  config: EmulatorConfig;
  owner: string;
  repo: string;
  user: User;
  now: number;
  /** Reads see the state as of this time (read-replica lag); writes use `now`. */
  readAt: number;
  /** Scheme, host and port the client used, for absolute URLs in Link headers and `url` fields. */
  origin: string;
  url: URL;
  rate: RateSnapshot;
}

export interface RouteResult {
  status: number;
  data: unknown;
  headers?: Record<string, string>;
}

export type Body = Record<string, unknown>;
export type Handler = (ctx: RouteContext, params: string[], body: Body) => RouteResult;
export type Route = [method: string, pattern: RegExp, handler: Handler];

/** Where github.com would show things. */
/** The start of every repository route: `/repos/{owner}/{repo}`. */
export const REPO = String.raw`^/repos/[^/]+/[^/]+`;
/** A repository route's pattern: `/repos/{owner}/{repo}` and then `rest`, to the end. */
export const path = (rest: string): RegExp => new RegExp(`${REPO}${rest}$`);

export const HTML = 'https://github.example';
export const DOCS = 'https://docs.github.com/rest';

export const ok = (data: unknown, headers?: Record<string, string>): RouteResult =>
  headers ? { status: 200, data, headers } : { status: 200, data };
export const created = (data: unknown): RouteResult => ({ status: 201, data });
export const notFound = (): RouteResult => ({
  status: 404,
  data: { message: 'Not Found', documentation_url: DOCS },
});
export const forbidden = (message: string): RouteResult => ({
  status: 403,
  data: { message, documentation_url: DOCS },
});
export const invalid = (errors: unknown[] = [], message = 'Validation Failed'): RouteResult => ({
  status: 422,
  data: { message, errors, documentation_url: DOCS },
});
export const missing = (resource: string, field: string): RouteResult =>
  invalid([{ resource, code: 'missing_field', field }]);

export const MAX_BODY = 65_536;
export const tooLong = (resource: string): RouteResult =>
  invalid([
    {
      resource,
      code: 'custom',
      field: 'body',
      message: `body is too long (maximum is ${MAX_BODY} characters)`,
    },
  ]);

const RANK: Record<string, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };
export const atLeast = (
  user: User,
  permission: 'read' | 'triage' | 'write' | 'maintain' | 'admin',
): boolean => (RANK[user.permission] ?? 0) >= RANK[permission]!;

/** Label names from `["a"]`, `[{"name":"a"}]` or `{"labels": ...}`. */
export function labelNames(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [];
  return list
    .map((l) => (typeof l === 'string' ? l : typeof l === 'object' && l && 'name' in l ? String(l.name) : ''))
    .filter((l) => l !== '');
}
