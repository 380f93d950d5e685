// How the emulator's answers look: GitHub's headers on every response, JSON bodies, the rate-limit refusals.
import type { Clock } from './clock.js';
import { CORS_HEADERS, type EmulatorResponse } from './http.js';
import { PRIMARY_DOCS, SECONDARY_DOCS } from './rate-limits.js';
import type { User } from './state.js';

export const SERVER_ERROR = { message: 'Server Error' };

export class Responder {
  private seq = 0;

  constructor(private readonly clock: Clock) {}

  /** The headers of every answer: JSON, the date from the clock, a request id, CORS. */
  baseHeaders(now = this.clock.now()): Record<string, string> {
    this.seq += 1;
    return {
      'content-type': 'application/json; charset=utf-8',
      date: new Date(now).toUTCString(),
      'x-github-request-id': this.requestId(),
      'x-github-api-version-selected': '2022-11-28',
      'cache-control': 'private, max-age=60, s-maxage=60',
      vary: 'Accept, Authorization, Cookie, X-GitHub-OTP',
      ...CORS_HEADERS,
    };
  }

  private requestId(): string {
    return `E1A0:${this.seq.toString(16).toUpperCase().padStart(8, '0')}`;
  }

  json(status: number, data: unknown, now?: number, extra: Record<string, string> = {}): EmulatorResponse {
    return { status, headers: { ...this.baseHeaders(now), ...extra }, body: JSON.stringify(data) };
  }

  /** 403 for a used-up primary limit (the rate headers then say remaining 0 and when it resets). */
  primaryLimit(user: User, now: number, rate: Record<string, string>): EmulatorResponse {
    const who = user.type === 'Bot' ? 'installation ID 1' : `user ID ${user.id}`;
    const message = `API rate limit exceeded for ${who}.`;
    return this.json(403, { message, documentation_url: PRIMARY_DOCS }, now, rate);
  }

  /** 403 (or 429) for a secondary limit, with retry-after when `retryAfter` is a number of seconds over 0. */
  secondaryLimit(
    now: number,
    retryAfter: number | undefined,
    rate: Record<string, string>,
    detail = '',
    status: 403 | 429 = 403,
  ): EmulatorResponse {
    const wait: Record<string, string> =
      retryAfter !== undefined && retryAfter > 0 ? { 'retry-after': String(retryAfter) } : {};
    const answer = this.json(status, {}, now, { ...rate, ...wait });
    const message =
      `You have exceeded a secondary rate limit${detail}. Please wait a few minutes before you try again. ` +
      `If you reach out to GitHub Support for help, please include the request ID ${answer.headers['x-github-request-id']}.`;
    return { ...answer, body: JSON.stringify({ message, documentation_url: SECONDARY_DOCS }) };
  }
}
