// The dashboard in a real browser (Debian's chromium through playwright-core) against the emulator during a
// real run of dist/index.js nodes: it connects, its numbers match the run, the tabs work, the error states say
// what is wrong, and it fits a phone. Screenshots go to artifacts/screenshots/.
import { mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startScenario, type Scenario } from '../helpers/scenario.js';
import { tally } from '../../src/protocol/decide.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SHOTS = path.join(ROOT, 'artifacts', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

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
    expect(await text(page, 'agent-cost')).toBe('$0.40 · 2.0k in / 200 out tokens');
    expect(tally(state, Date.now()).completed).toBe(4);
    await page.screenshot({ path: path.join(SHOTS, 'overview.png'), fullPage: true });

    await page.click('[data-tab=tasks]');
    const rows = page.locator('[data-testid=task-row]');
    expect(await rows.count()).toBe(4);
    expect(await rows.nth(1).innerText()).toMatch(/task-2\s+API\s+completed/);
    expect(await page.locator('[data-testid=task-check]').nth(1).innerText()).toBe(
      'test -n "$P2P_TASK_ID" passed',
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
    const wide = () =>
      page.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > 391)
          .map((e) => `${e.tagName}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`),
      );
    await expect.poll(wide, { timeout: 5000 }).toEqual([]);
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
