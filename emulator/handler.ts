// The emulator's front door. A request goes through latency, outage, authentication, the primary rate limit,
// queued and random faults and the secondary limit before its route; GETs get an ETag and answer 304 to it.
// By default the limits are GitHub's: 1,000 requests an hour for a bot identity on the repository, 5,000 for
// a user, 80 content-creating requests a minute and 500 an hour per identity.
// `handle` works on plain objects; `fetch` makes it a drop-in fetch for Octokit, with no sockets at all.
import { createHash } from 'node:crypto';
import { realSleep, seededRandom, type Clock } from './clock.js';
import {
  configKeysOf,
  DEFAULT_CONFIG,
  mergeConfig,
  type ConfigPatch,
  type EmulatorConfig,
} from './config.js';
import { controlRoute } from './control.js';
import { FaultQueue, type Fault } from './faults.js';
import {
  CORS_HEADERS,
  fetchVia,
  lowerCaseKeys,
  type EmulatorRequest,
  type EmulatorResponse,
  type FetchLike,
} from './http.js';
import { RateLimiter, type RateSnapshot } from './rate-limits.js';
import { Responder, SERVER_ERROR } from './responses.js';
import { route, type RouteContext } from './routes/index.js';
import { DOCS } from './routes/context.js';
import { EmulatedRepository } from './repository.js';
import type { User } from './state.js';
import { countsAsContent, createsContent, emptyStats, routeKey, type EmulatorStats } from './stats.js';

export { CORS_HEADERS, type EmulatorRequest, type EmulatorResponse, type EmulatorStats };

export interface EmulatorOptions extends ConfigPatch {
  clock?: Clock;
  /** How latency is waited out; inject a virtual one for a simulation. */
  sleep?: (ms: number) => Promise<void>;
  /** Seed of the PRNG behind latency, jitter and random failures. */
  seed?: number;
  owner?: string;
  repo?: string;
  /** Replaces the default users. */
  users?: User[];
  /** Initial config (the same keys may also be given at the top level). */
  config?: ConfigPatch;
  /** How many answered requests the request log keeps (REQUEST_LOG_SIZE unless set). */
  requestLogSize?: number;
}

/** How many answered requests the request log keeps. */
export const REQUEST_LOG_SIZE = 20_000;

/** One API request as the request log keeps it: when (emulator time), how long, what, whose, the answer. */
export interface LoggedRequest {
  at: number;
  ms: number;
  method: string;
  path: string;
  login: string | undefined;
  /** The token it was sent with (the emulator's tokens are its own, never real ones). */
  token: string | undefined;
  /** The status answered, 'reset' for a connection reset, 'hang' for a connection left hanging. */
  status: number | 'reset' | 'hang';
}

export class GitHubEmulator extends EmulatedRepository {
  config: EmulatorConfig;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly faults = new FaultQueue();
  private readonly limits = new RateLimiter(() => this.config);
  private readonly responses: Responder;
  private statsData = emptyStats();
  private readonly loggedRequests: LoggedRequest[] = [];
  private readonly requestLogSize: number;

  constructor(options: EmulatorOptions = {}) {
    super(options);
    this.responses = new Responder(this.clock);
    this.sleep = options.sleep ?? realSleep;
    this.random = seededRandom(options.seed ?? 1);
    this.requestLogSize = options.requestLogSize ?? REQUEST_LOG_SIZE;
    this.config = mergeConfig(mergeConfig(DEFAULT_CONFIG, configKeysOf(options)), options.config ?? {});
  }

  configure(patch: ConfigPatch): EmulatorConfig {
    this.config = mergeConfig(this.config, patch);
    return this.config;
  }

  queueFaults(faults: Fault[]): void {
    this.faults.add(faults, this.now());
  }

  /** Faults still queued (not outages or exhausted limits). */
  pendingFaults(): Fault[] {
    return this.faults.pending();
  }

  clearFaults(): void {
    this.faults.clear();
  }

  stats(): EmulatorStats {
    return structuredClone(this.statsData);
  }

  resetStats(): void {
    this.statsData = emptyStats();
  }

  // ---- HTTP ----

