// The protocol's messages: typed, versioned, validated with zod. Every comment the action writes carries
// exactly one of these, scoped to a run and signed with a nonce so that a retried POST landing twice is
// recognised as one message.
import * as z from 'zod';
import { UsageSchema } from './usage.js';

export const PROTOCOL_VERSION = 1;

export const PrioritySchema = z.enum(['high', 'medium', 'low']);
export type Priority = z.infer<typeof PrioritySchema>;

const id = z.string().min(1).max(200);

export const TaskSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'task ids are letters, digits, ".", "_" and "-"'),
  title: z.string().min(1).max(500),
  body: z.string().max(30_000).default(''),
  priority: PrioritySchema.default('medium'),
  est: z.string().max(50).optional(),
  depends_on: z.array(z.string().max(100)).max(100).default([]),
  /** Set by the planner when the task cannot run (a dependency cycle, an unknown dependency). */
  error: z.string().max(1000).optional(),
  /** Set by the leader of a re-run: the task completed in an earlier run of this issue and is not run again. */
  completed_in: z
    .object({
      run: id,
      node: id,
      branch: z.string().max(300).optional(),
      pr: z.string().max(500).optional(),
      /** The commit the work was delivered as: a review of it is a verdict on this work, whenever given. */
      commit: z.string().max(64).optional(),
    })
    .optional(),
  /**
   * A person must approve the task's work before the tasks that depend on it start (`review: required` in
   * its annotation, or the `review` input for every task): its pull request's review, or an approval command.
   */
  review: z.literal('required').optional(),
});
export type Task = z.infer<typeof TaskSchema>;

const envelope = {
  /** Protocol version. */
  p2p: z.literal(PROTOCOL_VERSION),
  /** The run this message belongs to: `<GITHUB_RUN_ID>.<GITHUB_RUN_ATTEMPT>`. */
  run: id,
  /** The writing node. */
  node: id,
  /**
   * Unique per message and kept through the edits of its comment: two comments with one nonce are one
   * message posted twice (a retried POST whose first answer was lost).
   */
  nonce: z.string().min(8).max(64),
};

const leaseLength = z
  .number()
  .int()
  .positive()
  .max(24 * 3600_000);

/**
 * Liveness evidence carried by every message that is kept alive by edits (a bid while its leader plans, a
 * claim while its agent runs). `beat` counts the edits; `prev` is the server time (ms) of the previous write
 * of this comment as its writer saw it, so a reader can tell an edit that landed after its writer's lease had
 * already run out. `lease_ms` is the lease from this write on; a writer short of API budget lengthens it
 * (never shortens it), and then `prev_lease_ms` is the lease of that previous write, which this edit had to
 * land within (absent: the same as `lease_ms`).
 */
const lease = {
  lease_ms: leaseLength,
  beat: z.number().int().nonnegative().default(0),
  prev: z.number().int().nonnegative().optional(),
  prev_lease_ms: leaseLength.optional(),
};

/** 🎯 LEADER_ELECTION (also the node's 📡 NODE_ANNOUNCE): a node joins the run and stands for leader. */
export const BidSchema = z.object({
  ...envelope,
  type: z.literal('bid'),
  term: z.number().int().positive().max(10_000),
  instance: z.number().int().positive().max(256),
  instances: z.number().int().positive().max(256),
  state: z.enum(['standing', 'planning']).default('standing'),
  /** The node's `RUNNER_NAME`: what ties it to its job in the Actions API, so others can tell it has ended. */
  runner: z.string().min(1).max(200).optional(),
  /**
   * Written once, as the node leaves: every API request it made in the run, counted (non-304) and free (304),
   * and its comment POSTs. The run summary adds them up.
   */
  spent: z
    .object({
      requests: z.number().int().nonnegative(),
      not_modified: z.number().int().nonnegative(),
      writes: z.number().int().nonnegative(),
      /** The repository's rate limit as GitHub last showed it, and the least of it that was left. */
      rate_limit: z.number().int().nonnegative().optional(),
      lowest_remaining: z.number().int().nonnegative().optional(),
      /** How long the node stretched its optional reads because the shared budget ran low. */
      slowed_ms: z.number().int().nonnegative().optional(),
      /** The longest lease the node announced, when the budget made it lengthen its leases. */
      longest_lease_ms: leaseLength.optional(),
    })
    .optional(),
  ...lease,
});
export type Bid = z.infer<typeof BidSchema>;

