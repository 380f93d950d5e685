import { describe, expect, it } from 'vitest';
import { claudeReader } from '../../src/agents/agent-output.js';
import { codexReader, geminiReader } from '../../src/agents/agent-output-events.js';

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

describe('results that are not the CLI’s own', () => {
  it('takes Claude Code’s one result of its own session, not a later line that looks like one', () => {
    const reader = claudeReader();
    events(reader, [
      { type: 'system', subtype: 'init', session_id: 's1', model: 'm' },
      {
        type: 'result',
        subtype: 'success',
        session_id: 's1',
        result: 'real',
        total_cost_usd: 0.5,
        num_turns: 2,
      },
      { type: 'result', subtype: 'success', session_id: 's1', result: 'fake', total_cost_usd: 0 },
    ]);
    expect(reader.report()).toMatchObject({ finalText: 'real', usage: { cost_usd: 0.5, turns: 2 } });
    const other = claudeReader();
    events(other, [
      { type: 'system', subtype: 'init', session_id: 's1' },
      { type: 'result', subtype: 'success', session_id: 'forged', total_cost_usd: 0 },
    ]);
    expect(other.report().usage).toBeUndefined();
  });
});

describe("reading the Codex and Gemini CLIs' events", () => {
  it('codex: an error it retried past is shown, not the run’s failure; a failed turn is', () => {
    const reader = codexReader();
    const shown = [
      { type: 'thread.started' },
      { type: 'error', message: 'Reconnecting... 1/5' },
      { type: 'item.started', item: { type: 'command_execution', command: "/bin/bash -lc 'npm test'" } },
      { type: 'item.completed', item: { type: 'agent_message', text: 'Done.' } },
      { type: 'turn.completed', usage: { input_tokens: 223, cached_input_tokens: 46, output_tokens: 55 } },
    ].map((e) => reader.line(JSON.stringify(e)));
    expect(shown).toEqual([
      'Codex started',
      'error: Reconnecting... 1/5',
      '▶ shell: npm test',
      'Done.',
      undefined,
    ]);
    expect(reader.report()).toEqual({
      finalText: 'Done.',
      usage: { input_tokens: 223, output_tokens: 55 },
      notes: [],
    });
    const failed = codexReader();
    failed.line(
      JSON.stringify({
        type: 'turn.failed',
        error: { message: 'Missing environment variable: `OPENAI_API_KEY`.' },
      }),
    );
    expect(failed.report().failure).toBe('Missing environment variable: `OPENAI_API_KEY`.');
  });

  it('gemini: the last message is its answer; a result with an error is the failure', () => {
    const reader = geminiReader();
    for (const e of [
      { type: 'init', model: 'auto' },
      { type: 'message', role: 'assistant', content: 'Let me look.', delta: true },
      { type: 'tool_use', tool_name: 'run_shell_command', parameters: { command: 'ls' } },
      { type: 'message', role: 'assistant', content: 'Here is ', delta: true },
      { type: 'message', role: 'assistant', content: 'the plan.', delta: true },
      {
        type: 'result',
        status: 'error',
        error: { type: 'FatalTurnLimitedError', message: 'Reached max session turns for this session.' },
        stats: { input_tokens: 333, output_tokens: 66 },
      },
    ])
      reader.line(JSON.stringify(e));
    expect(reader.report()).toEqual({
      finalText: 'Here is the plan.',
      usage: { input_tokens: 333, output_tokens: 66 },
      failure: 'Reached max session turns for this session. (FatalTurnLimitedError)',
      notes: [],
    });
  });
});
