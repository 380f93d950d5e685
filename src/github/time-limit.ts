// Every request to GitHub has a time limit, headers and body together. A server can send the headers and then
// hang the body, and Octokit reads the body itself, taking a read that fails for an empty body: so the body is
// read in full here, within the limit, and handed on in a new Response. Past the limit the request is
// abandoned (its connection aborted) with a RequestTimeoutError. That is not an AbortError, which
// @octokit/request rethrows as it is and plugin-retry never retries: @octokit/request wraps any other error
// from fetch as a RequestError of status 500, which plugin-retry retries like a 5xx.

/** GitHub ends a request it takes more than 10 s to process; the rest is for a slow network in between. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** A request on its way (the watchdog names the oldest): what it is and when it was sent (local ms). */
export interface PendingRequest {
  what: string;
  since: number;
}

export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';

  constructor(
    /** The method and path, as `GET /repos/o/r/issues/1/comments`. */
    readonly what: string,
    readonly limitMs: number,
    /** Whether the status and headers had come (the body had not). */
    readonly headersCame: boolean,
  ) {
    super(
      headersCame
        ? `GitHub sent the headers of ${what} but not the whole body within ${limitMs / 1000} s`
        : `GitHub did not answer ${what} within ${limitMs / 1000} s`,
    );
  }
}

export interface TimeLimits {
  limitMs: number;
  /** Told of each request abandoned, before its error is thrown. */
  onTimeout(error: RequestTimeoutError): void;
  /** Kept up to date with the requests on their way. */
  pending?: Set<PendingRequest>;
}

/** Statuses whose answers have no body (a Response may not be made with one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A request header (never sent on) by which a reader that parses the body as it comes (the thread's listings:
 * a page of a hundred 64 KB comments) asks for it as a stream: the limit then runs until the reader has the
 * whole body, and a body cut short errors its stream, which that reader refuses (it never takes a cut body for
 * an empty one, as Octokit would).
 */
export const STREAM_BODY_HEADER = 'x-p2p-stream-body';

/** `baseFetch`, each request abandoned unless its whole answer, body included, comes within the limit. */
export function timeLimited(baseFetch: typeof fetch, limits: TimeLimits): typeof fetch {
  return async (input, init) => {
    const what = describe(input, init);
    const controller = new AbortController();
    const callerSignal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    const signal = callerSignal ? AbortSignal.any([callerSignal, controller.signal]) : controller.signal;
    const headers = new Headers(init?.headers);
    const streamed = headers.get(STREAM_BODY_HEADER) === '1';
    headers.delete(STREAM_BODY_HEADER);
    const pending: PendingRequest = { what, since: Date.now() };
    limits.pending?.add(pending);
    let headersCame = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let bodyLeft = false;
    const done = (): void => {
      clearTimeout(timer);
      limits.pending?.delete(pending);
    };
    // Raced against the answer as well as aborting it: a fetch that ignores its signal is abandoned too.
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new RequestTimeoutError(what, limits.limitMs, headersCame);
        limits.onTimeout(error);
        controller.abort(error);
        reject(error);
      }, limits.limitMs);
    });
    const answer = async (): Promise<Response> => {
      const response = await baseFetch(input, { ...init, headers, signal });
      headersCame = true;
      if (NULL_BODY.has(response.status)) return rebuilt(response, null);
      if (streamed && response.body) {
        bodyLeft = true;
        // The limit runs on while the reader reads: it ends with the body, its error, or the reader giving up.
        return rebuilt(response, untilRead(response.body, done));
      }
      return rebuilt(response, await response.arrayBuffer());
    };
    try {
      return await Promise.race([answer(), expired]);
    } finally {
      if (bodyLeft)
        expired.catch(() => {}); // (the abort errors the body's stream, which its reader sees)
      else done();
    }
  };
}

/** `body` as it comes, `done` called once it has all come, failed, or been given up by its reader. */
function untilRead(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(into) {
      try {
        const { done: end, value } = await reader.read();
        if (end) {
          done();
          into.close();
        } else into.enqueue(value);
      } catch (error) {
        done();
        into.error(error);
      }
    },
    cancel(reason) {
      done();
      return reader.cancel(reason);
    },
  });
}

/** The answer again, with its body read in full. */
function rebuilt(response: Response, body: ArrayBuffer | ReadableStream<Uint8Array> | null): Response {
  const copy = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  // (A made Response has no URL; Octokit reports the one it was fetched from.)
  Object.defineProperty(copy, 'url', { value: response.url });
  return copy;
}

function describe(input: string | URL | Request, init: RequestInit | undefined): string {
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  try {
    return `${method} ${new URL(url).pathname}`;
  } catch {
    return `${method} ${url}`;
  }
}
