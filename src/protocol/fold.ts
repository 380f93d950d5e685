// The run state as a pure fold of the thread. Comments are decoded, filtered (trusted author, this run, no
// duplicates) and replayed in (created_at, id) order; each message is accepted or ignored by rules that read
// only the log itself, never the clock, so every node that sees the same comments reaches the same state.
import { decode } from './codec.js';
import type { Bid, Claim, Message, Plan, PriorOutcome, Result, Stop, Task } from './messages.js';
import { isTrusted, type ThreadComment, type Trust } from './thread-comment.js';
import { surelyAfter } from './server-time.js';
import { BudgetLedger, type Grant } from './reservations.js';

/**
 * What one comment kept alive by edits proves about its writer. Times are server times in ms.
 * `lastAlive` is the latest write that came while the writer's lease still ran; an edit that landed more than
 * a lease after the previous one (`late`) proves nothing beyond that previous write.
 */
export interface Evidence {
  start: number;
  lastAlive: number;
  leaseMs: number;
  late: boolean;
}

export interface NodeInfo {
  id: string;
  instance: number;
  instances: number;
  firstSeen: number;
  lastSeen: number;
  /** What the node spent, once it has left and said so. */
  spent?: NonNullable<Bid['spent']>;
  /** Its job's `RUNNER_NAME`, from its bid. */
  runner?: string;
}

export interface BidRecord {
  commentId: number;
  node: string;
  nonce: string;
  term: number;
  created: number;
  state: Bid['state'];
  ev: Evidence;
}

/**
 * `expired`: a later attempt took over from a silent owner. `superseded`: the attempt took over, but the
 * attempt before it had finished its work in time and recorded it before this one completed (a late outcome,
 * held back by GitHub), so that outcome stands and this attempt's does not count.
 */
export type AttemptOutcome = 'open' | 'completed' | 'failed' | 'expired' | 'superseded';

export interface AttemptRecord {
  commentId: number;
  node: string;
  /** The claim's nonce: a retried post that landed twice is recognised by it. */
  nonce: string;
  task: string;
  attempt: number;
  created: number;
  /** Server time of the comment's latest version. */
  updated: number;
  state: Claim['state'];
  /** `open` until the attempt ends; `expired` when a later attempt took over from a silent owner. */
  outcome: AttemptOutcome;
  /** When it ended (completed or failed), server time. */
  endedAt?: number;
  progress?: string;
  result?: Result;
  ev: Evidence;
  htmlUrl?: string;
  /** A closing claim: no agent ran; it records that the previous, last allowed attempt fell silent. */
  closing?: boolean;
  /** A takeover before the lease ran out, because the previous owner's job had ended (Actions API). */
  takeover?: Claim['takeover'];
  /** Its outcome was written after its lease ran out, but its work had ended in time (`finished_at`). */
  rescued?: boolean;
  /** What its claim asked of the run's budget, and what it was granted (the most its agents may spend). */
  cap?: Grant;
}

export interface TaskRecord {
  task: Task;
  order: number;
  attempts: AttemptRecord[];
  /** Claim comments that lost their race (or came when the task was not claimable). */
  lostClaims: number[];
}

export interface PlanRecord {
  term: number;
  leader: string;
  maxAttempts: number;
  tasks: Task[];
  error?: string;
  commentIds: number[];
  /** Server time the last part was created. */
  created: number;
  planner?: Plan['planner'];
  /** What planning with the agent spent. */
  usage?: Plan['usage'];
  /** The run's budget in US dollars (`max-cost-usd`), when it has one. */
  maxCostUsd?: number;
}

/** The run was stopped: a node relayed the request of a person with write permission (the first such stop). */
export interface StopRecord {
  /** The login of who asked, and their account id. */
  by: string;
  byId: number;
  /** Their comment that asked to stop. */
  commentId: number;
  /** The node that relayed it. */
  node: string;
  /** Server time the stop message was created (ms). */
  at: number;
}

export type MessageStatus = 'accepted' | 'ignored' | 'duplicate' | 'forged' | 'malformed' | 'other-run';

/** Every comment that is or pretends to be a protocol message, for logs and the dashboard. */
export interface MessageEntry {
  commentId: number;
  author: string;
  created: number;
  updated: number;
  status: MessageStatus;
  message?: Message;
  note?: string;
  htmlUrl?: string;
}

export interface RunState {
  run: string;
  nodes: Map<string, NodeInfo>;
  terms: Map<number, { leader?: BidRecord; bids: BidRecord[] }>;
  plan?: PlanRecord;
  tasks: Map<string, TaskRecord>;
  entries: MessageEntry[];
  /** Set by the run's first stop message: no agent starts after it. */
  stopped?: StopRecord;
  /** The run's budget, when the plan gives one: what was spent, what is reserved, the caps granted. */
  budget?: BudgetLedger;
}

const time = (iso: string): number => Date.parse(iso);

