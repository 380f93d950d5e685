// The claude preset against the real Claude Code CLI (the version pinned in package.json), pointed at a local
// stand-in for Anthropic's API: it runs the repository's commands without approval, reports what it spent,
// and a limit it reaches fails the run with the CLI's own reason.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentChoiceFor } from '../../src/agents/presets.js';
import { startAgentRun, type AgentRunResult } from '../../src/node/agent/agent-run.js';
import type { NodeContext } from '../../src/node/loop/context.js';
import { git } from '../../scripts/local-git.js';
import {
  claudeEnvFor,
  runThenFinish,
  startAnthropicStandIn,
  type MessagesRequest,
  type StandIn,
} from '../../scripts/anthropic-stand-in.js';
import { cliPath } from '../helpers/agent-clis.js';

let standIn: StandIn;
let script: (request: MessagesRequest) => { bash: string } | { text: string };
beforeAll(async () => {
  standIn = await startAnthropicStandIn((request) => script(request));
});
afterAll(() => standIn.close());

function workspace(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-claude-'));
  git(dir, 'init', '--quiet');
  writeFileSync(path.join(dir, 'package.json'), '{"name":"demo","scripts":{"test":"echo tests pass"}}\n');
  return dir;
}

async function runClaude(limits: { maxTurns?: number; budgetUsd?: number } = {}, args = '') {
  const dir = workspace();
  const home = mkdtempSync(path.join(os.tmpdir(), 'p2p-claude-home-'));
  const promptFile = path.join(home, 'prompt.md');
  writeFileSync(promptFile, 'Run the tests.');
  const ctx = {
    config: {
      agent: agentChoiceFor('claude', '', args),
      workspace: dir,
      tempDir: home,
      agentEnv: { PATH: cliPath(), ...claudeEnvFor(standIn, home) },
      ...(limits.maxTurns ? { maxTurns: limits.maxTurns } : {}),
    },
  } as unknown as NodeContext;
  const shown: string[] = [];
  const result: AgentRunResult = await startAgentRun(ctx, {
    env: { P2P_TASK_ID: 'task-1' },
    promptFile,
    usageFile: path.join(home, 'usage.json'),
    timeoutMs: 120_000,
    ...(limits.budgetUsd ? { budgetUsd: limits.budgetUsd } : {}),
    onOutput: (text) => shown.push(text),
  }).done;
  return { dir, result, shown: shown.join('') };
}

describe('the claude preset, run by the real Claude Code CLI against a stand-in API', () => {
  it('runs a shell command without approval and reports what it spent', async () => {
    script = runThenFinish('npm test > ran.txt 2>&1 && echo "$((6 * 7))"', 'The tests pass.');
    const { dir, result, shown } = await runClaude();
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(readFileSync(path.join(dir, 'ran.txt'), 'utf8')).toContain('tests pass');
    // The tool's output went back to the model: the command really ran, with no approval asked.
    const last = standIn.requests.at(-1)!;
    expect(JSON.stringify(last.messages)).toContain('42');
    expect(result.usage).toMatchObject({ input_tokens: 2000, output_tokens: 100, turns: 2 });
    expect(result.usage!.cost_usd).toBeGreaterThan(0);
    // The log and the outcome show what it did in words, not the CLI's JSON events.
    expect(shown).toContain('▶ Bash: npm test > ran.txt');
    expect(shown).toContain('The tests pass.');
    expect(result.outputTail).not.toContain('"type":');
  });

  it('fails the run with the CLI’s reason when max-turns is reached', async () => {
    script = runThenFinish('echo one more turn');
    const { result } = await runClaude({ maxTurns: 1 });
    expect(result.ok).toBe(false);
    expect(result.error).toBe('the agent stopped: Reached maximum number of turns (1) (error_max_turns)');
    expect(result.usage!.cost_usd).toBeGreaterThan(0);
  });

  it('fails the run with the CLI’s reason when the task’s budget is spent', async () => {
    script = runThenFinish('echo spend');
    const { result } = await runClaude({ budgetUsd: 0.001 });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(
      /^the agent stopped: Reached maximum budget \(\$0\.001\) \(error_max_budget_usd\)$/,
    );
  });

  it('lets agent-args narrow what it may run', async () => {
    // (acceptEdits itself lets a few file commands through: mkdir, touch, rm, mv, cp, sed.)
    script = runThenFinish("node -e \"require('fs').writeFileSync('forbidden.txt', 'x')\"");
    const { dir, result } = await runClaude({}, '--allowedTools "Bash(npm test)"');
    expect(existsSync(path.join(dir, 'forbidden.txt'))).toBe(false);
    expect(result.notes.join('\n')).toMatch(/refused 1 tool call\(s\) for want of permission: Bash: node -e/);
  });
});
