// The run state as a pure fold of the thread. Comments are decoded, filtered (trusted author, this run, no
// duplicates) and replayed in (created_at, id) order; each message is accepted or ignored by rules that read
// only the log itself, never the clock, so every node that sees the same comments reaches the same state.
import { decode } from './codec.js';
import type { Bid, Plan, PriorOutcome, Stop } from './messages.js';
import { applyReview } from './fold-review.js';
import { applySpend } from './fold-spend.js';
import { isTrusted, type ThreadComment, type Trust } from './thread-comment.js';
import { BudgetLedger } from './reservations.js';
import { ignore, type BidRecord, type Decoded, type MessageEntry, type RunState } from './run-state.js';
import { evidenceOf, leaseExpiredAt, time } from './lease-evidence.js';
import { applyClaim } from './fold-claim.js';

// The run state's types and the lease rules live beside the fold; the rest of the code imports them from here.
export type * from './run-state.js';
export { endedBefore, evidenceOf, leaseEnd, leaseExpiredAt } from './lease-evidence.js';

export interface FoldOptions {
  run: string;
  trust: Trust;
}

export function fold(comments: Iterable<ThreadComment>, options: FoldOptions): RunState {
  const state: RunState = {
    run: options.run,
    nodes: new Map(),
    terms: new Map(),
    tasks: new Map(),
    entries: [],
  };
  const decoded: Decoded[] = [];
  const seenNonces = new Map<string, number>();

  const sortedComments = [...comments].sort(byCreatedThenId);
  for (const comment of sortedComments) {
    const d = decode(comment.body);
    if (d.kind === 'chatter') continue;
    const entry: MessageEntry = {
      commentId: comment.id,
      author: comment.user?.login ?? '(deleted user)',
      created: time(comment.created_at),
      updated: time(comment.updated_at),
      status: 'accepted',
      htmlUrl: comment.html_url,
    };
    state.entries.push(entry);
    if (d.kind === 'malformed') {
      entry.status = 'malformed';
      entry.note = d.reason;
      continue;
    }
    entry.message = d.message;
    if (!isTrusted(options.trust, comment.user)) {
      entry.status = 'forged';
      entry.note = `written by ${entry.author}, not by the action's identity`;
      continue;
    }
    if (d.message.run !== options.run) {
      entry.status = 'other-run';
      entry.note = `belongs to run ${d.message.run}`;
      continue;
    }
    const first = seenNonces.get(d.message.nonce);
    if (first !== undefined) {
      entry.status = 'duplicate';
      entry.note = `same message as comment ${first} (a retried post)`;
      continue;
    }
    seenNonces.set(d.message.nonce, comment.id);
    decoded.push({ comment, message: d.message, created: entry.created, updated: entry.updated, entry });
  }

  carryOutcomes(decoded);
  const parts = new Map<string, Map<number, { plan: Plan; d: Decoded }>>();
  for (const d of decoded) {
    noteNode(state, d);
    const m = d.message;
    if (m.type === 'bid') applyBid(state, d, m);
    else if (m.type === 'plan') applyPlan(state, d, m, parts);
    else if (m.type === 'claim') applyClaim(state, d, m);
    else if (m.type === 'review') applyReview(state, d, m);
    else if (m.type === 'spend') applySpend(state, d, m);
    else applyStop(state, d, m);
  }
  state.budget?.settle();
  return state;
}

/**
 * Outcomes recorded by a node's next claim (`prior`): each is read as the latest version of the earlier claim
 * with its nonce, an edit made when the carrier was created, unless that comment holds an outcome written
 * before it (the first outcome stands). Only the node's own carrier counts, posted
 * after the claim it records (the first copy of each, as for every message), for the same task and attempt.
 * Everything after this reads the outcome as it would read an edit: its lease, its time, its cost.
 */
function carryOutcomes(decoded: Decoded[]): void {
  const carried = new Map<string, { prior: PriorOutcome; at: number; from: number }>();
  for (const d of decoded) {
    const m = d.message;
    if (m.type !== 'claim' || !m.prior) continue;
    const p = m.prior;
    if (p.node !== m.node || p.run !== m.run || p.nonce === m.nonce) continue;
    const known = carried.get(p.nonce);
    if (!known || d.created < known.at) carried.set(p.nonce, { prior: p, at: d.created, from: d.comment.id });
  }
  if (carried.size === 0) return;
  for (const d of decoded) {
    const m = d.message;
    if (m.type !== 'claim') continue;
    const c = carried.get(m.nonce);
    if (!c || c.from <= d.comment.id || c.prior.node !== m.node) continue;
    if (c.prior.task !== m.task || c.prior.attempt !== m.attempt) continue;
    // The first outcome stands: dependents may have been claimed on it. The comment's own version wins only
    // when it is an outcome written before the carrier; anything else written to it later is an earlier
    // write that GitHub held back (the node stops its heartbeats before its outcome is carried).
    const ownOutcome = m.state === 'completed' || m.state === 'failed';
    if (ownOutcome && (d.updated < c.at || (d.updated === c.at && m.beat >= c.prior.beat))) continue;
    d.message = { ...c.prior, ...(m.prior ? { prior: m.prior } : {}) };
    d.updated = c.at;
    d.entry.updated = c.at;
    d.entry.message = d.message;
    d.entry.note = `its outcome is recorded in comment ${c.from}`;
  }
}

