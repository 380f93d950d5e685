// The emulator over real HTTP on 127.0.0.1, for separate processes (the action's bundle, a browser dashboard),
// and git over smart HTTP under /git/ on the same port, as github.com serves clones beside its API. The git
// repository served as the emulator's own (owner/repo) gives the API its branches, and its pushes the CI rules.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitHttp } from './git-http.js';
import { CORS_HEADERS, GitHubEmulator, type EmulatorOptions, type EmulatorResponse } from './handler.js';

export interface RunningEmulator {
  /** `http://127.0.0.1:PORT`: the Octokit baseUrl, or GITHUB_API_URL. */
  url: string;
  port: number;
  emulator: GitHubEmulator;
  /** Git over HTTP: `git.serve('octo-org/demo', bareDir)`, then `git.requests()`; the emulator's users' tokens. */
  git: GitHttp;
  /** `http://127.0.0.1:PORT/git/<owner>/<repo>.git`: a clone URL, as `https://github.com/<owner>/<repo>.git`. */
  gitUrl(fullName: string): string;
  close(): Promise<void>;
}

export interface StartOptions extends EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Use an emulator built elsewhere (the options above are then ignored). */
  emulator?: GitHubEmulator;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function serve(emulator: GitHubEmulator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === 'string') headers[k] = v;
      else if (Array.isArray(v)) headers[k] = v.join(', ');
    }
    const answer = await emulator.handle({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers,
      ...(body ? { body } : {}),
    });
    if (answer.reset) {
      req.socket.destroy();
      return;
    }
    if (answer.hang) return await hang(answer, req, res);
    res.writeHead(answer.status, answer.headers);
    res.end(answer.status === 304 || answer.status === 204 ? undefined : answer.body);
  } catch (error) {
    if (res.headersSent) return void res.destroy();
    res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', ...CORS_HEADERS });
    res.end(JSON.stringify({ message: `emulator error: ${(error as Error).message}` }));
  }
}

/**
 * Leave the connection hanging (a 'hang' fault): nothing sent, or the status, the headers and half the body.
 * Settles when the connection closes: the client gives up, or `close()` destroys it.
 */
async function hang(answer: EmulatorResponse, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (answer.hang === 'body') {
    const body = Buffer.from(answer.body);
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
    res.flushHeaders();
    res.write(body.subarray(0, Math.floor(body.length / 2)));
  }
  if (req.socket.destroyed) return;
  await new Promise<void>((resolve) => req.socket.once('close', () => resolve()));
}

export async function startEmulator(options: StartOptions = {}): Promise<RunningEmulator> {
  const { port: wanted, emulator: given, ...emulatorOptions } = options;
  const emulator = given ?? new GitHubEmulator(emulatorOptions);
  const git = new GitHttp((token) => emulator.store.userByToken(token));
  // The repository's branches are the served git repository's, and its pushes start the CI rules.
  const fullName = `${emulator.owner}/${emulator.repo}`.toLowerCase();
  emulator.store.checks.gitBranchHead = (branch) => git.branchHead(fullName, branch);
  git.onPush = (push) => {
    if (push.repo !== fullName) return;
    for (const u of push.updates)
      if (u.ref.startsWith('refs/heads/'))
        emulator.recordPush({ branch: u.ref.slice('refs/heads/'.length), sha: u.after, token: push.token });
  };
  const server = createServer(
    (req, res) => void (git.handles(req.url) ? git.handle(req, res) : serve(emulator, req, res)),
  );
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(wanted ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    emulator,
    git,
    gitUrl: (fullName) => `http://127.0.0.1:${port}/git/${fullName}.git`,
    close: () =>
      new Promise<void>((resolve) => {
        // Every connection, those left hanging by a 'hang' fault too: they end now.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
