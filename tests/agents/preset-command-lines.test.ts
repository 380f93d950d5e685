// Every preset's exact command line, run by the product's own code against the real CLI pinned in
// package.json (a breaking release shows up here, as a failing dependabot bump). With no key each must stop
// at authentication, never at its arguments or its setup. Codex and Gemini are also pointed at local
// stand-ins for their APIs: the preset runs a shell command without approval, and its usage and limits come
// through.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_PRESETS, agentChoiceFor } from '../../src/agents/presets.js';
import { startAgentRun, type AgentRunResult } from '../../src/node/agent/agent-run.js';
import type { NodeContext } from '../../src/node/loop/context.js';
import { git } from '../../scripts/local-git.js';
import { cliPath } from '../helpers/agent-clis.js';
import { geminiStandIn, openAiStandIn } from '../helpers/model-stand-ins.js';

/** What each CLI says when it has no key, and what it says when it does not understand its arguments. */
const NO_KEY: Record<string, RegExp> = {
  claude: /Not logged in · Please run \/login/,
  codex: /Missing environment variable: `OPENAI_API_KEY`/,
  gemini: /Please set an Auth method/,
};
const BAD_ARGUMENTS =
  /unexpected argument|unknown option|Unknown argument|unrecognized|Usage: |not running in a trusted directory|error: invalid value/i;

async function run(
  agent: string,
  options: { env?: Record<string, string>; args?: string; maxTurns?: number; budgetUsd?: number } = {},
): Promise<{ dir: string; result: AgentRunResult }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `p2p-${agent}-`));
  git(dir, 'init', '--quiet');
  const home = mkdtempSync(path.join(os.tmpdir(), `p2p-${agent}-home-`));
  const promptFile = path.join(home, 'prompt.md');
  // A long prompt: past Linux's 128 KiB limit for one argument, so it must come on stdin or from its file.
  writeFileSync(promptFile, `Do the task.\n${'Context line.\n'.repeat(12_000)}`);
  const ctx = {
    config: {
      agent: agentChoiceFor(agent, '', options.args ?? ''),
      workspace: dir,
      tempDir: home,
      agentEnv: { PATH: cliPath(), HOME: home, ...options.env },
      ...(options.maxTurns ? { maxTurns: options.maxTurns } : {}),
    },
  } as unknown as NodeContext;
  const result = await startAgentRun(ctx, {
    env: { P2P_TASK_ID: 'task-1' },
    promptFile,
    usageFile: path.join(home, 'usage.json'),
    timeoutMs: 90_000,
    ...(options.budgetUsd ? { budgetUsd: options.budgetUsd } : {}),
  }).done;
  return { dir, result };
}

describe('each preset’s exact command line against its real CLI, with no key', () => {
  for (const [name, preset] of Object.entries(AGENT_PRESETS)) {
    if (!preset.tested) continue;
    it(`${name}: stops at authentication, not at its arguments or setup`, async () => {
      // Every option the preset can pass: max-turns and a budget too.
      const { result } = await run(name, { maxTurns: 3, budgetUsd: 1 });
      const said = `${result.error}\n${result.outputTail}`;
      expect(result.ok).toBe(false);
      expect(said).toMatch(NO_KEY[name]!);
      expect(said).not.toMatch(BAD_ARGUMENTS);
      expect(result.exitCode).not.toBe(2);
    }, 120_000);
  }
});

describe('codex and gemini against stand-ins for their APIs', () => {
  it('codex: runs a command without approval and reports its tokens', async () => {
    const api = await openAiStandIn('echo ran > proof.txt', 'All done.');
    try {
      const { dir, result } = await run('codex', {
        env: { OPENAI_API_KEY: 'sk-stand-in' },
        // The one thing a test changes: where the preset's provider sends its requests.
        args: `-c 'model_providers.p2p-openai.base_url="${api.url}/v1"'`,
      });
      expect(result.error).toBeUndefined();
      expect(readFileSync(path.join(dir, 'proof.txt'), 'utf8')).toBe('ran\n');
      expect(result.usage).toEqual({ input_tokens: 200, output_tokens: 20 });
      expect(result.finalText).toBe('All done.');
      expect(result.outputTail).toContain('▶ shell: echo ran > proof.txt');
      expect(JSON.stringify(api.requests[0]!.body)).toContain('Context line.');
    } finally {
      await api.close();
    }
  }, 120_000);

  it('gemini: runs a command without approval, and max-turns stops it with the CLI’s reason', async () => {
    const api = await geminiStandIn('echo ran > proof.txt', 'All done.');
    try {
      // A user's own settings (here: how to authenticate against the stand-in) are kept under the limit.
      const userHome = mkdtempSync(path.join(os.tmpdir(), 'p2p-gemini-user-'));
      mkdirSync(path.join(userHome, '.gemini'));
      writeFileSync(
        path.join(userHome, '.gemini', 'settings.json'),
        JSON.stringify({ security: { auth: { selectedType: 'gemini-api-key' } } }),
      );
      const env = { GEMINI_API_KEY: 'stand-in', GOOGLE_GEMINI_BASE_URL: api.url, GEMINI_CLI_HOME: userHome };
      const ok = await run('gemini', { env, maxTurns: 5 });
      expect(ok.result.error).toBeUndefined();
      expect(readFileSync(path.join(ok.dir, 'proof.txt'), 'utf8')).toBe('ran\n');
      expect(ok.result.usage!.input_tokens).toBeGreaterThan(0);
      expect(ok.result.finalText).toBe('All done.');
      expect(ok.result.outputTail).toContain('▶ run_shell_command: echo ran > proof.txt');

      const limited = await run('gemini', { env, maxTurns: 1 });
      expect(limited.result.ok).toBe(false);
      expect(limited.result.error).toBe(
        'the agent stopped: Reached max session turns for this session. Increase the number of turns by specifying maxSessionTurns in settings.json. (FatalTurnLimitedError)',
      );
      expect(existsSync(path.join(limited.dir, 'proof.txt'))).toBe(true);
    } finally {
      await api.close();
    }
  }, 120_000);
});
