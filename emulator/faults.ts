// Faults queued on purpose, as GitHub misbehaves: server errors, lost responses, hung connections, rate
// limits, outages.
export interface FaultMatch {
  /** Only requests with this method (any case). */
  method?: string;
  /** Only requests whose path (with its query) contains this. */
  pathIncludes?: string;
  /** Only requests sent with this token (one node of a run whose nodes have tokens of their own). */
  token?: string;
}

export type Fault =
  /**
   * Answer this status (`{"message":"Server Error"}` for 5xx) to the next `count` matching requests; with
   * `forMs`, to every matching request for that long from when it is queued (`count` is then ignored).
   */
  | { kind: 'status'; status: number; count: number; match?: FaultMatch; forMs?: number }
  /** Perform the request, then answer 502: a retried POST lands twice. */
  | { kind: 'lost-response'; count: number; match?: FaultMatch }
  /**
   * A connection that hangs: no answer at all to the next `count` matching requests (they are not performed),
   * until the client gives up or the server closes. With `after: 'headers'` the request is performed and its
   * status and headers are sent, then part of its body, and no more.
   */
  | { kind: 'hang'; count: number; match?: FaultMatch; after?: 'headers' }
  /**
   * A secondary rate limit: 403 (or `status` 429) with GitHub's "You have exceeded a secondary rate limit"
   * message, and a `retry-after` header of `retryAfter` seconds; without one when `retryAfter` is omitted or 0
   * (GitHub does not always say how long to wait). A `message` replaces the body's, as in a 429 that says only
   * "Too Many Requests" (as proxies and other servers answer).
   */
  | {
      kind: 'secondary-rate-limit';
      retryAfter?: number;
      count: number;
      match?: FaultMatch;
      status?: 403 | 429;
      message?: string;
    }
  /**
   * The primary limit is used up (remaining 0, 403) until the reset, for every token. `withoutReset`: the
   * answer lacks `x-ratelimit-reset` (a server that does not say when).
   */
  | { kind: 'primary-rate-limit'; resetInSeconds: number; withoutReset?: boolean }
  /** Every request answers 503 (or its connection is reset) for a while. */
  | { kind: 'down'; forMs: number; mode?: 'status' | 'reset' };

export type CountedFault = Extract<Fault, { count: number }>;

/** A queued fault; one queued with `forMs` holds until `until` (epoch ms) instead of counting down. */
type QueuedFault = CountedFault & { until?: number };

export function matches(
  match: FaultMatch | undefined,
  method: string,
  path: string,
  token?: string,
): boolean {
  if (!match) return true;
  if (match.token !== undefined && match.token !== token) return false;
  if (match.method && match.method.toUpperCase() !== method.toUpperCase()) return false;
  if (match.pathIncludes && !path.includes(match.pathIncludes)) return false;
  return true;
}

/** The queue of faults and the outages and exhausted limits they started. */
export class FaultQueue {
  private queue: QueuedFault[] = [];
  downUntil = 0;
  downMode: 'status' | 'reset' | undefined;
  limitedUntil = 0;
  limitedWithoutReset = false;

  add(faults: readonly Fault[], now: number): void {
    for (const fault of faults) {
      if (fault.kind === 'down') {
        this.downUntil = now + fault.forMs;
        this.downMode = fault.mode;
      } else if (fault.kind === 'primary-rate-limit') {
        this.limitedUntil = now + fault.resetInSeconds * 1000;
        this.limitedWithoutReset = fault.withoutReset ?? false;
      } else if (fault.kind === 'status' && fault.forMs !== undefined) {
        if (fault.forMs > 0) this.queue.push({ ...fault, until: now + fault.forMs });
      } else if (fault.count > 0) this.queue.push({ ...fault });
    }
  }

  /** The first queued fault matching the request, used once (or, one with a time span, while it lasts). */
  take(method: string, path: string, token?: string, now = Date.now()): CountedFault | undefined {
    this.queue = this.queue.filter((f) => f.until === undefined || now < f.until);
    const index = this.queue.findIndex((f) => matches(f.match, method, path, token));
    const fault = this.queue[index];
    if (!fault) return undefined;
    if (fault.until !== undefined) return fault;
    fault.count -= 1;
    if (fault.count <= 0) this.queue.splice(index, 1);
    return fault;
  }

  pending(): CountedFault[] {
    return this.queue.map((f) => ({ ...f }));
  }

  clear(): void {
    this.queue = [];
    this.downUntil = 0;
    this.limitedUntil = 0;
  }
}