/**
 * An edit is late when it landed more than the previous write's lease after it (`prev_lease_ms`: a writer
 * may lengthen its lease, and a lengthened lease counts only from the edit that announced it on time).
 */
export function evidenceOf(
  message: { lease_ms: number; beat: number; prev?: number | undefined; prev_lease_ms?: number | undefined },
  created: number,
  updated: number,
): Evidence {
  if (message.beat === 0 || updated <= created) {
    return { start: created, lastAlive: created, leaseMs: message.lease_ms, late: false };
  }
  const prev = Math.max(created, message.prev ?? created);
  const prevLease = message.prev_lease_ms ?? message.lease_ms;
  const late = updated - prev > prevLease;
  if (late) return { start: created, lastAlive: prev, leaseMs: prevLease, late };
  return { start: created, lastAlive: updated, leaseMs: message.lease_ms, late };
}

/** The server time a lease with this evidence runs out: the one line every lease rule is drawn from. */
export function leaseEnd(ev: Evidence): number {
  return ev.lastAlive + ev.leaseMs;
}

/** True when a comment stamped `at` (server time) came after the lease ran out (whole seconds: strict). */
export function leaseExpiredAt(ev: Evidence, at: number): boolean {
  return at > leaseEnd(ev);
}

/**
 * Whether an attempt's end comes before a comment created at server time `at`. An outcome written after its
 * lease ran out could still lose to a takeover posted in its second (a node deciding from a listing without
 * it), so it comes before only from the next second on.
 */
export function endedBefore(a: AttemptRecord, at: number): boolean {
  if (a.endedAt === undefined) return false;
  return a.ev.late ? a.endedAt < at : a.endedAt <= at;
}

/**
 * A late completed outcome whose work had ended while the lease still ran (as its node reckoned the server's
 * clock, with the lease keeper's margin): finished work that GitHub held back, which a takeover does not void.
 */
function finishedInTime(a: AttemptRecord): boolean {
  const at = a.result?.finished_at;
  return a.state === 'completed' && a.ev.late && at !== undefined && at <= leaseEnd(a.ev);
}

interface Decoded {
  comment: ThreadComment;
  message: Message;
  created: number;
  updated: number;
  entry: MessageEntry;
}

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

function ignore(d: Decoded, note: string): undefined {
  d.entry.status = 'ignored';
  d.entry.note = note;
  return undefined;
}

function noteNode(state: RunState, d: Decoded): void {
  const m = d.message;
  const known = state.nodes.get(m.node);
  // A stop is not a node joining the run: it only shows that a node it knows is still there.
  if (!known && m.type === 'stop') return;
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
  };
  if (m.max_cost_usd !== undefined) state.budget = new BudgetLedger(m.max_cost_usd, m.usage?.cost_usd);
  tasks.forEach((task, order) => {
    if (!state.tasks.has(task.id)) state.tasks.set(task.id, { task, order, attempts: [], lostClaims: [] });
  });
}

/**
 * A claim is accepted when it names a task of the plan that can run, is the next attempt (or the closing one),
 * comes after the dependencies completed, and after the previous attempt ended or fell silent.
 */
function applyClaim(state: RunState, d: Decoded, m: Claim): void {
  const target = claimTarget(state, d, m);
  if (!target) return;
  const { record, closing, reject } = target;
  const attempts = record.attempts;
  const last = attempts.at(-1);
  // The task's completed attempt, if any: a late outcome whose work ended in time may still be settling.
  const done = attempts.find((a) => a.outcome === 'completed');
  if (done && endedBefore(done, d.created)) return reject(`task ${m.task} had already completed`);
  const holds = last && !endedBefore(last, d.created) ? stillHolds(last, d, m, closing) : undefined;
  if (holds) return reject(holds);
  // The budget grants the claim its cap (a closing claim runs no agent): refused, it does not count.
  const cap = closing ? undefined : grantCap(state, d, m);
  if (cap?.refused) return reject(cap.refused);
  if (last && !endedBefore(last, d.created)) {
    if (last === done && finishedInTime(last)) last.rescued = true;
    else if (last.outcome !== 'superseded') {
      // The owner fell silent before this claim: anything it wrote afterwards no longer counts.
      last.outcome = 'expired';
      delete last.endedAt;
    }
  }
  const standing = attempts.find((a) => a.outcome === 'completed');
  const silent = last && (last.outcome === 'expired' || last.rescued || last.outcome === 'superseded');
  if (closing && !silent)
    return reject(`attempt ${m.attempt} closes a task whose last attempt had not fallen silent`);
  const attempt = attemptRecord(d, m, closing);
  if (cap?.grant) attempt.cap = cap.grant;
  attempts.push(attempt);
  if (standing) settleStanding(standing, attempt);
}

type Rejection = (note: string) => undefined;

