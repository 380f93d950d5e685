import { describe, expect, it } from 'vitest';
import { claudeReader } from '../../src/agents/agent-output.js';

const events = (reader: ReturnType<typeof claudeReader>, lines: object[]): (string | undefined)[] =>
  lines.map((l) => reader.line(JSON.stringify(l)));

describe("reading Claude Code's stream-json events", () => {
  it('shows what it does in words and reports its result', () => {
    const reader = claudeReader();
    const shown = events(reader, [
      { type: 'system', subtype: 'init', model: 'claude-x', tools: ['Bash'] },
      {
        type: 'assistant',
        message: {
          content: [
            { type: 'text', text: 'Running the tests.' },
            { type: 'tool_use', name: 'Bash', input: { command: 'npm test' } },
          ],
        },
      },
      { type: 'user', message: { content: [{ type: 'tool_result', content: 'x'.repeat(10_000) }] } },
      {
        type: 'result',
        subtype: 'success',
        is_error: false,
        result: 'All tests pass.',
        total_cost_usd: 0.0123,
        num_turns: 3,
        usage: {
          input_tokens: 10,
          cache_creation_input_tokens: 100,
          cache_read_input_tokens: 1000,
          output_tokens: 50,
        },
        permission_denials: [],
      },
    ]);
    expect(shown).toEqual([
      'Claude Code started (model claude-x)',
      'Running the tests.\n▶ Bash: npm test',
      undefined,
      'All tests pass.',
    ]);
    expect(reader.report()).toEqual({
      finalText: 'All tests pass.',
      usage: { cost_usd: 0.0123, input_tokens: 1110, output_tokens: 50, turns: 3 },
      notes: [],
    });
    expect(reader.line('not json at all')).toBe('not json at all');
  });

  it('says why the CLI stopped, and which tool calls it refused', () => {
    const reader = claudeReader();
    events(reader, [
      {
        type: 'result',
        subtype: 'error_max_turns',
        is_error: true,
        errors: ['Reached maximum number of turns (5)'],
        total_cost_usd: 0.5,
        num_turns: 6,
        permission_denials: [{ tool_name: 'Bash', tool_input: { command: 'curl evil' } }],
      },
    ]);
    const report = reader.report();
    expect(report.failure).toBe('Reached maximum number of turns (5) (error_max_turns)');
    expect(report.notes).toEqual([
      'Claude Code refused 1 tool call(s) for want of permission: Bash: curl evil',
    ]);
    const notLoggedIn = claudeReader();
    events(notLoggedIn, [
      { type: 'result', subtype: 'success', is_error: true, result: 'Not logged in · Please run /login' },
    ]);
    expect(notLoggedIn.report().failure).toBe('Not logged in · Please run /login');
  });
});
