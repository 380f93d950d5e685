// Builds threads for the fold's unit tests: comments with GitHub's shape (whole-second timestamps, increasing
// ids), written by the action's identity or by anyone else, with edits.
import { encode } from '../../src/protocol/codec.js';
import type { Bid, Claim, Plan, Review, Task } from '../../src/protocol/messages.js';
import { renderBid, renderClaim, renderPlan, renderReview } from '../../src/protocol/render.js';
import { makeTrust, type ThreadComment } from '../../src/protocol/thread-comment.js';

export const BOT = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };
export const MALLORY = { login: 'mallory', id: 666, type: 'User' };
export const RUN = '100.1';
export const trust = makeTrust(BOT);
export const T0 = Date.parse('2026-11-21T10:00:00Z');

const iso = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

let nonceCounter = 0;
const nonce = (): string => `nonce-${String(++nonceCounter).padStart(6, '0')}`;

export class ThreadBuilder {
  comments: ThreadComment[] = [];
  private nextId = 1000;

  add(body: string, atMs: number, user: ThreadComment['user'] = BOT): ThreadComment {
    const comment: ThreadComment = {
      id: this.nextId++,
      body,
      user,
      created_at: iso(atMs),
      updated_at: iso(atMs),
    };
    this.comments.push(comment);
    return comment;
  }

  edit(comment: ThreadComment, body: string, atMs: number): void {
    comment.body = body;
    comment.updated_at = iso(atMs);
  }

  bid(node: string, atMs: number, extra: Partial<Bid> = {}, user = BOT): ThreadComment {
    const m: Bid = {
      p2p: 1,
      type: 'bid',
      run: RUN,
      node,
      nonce: nonce(),
      term: 1,
      instance: Number(node.replace(/\D/g, '')) || 1,
      instances: 5,
      state: 'standing',
      lease_ms: 3000,
      beat: 0,
      ...extra,
    };
    return this.add(encode(m, renderBid(m)), atMs, user);
  }

  plan(node: string, tasks: Task[], atMs: number, extra: Partial<Plan> = {}, user = BOT): ThreadComment {
    const m: Plan = {
      p2p: 1,
      type: 'plan',
      run: RUN,
      node,
      nonce: nonce(),
      term: 1,
      part: 1,
      parts: 1,
      max_attempts: 2,
      tasks,
      ...extra,
    };
    return this.add(encode(m, renderPlan(m)), atMs, user);
  }

  claim(node: string, task: string, atMs: number, extra: Partial<Claim> = {}, user = BOT): ThreadComment {
    const m: Claim = {
      p2p: 1,
      type: 'claim',
      run: RUN,
      node,
      nonce: nonce(),
      task,
      attempt: 1,
      state: 'claimed',
      lease_ms: 3000,
      beat: 0,
      ...extra,
    };
    return this.add(encode(m, renderClaim(m)), atMs, user);
  }

  /** A relayed verdict on a task's work. */
  review(
    task: string,
    verdict: Review['verdict'],
    atMs: number,
    extra: Partial<Review> = {},
    user = BOT,
  ): ThreadComment {
    const m: Review = {
      p2p: 1,
      type: 'review',
      run: RUN,
      node: 'relay-1',
      nonce: nonce(),
      task,
      verdict,
      by: { login: 'maria', id: 7 },
      comment_id: 1,
      comments: '',
      ...extra,
    };
    return this.add(encode(m, renderReview(m)), atMs, user);
  }

  /** Edit a claim comment as its owner would: a heartbeat or the outcome, naming the previous write's time. */
  update(comment: ThreadComment, atMs: number, fields: Partial<Claim>, prevMs?: number): void {
    const old = JSON.parse(/<!-- p2p-dev (.*) -->/.exec(comment.body)![1]!) as Claim;
    const m: Claim = {
      ...old,
      ...fields,
      beat: old.beat + 1,
      prev: prevMs ?? Date.parse(comment.updated_at),
    };
    this.edit(comment, encode(m, renderClaim(m)), atMs);
  }
}

export function task(id: string, extra: Partial<Task> = {}): Task {
  return { id, title: `Do ${id}`, body: '', priority: 'medium', depends_on: [], ...extra };
}
