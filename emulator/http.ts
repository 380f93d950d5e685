// The emulator's request and response as plain objects, the CORS headers a browser needs, and the adapter that
// turns `handle` into a fetch (so Octokit can use the emulator in-process, with no sockets).

export interface EmulatorRequest {
  method: string;
  /** A path with its query, or an absolute URL. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Tell the HTTP server to drop the connection instead of answering (a 'down' fault in 'reset' mode). */
  reset?: boolean;
  /**
   * A connection that hangs (a 'hang' fault): 'answer' sends nothing at all, 'body' the status, the headers
   * and half the body. Either way the connection stays open until the client gives up or the server closes.
   */
  hang?: 'answer' | 'body';
}

export const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, if-none-match, content-type, accept, x-github-api-version',
  'access-control-allow-methods': 'GET, POST, PATCH, PUT, DELETE, OPTIONS',
  'access-control-expose-headers':
    'etag, link, retry-after, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset, x-ratelimit-used, x-ratelimit-resource, x-github-request-id',
  'access-control-max-age': '86400',
};

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const REDIRECTS = [301, 302, 303, 307, 308];

/** A fetch answered by `handle`. A reset connection rejects the way undici's fetch does. */
export function fetchVia(handle: (req: EmulatorRequest) => Promise<EmulatorResponse>): FetchLike {
  return async (input, init) => {
    const request = input instanceof Request ? input : undefined;
    const url = request ? request.url : String(input);
    const headers: Record<string, string> = {};
    new Headers(init?.headers ?? request?.headers).forEach((value, key) => (headers[key] = value));
    let body: string | undefined;
    if (init?.body !== undefined && init.body !== null) body = await new Response(init.body).text();
    else if (request) body = await request.text();
    const method = init?.method ?? request?.method ?? 'GET';
    let res = await handle({ method, url, headers, ...(body ? { body } : {}) });
    // Redirects are followed, as fetch follows them (the job logs' 302 to their plain-text URL), with a GET.
    const follow = (init?.redirect ?? request?.redirect ?? 'follow') === 'follow';
    let at = new URL(url, 'http://127.0.0.1');
    let hops = 0;
    while (follow && hops++ < 20 && REDIRECTS.includes(res.status) && res.headers.location) {
      at = new URL(res.headers.location, at);
      res = await handle({ method: 'GET', url: at.href, headers });
    }
    if (res.reset)
      throw new TypeError('fetch failed', { cause: new Error('ECONNRESET: the emulator is down') });
    const signal = init?.signal ?? request?.signal ?? undefined;
    if (res.hang === 'answer') return await untilAborted(signal);
    const empty = res.status === 304 || res.status === 204 || res.status === 205;
    const answered = res.hang === 'body' ? halfThenNothing(res.body, signal) : res.body;
    return new Response(empty ? null : answered, { status: res.status, headers: res.headers });
  };
}

/** A hung connection's answer: never, unless the request is aborted (then its reason, as fetch rejects). */
function untilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** A body that stops half-way: its first half, then nothing, until the request is aborted. */
function halfThenNothing(body: string, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(body);
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes.subarray(0, Math.floor(bytes.length / 2)));
      if (signal?.aborted) controller.error(signal.reason);
      signal?.addEventListener('abort', () => controller.error(signal.reason), { once: true });
    },
  });
}

export function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}