  /** A fetch for Octokit: `new Octokit({ request: { fetch: emulator.fetch } })`. */
  fetch: FetchLike = fetchVia((req) => this.handle(req));

  /** The API requests answered, oldest first (the last `requestLogSize`). */
  requestLog(): LoggedRequest[] {
    return this.loggedRequests.slice();
  }

  async handle(req: EmulatorRequest): Promise<EmulatorResponse> {
    const sent = this.now();
    const response = await this.respond(req);
    const path = new URL(req.url, 'http://127.0.0.1').pathname;
    if (!path.startsWith('/_emulator') && req.method.toUpperCase() !== 'OPTIONS') {
      const token = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(
        lowerCaseKeys(req.headers).authorization ?? '',
      )?.[1];
      this.loggedRequests.push({
        at: sent,
        ms: this.now() - sent,
        method: req.method.toUpperCase(),
        path,
        login: token ? this.store.userByToken(token)?.login : undefined,
        token,
        status: response.reset ? 'reset' : response.hang ? 'hang' : response.status,
      });
      if (this.loggedRequests.length > this.requestLogSize) this.loggedRequests.shift();
    }
    return response;
  }

  private async respond(req: EmulatorRequest): Promise<EmulatorResponse> {
    const url = new URL(req.url, 'http://127.0.0.1');
    const headers = lowerCaseKeys(req.headers);
    const origin = headers.host ? `http://${headers.host}` : url.origin;
    const method = req.method.toUpperCase();
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (method === 'OPTIONS')
      return {
        status: 204,
        headers: { ...CORS_HEADERS, date: new Date(this.now()).toUTCString() },
        body: '',
      };
    if (path.startsWith('/_emulator/') || path === '/_emulator')
      return controlRoute(this, method, path, url, req.body, origin);

    const latency = this.config.latencyMs;
    const delay = Array.isArray(latency) ? latency[0] + this.random() * (latency[1] - latency[0]) : latency;
    if (delay > 0) await this.sleep(delay);

    const now = this.now();
    const stats = this.statsData;
    stats.requests += 1;
    if (method !== 'GET' && method !== 'HEAD') stats.mutations += 1;

    if (now < this.faults.downUntil) {
      stats.faultsInjected += 1;
      if ((this.faults.downMode ?? this.config.downMode) === 'reset')
        return { status: 0, headers: {}, body: '', reset: true };
      return this.json(503, { message: 'Service Unavailable' }, now);
    }

    const token = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
    const user = token ? this.store.userByToken(token) : undefined;
    if (!user) {
      const anonymous: RateSnapshot = {
        limit: 60,
        remaining: 60,
        reset: Math.ceil((now + 3_600_000) / 1000),
        used: 0,
        resource: 'core',
      };
      return this.json(
        401,
        { message: 'Bad credentials', documentation_url: DOCS },
        now,
        RateLimiter.headers(anonymous),
      );
    }

    const free = path === '/rate_limit';
    const bucket = this.limits.bucketOf(user, this.owner, this.repo);
    const rate = (): Record<string, string> =>
      RateLimiter.headers(this.limits.snapshot(bucket, now, this.faults.limitedUntil));
    const count = (): void => {
      if (free) return;
      this.limits.consume(bucket, now);
      stats.counted += 1;
      const key = routeKey(method, path, url.searchParams);
      stats.byRoute[key] = (stats.byRoute[key] ?? 0) + 1;
      stats.byToken[user.token] = (stats.byToken[user.token] ?? 0) + 1;
      stats.byUser[user.login] = (stats.byUser[user.login] ?? 0) + 1;
    };

    if (!free && this.limits.exhausted(bucket, now, this.faults.limitedUntil)) {
      stats.faultsInjected += 1;
      count();
      const limited = this.responses.primaryLimit(user, now, rate());
      if (this.faults.limitedWithoutReset) delete limited.headers['x-ratelimit-reset'];
      return limited;
    }

    const fault = this.faults.take(method, path + url.search, token, now);
    if (fault?.kind === 'hang' && fault.after !== 'headers') {
      stats.faultsInjected += 1;
      count();
      return { status: 0, headers: {}, body: '', hang: 'answer' };
    }
    if (fault?.kind === 'status' || fault?.kind === 'secondary-rate-limit') {
      stats.faultsInjected += 1;
      count();
      if (fault.kind === 'status')
        return this.json(
          fault.status,
          fault.status >= 500 ? SERVER_ERROR : { message: 'Injected fault', documentation_url: DOCS },
          now,
          rate(),
        );
      const limited = this.responses.secondaryLimit(now, fault.retryAfter, rate(), '', fault.status ?? 403);
      return fault.message ? { ...limited, body: JSON.stringify({ message: fault.message }) } : limited;
    }
    if (!fault && this.config.failureRate > 0 && this.random() < this.config.failureRate) {
      stats.faultsInjected += 1;
      count();
      return this.json([500, 502, 503][Math.floor(this.random() * 3)]!, SERVER_ERROR, now, rate());
    }

    const creating = createsContent(method, path);
    const content = countsAsContent(method, path);
    if (content) {
      const retryAfter = this.limits.contentRetryAfter(bucket, now);
      if (retryAfter !== undefined) {
        stats.faultsInjected += 1;
        count();
        return this.responses.secondaryLimit(
          now,
          this.config.contentLimit?.retryAfter === false ? undefined : retryAfter,
          rate(),
          ' and have been temporarily blocked from content creation',
        );
      }
    }

    let parsed: unknown = {};
    try {
      if (req.body) parsed = JSON.parse(req.body);
    } catch {
      count();
      return this.json(400, { message: 'Problems parsing JSON', documentation_url: DOCS }, now, rate());
    }
    const lag =
      method === 'GET'
        ? this.config.listingLagMs +
          (this.config.listingLagJitterMs > 0 ? this.random() * this.config.listingLagJitterMs : 0)
        : 0;
    const ctx: RouteContext = {
      store: this.store,
      config: this.config,
      owner: this.owner,
      repo: this.repo,
      user,
      now,
      readAt: now - lag,
      origin,
      url,
      rate: this.limits.snapshot(bucket, now, this.faults.limitedUntil),
    };
    const result = route(ctx, method, path, parsed);
    // A 204 has no body, nor has a redirect (the job logs' 302), as on GitHub.
    const body = result.status === 204 || result.status === 302 ? '' : JSON.stringify(result.data);
    if (content && result.status >= 200 && result.status < 300) {
      if (creating) stats.contentCreating += 1;
      stats.contentCounted += 1;
      this.limits.recordContent(bucket, now);
    }

    const ghost =
      !fault &&
      method !== 'GET' &&
      method !== 'HEAD' &&
      result.status < 300 &&
      this.config.ghostWriteRate > 0 &&
      this.random() < this.config.ghostWriteRate;
    if (fault?.kind === 'lost-response' || ghost) {
      stats.faultsInjected += 1;
      count();
      return this.json(ghost && this.random() < 0.5 ? 503 : 502, SERVER_ERROR, now, rate());
    }

    const extra: Record<string, string> = { ...result.headers };
    // A connection that hangs after the headers answers in full (never 304), so that there is a body to hang.
    const hangs = fault?.kind === 'hang';
    if (hangs) stats.faultsInjected += 1;
    if (method === 'GET' && result.status === 200) {
      const etag = `W/"${createHash('sha256').update(body).digest('hex').slice(0, 40)}"`;
      extra.etag = etag;
      const sent = headers['if-none-match'];
      if (!hangs && sent && sent.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
        stats.notModified += 1;
        return {
          status: 304,
          headers: { ...this.responses.baseHeaders(now), ...rate(), ...extra },
          body: '',
        };
      }
    }
    count();
    return {
      status: result.status,
      headers: { ...this.responses.baseHeaders(now), ...rate(), ...extra },
      body,
      ...(hangs ? { hang: 'body' as const } : {}),
    };
  }

  /** A JSON answer with GitHub's headers (for the control routes). */
  json(status: number, data: unknown, now?: number, extra: Record<string, string> = {}): EmulatorResponse {
    return this.responses.json(status, data, now, extra);
  }
}