/** The claim's cap out of what is left of the run's budget when it was made (BudgetLedger), or why not. */
function grantCap(state: RunState, d: Decoded, m: Claim): { grant?: Grant; refused?: string } | undefined {
  if (!state.budget) return undefined;
  const { grant, refusal } = state.budget.claim({
    commentId: d.comment.id,
    at: d.created,
    ...(m.cap_usd !== undefined ? { askedUsd: m.cap_usd } : {}),
  });
  if (!refusal) {
    // The comment's latest version is all the fold sees: an outcome there was written at its time.
    const reported = m.result?.usage?.cost_usd;
    if (m.state === 'completed' || m.state === 'failed')
      state.budget.ends(d.comment.id, {
        at: d.updated,
        ...(reported !== undefined ? { reportedUsd: reported } : {}),
      });
    return grant ? { grant } : {};
  }
  const left = `$${refusal.left.toFixed(4)}`;
  return { refused: `the run's budget had ${left} left to grant, less than an agent starts with` };
}

/** The claim's task, if the claim may be for it at all (the plan, the task, the attempt number, dependencies). */
function claimTarget(
  state: RunState,
  d: Decoded,
  m: Claim,
): { record: TaskRecord; closing: boolean; reject: Rejection } | undefined {
  const plan = state.plan;
  if (!plan) return ignore(d, 'claim before any plan');
  const record = state.tasks.get(m.task);
  if (!record) return ignore(d, `unknown task ${m.task}`);
  const reject: Rejection = (note) => {
    record.lostClaims.push(d.comment.id);
    return ignore(d, note);
  };
  if (record.task.error) return reject(`task ${m.task} cannot run: ${record.task.error}`);
  if (record.task.completed_in)
    return reject(`task ${m.task} completed in run ${record.task.completed_in.run}`);
  // One past the limit is a closing claim: it records that the last attempt's node fell silent with no
  // attempts left, so that the task's failure is written in the log rather than judged from a clock.
  const closing = m.attempt === plan.maxAttempts + 1 && m.state === 'failed';
  if (m.attempt > plan.maxAttempts && !closing)
    return reject(`attempt ${m.attempt} is over the limit of ${plan.maxAttempts}`);
  for (const dep of record.task.depends_on) {
    if (state.tasks.get(dep)?.task.completed_in) continue;
    const done = state.tasks.get(dep)?.attempts.find((a) => a.outcome === 'completed');
    if (!done || !endedBefore(done, d.created)) return reject(`dependency ${dep} had not completed`);
  }
  const attempts = record.attempts;
  const last = attempts.at(-1);
  if (m.attempt === attempts.length && last)
    return reject(`lost the race for attempt ${m.attempt} to ${last.node}`);
  if (m.attempt !== attempts.length + 1)
    return reject(`attempt ${m.attempt} does not follow attempt ${attempts.length}`);
  return { record, closing, reject };
}

/**
 * Why the previous attempt, not ended before this claim, still held its task when the claim was made; undefined
 * when its lease had run out, or when its owner was gone: its job had ended (the Actions API, read by the
 * claimant) and it wrote nothing after its job's end or this claim's second, whatever its lease says. (Not for
 * a closing claim, which fails the task: for that the lease must have run out.)
 */
function stillHolds(last: AttemptRecord, d: Decoded, m: Claim, closing: boolean): string | undefined {
  const gone =
    !closing &&
    m.takeover?.node === last.node &&
    last.updated <= d.created &&
    last.updated <= surelyAfter(m.takeover.ended_at);
  if (gone || leaseExpiredAt(last.ev, d.created)) return undefined;
  return `attempt ${last.attempt} by ${last.node} was still alive`;
}

function attemptRecord(d: Decoded, m: Claim, closing: boolean): AttemptRecord {
  const ended = m.state === 'completed' || m.state === 'failed' ? m.state : undefined;
  return {
    commentId: d.comment.id,
    node: m.node,
    nonce: m.nonce,
    task: m.task,
    attempt: m.attempt,
    created: d.created,
    updated: d.updated,
    state: m.state,
    outcome: ended ?? 'open',
    ...(ended ? { endedAt: d.updated } : {}),
    ...(m.progress !== undefined ? { progress: m.progress } : {}),
    ...(m.result !== undefined ? { result: m.result } : {}),
    ev: evidenceOf(m, d.created, d.updated),
    ...(d.comment.html_url ? { htmlUrl: d.comment.html_url } : {}),
    ...(closing ? { closing: true } : {}),
    ...(m.takeover ? { takeover: m.takeover } : {}),
  };
}

/**
 * A takeover of finished work whose outcome GitHub held back past the lease: the first result stands (in a
 * tie, the takeover's: a late outcome comes after anything else written in its second, see endedBefore). A
 * takeover that ended first, completed or failed (a closing claim too), voids the late outcome; one still open
 * when it was written, or ending later, is superseded, and its node stops.
 */
function settleStanding(standing: AttemptRecord, attempt: AttemptRecord): void {
  if (attempt.endedAt !== undefined && attempt.endedAt <= standing.endedAt!) {
    standing.outcome = 'expired';
    delete standing.endedAt;
    delete standing.rescued;
  } else attempt.outcome = 'superseded';
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
