// Git over smart HTTP, as github.com serves `https://github.com/<owner>/<repo>.git`: `/git/<owner>/<repo>.git/…`
// runs real `git http-backend` (CGI) on a bare repository a test registered. Every request must carry
// `Authorization: Basic base64(<any name>:<token>)` with an emulator user's token (read permission fetches, write
// pushes); without one the answer is 401 with GitHub's challenge, so that git asks its credential helper.
// Every request is recorded (repository, push or fetch, status, token, user); refusals also go to `log`.
// A push that updated branches is told to `onPush` (the emulator's CI rules start from it); `branchHead` reads a
// served repository's branch.
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { readRef, receivePackCommands, type RefUpdate } from './git-refs.js';
import type { Permission, User } from './state.js';

/** A push git accepted: the refs it updated (deleted ones left out), with the token it used. */
export interface GitPush {
  /** `owner/repo`, lower-cased. */
  repo: string;
  token: string;
  login: string;
  updates: RefUpdate[];
}

export interface GitRequest {
  /** `owner/repo`, lower-cased. */
  repo: string;
  method: string;
  /** The path under the repository, with its query: `/info/refs?service=git-upload-pack`. */
  path: string;
  /** A push (`git-receive-pack`), not a fetch. */
  push: boolean;
  status: number;
  /** The body came gzipped (git compresses a fetch's request over 1 KB). */
  gzip?: true;
  /** The password of the Basic credentials, whether or not it is a user's token. */
  token?: string;
  /** The user whose token it is: set when the request authenticated. */
  login?: string;
  /** Why it was refused (401, 403, 404) or failed (500, timed out). */
  refused?: string;
}

const NO_CREDENTIALS = 'Authentication required.';
const BAD_CREDENTIALS = 'Invalid username or token.';
const READ: Permission[] = ['read', 'triage', 'write', 'maintain', 'admin'];
const WRITE: Permission[] = ['write', 'maintain', 'admin'];
// `.git` is optional, as on GitHub (actions/checkout fetches `https://github.com/<owner>/<repo>`).
const GIT_PATH = /^\/git\/([^/]+)\/([^/]+?)(?:\.git)?(\/.*)$/;

export class GitHttp {
  /** How long one `git http-backend` may run before it (and its children) are killed. */
  timeoutMs = 30_000;
  /** Told of every refused or failed request. */
  log: (line: string) => void = () => {};
  /** Told of every push that updated refs, once git has answered it. */
  onPush: (push: GitPush) => void = () => {};
  private readonly repos = new Map<string, string>();
  private readonly seen: GitRequest[] = [];

  constructor(private readonly userByToken: (token: string) => User | undefined) {}

  /** Serves `fullName` (`owner/repo`) from the bare repository at `bareDir`. */
  serve(fullName: string, bareDir: string): void {
    this.repos.set(fullName.toLowerCase(), path.resolve(bareDir));
  }

  /** The commit a branch of a served repository points at (undefined if either is unknown). */
  branchHead(fullName: string, branch: string): string | undefined {
    const dir = this.repos.get(fullName.toLowerCase());
    return dir === undefined ? undefined : readRef(dir, `refs/heads/${branch}`);
  }

  /** Whether a request path is git's (`/git/…`) rather than the API's. */
  handles(url: string | undefined): boolean {
    return (url ?? '').startsWith('/git/');
  }

  /** The requests seen so far, oldest first; only those for `fullName` if given. */
  requests(fullName?: string): GitRequest[] {
    const repo = fullName?.toLowerCase();
    return this.seen.filter((r) => repo === undefined || r.repo === repo).map((r) => ({ ...r }));
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = GIT_PATH.exec(url.pathname);
    const service = url.searchParams.get('service') ?? url.pathname.split('/').pop();
    const record: GitRequest = {
      repo: match ? `${match[1]}/${match[2]}`.toLowerCase() : url.pathname,
      method: req.method ?? 'GET',
      path: (match?.[3] ?? '') + url.search,
      push: service === 'git-receive-pack',
      status: 0,
    };
    if (/gzip/.test(req.headers['content-encoding'] ?? '')) record.gzip = true;
    this.seen.push(record);

    const basic = /^basic\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    const decoded = basic ? Buffer.from(basic, 'base64').toString('utf8') : undefined;
    if (decoded !== undefined) record.token = decoded.slice(decoded.indexOf(':') + 1);
    const user = record.token ? this.userByToken(record.token) : undefined;
    const challenge = { 'www-authenticate': 'Basic realm="GitHub"' };
    if (!user) return this.refuse(req, res, record, 401, basic ? BAD_CREDENTIALS : NO_CREDENTIALS, challenge);
    record.login = user.login;
    const dir = this.repos.get(record.repo);
    if (!match || !dir) return this.refuse(req, res, record, 404, 'Repository not found.');
    if (!(record.push ? WRITE : READ).includes(user.permission))
      return this.refuse(req, res, record, 403, `Permission to ${record.repo}.git denied to ${user.login}.`);
    // A push's body starts with the ref updates it asks for: kept, to tell which of them git made.
    const body: Buffer[] = [];
    const sending = record.push && record.method === 'POST';
    if (sending) req.on('data', (chunk: Buffer) => void body.push(chunk));
    try {
      await this.backend(req, res, record, dir, match[3]!, user);
    } catch (error) {
      this.refuse(req, res, record, 500, `git http-backend: ${(error as Error).message}`);
    }
    if (!sending || record.status !== 200 || record.refused) return;
    const zero = /^0+$/;
    const updates = receivePackCommands(Buffer.concat(body), record.gzip).filter(
      (u) => !zero.test(u.after) && readRef(dir, u.ref) === u.after,
    );
    if (updates.length === 0) return;
    try {
      this.onPush({ repo: record.repo, token: record.token!, login: user.login, updates });
    } catch (error) {
      this.log(`git push to ${record.repo}: onPush failed: ${(error as Error).message}`);
    }
  }

