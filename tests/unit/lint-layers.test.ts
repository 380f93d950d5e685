// The layers are enforced by the linter, not remembered: deliberate violations, linted with the project's own
// ESLint config, fail; the same code where it belongs passes. (The tree itself is linted by `npm run lint`.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** Lint `code` as a file in `folder` of the tree (written there for the type-aware rules, then removed). */
async function lint(folder: string, code: string): Promise<string[]> {
  const dir = mkdtempSync(path.join(ROOT, folder, '_lint-'));
  made.push(dir);
  const file = path.join(dir, 'probe.ts');
  writeFileSync(file, code);
  const [result] = await eslint.lintFiles([file]);
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

const CLOCK = 'export const at = Date.now();\nexport const d = new Date();\nsetTimeout(() => {}, 1);\n';
const GITHUB =
  "import { Octokit } from '@octokit/rest';\nimport type { GitHubClient } from '../../github/client.js';\n" +
  'export const o = Octokit;\n' +
  'export async function get(c: GitHubClient): Promise<unknown> {\n' +
  "  return c.octokit.rest.issues.get({ owner: 'o', repo: 'r', issue_number: 1 });\n}\n";

describe('the layers, as the linter enforces them', () => {
  it('keeps the clock and timers out of src/protocol and src/tasks', async () => {
    for (const folder of ['src/protocol', 'src/tasks']) {
      const messages = await lint(folder, CLOCK);
      expect(messages.filter((m) => m.startsWith('no-restricted-syntax'))).toHaveLength(2);
      expect(messages.filter((m) => m.startsWith('no-restricted-globals'))).toHaveLength(1);
    }
    expect(await lint('src/node', CLOCK)).toEqual([]);
  }, 180_000);

  it('lets only src/github import Octokit or call octokit.rest', async () => {
    const outside = await lint('src/node', GITHUB);
    expect(outside.some((m) => m.startsWith('no-restricted-imports') && /Only src\/github/.test(m))).toBe(
      true,
    );
    expect(outside.some((m) => m.startsWith('no-restricted-syntax') && /Only src\/github/.test(m))).toBe(
      true,
    );
    expect(await lint('src/github', GITHUB.replaceAll('../../github/', '../'))).toEqual([]);
  }, 180_000);

  it('allows no function in src/ longer than 80 lines', async () => {
    const body = (lines: number): string =>
      `export function long(): number {\n  let n = 0;\n${'  n += 1;\n'.repeat(lines - 4)}  return n;\n}\n`;
    const tooLong = await lint('src/node', body(81));
    expect(tooLong.filter((m) => m.startsWith('max-lines-per-function'))).toHaveLength(1);
    expect(await lint('src/node', body(80))).toEqual([]);
  }, 180_000);

  it("keeps the clock out of the node's step functions and polling policies", async () => {
    // The rule names these two files (the rest of src/node performs effects): check it applies to them.
    const config = (await eslint.calculateConfigForFile(path.join(ROOT, 'src/node/loop/node-step.ts'))) as {
      rules: Record<string, unknown>;
    };
    expect(JSON.stringify(config.rules['no-restricted-syntax'])).toMatch(/no Date\.now\(\)/);
    const policies = (await eslint.calculateConfigForFile(path.join(ROOT, 'src/node/loop/polling.ts'))) as {
      rules: Record<string, unknown>;
    };
    expect(JSON.stringify(policies.rules['no-restricted-syntax'])).toMatch(/no Date\.now\(\)/);
  }, 180_000);

  it('leaves no promise floating', async () => {
    const messages = await lint(
      'src/node',
      'async function work(): Promise<void> {}\nexport function start(): void {\n  work();\n}\n',
    );
    expect(messages.some((m) => m.startsWith('@typescript-eslint/no-floating-promises'))).toBe(true);
  }, 180_000);
});
