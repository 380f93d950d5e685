// The run state the fold builds (fold.ts): the nodes, the terms' bids, the plan, each task's attempts, the stop
// and the budget, with every comment's entry for logs and the dashboard; and a decoded comment as the fold
// replays it.
import type { Bid, Claim, Message, Plan, Result, Review, Task } from './messages.js';
import type { ThreadComment } from './thread-comment.js';
import type { BudgetLedger, Grant } from './reservations.js';
import type { Usage } from './usage.js';

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
  /** A task that asks for a review: the first verdict on its completed work. */
  review?: ReviewRecord;
  /** A revision the fold made for changes asked of another task's work (`<task>.r<N>`). */
  revision?: { of: string; root: string; round: number };
}

/** A person's verdict on a task's work, relayed by a node that checked they may write to the repository. */
export interface ReviewRecord {
  verdict: Review['verdict'];
  by: string;
  byId: number;
  /** Server time the review message was created (ms). */
  at: number;
  commentId?: number;
  reviewId?: number;
  url?: string;
  comments: string;
  /** The revision that carries the changes asked for (verdict `changes`). */
  revisedIn?: string;
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
  /** How long a task that asks for a review waits for one (ms), when one does. */
  reviewTimeoutMs?: number;
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
  /** What the summary job's agent took of the budget and spent, in log order (fold-spend.ts). */
  spends?: SpendRecord[];
}

/** A spend message of the summary job's agent, as folded. */
export interface SpendRecord {
  commentId: number;
  purpose: string;
  /** What it could spend at most; absent without a cap. */
  capUsd?: number;
  /** Its comment records that the agent ran (and, in `usage`, what it spent, when it said). */
  done: boolean;
  usage?: Usage;
  /** Less than it asked was left of the budget: it took nothing. */
  refused?: boolean;
}

export interface Decoded {
  comment: ThreadComment;
  message: Message;
  created: number;
  updated: number;
  entry: MessageEntry;
}

export function ignore(d: Decoded, note: string): undefined {
  d.entry.status = 'ignored';
  d.entry.note = note;
  return undefined;
}
