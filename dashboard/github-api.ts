// The dashboard's one way to GitHub: fetch with the token, If-None-Match on every poll (a 304 costs no rate
// limit; browsers cache GitHub's answers for 60 s, so the page keeps its own ETags), Link pagination, and the
// rate limit left, read off each answer. The token goes to no host but the API URL.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** For a rate limit: when it resets (ms since epoch). */
    readonly resetAt?: number,
  ) {
    super(message);
  }
}

export interface RateLimit {
  remaining: number;
  limit: number;
  resetAt: number;
}

interface Cached {
  etag: string;
  data: unknown;
  next?: string;
}

export class GitHubApi {
  readonly cache = new Map<string, Cached>();
  rate?: RateLimit;
  requests = 0;
  notModified = 0;

  constructor(
    readonly apiUrl: string,
    private readonly token: string,
  ) {}

  private url(path: string): string {
    return path.startsWith('http') ? path : `${this.apiUrl.replace(/\/+$/, '')}${path}`;
  }

  /** GET a path (or a full URL from a Link header); a 304 answers from the page's own cache. */
  async get<T>(path: string): Promise<{ data: T; next?: string; changed: boolean }> {
    const url = this.url(path);
    const cached = this.cache.get(url);
    const headers: Record<string, string> = {
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (cached) headers['if-none-match'] = cached.etag;
    let response: Response;
    try {
      this.requests += 1;
      response = await fetch(url, { headers, cache: 'no-store' });
    } catch (error) {
      throw new ApiError(
        0,
        `cannot reach ${this.apiUrl}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const remaining = response.headers.get('x-ratelimit-remaining');
    if (remaining !== null)
      this.rate = {
        remaining: Number(remaining),
        limit: Number(response.headers.get('x-ratelimit-limit') ?? 0),
        resetAt: Number(response.headers.get('x-ratelimit-reset') ?? 0) * 1000,
      };
    if (response.status === 304 && cached) {
      this.notModified += 1;
      return { data: cached.data as T, ...(cached.next ? { next: cached.next } : {}), changed: false };
    }
    if (!response.ok) {
      let message = response.statusText;
      try {
        message = ((await response.json()) as { message?: string }).message ?? message;
      } catch {
        // not JSON
      }
      const limited =
        (response.status === 403 || response.status === 429) &&
        (remaining === '0' || /rate limit/i.test(message));
      if (limited) {
        const retryAfter = Number(response.headers.get('retry-after') ?? 0);
        const resetAt =
          retryAfter > 0 ? Date.now() + retryAfter * 1000 : (this.rate?.resetAt ?? Date.now() + 60_000);
        throw new ApiError(429, message, resetAt);
      }
      throw new ApiError(response.status, message);
    }
    const data = (await response.json()) as T;
    const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    const etag = response.headers.get('etag');
    if (etag) this.cache.set(url, { etag, data, ...(next ? { next } : {}) });
    return { data, ...(next ? { next } : {}), changed: true };
  }

  /** Every page of a listing. */
  async all<T>(path: string): Promise<{ items: T[]; changed: boolean }> {
    const items: T[] = [];
    let changed = false;
    let next: string | undefined = path;
    for (let page = 0; next && page < 100; page++) {
      const answer: { data: T[]; next?: string; changed: boolean } = await this.get<T[]>(next);
      items.push(...answer.data);
      changed ||= answer.changed;
      next = answer.next;
    }
    return { items, changed };
  }
}
