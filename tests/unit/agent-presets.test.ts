import { describe, expect, it } from 'vitest';
import { AGENT_PRESETS, agentCommandFor } from '../../src/agents/presets.js';

describe('agent presets', () => {
  it('gives each named agent a command line fed the prompt file', () => {
    for (const name of ['claude', 'codex', 'gemini', 'aider']) {
      expect(agentCommandFor(name, '')).toBe(AGENT_PRESETS[name]!.command);
      expect(AGENT_PRESETS[name]!.command).toContain('$P2P_PROMPT_FILE');
    }
    expect(agentCommandFor('Claude', '')).toMatch(/^claude -p /);
  });

  it('runs agent-command as given for custom, and when one is given at all', () => {
    expect(agentCommandFor('custom', './my-agent.sh')).toBe('./my-agent.sh');
    expect(agentCommandFor('claude', 'claude -p --model opus < "$P2P_PROMPT_FILE"')).toContain(
      '--model opus',
    );
  });

  it('names the input when the choice is wrong', () => {
    expect(() => agentCommandFor('custom', ' ')).toThrow(
      'Input "agent-command" is required when "agent" is custom.',
    );
    expect(() => agentCommandFor('gpt', '')).toThrow(
      'Input "agent" must be one of claude, codex, gemini, aider, custom; got "gpt".',
    );
  });
});
