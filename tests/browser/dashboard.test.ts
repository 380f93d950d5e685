// The dashboard in a real browser (Chromium from npm through playwright-core: tests/helpers/browser.ts) against
// the emulator during a real run of dist/index.js nodes: it connects, its numbers match the run, the tabs work, the error states say
// what is wrong, and it fits a phone. Then threads written as the nodes write them, at chosen times: what a
// run cost against its budget (a task that reported no cost, a budget that runs out), and a stopped run.
// Screenshots go to artifacts/screenshots/.
import { mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { startScenario, type Scenario } from '../helpers/scenario.js';
import { BOT, ThreadBuilder, task } from '../helpers/thread-builder.js';
import { GitHubEmulator, startEmulator, type RunningEmulator } from '../../emulator/index.js';
import { tally } from '../../src/protocol/decide.js';
import { encode } from '../../src/protocol/codec.js';
import { fold } from '../../src/protocol/fold.js';
import { renderChecklist } from '../../src/protocol/checklist.js';
import { renderStop } from '../../src/protocol/render.js';
import { makeTrust, type ThreadComment } from '../../src/protocol/thread-comment.js';
import type { Check, Claim, Result, Stop } from '../../src/protocol/messages.js';
import type { Usage } from '../../src/protocol/usage.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SHOTS = path.join(ROOT, 'artifacts', 'screenshots');

let browser: Browser;
let pages: http.Server;
let pageUrl: string;
let scenario: Scenario | undefined;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // Served as GitHub Pages would: one static file.
  const html = readFileSync(path.join(ROOT, 'dist', 'dashboard.html'));
  pages = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}/`;
  browser = await launchBrowser();
  // The first run on a machine unpacks Chromium from npm (some seconds on a loaded machine).
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await scenario?.close();
  await new Promise((resolve) => pages?.close(resolve));
});

async function connect(page: Page, fields: { api: string; token: string; repo: string; issue: number }) {
  await page.goto(pageUrl);
  await page.fill('input[name=apiUrl]', fields.api);
  await page.fill('input[name=token]', fields.token);
  await page.fill('input[name=repo]', fields.repo);
  await page.fill('input[name=issue]', String(fields.issue));
  await page.click('button[type=submit]');
}

const text = (page: Page, testId: string) => page.locator(`[data-testid=${testId}]`).innerText();
/** The elements that stick out of a phone's 390 pixels. */
const wide = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > 391)
      .map((e) => `${e.tagName}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`),
  );

describe('the dashboard', () => {
  it('follows a live run and matches it, tab by tab', async () => {
    scenario = await startScenario({
      nodes: 3,
      issueBody: '- [ ] Schema\n- [ ] API (depends: task-1)\n- [ ] Page\n- [ ] Docs',
      agentBody: `sleep 1.5; echo '{"cost_usd": 0.1, "input_tokens": 500, "output_tokens": 50}' > "$P2P_USAGE_FILE"`,
      inputs: { 'verify-command': 'test -n "$P2P_TASK_ID"' },
      beforeNodes: (server, issue) => {
        // A forgery the page must show as such.
        server.emulator.addComment(
          issue,
          '<!-- p2p-dev {"p2p":1,"type":"bid","run":"4242.1"} -->',
          'outsider',
        );
        server.emulator.addWorkflowRun({
          name: 'p2p-dev autonomous development',
          status: 'in_progress',
          conclusion: null,
        });
      },
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests = new Set<string>();
    page.on('request', (r) => requests.add(new URL(r.url()).origin));
    await connect(page, {
      api: scenario.server.url,
      token: 'ghp_maintainer_token',
      repo: 'octo-org/demo',
      issue: scenario.issue,
    });

    // Live: it shows the run while it is under way...
    await page.locator('[data-testid=leader]').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SHOTS, 'overview-live.png') });
    await scenario.finish();
    // ...and, a poll or two later, the finished run.
    await expect.poll(() => text(page, 'completed'), { timeout: 20_000 }).toBe('4 / 4');
    const state = scenario.state();
    expect(await text(page, 'leader')).toBe(state.plan!.leader.replace(/^run-[\d.]+-/, ''));
    expect(await text(page, 'success-rate')).toBe('100%');
    expect(await text(page, 'nodes')).toMatch(/of 3$/);
    expect(await text(page, 'eta')).toBe('done');
    expect(await text(page, 'agent-cost')).toBe('$0.40');
    expect(await text(page, 'agent-cost-note')).toBe('2.0k in / 200 out tokens');
    expect(await text(page, 'budget')).toBe('no cap');
    expect(await text(page, 'checks')).toBe('4 passed, 0 failed');
    expect(tally(state, Date.now()).completed).toBe(4);
    await page.screenshot({ path: path.join(SHOTS, 'overview.png'), fullPage: true });

    await page.click('[data-tab=tasks]');
    const rows = page.locator('[data-testid=task-row]');
    expect(await rows.count()).toBe(4);
    expect(await rows.nth(1).innerText()).toMatch(/task-2\s+API\s+completed/);
    expect(await page.locator('[data-testid=task-check]').nth(1).innerText()).toBe(
      '✓ test -n "$P2P_TASK_ID" passed',
    );
    expect(await page.locator('[data-testid=task-cost]').nth(1).innerText()).toBe(
      '$0.10 · 500 in / 50 out tokens',
    );
    await page.screenshot({ path: path.join(SHOTS, 'tasks.png'), fullPage: true });

    await page.click('[data-tab=workflows]');
    await expect
      .poll(() => page.locator('[data-testid=workflow-row]').first().innerText())
      .toMatch(/p2p-dev autonomous development\s+in_progress/);
    await page.screenshot({ path: path.join(SHOTS, 'workflows.png'), fullPage: true });

    await page.click('[data-tab=messages]');
    const messages = page.locator('[data-testid=message-row]');
    const entries = state.entries.filter((e) => e.status !== 'other-run');
    expect(await messages.count()).toBe(entries.length);
    expect(await page.locator('[data-testid=message-row][data-status=malformed]').count()).toBe(1);
    await page.selectOption('#filter-type', 'claim');
    const claims = entries.filter((e) => e.message?.type === 'claim').length;
    expect(await messages.count()).toBe(claims);
    await page.check('#show-raw');
    await expect.poll(() => page.locator('pre.raw').first().innerText()).toContain('<!-- p2p-dev');
    await page.screenshot({ path: path.join(SHOTS, 'messages.png'), fullPage: true });

    // Conditional polling: unchanged answers came back as free 304s.
    expect(scenario.server.emulator.stats().notModified).toBeGreaterThan(0);
    // The token went nowhere but the API (and the page came from its own origin).
    expect([...requests].sort()).toEqual(
      [new URL(pageUrl).origin, new URL(scenario.server.url).origin].sort(),
    );

    // Rate limited: the page says so and when it resumes.
    scenario.server.emulator.queueFaults([{ kind: 'primary-rate-limit', resetInSeconds: 60 }]);
    await expect
      .poll(() => page.locator('#notice').innerText(), { timeout: 15_000 })
      .toContain('Rate limited');

    // A phone: everything fits the width.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.click('[data-tab=overview]');
    // (Charts follow the new width on their next resize observation.)
    await expect.poll(() => wide(page), { timeout: 5000 }).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(SHOTS, 'phone.png'), fullPage: true });
    await page.close();
  }, 120_000);

  it('says what is wrong: a bad token, a missing repository, no run yet', async () => {
    const s = scenario!;
    s.server.emulator.clearFaults();
    const page = await browser.newPage();
    await connect(page, {
      api: s.server.url,
      token: 'ghp_not_a_token',
      repo: 'octo-org/demo',
      issue: s.issue,
    });
    await expect.poll(() => page.locator('#notice').innerText()).toContain('The token was refused');
    await connect(page, {
      api: s.server.url,
      token: 'ghp_maintainer_token',
      repo: 'octo-org/nope',
      issue: s.issue,
    });
    await expect.poll(() => page.locator('#notice').innerText()).toContain('Not found');
    const fresh = s.server.emulator.createIssue({ title: 'Nothing yet' });
    await connect(page, {
      api: s.server.url,
      token: 'ghp_maintainer_token',
      repo: 'octo-org/demo',
      issue: fresh,
    });
    await expect.poll(() => page.locator('#empty').innerText()).toContain('No p2p-dev run');
    await page.screenshot({ path: path.join(SHOTS, 'no-run.png') });
    await page.close();
  }, 60_000);
});

/**
 * A thread in the emulator, written as the nodes write it: each comment and edit lands at the time it is
 * given (the emulator's clock), and the page then reads it over HTTP at the real time.
 */
class EmulatedThread extends ThreadBuilder {
  constructor(
    private readonly server: RunningEmulator,
    readonly issue: number,
    private readonly clock: { at?: number },
  ) {
    super();
  }

  override add(body: string, atMs: number, user: ThreadComment['user'] = BOT): ThreadComment {
    this.clock.at = atMs;
    const id = this.server.emulator.addComment(this.issue, body, user!.login);
    const at = new Date(Math.floor(atMs / 1000) * 1000).toISOString();
    const comment: ThreadComment = { id, body, user, created_at: at, updated_at: at };
    this.comments.push(comment);
    return comment;
  }

  override edit(comment: ThreadComment, body: string, atMs: number): void {
    super.edit(comment, body, atMs);
    this.clock.at = atMs;
    this.server.emulator.editComment(comment.id, body);
  }

  /** The live checklist, as a node keeps it: not a protocol message, and never shown as a malformed one. */
  checklist(atMs: number): void {
    const state = fold(this.comments, { run: RUN_ID, trust: makeTrust(BOT) });
    this.add(renderChecklist({ state, now: atMs }).body, atMs);
  }
}

const RUN_ID = '100.1';
const HOUR: Partial<Claim> = { lease_ms: 3_600_000 };
const check = (passed: boolean, extra: Partial<Check> = {}): Check => ({
  command: 'npm test',
  passed,
  fix_rounds: 0,
  exit_code: passed ? 0 : 1,
  output_tail: passed ? '' : 'FAIL tests/page.test.ts > renders the list\nexpected 3 items, got 2',
  ...extra,
});
function outcome(
  ok: boolean,
  fields: { usage?: Usage; check?: Check; error?: string; pr?: number },
): Partial<Claim> {
  const result: Result = {
    exit_code: ok ? 0 : 1,
    duration_ms: 40_000,
    output_tail: '',
    ...(fields.usage ? { usage: fields.usage } : {}),
    ...(fields.check ? { check: fields.check } : {}),
    ...(fields.pr ? { pr: `https://github.example/octo-org/demo/pull/${fields.pr}` } : {}),
    ...(ok ? {} : { error: fields.error ?? 'the check failed' }),
  };
  return { state: ok ? 'completed' : 'failed', result };
}