function byCreatedThenId(a: ThreadComment, b: ThreadComment): number {
  return time(a.created_at) - time(b.created_at) || a.id - b.id;
}

function noteNode(state: RunState, d: Decoded): void {
  const m = d.message;
  const known = state.nodes.get(m.node);
  // A relayed stop or review is not a node joining the run: it only shows that a node it knows is still there.
  if (!known && (m.type === 'stop' || m.type === 'review' || m.type === 'spend')) return;
  if (known) {
    known.lastSeen = Math.max(known.lastSeen, d.updated);
    if (m.type === 'bid') Object.assign(known, { instance: m.instance, instances: m.instances });
    if (m.type === 'bid' && m.spent) known.spent = m.spent;
    if (m.type === 'bid' && m.runner) known.runner = m.runner;
  } else {
    state.nodes.set(m.node, {
      id: m.node,
      instance: m.type === 'bid' ? m.instance : 0,
      instances: m.type === 'bid' ? m.instances : 0,
      firstSeen: d.created,
      lastSeen: d.updated,
      ...(m.type === 'bid' && m.spent ? { spent: m.spent } : {}),
      ...(m.type === 'bid' && m.runner ? { runner: m.runner } : {}),
    });
  }
}

function applyBid(state: RunState, d: Decoded, m: Bid): void {
  const record: BidRecord = {
    commentId: d.comment.id,
    node: m.node,
    nonce: m.nonce,
    term: m.term,
    created: d.created,
    state: m.state,
    ev: evidenceOf(m, d.created, d.updated),
  };
  if (m.term > 1) {
    const previous = state.terms.get(m.term - 1)?.leader;
    if (!previous) return ignore(d, `term ${m.term - 1} has no leader`);
    if (state.plan) return ignore(d, `a plan was already published (term ${state.plan.term})`);
    if (!leaseExpiredAt(previous.ev, d.created)) {
      return ignore(d, `the term ${m.term - 1} leader ${previous.node} was still alive`);
    }
  }
  const term = state.terms.get(m.term) ?? { bids: [] };
  state.terms.set(m.term, term);
  term.bids.push(record);
  if (!term.leader) term.leader = record;
  else d.entry.note = `lost the election to ${term.leader.node}`;
}

function applyPlan(
  state: RunState,
  d: Decoded,
  m: Plan,
  parts: Map<string, Map<number, { plan: Plan; d: Decoded }>>,
): void {
  const leader = state.terms.get(m.term)?.leader;
  if (!leader || leader.node !== m.node) return ignore(d, `${m.node} is not the term ${m.term} leader`);
  if (state.plan) return ignore(d, `a plan was already published (term ${state.plan.term})`);
  if (state.terms.get(m.term + 1)?.leader)
    return ignore(d, `term ${m.term + 1} had begun: this leader was replaced`);
  if (m.part > m.parts) return ignore(d, `part ${m.part} of ${m.parts}`);
  const key = `${m.term}/${m.node}/${m.parts}`;
  const got = parts.get(key) ?? new Map<number, { plan: Plan; d: Decoded }>();
  parts.set(key, got);
  if (got.has(m.part)) return ignore(d, `part ${m.part} was already published`);
  got.set(m.part, { plan: m, d });
  if (got.size < m.parts) return;

  const ordered = [...got.values()].sort((a, b) => a.plan.part - b.plan.part);
  const tasks = ordered.flatMap((p) => p.plan.tasks);
  const error = ordered.map((p) => p.plan.error).find((e) => e !== undefined);
  state.plan = {
    term: m.term,
    leader: m.node,
    maxAttempts: m.max_attempts,
    tasks,
    ...(error !== undefined ? { error } : {}),
    commentIds: ordered.map((p) => p.d.comment.id),
    created: d.created,
    ...(m.planner ? { planner: m.planner } : {}),
    ...(m.usage ? { usage: m.usage } : {}),
    ...(m.max_cost_usd !== undefined ? { maxCostUsd: m.max_cost_usd } : {}),
    ...(m.review_timeout_ms !== undefined ? { reviewTimeoutMs: m.review_timeout_ms } : {}),
  };
  if (m.max_cost_usd !== undefined) state.budget = new BudgetLedger(m.max_cost_usd, m.usage?.cost_usd);
  tasks.forEach((task, order) => {
    if (!state.tasks.has(task.id)) state.tasks.set(task.id, { task, order, attempts: [], lostClaims: [] });
  });
}

/**
 * A stop relayed by a node (which checked the asker's permission before writing it). The first one stops the
 * run; later ones are accepted (they say the same) but change nothing.
 */
function applyStop(state: RunState, d: Decoded, m: Stop): void {
  if (state.stopped) {
    d.entry.note = `the run was already stopped by @${state.stopped.by} (comment ${state.stopped.commentId})`;
    return;
  }
  state.stopped = { by: m.by.login, byId: m.by.id, commentId: m.comment_id, node: m.node, at: d.created };
}
