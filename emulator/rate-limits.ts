// GitHub's rate limits: the primary limit (requests per fixed window, per repository for an installation token
// such as GITHUB_TOKEN, per user otherwise) and the secondary limit on creating content.
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
  private created: number[] = [];

  constructor(private readonly config: () => EmulatorConfig) {}

  bucketOf(user: User, owner: string, repo: string): string {
    return user.type === 'Bot' ? `repo:${owner}/${repo}` : `user:${user.id}`;
  }

  private window(bucket: string, now: number): Window {
    let w = this.windows.get(bucket);
    if (!w || now - w.start >= this.config().rateLimit.windowMs) {
      w = { start: now, used: 0 };
      this.windows.set(bucket, w);
    }
    return w;
  }

  /** The bucket's state; `limitedUntil` is an injected exhaustion (remaining 0 until then). */
  snapshot(bucket: string, now: number, limitedUntil: number): RateSnapshot {
    const { limit, windowMs } = this.config().rateLimit;
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

  exhausted(bucket: string, now: number, limitedUntil: number): boolean {
    return this.snapshot(bucket, now, limitedUntil).remaining <= 0;
  }

  consume(bucket: string, now: number): void {
    const w = this.window(bucket, now);
    if (w.used < this.config().rateLimit.limit) w.used += 1;
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

  /** Seconds to wait before creating content again, or undefined when the secondary limit allows it. */
  contentRetryAfter(now: number): number | undefined {
    const limit = this.config().contentLimit;
    if (!limit) return undefined;
    this.created = this.created.filter((t) => t > now - 3_600_000);
    const lastMinute = this.created.filter((t) => t > now - 60_000);
    if (lastMinute.length >= limit.perMinute)
      return Math.max(1, Math.ceil((lastMinute[0]! + 60_000 - now) / 1000));
    if (this.created.length >= limit.perHour)
      return Math.max(1, Math.ceil((this.created[0]! + 3_600_000 - now) / 1000));
    return undefined;
  }

  recordContent(now: number): void {
    this.created.push(now);
    if (this.created.length > 10_000) this.created = this.created.filter((t) => t > now - 3_600_000);
  }
}
