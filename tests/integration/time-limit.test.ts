// Every request to GitHub has a time limit (request-timeout-s): the action's client over real HTTP to the
// emulator, whose 'hang' fault leaves a connection without an answer, or with its headers and half its body.
// Past the limit the request is abandoned, retried like a 5xx, and the log says so.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { botClient, recordingLogger } from '../helpers/bot-client.js';
import { statusOf } from '../../src/github/client.js';
import { RequestTimeoutError } from '../../src/github/time-limit.js';
import { IssueThread } from '../../src/github/thread.js';

let server: RunningEmulator | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const repo = { owner: 'octo-org', repo: 'demo' } as const;
const LIMIT_MS = 1000;

async function setup() {
  server = await startEmulator();
  const log = recordingLogger();
  const client = botClient(server, { log, retryBaseMs: 20, requestTimeoutMs: LIMIT_MS });
  const issue = server.emulator.createIssue({ title: 't', body: 'b' });
  for (let i = 0; i < 3; i++) server.emulator.addComment(issue, `comment ${i} `.repeat(20), 'maintainer');
  return { emulator: server.emulator, client, log, issue };
}

describe('the time limit of a request', () => {
  it('abandons a request GitHub does not answer, retries it like a 5xx, and says so', async () => {
    const { emulator, client, log, issue } = await setup();
    emulator.queueFaults([{ kind: 'hang', count: 1, match: { method: 'GET', pathIncludes: '/comments' } }]);
    const path = `/repos/octo-org/demo/issues/${issue}/comments`;
    const started = Date.now();
    const listing = client.octokit.rest.issues.listComments({ ...repo, issue_number: issue });
    // What the node waits for while the request hangs (on a loaded machine it may take a moment to be sent).
    await expect
      .poll(() => [...client.inFlight].map((p) => p.what), { timeout: 900, interval: 20 })
      .toEqual([`GET ${path}`]);
    const answer = await listing;
    const took = Date.now() - started;
    expect(answer.status).toBe(200);
    expect(answer.data.map((c) => c.body)).toEqual([0, 1, 2].map((i) => `comment ${i} `.repeat(20)));
    expect(took).toBeGreaterThanOrEqual(LIMIT_MS - 10);
    expect(took).toBeLessThan(LIMIT_MS + 6000);
    expect(client.inFlight.size).toBe(0);
    expect(log.lines).toContain(
      `warning: GitHub did not answer GET ${path} within 1 s; abandoned (retried like a 5xx)`,
    );
    expect(emulator.requestLog().map((r) => r.status)).toEqual(['hang', 200]);
    expect(client.stats).toMatchObject({ requests: 2, faults: 1 });
    // Silence heard while GitHub failed this client proves nothing about other nodes: the time it hung is
    // trouble.
    const hungAt = emulator.requestLog()[0]!.at;
    const spans = client.trouble.spans();
    expect(spans.some((s) => s.from <= hungAt && s.to >= hungAt + LIMIT_MS - 1000)).toBe(true);
  }, 20_000);

  it('cuts a body that hangs after the headers, and reads the whole answer on the next try', async () => {
    const { emulator, client, log, issue } = await setup();
    emulator.queueFaults([{ kind: 'hang', count: 1, after: 'headers', match: { method: 'GET' } }]);
    const started = Date.now();
    // Octokit alone would take the half body for an empty one, and answer 200 with no comments.
    const answer = await client.octokit.rest.issues.listComments({ ...repo, issue_number: issue });
    expect(Date.now() - started).toBeGreaterThanOrEqual(LIMIT_MS - 10);
    expect(answer.data).toHaveLength(3);
    expect(log.lines).toContain(
      `warning: GitHub sent the headers of GET /repos/octo-org/demo/issues/${issue}/comments but not the whole body within 1 s; abandoned (retried like a 5xx)`,
    );
    expect(emulator.requestLog().map((r) => r.status)).toEqual(['hang', 200]);
  }, 20_000);

  it('streams the thread’s listing within the limit: a body that hangs fails the reading, never reads as empty', async () => {
    const { emulator, client, log, issue } = await setup();
    const thread = new IssueThread(client, issue);
    emulator.queueFaults([{ kind: 'hang', count: 1, after: 'headers', match: { method: 'GET' } }]);
    const started = Date.now();
    // The listing is read as it comes (a page of big comments is never held whole), and still within the limit.
    await expect(thread.refresh()).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(LIMIT_MS - 10);
    expect(thread.size()).toBe(0);
    expect(log.lines).toContain(
      `warning: GitHub sent the headers of GET /repos/octo-org/demo/issues/${issue}/comments but not the whole body within 1 s; abandoned (retried like a 5xx)`,
    );
    expect(client.inFlight.size).toBe(0);
    // The next reading has it all, and a whole listing read as it came leaves no limit running.
    await thread.refresh();
    expect(thread.size()).toBe(3);
    expect(client.inFlight.size).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, LIMIT_MS + 200));
    expect(log.lines.filter((l) => l.includes('within 1 s'))).toHaveLength(1);
  }, 20_000);

  it('retries a write that hangs, and hands a request with no retries left to its caller as a 500', async () => {
    const { emulator, client, issue } = await setup();
    emulator.queueFaults([{ kind: 'hang', count: 1, match: { method: 'POST' } }]);
    const posted = await client.octokit.rest.issues.createComment({
      ...repo,
      issue_number: issue,
      body: 'x',
    });
    expect(posted.status).toBe(201);
    expect(emulator.listComments(issue).filter((c) => c.body === 'x')).toHaveLength(1);

    // A claim is posted with retries: 0 (keepTrying posts it again): the error says what happened.
    emulator.queueFaults([{ kind: 'hang', count: 1, match: { method: 'POST' } }]);
    const failure: unknown = await client.octokit.rest.issues
      .createComment({ ...repo, issue_number: issue, body: 'y', request: { retries: 0 } })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(statusOf(failure)).toBe(500);
    expect((failure as Error).message).toBe(
      `GitHub did not answer POST /repos/octo-org/demo/issues/${issue}/comments within 1 s`,
    );
    expect((failure as Error & { cause?: unknown }).cause).toBeInstanceOf(RequestTimeoutError);
  }, 20_000);

  it('leaves alone a request answered within the limit', async () => {
    const { emulator, client, log, issue } = await setup();
    emulator.configure({ latencyMs: LIMIT_MS / 2 });
    const answer = await client.octokit.rest.issues.listComments({ ...repo, issue_number: issue });
    expect(answer.data).toHaveLength(3);
    expect(answer.url).toContain(`/issues/${issue}/comments`);
    expect(log.lines).toEqual([]);
    expect(client.stats.faults).toBe(0);
  }, 20_000);
});