  /** Answers with a refusal (or cuts the answer short if it has begun), records it and logs it. */
  private refuse(
    req: IncomingMessage,
    res: ServerResponse,
    record: GitRequest,
    status: number,
    reason: string,
    headers: Record<string, string> = {},
  ): void {
    record.refused = reason;
    this.log(`git ${status} ${record.method} ${req.url}: ${reason}`);
    req.resume();
    if (res.headersSent) return void res.destroy();
    record.status = status;
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
    res.end(`${reason}\n`);
  }

  /** Runs `git http-backend` as a CGI script: the request body in, the CGI answer (headers, body) out. */
  private backend(
    req: IncomingMessage,
    res: ServerResponse,
    record: GitRequest,
    dir: string,
    rest: string,
    user: User,
  ): Promise<void> {
    const pass = (name: string, value: string | string[] | undefined): Record<string, string> =>
      typeof value === 'string' ? { [name]: value } : {};
    // No HOME and no system config: only the bare repository's own config, and pushes enabled here.
    // Detached, so that a timeout kills its whole group (http-backend runs upload-pack or receive-pack).
    const child = spawn('git', ['http-backend'], {
      detached: true,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'http.receivepack',
        GIT_CONFIG_VALUE_0: 'true',
        GIT_PROJECT_ROOT: path.dirname(dir),
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: `/${path.basename(dir)}${rest}`,
        QUERY_STRING: new URL(req.url ?? '/', 'http://127.0.0.1').search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        // Absent for a chunked body, which http-backend then reads to its end.
        ...pass('CONTENT_LENGTH', req.headers['content-length']),
        ...pass('HTTP_CONTENT_ENCODING', req.headers['content-encoding']),
        ...pass('HTTP_GIT_PROTOCOL', req.headers['git-protocol']),
        REMOTE_USER: user.login,
        REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      },
    });
    let timedOut = false;
    const killAll = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killAll();
    }, this.timeoutMs);
    const stderr: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => {}); // it may answer without reading the body
    req.pipe(child.stdin);
    res.on('close', () => {
      if (!res.writableFinished) killAll();
    });

    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      child.stdout.off('data', onData);
      const { status, headers } = cgiHead(head.subarray(0, end).toString('latin1'));
      record.status = status;
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
      child.stdout.pipe(res, { end: false }); // ended below, once it is known the answer is whole
    };
    child.stdout.on('data', onData);

    child.once('error', (error) => stderr.push(Buffer.from(error.message))); // not spawned: 'close' follows
    return new Promise((resolve) => {
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        const said = Buffer.concat(stderr).toString('utf8').trim();
        const why = said ? `: ${said}` : '';
        if (timedOut) this.refuse(req, res, record, 500, `timed out after ${this.timeoutMs} ms${why}`);
        else if (!res.headersSent)
          this.refuse(req, res, record, 500, `ended (${signal ?? code}) unanswered${why}`);
        else if (code !== 0) this.refuse(req, res, record, 500, `exited ${signal ?? code}${why}`);
        else {
          if (record.status >= 400) {
            record.refused = `git http-backend answered ${record.status}${why}`;
            this.log(`git ${record.status} ${record.method} ${req.url}: ${record.refused}`);
          }
          res.end();
        }
        resolve();
      });
    });
  }
}

/** A CGI answer's headers: `Status: 404 Not Found` gives the status (200 without one), the rest pass through. */
function cgiHead(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers };
}