/** 📦 TASKS_DATA: the leader's plan, split into parts when it would not fit in one comment. */
export const PlanSchema = z.object({
  ...envelope,
  type: z.literal('plan'),
  term: z.number().int().positive().max(10_000),
  part: z.number().int().positive(),
  parts: z.number().int().positive().max(1000),
  max_attempts: z.number().int().positive().max(100),
  tasks: z.array(TaskSchema).max(5000).default([]),
  /** Planning failed: the run has no tasks, and this says why. */
  error: z.string().max(5000).optional(),
  /** Where the tasks came from: the task list, a planner command, or the agent. */
  planner: z.enum(['issue', 'command', 'agent']).optional(),
  /** What planning with the agent spent. */
  usage: UsageSchema.optional(),
  /** The run's budget (the `max-cost-usd` input): once the outcomes' costs reach it, no agent starts. */
  max_cost_usd: z.number().finite().positive().max(1e12).optional(),
  /**
   * How long a task that asks for a review waits for one after its work completed (`review-timeout-min`):
   * then its dependents are skipped. Absent: no task asks for one.
   */
  review_timeout_ms: z
    .number()
    .int()
    .positive()
    .max(7 * 24 * 3600_000)
    .optional(),
});
export type Plan = z.infer<typeof PlanSchema>;

/** The quality gate: verify-command, run after the agent; the task completes only when it passes. */
export const CheckSchema = z.object({
  command: z.string().max(500),
  passed: z.boolean(),
  /** How many times the agent was run again to fix what the check found. */
  fix_rounds: z.number().int().nonnegative().max(100),
  exit_code: z.number().int().nullable(),
  timed_out: z.boolean().optional(),
  /** The end of the last check run's output, secrets masked. */
  output_tail: z.string().max(8000).default(''),
});
export type Check = z.infer<typeof CheckSchema>;

/** How much an attempt changed: files, lines added and removed, and how many of the files are tests. */
export const DiffSchema = z.object({
  files: z.number().int().nonnegative(),
  added: z.number().int().nonnegative(),
  removed: z.number().int().nonnegative(),
  tests: z.number().int().nonnegative(),
});
export type Diff = z.infer<typeof DiffSchema>;

export const ResultSchema = z.object({
  exit_code: z.number().int().nullable(),
  duration_ms: z.number().int().nonnegative(),
  /** The end of the agent's output, secrets masked. */
  output_tail: z.string().max(20_000).default(''),
  error: z.string().max(5000).optional(),
  /** Whether the agent changed anything (absent when the workspace is not a git repository). */
  changes: z.boolean().optional(),
  /** What the work changed (its own commits, not its dependencies'). */
  diff: DiffSchema.optional(),
  /** The branch the work was pushed to, and its commit. */
  branch: z.string().max(300).optional(),
  commit: z.string().max(64).optional(),
  /** The pull request's URL, or why it could not be opened. */
  pr: z.string().max(500).optional(),
  pr_error: z.string().max(2000).optional(),
  /** What the attempt's agent runs spent, all of them together, as their CLIs (or the agent) reported it. */
  usage: UsageSchema.optional(),
  /** Agent runs in this attempt: 1, plus one per fix round. */
  runs: z.number().int().positive().max(1000).optional(),
  check: CheckSchema.optional(),
  /**
   * Server time (ms, as the node reckons it) when the work (the agent's last run and its check) ended, set
   * only when it ended before the node's lease could have run out: an outcome that GitHub then held back
   * past the lease still wins over a takeover that has not completed before it was written.
   */
  finished_at: z.number().int().nonnegative().optional(),
  /** API requests this node spent on the task: counted (non-304) and content-creating. */
  api: z
    .object({ requests: z.number().int().nonnegative(), writes: z.number().int().nonnegative() })
    .optional(),
});
export type Result = z.infer<typeof ResultSchema>;

/**
 * 🎯 CLAIM: a node claims one attempt at a task. The same comment is then edited: 💓 HEARTBEAT while the
 * agent runs, 📊 PROGRESS with the outcome when it ends.
 */
