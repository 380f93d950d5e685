// The comments a node writes, built from its settings: one place that fills in the envelope.
import { randomUUID } from 'node:crypto';
import { encode } from '../../protocol/codec.js';
import type { Bid, Claim, PriorOutcome, Result, Review, Spend, Stop } from '../../protocol/messages.js';
import { GITHUB_COMMENT_LIMIT } from '../../protocol/codec.js';
import { renderBid, renderClaim, renderReview, renderSpend, renderStop } from '../../protocol/render.js';
import type { ReviewAsk } from '../../protocol/review-requests.js';
import type { NodeConfig } from './node-config.js';
import type { LeaseEdit } from '../watches/lease-keeper.js';

/** A message's nonce is chosen once, when it is first posted, and kept through every edit of its comment. */
export const newNonce = (): string => randomUUID();

function envelope(config: Pick<NodeConfig, 'run' | 'nodeId'>, nonce: string) {
  return { p2p: 1 as const, run: config.run, node: config.nodeId, nonce };
}

/**
 * What a message says of its lease: at its first write the lease alone (the settings' when absent), at an
 * edit what the lease keeper passes (the beat, the previous write and its lease).
 */
export type LeaseTerms = Pick<LeaseEdit, 'leaseMs'> & Partial<LeaseEdit>;

function leaseFields(config: NodeConfig, lease: LeaseTerms | undefined) {
  const leaseMs = lease?.leaseMs ?? config.leaseMs;
  return {
    lease_ms: leaseMs,
    beat: lease?.beat ?? 0,
    ...(lease?.prev !== undefined ? { prev: lease.prev } : {}),
    // Only when it differs: the messages of a run whose budget never ran short read as they always did.
    ...(lease?.prevLeaseMs !== undefined && lease.prevLeaseMs !== leaseMs
      ? { prev_lease_ms: lease.prevLeaseMs }
      : {}),
  };
}

export function bidBody(
  config: NodeConfig,
  nonce: string,
  term: number,
  state: Bid['state'],
  lease?: LeaseTerms,
  spent?: Bid['spent'],
): string {
  const message: Bid = {
    ...envelope(config, nonce),
    type: 'bid',
    term,
    instance: config.instance,
    instances: config.instances,
    state,
    ...leaseFields(config, lease),
    ...(config.runner ? { runner: config.runner } : {}),
    ...(spent ? { spent } : {}),
  };
  return encode(message, renderBid(message));
}

export type ClaimFields = Pick<Claim, 'task' | 'attempt' | 'state'> &
  Partial<Pick<Claim, 'progress' | 'result' | 'takeover' | 'cap_usd' | 'prior'>>;

/** The last `chars` characters of a text (none for 0: `slice(-0)` would keep it whole). */
const cutTail = (text: string, chars: number): string => (chars > 0 ? text.slice(-chars) : '');

/**
 * A result within the protocol's limits, its tails cut to `tail` characters (their ends kept); with no tail
 * left, its error texts are cut too (a claim that carries its node's previous outcome holds two results).
 */
function fitResult(r: Result, tail: number): Result {
  const text = tail > 0 ? 1 : 0.1;
  return {
    ...r,
    output_tail: cutTail(r.output_tail, tail),
    ...(r.error !== undefined ? { error: r.error.slice(0, 5000 * text) } : {}),
    ...(r.pr_error !== undefined ? { pr_error: r.pr_error.slice(0, 2000 * text) } : {}),
    ...(r.check
      ? {
          check: {
            ...r.check,
            command: r.check.command.slice(0, 500 * text),
            output_tail: cutTail(r.check.output_tail, tail),
          },
        }
      : {}),
  };
}

/**
 * The final write of a held claim as a message, for another claim to carry (`prior`): what claimBody would
 * write into the comment itself.
 */
export function priorOutcome(
  config: NodeConfig,
  nonce: string,
  fields: ClaimFields & { state: 'completed' | 'failed' },
  lease: LeaseTerms,
): PriorOutcome {
  const { prior: _prior, ...own } = fields;
  return { ...envelope(config, nonce), type: 'claim', ...own, ...leaseFields(config, lease) };
}

export function claimBody(
  config: NodeConfig,
  nonce: string,
  fields: ClaimFields,
  lease?: LeaseTerms,
  timing?: { startedAt: number; now: number },
): string {
  // An outcome must always be writable: its text within the schema's limits, the comment within GitHub's
  // (the tails appear twice, shown and in the payload, escaped there), cut further until it fits.
  for (const tail of [8000, 2000, 500, 0]) {
    const message: Claim = {
      ...envelope(config, nonce),
      type: 'claim',
      ...fields,
      ...(fields.progress !== undefined ? { progress: fields.progress.slice(0, 500) } : {}),
      ...(fields.result ? { result: fitResult(fields.result, tail) } : {}),
      ...(fields.prior?.result
        ? { prior: { ...fields.prior, result: fitResult(fields.prior.result, tail) } }
        : {}),
      ...leaseFields(config, lease),
    };
    const body = encode(message, renderClaim(message, timing?.startedAt, timing?.now));
    if (body.length <= GITHUB_COMMENT_LIMIT || tail === 0) return body;
  }
  throw new Error('unreachable');
}

/** The stop a node relays for a maintainer's `/p2p-dev stop` comment. */
export function stopBody(
  config: Pick<NodeConfig, 'run' | 'nodeId'>,
  request: { commentId: number; login: string; id: number; htmlUrl?: string },
): string {
  const message: Stop = {
    ...envelope(config, newNonce()),
    type: 'stop',
    by: { login: request.login, id: request.id },
    comment_id: request.commentId,
  };
  return encode(message, renderStop(message, request.htmlUrl));
}

/** The verdict a node relays for a maintainer's approval or changes, on one task. */
export function reviewBody(
  config: Pick<NodeConfig, 'run' | 'nodeId'>,
  ask: Omit<ReviewAsk, 'task' | 'commentId'> & { commentId?: number; reviewId?: number },
  task: string,
  comments: string,
): string {
  const message: Review = {
    ...envelope(config, newNonce()),
    type: 'review',
    task,
    verdict: ask.verdict,
    by: { login: ask.login, id: ask.id },
    ...(ask.commentId !== undefined ? { comment_id: ask.commentId } : {}),
    ...(ask.reviewId !== undefined ? { review_id: ask.reviewId } : {}),
    ...(ask.htmlUrl ? { url: ask.htmlUrl.slice(0, 500) } : {}),
    comments: comments.slice(0, 10_000),
  };
  return encode(message, renderReview(message));
}

/** What the summary job's agent takes of the run's budget before it runs, and then what it spent. */
export function spendBody(
  config: Pick<NodeConfig, 'run' | 'nodeId'>,
  nonce: string,
  fields: Pick<Spend, 'purpose' | 'cap_usd' | 'state' | 'usage'>,
): string {
  const message: Spend = {
    ...envelope(config, nonce),
    type: 'spend',
    purpose: fields.purpose.slice(0, 200),
    ...(fields.cap_usd !== undefined ? { cap_usd: fields.cap_usd } : {}),
    state: fields.state,
    ...(fields.usage ? { usage: fields.usage } : {}),
  };
  return encode(message, renderSpend(message));
}
