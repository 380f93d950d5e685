import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_PRESETS, agentChoiceFor, presetCommand, shellWord } from '../../src/agents/presets.js';

const command = (agent: string, args = '', limits = {}): string => {
  const choice = agentChoiceFor(agent, '', args);
  if (choice.kind !== 'preset') throw new Error('not a preset');
  return presetCommand(choice.preset, choice.extraArgs, limits);
};

describe('agent presets', () => {
  it('reads the prompt from stdin or its file, never from one argument', () => {
    for (const name of Object.keys(AGENT_PRESETS)) {
      const line = command(name);
      expect(line).toMatch(/(< "\$P2P_PROMPT_FILE"|--message-file "\$P2P_PROMPT_FILE")$/);
      expect(line).not.toContain('$(cat');
    }
    expect(command('claude')).toBe(
      'claude -p --output-format stream-json --verbose --permission-mode acceptEdits --allowedTools Bash < "$P2P_PROMPT_FILE"',
    );
    expect(command('codex')).toMatch(
      /^codex exec --json --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox /,
    );
  });

  it('passes max-turns and the budget to the CLIs that take them', () => {
    expect(command('claude', '', { maxTurns: 30, budgetUsd: 1.5 })).toContain(
      '--max-turns 30 --max-budget-usd 1.5000',
    );
    expect(command('codex', '', { maxTurns: 30, budgetUsd: 1.5 })).not.toMatch(/max-turns|budget/);
  });

  it('adds agent-args, and an option given there replaces the preset’s', () => {
    const narrowed = command('claude', `--allowedTools "Bash(npm test)" Edit --model opus`);
    expect(narrowed).not.toContain('--allowedTools Bash ');
    expect(narrowed).toContain('--permission-mode acceptEdits');
    expect(narrowed).toMatch(/--allowedTools "Bash\(npm test\)" Edit --model opus < "\$P2P_PROMPT_FILE"$/);
    expect(command('claude', '--dangerously-skip-permissions')).not.toContain('--permission-mode');
    const sandboxed = command('codex', '--sandbox workspace-write');
    expect(sandboxed).not.toContain('--dangerously-bypass-approvals-and-sandbox');
    expect(sandboxed).toContain('model_provider=p2p-openai');
    // Another -c does not replace the preset's provider; naming another provider does.
    expect(command('codex', `-c 'model="o4"'`)).toContain('-c model_provider=p2p-openai');
    expect(command('codex', '-c model_provider=openai')).not.toContain('model_provider=p2p-openai');
  });

  it('runs agent-command as given for custom, and when one is given with a preset name', () => {
    expect(agentChoiceFor('custom', './my-agent.sh')).toEqual({ kind: 'custom', command: './my-agent.sh' });
    expect(agentChoiceFor('claude', 'claude -p --model opus < "$P2P_PROMPT_FILE"')).toEqual({
      kind: 'custom',
      command: 'claude -p --model opus < "$P2P_PROMPT_FILE"',
    });
    expect(agentChoiceFor('Claude', '').kind).toBe('preset');
  });

  it('names the input when the choice is wrong', () => {
    expect(() => agentChoiceFor('custom', ' ')).toThrow(
      'Input "agent-command" is required when "agent" is custom.',
    );
    expect(() => agentChoiceFor('gpt', '')).toThrow(
      'Input "agent" must be one of claude, codex, gemini, aider, custom; got "gpt".',
    );
    expect(() => agentChoiceFor('custom', './a.sh', '--model x')).toThrow(/Input "agent-args"/);
  });

  it('are what the README says they are', () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    for (const [name, preset] of Object.entries(AGENT_PRESETS))
      expect(readme, name).toContain(`# ${name}\n${presetCommand(preset, '')}\n`);
  });

  it('quotes words for bash', () => {
    expect(shellWord('Bash')).toBe('Bash');
    expect(shellWord("it's a b")).toBe(`'it'\\''s a b'`);
  });
});
