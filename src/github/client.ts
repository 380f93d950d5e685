// The one way this action talks to GitHub: an Octokit with the throttling and retry plugins, aimed at
// GITHUB_API_URL (or any base URL, such as a test emulator), counting every HTTP request it makes, reading
// the server's clock off each response, and abandoning a request that takes longer than its time limit.
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import Bottleneck from 'bottleneck';
import { ServerClock } from '../server-clock.js';
import { TroubleLog } from './trouble.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, timeLimited, type PendingRequest } from './time-limit.js';
import { spreadMs } from './write-back-off.js';

export type Octokit = ReturnType<typeof getOctokit>;

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
}

export const quietLogger: Logger = { debug: () => {}, info: () => {}, warning: () => {} };

/** Requests as GitHub counts them: a 304 is free; content-creating requests have limits of their own. */
export interface ApiStats {
  /** Every HTTP request sent, retries included. */
  requests: number;
  /** Requests that count against the primary rate limit (not 304s). */
  counted: number;
  /** Conditional requests answered 304 Not Modified. */
  notModified: number;
  /** Content-creating requests (POSTs that create comments, issues, pull requests, reactions, refs). */
  writes: number;
  /** Every POST, PATCH, PUT and DELETE. */
  mutations: number;
  /** Answers of 5xx, 429, rate limits and network failures. */
  faults: number;
  /** Reads of the Actions API (the run's jobs, for liveness), 304s included; and those that counted. */
  actions: number;
  actionsCounted: number;
}

export interface ClientOptions {
  token: string;
  /** The GitHub App whose installation token `token` is (app-slug): the client writes as `<slug>[bot]`. */
  appSlug?: string;
  baseUrl: string;
  owner: string;
  repo: string;
  log?: Logger;
  /** A fetch to use instead of the global one (tests, the in-process simulation). */
  fetch?: typeof fetch;
  clock?: ServerClock;
  /** Retries of 5xx answers (plugin-retry); default 3. */
  retries?: number;
  /** Scales plugin-retry's back-off (1 s, 4 s, 9 s at 1000). */
  retryBaseMs?: number;
  /**
   * How long one request may take, headers and body (`request-timeout-s`); past it the request is abandoned
   * and retried like a 5xx. Default DEFAULT_REQUEST_TIMEOUT_MS (30 s).
   */
  requestTimeoutMs?: number;
  /**
   * plugin-throttling keeps its limiters per process, keyed by this id: clients in one process that stand for
   * different machines (the simulation's nodes) need ids of their own.
   */
  throttleId?: string;
  /**
   * How many nodes write as this identity at once (the matrix): past SPREAD_PAST_WRITERS, a write refused by a
   * secondary limit again is spread out from the others' (writeBackOffMs). Default 1.
   */
  writers?: number;
}

/**
 * The primary budget as GitHub's answers show it (`x-ratelimit-*`). GITHUB_TOKEN's is the repository's, shared
 * with every other job and workflow there: a run that spends it all starves them.
 */
export interface RateBudget {
  /** Undefined until an answer carried the headers. */
  limit?: number;
  remaining?: number;
  /** Epoch ms of the next reset. */
  resetAt?: number;
  /** The least that was left, over the client's life. */
  lowest?: number;
  /**
   * The longest time from an answer to the reset it named: the budget's window (an hour on GitHub), as far as
   * the client can tell. A request that misses the rush at one reset may wait about this long for the next.
   */
  windowMs?: number;
}

/** Below a fifth of the budget, optional reads wait longer: the rest of the repository needs some. */
export const LOW_BUDGET_SHARE = 0.2;

export function budgetIsLow(budget: RateBudget): boolean {
  return (
    budget.limit !== undefined &&
    budget.remaining !== undefined &&
    budget.remaining < budget.limit * LOW_BUDGET_SHARE
  );
}

export interface GitHubClient {
  octokit: Octokit;
  owner: string;
  repo: string;
  stats: ApiStats;
  budget: RateBudget;
  /**
   * How long requests were held back by GitHub's limits (the waits the throttling plugin took), in all, ms;
   * and until when (local ms) the last such wait lasts.
   */
  heldBack: { ms: number; until?: number };
  /** The requests on their way, oldest first. */
  inFlight: ReadonlySet<PendingRequest>;
  /** When GitHub was failing this client or holding it back (server time): silence then proves nothing. */
  trouble: TroubleLog;
  clock: ServerClock;
  log: Logger;
  /** The GitHub App whose installation token this is, when the workflow said (app-slug). */
  appSlug?: string;
}

const CONTENT_CREATING = /\/(issues|comments|pulls|reactions|git\/refs|labels)(\/?$|\?)/;

export function emptyStats(): ApiStats {
  return {
    requests: 0,
    counted: 0,
    notModified: 0,
    writes: 0,
    mutations: 0,
    faults: 0,
    actions: 0,
    actionsCounted: 0,
  };
}

