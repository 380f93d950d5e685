import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addUsage, formatUsage, normalizeUsage, UsageSchema } from '../../src/protocol/usage.js';
import { readUsageFile } from '../../src/agents/usage-file.js';
import { planJsonIn } from '../../src/tasks/planning-prompt.js';

describe('usage', () => {
  it('adds runs up figure by figure, keeping only what some run reported', () => {
    expect(addUsage({ cost_usd: 0.1, turns: 2 }, { cost_usd: 0.2, input_tokens: 10 })).toEqual({
      cost_usd: 0.3,
      turns: 2,
      input_tokens: 10,
    });
    expect(addUsage(undefined, { turns: 1 })).toEqual({ turns: 1 });
    expect(addUsage(undefined, undefined)).toBeUndefined();
  });

  it('makes what a CLI reports a valid usage, and keeps sums within bounds', () => {
    expect(normalizeUsage({ cost_usd: 0.5, turns: 2.6, input_tokens: -1, output_tokens: 'x' })).toEqual({
      cost_usd: 0.5,
      turns: 3,
    });
    expect(normalizeUsage({ turns: Number.NaN })).toBeUndefined();
    const sum = addUsage({ input_tokens: 9e14, cost_usd: 9e11 }, { input_tokens: 9e14, cost_usd: 9e11 });
    expect(UsageSchema.safeParse(sum).success).toBe(true);
  });

  it('formats what is known', () => {
    expect(formatUsage({ cost_usd: 0.42, input_tokens: 1200, output_tokens: 340, turns: 7 })).toBe(
      '$0.42 · 1.2k in / 340 out tokens · 7 turns',
    );
    expect(formatUsage({ cost_usd: 0.0042 })).toBe('$0.0042');
    expect(formatUsage({ output_tokens: 2_500_000 })).toBe('0 in / 2.5M out tokens');
  });

  it('reads what an agent wrote to P2P_USAGE_FILE, and says what is wrong with a bad one', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-usage-'));
    const file = (name: string, text: string): string => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    expect(readUsageFile(path.join(dir, 'none.json'))).toEqual({});
    expect(readUsageFile(file('ok.json', '{"cost_usd": 1.5, "turns": 3, "extra": true}'))).toEqual({
      usage: { cost_usd: 1.5, turns: 3 },
    });
    expect(readUsageFile(file('neg.json', '{"cost_usd": -1}')).error).toMatch(/cost_usd/);
    expect(readUsageFile(file('bad.json', 'cost: 3')).error).toMatch(/not JSON/);
    expect(readUsageFile(file('big.json', ' '.repeat(70_000))).error).toMatch(/at most 65536/);
  });
});

describe('finding the plan in what a planning agent said', () => {
  it('takes the last json block with tasks, else the last object that starts with "tasks"', () => {
    expect(planJsonIn('Here:\n```json\n{"tasks":[{"id":"a"}]}\n```\nDone')).toBe('{"tasks":[{"id":"a"}]}');
    expect(planJsonIn('I made {"tasks": [{"id":"a","title":"x}{"}]} and that is it.')).toBe(
      '{"tasks": [{"id":"a","title":"x}{"}]}',
    );
    expect(planJsonIn('first {"tasks":[]} then {"tasks":[{"id":"b"}]} end')).toBe('{"tasks":[{"id":"b"}]}');
    expect(planJsonIn('no plan')).toBe('no plan');
  });
});