describe('the dashboard: cost, budget and a stopped run', () => {
  const clock: { at?: number } = {};
  let server: RunningEmulator;
  // A few minutes ago, so that everything in the threads has happened when the page reads them.
  const B = Math.floor(Date.now() / 1000) * 1000 - 3 * 60_000;

  beforeAll(async () => {
    server = await startEmulator({
      emulator: new GitHubEmulator({ clock: { now: () => clock.at ?? Date.now() } }),
    });
    server.emulator.addUser({ login: 'alice', id: 7, token: 'ghp_alice_token', permission: 'write' });
  });
  afterAll(() => server?.close());

  const thread = (): EmulatedThread => {
    clock.at = B;
    return new EmulatedThread(server, server.emulator.createIssue({ title: 'A run' }), clock);
  };

  it('shows each task’s cost (unknown when not reported), the total, the budget left, and when it ran out', async () => {
    const t = thread();
    for (const n of ['node-1', 'node-2', 'node-3']) t.bid(n, B, { instances: 3 });
    t.plan(
      'node-1',
      [
        task('task-1', { title: 'Schema' }),
        task('task-2', { title: 'API' }),
        task('task-3', { title: 'Page' }),
        task('task-4', { title: 'Docs' }),
        task('task-5', { title: 'Release', depends_on: ['task-4'] }),
      ],
      B + 1000,
      { max_cost_usd: 2, max_attempts: 2 },
    );
    t.checklist(B + 1000);
    const usage = (cost_usd: number): Usage => ({ cost_usd, input_tokens: 1200, output_tokens: 300 });
    t.update(
      t.claim('node-1', 'task-1', B + 2000, HOUR),
      B + 60_000,
      outcome(true, { usage: usage(0.35), check: check(true, { fix_rounds: 1 }), pr: 12 }),
    );
    // An agent that reported no cost at all: unknown, never $0.00.
    t.update(
      t.claim('node-2', 'task-2', B + 2000, HOUR),
      B + 70_000,
      outcome(true, { check: check(true), pr: 13 }),
    );
    t.update(
      t.claim('node-3', 'task-3', B + 2000, HOUR),
      B + 50_000,
      outcome(false, { usage: usage(0.12), check: check(false) }),
    );
    t.update(
      t.claim('node-3', 'task-3', B + 52_000, { ...HOUR, attempt: 2 }),
      B + 90_000,
      outcome(false, { usage: usage(0.08), check: check(false, { fix_rounds: 2 }) }),
    );
    // Its first attempt's check timed out; the second attempt is still running.
    t.update(
      t.claim('node-1', 'task-4', B + 61_000, HOUR),
      B + 100_000,
      outcome(false, { usage: usage(0.05), check: check(false, { timed_out: true, exit_code: null }) }),
    );
    const retry = t.claim('node-2', 'task-4', B + 101_000, { ...HOUR, attempt: 2, state: 'running' });
    clock.at = undefined;

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await connect(page, {
      api: server.url,
      token: 'ghp_maintainer_token',
      repo: 'octo-org/demo',
      issue: t.issue,
    });
    await expect.poll(() => text(page, 'completed'), { timeout: 15_000 }).toBe('2 / 5');
    // The run's total says that one task's cost is not known, and the budget counts what was reported.
    expect(await text(page, 'agent-cost')).toBe('$0.60 + unknown');
    expect(await text(page, 'agent-cost-note')).toBe(
      '4.8k in / 1.2k out tokens · 1 task(s) did not report a cost',
    );
    expect(await text(page, 'budget')).toBe('$1.40 of $2.00 left');
    expect(await text(page, 'checks')).toBe('2 passed, 2 failed');
    expect(await text(page, 'checks-note')).toBe('npm test');
    expect(await page.locator('[data-testid=budget-banner]').count()).toBe(0);
    expect(await page.locator('[data-testid=stopped-banner]').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'cost-overview.png'), fullPage: true });

    await page.click('[data-tab=tasks]');
    const cost = (i: number) => page.locator('[data-testid=task-cost]').nth(i).innerText();
    const checkOf = (i: number) => page.locator('[data-testid=task-check]').nth(i).innerText();
    expect(await cost(0)).toBe('$0.35 · 1.2k in / 300 out tokens');
    expect(await cost(1)).toBe('unknown');
    expect(await cost(2)).toBe('$0.20 · 2.4k in / 600 out tokens');
    expect(await cost(4)).toBe('');
    expect(await checkOf(0)).toBe('✓ npm test passed after 1 fix round');
    expect(await checkOf(1)).toBe('✓ npm test passed');
    expect(await checkOf(2)).toMatch(/^✗ npm test failed \(exit 1\) after 2 fix rounds\s+output$/);
    // A retry that has not finished shows the check that sent it back, and whose it was.
    expect(await checkOf(3)).toMatch(/^✗ npm test failed \(timed out\) \(attempt 1\)\s+output$/);
    expect(await text(page, 'tasks-total')).toBe(
      '$0.60 + unknown · 4.8k in / 1.2k out tokens · budget: $1.40 of $2.00 left',
    );
    // A failed check's output is one click away.
    await page.locator('[data-testid=task-row]').nth(2).locator('summary').click();
    expect(await page.locator('[data-testid=task-row]').nth(2).locator('pre.raw').innerText()).toContain(
      'expected 3 items, got 2',
    );
    await page.screenshot({ path: path.join(SHOTS, 'cost-tasks.png'), fullPage: true });
    await page.click('[data-tab=messages]');
    // The checklist comment is not a protocol message: not listed, and not malformed.
    expect(await page.locator('[data-testid=message-row][data-status=malformed]').count()).toBe(0);
    expect(await page.locator('[data-testid=message-row]').count()).toBe(t.comments.length - 1);

    // The retry completes and spends the rest: the task waiting for it is not run, and the page says why.
    t.update(retry, Date.now(), outcome(true, { usage: usage(1.5), check: check(true), pr: 14 }));
    clock.at = undefined;
    await page.click('[data-tab=overview]');
    await page.locator('[data-testid=budget-banner]').waitFor({ timeout: 15_000 });
    expect(await text(page, 'budget-banner')).toBe(
      "The run's budget of $2.00 was spent ($2.10 reported): no new agent starts; 1 task(s) not run.",
    );
    expect(await text(page, 'budget')).toBe('spent ($2.00)');
    expect(await text(page, 'agent-cost')).toBe('$2.10 + unknown');
    expect(await text(page, 'completed')).toBe('3 / 5');
    await page.click('[data-tab=tasks]');
    expect(await page.locator('[data-testid=task-row]').nth(4).innerText()).toMatch(
      /task-5\s+Release\s+skipped\s+not run: the run's budget of \$2\.00 was spent/,
    );
    await page.click('[data-tab=overview]');
    await page.screenshot({ path: path.join(SHOTS, 'budget-spent.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('shows a stopped run: who stopped it, the stopped tasks, the stop message', async () => {
    const t = thread();
    for (const n of ['node-1', 'node-2', 'node-3']) t.bid(n, B, { instances: 3 });
    t.plan(
      'node-1',
      [
        task('task-1', { title: 'Schema' }),
        task('task-2', { title: 'API' }),
        task('task-3', { title: 'Page' }),
        task('task-4', { title: 'Docs', depends_on: ['task-2'] }),
      ],
      B + 1000,
      { max_attempts: 2 },
    );
    t.update(
      t.claim('node-1', 'task-1', B + 2000, HOUR),
      B + 40_000,
      outcome(true, { usage: { cost_usd: 0.3 }, check: check(true), pr: 21 }),
    );
    const running = t.claim('node-2', 'task-2', B + 2000, { ...HOUR, state: 'running' });
    const request = t.add('/p2p-dev stop', B + 60_000, { login: 'alice', id: 7, type: 'User' });
    const stop: Stop = {
      p2p: 1,
      type: 'stop',
      run: RUN_ID,
      node: 'node-3',
      nonce: 'stop-nonce-000001',
      by: { login: 'alice', id: 7 },
      comment_id: request.id,
    };
    t.add(encode(stop, renderStop(stop)), B + 62_000);
    // The running agent is stopped, its work saved on the attempt's branch.
    t.update(running, B + 65_000, {
      state: 'failed',
      result: {
        exit_code: null,
        duration_ms: 63_000,
        output_tail: '',
        error: 'stopped: the run was stopped by @alice',
        branch: 'p2p-dev/issue-2/task-2-attempt-1',
        diff: { files: 3, added: 40, removed: 2, tests: 1 },
        usage: { cost_usd: 0.1 },
      },
    });
    t.checklist(B + 66_000);
    clock.at = undefined;

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await connect(page, {
      api: server.url,
      token: 'ghp_maintainer_token',
      repo: 'octo-org/demo',
      issue: t.issue,
    });
    await page.locator('[data-testid=stopped-banner]').waitFor({ timeout: 15_000 });
    const banner = await text(page, 'stopped-banner');
    expect(banner).toMatch(
      /^Stopped by @alice at .+ \(comment \d+, relayed by node-3\): no new agent starts; 3 task\(s\) stopped\.$/,
    );
    expect(banner).toContain(`comment ${request.id}`);
    // The banner links the comment that asked.
    expect(await page.locator('[data-testid=stopped-banner] a').getAttribute('href')).toMatch(
      new RegExp(`#issuecomment-${request.id}$`),
    );
    expect(await text(page, 'eta')).toBe('stopped');
    expect(await text(page, 'completed')).toBe('1 / 4');
    expect(await text(page, 'agent-cost')).toBe('$0.40');
    expect(await text(page, 'budget')).toBe('no cap');
    // The stop sits on the timeline, on the row of the node that relayed it.
    expect(await page.locator('#chart-timeline').getAttribute('aria-label')).toBe(
      'timeline: which node ran which task when: completed 1, stopped 1, stop 1 (asked by @alice, relayed by node-3)',
    );
    await page.screenshot({ path: path.join(SHOTS, 'stopped-overview.png'), fullPage: true });
    // The banner and the new cards fit a phone too.
    await page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => wide(page), { timeout: 5000 }).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'stopped-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.click('[data-tab=tasks]');
    const rows = page.locator('[data-testid=task-row]');
    expect(await rows.nth(0).innerText()).toMatch(/task-1\s+Schema\s+completed/);
    for (const i of [1, 2, 3]) expect(await rows.nth(i).innerText()).toMatch(/\sstopped\s+stopped by @alice/);
    // The stopped tasks have a colour of their own, none of the other statuses'.
    const colour = (i: number) =>
      rows
        .nth(i)
        .locator('.pill')
        .evaluate((e) => getComputedStyle(e).backgroundColor);
    const stoppedColour = await colour(1);
    expect(await colour(2)).toBe(stoppedColour);
    expect(stoppedColour).not.toBe(await colour(0));
    // (Not the grey of a status the page has no colour for.)
    expect(stoppedColour).not.toBe('rgb(153, 153, 153)');
    expect(await page.locator('[data-testid=task-cost]').nth(1).innerText()).toBe('$0.10');
    expect(await page.locator('[data-testid=task-cost]').nth(2).innerText()).toBe('');
    // What the saved work changed, under its branch.
    expect(await page.locator('[data-testid=task-result]').nth(1).innerText()).toBe(
      'p2p-dev/issue-2/task-2-attempt-1\n3 files +40 −2, 1 of them tests',
    );
    await page.screenshot({ path: path.join(SHOTS, 'stopped-tasks.png'), fullPage: true });

    await page.click('[data-tab=messages]');
    await page.selectOption('#filter-type', 'stop');
    const messages = page.locator('[data-testid=message-row]');
    expect(await messages.count()).toBe(1);
    expect(await messages.first().innerText()).toMatch(
      new RegExp(
        `stop\\s+node-3\\s+github-actions\\[bot\\]\\s+accepted\\s+stop the run, as @alice asked in comment ${request.id}`,
      ),
    );
    await page.selectOption('#filter-type', '');
    expect(await page.locator('[data-testid=message-row][data-status=malformed]').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'stopped-messages.png'), fullPage: true });
    await page.close();
  }, 60_000);
});
