import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../src/protocol/codec.js';
import type { Claim } from '../../src/protocol/messages.js';

const claim: Claim = {
  p2p: 1,
  type: 'claim',
  run: '1.1',
  node: 'run-1.1-node-2-ab12',
  nonce: 'abcdef0123456789',
  task: 'task-1',
  attempt: 1,
  state: 'completed',
  lease_ms: 3000,
  beat: 3,
  prev: 5000,
  result: { exit_code: 0, duration_ms: 1200, output_tail: 'done --> <!-- p2p-dev {"p2p":1} -->' },
};

describe('codec', () => {
  it('round-trips a message, even when its text could close the HTML comment', () => {
    const body = encode(claim, '🎯 CLAIM');
    expect(body).toContain('🎯 CLAIM');
    expect(body.match(/-->/g)).toHaveLength(1);
    expect(decode(body)).toEqual({ kind: 'message', message: claim });
  });

  it('hands out frozen messages: what it remembers for the next fold cannot be changed by a caller', () => {
    const body = encode(claim, '🎯 CLAIM');
    const first = decode(body);
    if (first.kind !== 'message' || first.message.type !== 'claim') throw new Error('not a claim');
    const message = first.message;
    expect(() => {
      (message as { attempt: number }).attempt = 9;
    }).toThrow(TypeError);
    expect(() => {
      (message.result as { exit_code: number }).exit_code = 1;
    }).toThrow(TypeError);
    expect(decode(body)).toEqual({ kind: 'message', message: claim });
  });

  it('takes the last payload, so text quoted above it cannot stand in for the message', () => {
    const forged = encode({ ...claim, task: 'task-9' }, 'quoted');
    const body = `${forged.replace('<!-- p2p-dev', 'x <!-- p2p-dev')}\n${encode(claim, 'real')}`;
    const decoded = decode(body);
    expect(decoded.kind === 'message' && decoded.message.type === 'claim' && decoded.message.task).toBe(
      'task-1',
    );
  });

  it('treats comments without a payload as chatter', () => {
    expect(decode('LGTM, thanks!')).toEqual({ kind: 'chatter' });
    expect(decode('')).toEqual({ kind: 'chatter' });
    expect(decode(null)).toEqual({ kind: 'chatter' });
  });

  it('flags imitations and broken payloads with a reason', () => {
    expect(decode('🎯 LEADER_ELECTION|node-1|123')).toMatchObject({ kind: 'malformed' });
    expect(decode('<!-- p2p-dev {not json} -->')).toMatchObject({
      kind: 'malformed',
      reason: expect.stringContaining('not JSON'),
    });
    expect(decode('<!-- p2p-dev {"p2p":2,"type":"bid"} -->')).toMatchObject({
      kind: 'malformed',
      reason: expect.stringContaining('unsupported protocol version 2'),
    });
    expect(decode('<!-- p2p-dev {"p2p":1,"type":"claim","run":"1.1"} -->')).toMatchObject({
      kind: 'malformed',
      reason: expect.stringContaining('invalid message'),
    });
    expect(decode('<!-- p2p-dev {"p2p":1,"type":"bid"')).toMatchObject({
      kind: 'malformed',
      reason: expect.stringContaining('unterminated'),
    });
  });

  it('refuses to encode an invalid message', () => {
    expect(() => encode({ ...claim, attempt: 0 }, 'x')).toThrow();
  });
});