export function createClient(options: ClientOptions): GitHubClient {
  const log = options.log ?? quietLogger;
  const clock = options.clock ?? new ServerClock();
  const stats = emptyStats();
  const budget: RateBudget = {};
  const heldBack: GitHubClient['heldBack'] = { ms: 0 };
  const trouble = new TroubleLog();
  const inFlight = new Set<PendingRequest>();
  const limitMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // The time limit is inside the counting: a request abandoned is a fault, its span one of trouble.
  const baseFetch = timeLimited(options.fetch ?? globalThis.fetch, {
    limitMs,
    pending: inFlight,
    onTimeout: (error) => log.warning(`${error.message}; abandoned (retried like a 5xx)`),
  });
  const octokit = getOctokit(
    options.token,
    {
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      log: {
        debug: () => {},
        info: () => {},
        warn: (message: string) => log.debug(`octokit: ${message}`),
        error: (message: string) => log.debug(`octokit: ${message}`),
      },
      request: { fetch: countingFetch(baseFetch, { clock, stats, budget, trouble }) },
      retry: {
        retries: options.retries ?? 3,
        retryAfterBaseValue: options.retryBaseMs ?? 1000,
        // Limits (403, 429) are plugin-throttling's, which waits as long as the server asks.
        doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
      },
      throttle: throttleOptions(options.throttleId, log, options.writers ?? 1, (ms) => {
        heldBack.ms += ms;
        heldBack.until = Math.max(heldBack.until ?? 0, clock.localNow() + ms);
        trouble.held(clock.now(), ms);
      }),
    },
    retry,
    throttling,
  );
  ownRequestOptions(octokit);
  return {
    octokit,
    owner: options.owner,
    repo: options.repo,
    stats,
    budget,
    heldBack,
    inFlight,
    trouble,
    clock,
    log,
    ...(options.appSlug ? { appSlug: options.appSlug } : {}),
  };
}

/**
 * Give every request its own `request` options. Octokit hands each call the client's default `request`
 * object itself unless the call passes one, and plugin-retry writes its retry count there: after one request
 * had used its three retries, the next request's first retry waited (4 + 1)² = 25 s instead of 1 s, and every
 * node sat silent through it (issue 19's stall under ghost writes). The hook runs before plugin-retry's.
 */
function ownRequestOptions(octokit: Octokit): void {
  octokit.hook.before('request', (options) => {
    options.request = { ...options.request };
  });
}

/** What `countingFetch` keeps up to date. */
interface FetchRecords {
  clock: ServerClock;
  stats: ApiStats;
  budget: RateBudget;
  trouble: TroubleLog;
}

/**
 * `baseFetch`, counting each request in `stats`, reading the server's clock and budget off each answer, and
 * noting in `trouble` when GitHub failed or limited it.
 */
function countingFetch(baseFetch: typeof fetch, records: FetchRecords): typeof fetch {
  const { clock, stats, budget, trouble } = records;
  return async (input, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const sentAt = clock.localNow();
    const sentServer = clock.now();
    stats.requests += 1;
    if (method !== 'GET' && method !== 'HEAD') stats.mutations += 1;
    let response: Response;
    try {
      response = await baseFetch(input, init);
    } catch (error) {
      stats.faults += 1;
      trouble.failed(sentServer, clock.now());
      throw error;
    }
    clock.observe(response.headers.get('date') ?? undefined, sentAt, clock.localNow());
    noteBudget(budget, response.headers);
    if (countAnswer(stats, method, url, response)) trouble.failed(sentServer, clock.now());
    else trouble.good(clock.now());
    return await asSecondaryLimit(response);
  };
}

/**
 * Count an answer as GitHub does: 304s free, Actions reads apart, faults, content-creating writes. Returns
 * whether it was a fault (a 5xx, a 429, a rate limit).
 */
function countAnswer(stats: ApiStats, method: string, url: string, response: Response): boolean {
  const pathname = new URL(url).pathname;
  const actions = /\/actions\//.test(pathname);
  if (actions) stats.actions += 1;
  if (response.status === 304) stats.notModified += 1;
  else if (!pathname.endsWith('/rate_limit')) {
    stats.counted += 1;
    if (actions) stats.actionsCounted += 1;
  }
  const fault = isFault(response);
  if (fault) stats.faults += 1;
  if (method === 'POST' && response.status < 300 && CONTENT_CREATING.test(new URL(url).pathname))
    stats.writes += 1;
  return fault;
}

/** A 5xx, a 429, or a 403 that is a limit (with `retry-after`, the primary budget used up, or said so). */
function isFault(response: Response): boolean {
  const { status, headers } = response;
  if (status >= 500 || status === 429) return true;
  if (status !== 403) return false;
  return !!headers.get('retry-after') || headers.get('x-ratelimit-remaining') === '0';
}

/** A request plugin-throttling is about to send again after a limit, as its handlers get it. */
interface LimitedRequest {
  method: string;
  url: string;
}

/**
 * plugin-throttling writes its count of limit waits into the request's `retryCount`, where plugin-retry keeps
 * its own and computes its back-off from, (count + 1)² s: after nine limits on one request, its first 5xx
 * waited 100 s (the simulation, seed 696). A request sent again after a limit backs off a 5xx from 1 s.
 */