const ClaimFieldsSchema = z.object({
  ...envelope,
  type: z.literal('claim'),
  task: z.string().min(1).max(100),
  attempt: z.number().int().positive().max(100),
  state: z.enum(['claimed', 'running', 'completed', 'failed']),
  progress: z.string().max(500).optional(),
  result: ResultSchema.optional(),
  /**
   * A takeover before the lease ran out: the Actions API showed the previous attempt's node's job completed
   * (its runner, and so its agent, is gone) at `ended_at` (server ms), and a direct read showed no outcome.
   */
  takeover: z
    .object({ node: id, job: z.number().int().nonnegative(), ended_at: z.number().int().nonnegative() })
    .optional(),
  /**
   * With a run budget (the plan's `max_cost_usd`): the most this attempt's agents may spend, asked out of what
   * is left of it. The fold grants it, or less, or refuses the claim (BudgetLedger, reservations.ts); carried
   * in every edit. Absent in claims written before claims carried one.
   */
  cap_usd: z.number().finite().positive().max(1e12).optional(),
  ...lease,
});

/**
 * A claim as it stands, which may also carry the outcome of its node's previous attempt (`prior`): that
 * attempt's claim as its final edit would have written it, lease fields and all. One comment then records an
 * outcome and makes the next claim: the fold reads it as an edit of the earlier comment made at this
 * comment's time (fold.ts, carriedOutcomes). Every edit of the carrier keeps it.
 */
export const ClaimSchema = ClaimFieldsSchema.extend({
  prior: ClaimFieldsSchema.extend({ state: z.enum(['completed', 'failed']) }).optional(),
});
export type Claim = z.infer<typeof ClaimSchema>;
/** The outcome a claim carries for its node's previous attempt. */
export type PriorOutcome = NonNullable<Claim['prior']>;

/**
 * 🛑 STOP: a node relays a person's request to stop the run, having checked that the author of comment
 * `comment_id` has write permission on the repository. No agent starts after it; running ones are stopped.
 */
export const StopSchema = z.object({
  ...envelope,
  type: z.literal('stop'),
  /** Who asked: the author of the comment, by login and numeric account id. */
  by: z.object({ login: z.string().min(1).max(100), id: z.number().int().positive() }),
  /** The comment that asked to stop. */
  comment_id: z.number().int().positive(),
});
export type Stop = z.infer<typeof StopSchema>;

/**
 * 👀 REVIEW: a node relays a person's verdict on a task's work (an approval command or changes asked on the
 * issue, or a review of the task's pull request), having checked that they may write to the repository.
 * `approved` lets the task's dependents start; `changes` sends the agent back with `comments`, as a revision
 * of the task (`<task>.r<N>`, fold.ts) that the dependents then wait for.
 */
export const ReviewSchema = z.object({
  ...envelope,
  type: z.literal('review'),
  task: z.string().min(1).max(100),
  verdict: z.enum(['approved', 'changes']),
  by: z.object({ login: z.string().min(1).max(100), id: z.number().int().positive() }),
  /** Where the verdict was given: a comment on the issue, or a review of a pull request. */
  comment_id: z.number().int().positive().optional(),
  review_id: z.number().int().positive().optional(),
  url: z.string().max(500).optional(),
  /** What the person asked for (changes), as they wrote it. */
  comments: z.string().max(10_000).default(''),
});
export type Review = z.infer<typeof ReviewSchema>;

/**
 * 💰 SPEND: the summary job's agent (a merge that conflicts, a fix round of the pull request's CI) takes
 * `cap_usd` of the run's budget before it runs, as a claim does, and the same comment is edited with what it
 * spent (`done`, its `usage`) once it ran. A spend that never recorded it (the job died) keeps its whole cap:
 * a re-run of the summary job cannot spend it again.
 */
export const SpendSchema = z.object({
  ...envelope,
  type: z.literal('spend'),
  /** What the agent is run for: `merge task-2`, `CI fix round 1`. */
  purpose: z.string().min(1).max(200),
  /** What it may spend: what was left of the run's budget (or max-task-cost-usd); absent without a cap. */
  cap_usd: z.number().nonnegative().max(1_000_000).optional(),
  state: z.enum(['running', 'done']),
  usage: UsageSchema.optional(),
});
export type Spend = z.infer<typeof SpendSchema>;

export const MessageSchema = z.discriminatedUnion('type', [
  BidSchema,
  PlanSchema,
  ClaimSchema,
  StopSchema,
  ReviewSchema,
  SpendSchema,
]);
export type Message = z.infer<typeof MessageSchema>;
export type MessageInput = z.input<typeof MessageSchema>;
