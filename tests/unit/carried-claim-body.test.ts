// A claim that carries its node's previous outcome holds two results: the comment must still fit GitHub's
// limit, whatever the agents printed, and still decode with both.
import { describe, expect, it } from 'vitest';
import { claimBody, priorOutcome } from '../../src/node/loop/message-bodies.js';
import type { NodeConfig } from '../../src/node/loop/node-config.js';
import { decode, GITHUB_COMMENT_LIMIT } from '../../src/protocol/codec.js';
import type { Result } from '../../src/protocol/messages.js';

const config = { run: '100.1', nodeId: 'node-1', leaseMs: 60_000 } as NodeConfig;
// Characters that HTML-escaping makes six times longer, in every text a result may hold at its longest.
const worst = (n: number): string => '<>&"'.repeat(n / 4);
const result: Result = {
  exit_code: 1,
  duration_ms: 1000,
  output_tail: worst(20_000),
  error: worst(5000),
  pr_error: worst(2000),
  check: {
    command: worst(500),
    passed: false,
    fix_rounds: 2,
    exit_code: 1,
    output_tail: worst(8000),
  },
};

describe('a claim carrying the previous outcome', () => {
  it('fits in one comment and decodes with both results', () => {
    const edit = { beat: 3, prev: 1000, leaseMs: 60_000, prevLeaseMs: 60_000 };
    const prior = priorOutcome(
      config,
      'nonce-aaaaaaaa',
      { task: 'a', attempt: 1, state: 'failed', result },
      edit,
    );
    const body = claimBody(
      config,
      'nonce-bbbbbbbb',
      { task: 'b', attempt: 1, state: 'failed', result, prior },
      edit,
    );
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    const d = decode(body);
    expect(d.kind).toBe('message');
    if (d.kind !== 'message' || d.message.type !== 'claim') return;
    expect(d.message.prior).toMatchObject({ task: 'a', state: 'failed', nonce: 'nonce-aaaaaaaa', beat: 3 });
    expect(d.message.result?.exit_code).toBe(1);
  });
});