function freshBackOff(request: LimitedRequest): void {
  const options = (request as { request?: { retryCount?: number } }).request;
  if (options) options.retryCount = 0;
}

/** plugin-throttling's settings: how writes are spaced, and what it does (and logs) when a limit is hit. */
function throttleOptions(
  throttleId: string | undefined,
  log: Logger,
  writers: number,
  holdBack: (ms: number) => void,
) {
  return {
    ...(throttleId ? { id: throttleId } : {}),
    // The plugin spaces every write 1 s apart and every comment 3 s apart. The protocol already keeps a
    // node's writes few and far between (a claim, a few heartbeats minutes apart, an outcome), and the
    // spacing sat on the critical path of each claim; writes stay one at a time, comments 1 s apart.
    write: new Bottleneck.Group({ id: 'p2p-dev-write', maxConcurrent: 1, minTime: 0 }),
    notifications: new Bottleneck.Group({ id: 'p2p-dev-notifications', maxConcurrent: 1, minTime: 1000 }),
    onRateLimit: (retryAfter: number, request: LimitedRequest, _octokit: unknown, retryCount: number) => {
      if (retryAfter < 1 && retryCount >= 1) {
        // The answer names no reset to wait for (or one already past): retrying at once, again and again,
        // would hammer the server. The caller's growing pauses take over.
        log.warning(
          `GitHub's rate limit is used up and the answer names no reset ahead; backing off before retrying ${request.method} ${request.url}`,
        );
        return false;
      }
      log.warning(
        `GitHub's rate limit is used up: waiting ${retryAfter}s for the reset before retrying ${request.method} ${request.url}`,
      );
      holdBack(retryAfter * 1000);
      freshBackOff(request);
      return true;
    },
    onSecondaryRateLimit: async (
      retryAfter: number,
      request: LimitedRequest,
      _octokit: unknown,
      limitsBefore: number,
    ) => {
      const extraMs = spreadMs(request.method, writers, retryAfter, limitsBefore, Math.random());
      log.warning(
        `GitHub's secondary rate limit: waiting ${Math.round(retryAfter + extraMs / 1000)}s before retrying ${request.method} ${request.url}${extraMs > 0 ? ` (${limitsBefore + 1} limits in a row: spread out from the other writers)` : ''}`,
      );
      holdBack(retryAfter * 1000 + extraMs);
      if (extraMs > 0) await new Promise((resolve) => setTimeout(resolve, extraMs));
      freshBackOff(request);
      return true;
    },
  };
}

function noteBudget(budget: RateBudget, headers: Headers): void {
  const limit = Number(headers.get('x-ratelimit-limit'));
  const remaining = Number(headers.get('x-ratelimit-remaining'));
  if (!headers.get('x-ratelimit-remaining') || !Number.isFinite(remaining) || !(limit > 0)) return;
  if (headers.get('x-ratelimit-resource') && headers.get('x-ratelimit-resource') !== 'core') return;
  budget.limit = limit;
  budget.remaining = remaining;
  budget.lowest = Math.min(budget.lowest ?? remaining, remaining);
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (!(reset > 0)) return;
  budget.resetAt = reset * 1000;
  const date = Date.parse(headers.get('date') ?? '');
  if (Number.isFinite(date) && budget.resetAt > date)
    budget.windowMs = Math.max(budget.windowMs ?? 0, budget.resetAt - date);
}

/**
 * plugin-throttling knows a secondary limit only by the words "secondary rate" in the message; plugin-retry
 * would retry any other 429 (or 403 with `retry-after`) after 1 s, 4 s and 9 s, whatever the server asked.
 * Such an answer is given those words, so that the wait it asks for (`retry-after`) is honoured. A used-up
 * primary limit (`x-ratelimit-remaining: 0`) is left alone: plugin-throttling waits for its reset.
 */
async function asSecondaryLimit(response: Response): Promise<Response> {
  if (response.status !== 429 && response.status !== 403) return response;
  if (response.headers.get('x-ratelimit-remaining') === '0') return response;
  if (response.status === 403 && !response.headers.get('retry-after')) return response;
  const text = await response.clone().text();
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) data = parsed as Record<string, unknown>;
  } catch {
    // not JSON: the text becomes the message
  }
  const message = typeof data.message === 'string' ? data.message : text.trim() || response.statusText;
  if (/\bsecondary rate\b/i.test(message)) return response;
  const headers = new Headers(response.headers);
  headers.set('content-type', 'application/json; charset=utf-8');
  headers.delete('content-length');
  return new Response(
    JSON.stringify({ ...data, message: `${message || 'Too Many Requests'} (a secondary rate limit)` }),
    { status: response.status, statusText: response.statusText, headers },
  );
}

/** The HTTP status of an Octokit error, if it has one (a 304 arrives as a thrown RequestError). */
export function statusOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number') {
    return error.status;
  }
  return undefined;
}
