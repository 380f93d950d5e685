// The comments a node writes, built from its settings: one place that fills in the envelope.
import { randomUUID } from 'node:crypto';
import { encode } from '../protocol/codec.js';
import type { Bid, Claim } from '../protocol/messages.js';
import { renderBid, renderClaim } from '../protocol/render.js';
import type { NodeConfig } from './context.js';

/** A message's nonce is chosen once, when it is first posted, and kept through every edit of its comment. */
export const newNonce = (): string => randomUUID();

function envelope(config: NodeConfig, nonce: string) {
  return { p2p: 1 as const, run: config.run, node: config.nodeId, nonce };
}

export function bidBody(
  config: NodeConfig,
  nonce: string,
  term: number,
  state: Bid['state'],
  beat = 0,
  prev?: number,
  spent?: Bid['spent'],
): string {
  const message: Bid = {
    ...envelope(config, nonce),
    type: 'bid',
    term,
    instance: config.instance,
    instances: config.instances,
    state,
    lease_ms: config.leaseMs,
    beat,
    ...(prev !== undefined ? { prev } : {}),
    ...(spent ? { spent } : {}),
  };
  return encode(message, renderBid(message));
}

export type ClaimFields = Pick<Claim, 'task' | 'attempt' | 'state'> &
  Partial<Pick<Claim, 'progress' | 'result'>>;

export function claimBody(
  config: NodeConfig,
  nonce: string,
  fields: ClaimFields,
  beat = 0,
  prev?: number,
  timing?: { startedAt: number; now: number },
): string {
  const message: Claim = {
    ...envelope(config, nonce),
    type: 'claim',
    ...fields,
    lease_ms: config.leaseMs,
    beat,
    ...(prev !== undefined ? { prev } : {}),
  };
  return encode(message, renderClaim(message, timing?.startedAt, timing?.now));
}
