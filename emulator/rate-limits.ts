// GitHub's rate limits: the primary limit (requests per fixed window: for a Bot token such as GITHUB_TOKEN per
// repository and bot identity, shared by every token of that identity there; per user for a user's token) and
// the secondary limit on creating content, counted per identity as well.
import type { EmulatorConfig } from './config.js';
import type { User } from './state.js';

export interface RateSnapshot {
  limit: number;
  remaining: number;
  /** Epoch seconds. */
  reset: number;
  used: number;
  resource: 'core';
}

/** Whose budget a request spends: one per (repository, bot identity), or one per user. */
export interface Bucket {
  key: string;
  kind: 'installation' | 'user';
}

interface Window {
  start: number;
  used: number;
}

export const PRIMARY_DOCS =
  'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit';
export const SECONDARY_DOCS =
  'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits';

export class RateLimiter {
  private windows = new Map<string, Window>();
  /** When each bucket's counted content-creating requests were made, oldest first (the last hour's). */
  private created = new Map<string, number[]>();

  constructor(private readonly config: () => EmulatorConfig) {}

  bucketOf(user: User, owner: string, repo: string): Bucket {
    return user.type === 'Bot'
      ? { key: `repo:${owner}/${repo}:bot:${user.id}`, kind: 'installation' }
      : { key: `user:${user.id}`, kind: 'user' };
  }

  private limitOf(bucket: Bucket): number {
    const { limit, userLimit } = this.config().rateLimit;
    return bucket.kind === 'user' ? userLimit : limit;
  }

  private window(bucket: Bucket, now: number): Window {
    let w = this.windows.get(bucket.key);
    if (!w || now - w.start >= this.config().rateLimit.windowMs) {
      w = { start: now, used: 0 };
      this.windows.set(bucket.key, w);
    }
    return w;
  }

  /** The bucket's state; `limitedUntil` is an injected exhaustion (remaining 0 until then). */
  snapshot(bucket: Bucket, now: number, limitedUntil: number): RateSnapshot {
    const { windowMs } = this.config().rateLimit;
    const limit = this.limitOf(bucket);
    const w = this.window(bucket, now);
    const forced = now < limitedUntil;
    return {
      limit,
      remaining: forced ? 0 : Math.max(0, limit - w.used),
      reset: Math.ceil((forced ? limitedUntil : w.start + windowMs) / 1000),
      used: w.used,
      resource: 'core',
    };
  }

  exhausted(bucket: Bucket, now: number, limitedUntil: number): boolean {
    return this.snapshot(bucket, now, limitedUntil).remaining <= 0;
  }

  consume(bucket: Bucket, now: number): void {
    const w = this.window(bucket, now);
    if (w.used < this.limitOf(bucket)) w.used += 1;
  }

  static headers(s: RateSnapshot): Record<string, string> {
    return {
      'x-ratelimit-limit': String(s.limit),
      'x-ratelimit-remaining': String(s.remaining),
      'x-ratelimit-reset': String(s.reset),
      'x-ratelimit-used': String(s.used),
      'x-ratelimit-resource': s.resource,
    };
  }

  /** Seconds until the bucket may create content again, or undefined when the secondary limit allows it. */
  contentRetryAfter(bucket: Bucket, now: number): number | undefined {
    const limit = this.config().contentLimit;
    if (!limit) return undefined;
    const created = (this.created.get(bucket.key) ?? []).filter((t) => t > now - 3_600_000);
    this.created.set(bucket.key, created);
    const lastMinute = created.filter((t) => t > now - 60_000);
    if (lastMinute.length >= limit.perMinute)
      return Math.max(1, Math.ceil((lastMinute[lastMinute.length - limit.perMinute]! + 60_000 - now) / 1000));
    if (created.length >= limit.perHour)
      return Math.max(1, Math.ceil((created[created.length - limit.perHour]! + 3_600_000 - now) / 1000));
    return undefined;
  }

  recordContent(bucket: Bucket, now: number): void {
    const created = this.created.get(bucket.key) ?? [];
    created.push(now);
    this.created.set(
      bucket.key,
      created.length > 10_000 ? created.filter((t) => t > now - 3_600_000) : created,
    );
  }
}
