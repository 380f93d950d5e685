// What the emulator counts: every request, the ones that cost rate limit, the free 304s, writes, faults.
import { REPO } from './routes/context.js';

export interface EmulatorStats {
  /** Every API request (not /_emulator/ control requests, not CORS preflights). */
  requests: number;
  /** Authenticated requests that cost rate limit: not 304s, not GET /rate_limit. */
  counted: number;
  /** Conditional requests answered 304 (free, as on GitHub). */
  notModified: number;
  /** Successful POSTs that created content: a comment, issue, pull request, reaction, label, ref or status. */
  contentCreating: number;
  /**
   * Successful requests the secondary content limit counts: those creations, and edits and deletes of
   * comments and issues.
   */
  contentCounted: number;
  /** POST/PATCH/PUT/DELETE requests. */
  mutations: number;
  /** Requests answered by an injected fault or an exhausted limit. */
  faultsInjected: number;
  /** Counted requests by route, such as `GET /repos/:owner/:repo/issues/:n/comments`. */
  byRoute: Record<string, number>;
  /** Counted requests by token. */
  byToken: Record<string, number>;
  /** Counted requests by login. */
  byUser: Record<string, number>;
}

export const emptyStats = (): EmulatorStats => ({
  requests: 0,
  counted: 0,
  notModified: 0,
  contentCreating: 0,
  contentCounted: 0,
  mutations: 0,
  faultsInjected: 0,
  byRoute: {},
  byToken: {},
  byUser: {},
});

/**
 * A route's name for the stats: ids and names in the path replaced by placeholders; a listing's later pages
 * and `since` listings told apart (`?since`, `?page=2+`).
 */
export function routeKey(method: string, path: string, query?: URLSearchParams): string {
  const named = path
    .replace(/^\/repos\/[^/]+\/[^/]+/, '/repos/:owner/:repo')
    .replace(/\/collaborators\/[^/]+/, '/collaborators/:username')
    .replace(/\/labels\/[^/]+$/, '/labels/:name')
    .replace(/\/commits\/.+\/(check-runs|status)$/, '/commits/:ref/$1')
    .replace(/\/statuses\/[^/]+$/, '/statuses/:sha')
    .replace(/\/\d+(?=\/|$)/g, '/:n');
  const marks = [
    ...(query?.has('since') ? ['since'] : []),
    ...(Number(query?.get('page') ?? 1) > 1 ? ['page=2+'] : []),
  ];
  return `${method} ${named}${marks.length > 0 ? `?${marks.join('&')}` : ''}`;
}

const CREATES = new RegExp(
  String.raw`${REPO}/(issues|pulls|labels|git/refs|issues/\d+/(comments|labels)|pulls/\d+/(comments|reviews)|issues/(\d+|comments/\d+)/reactions|statuses/[0-9a-fA-F]{40})$`,
);
const EDITS = new RegExp(String.raw`${REPO}/(issues|pulls|issues/comments)/\d+$`);
const DELETES = new RegExp(String.raw`${REPO}/issues/comments/\d+$`);

/** Whether a request creates content (a POST that makes a comment, issue, pull, reaction, label, ref, status). */
export function createsContent(method: string, path: string): boolean {
  return method === 'POST' && CREATES.test(path);
}

/**
 * Whether GitHub's secondary limit on content creation counts the request: content creation, and edits and
 * deletes of comments and issues (a heartbeat that edits a comment counts as much as a new comment).
 */
export function countsAsContent(method: string, path: string): boolean {
  return (
    createsContent(method, path) ||
    (method === 'PATCH' && EDITS.test(path)) ||
    (method === 'DELETE' && DELETES.test(path))
  );
}
