// What the store keeps about commits: check runs (each with every state it has had, a delayed one's completion
// already written at its future time), commit statuses, pull request reviews, the CI rules that make check runs
// when a push updates a branch, and the branches' heads as pushes (or the git repository) tell them.
// Pure data, no HTTP: times are passed in (ms since epoch), as in state.ts.
import { JOB_CONCLUSIONS, type JobConclusion, type JobStatus } from './job-state.js';
import type { User } from './users.js';

export const SHA = /^[0-9a-f]{40}$/i;

export interface CheckOutput {
  title: string | null;
  summary: string | null;
  text: string | null;
}

export interface CheckSnapshot {
  at: number;
  status: JobStatus;
  conclusion: JobConclusion | null;
  completedAt: number | null;
}

export interface StoredCheckRun {
  /** The job's id when the check run is an Actions job's (as on GitHub), else its own. */
  id: number;
  name: string;
  headSha: string;
  /** The app that made it: `github-actions` for a job's. */
  app: string;
  suiteId: number;
  createdAt: number;
  output: CheckOutput;
  /** The job it is the check run of (its details_url is the job's page), if any. */
  job?: { runId: number; id: number };
  /** A details_url given for a check run that is no job's. */
  detailsUrl?: string;
  /** Every state it has had, oldest first; a delayed completion is written ahead, at its time. */
  history: CheckSnapshot[];
}

export const STATUS_STATES = ['error', 'failure', 'pending', 'success'] as const;
export type StatusState = (typeof STATUS_STATES)[number];

export interface StoredStatus {
  id: number;
  sha: string;
  context: string;
  state: StatusState;
  description: string | null;
  targetUrl: string | null;
  createdAt: number;
  creator: User;
}

export const REVIEW_STATES = ['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

export interface StoredReview {
  id: number;
  pull: number;
  user: User;
  body: string;
  state: ReviewState;
  /** When it was submitted (a PENDING review has not been: it is shown to its author only). */
  submittedAt: number;
  commitId: string | null;
  /** Its comments on lines of the diff. */
  comments: { id: number; path: string; line: number | null; body: string }[];
}

/** A CI rule: a push that updates a matching branch gets a check run named `name`, per `outcomes`. */
export interface CiRule {
  /** A glob (`*` within a path segment, `**` across them) or a prefix ending in `/`. */
  branch: string;
  name: string;
  /** One conclusion per push of a branch, in order; the last repeats. */
  outcomes: JobConclusion[];
  /** The check run's output summary, or one per push (the last repeats). */
  summary?: string | string[];
  /** The job's log, or one per push (the last repeats). */
  log?: string | string[];
  /** How long the check stays in_progress, on the emulator's clock (0: completed at once). */
  delayMs: number;
  /** The tokens whose pushes start it; absent: every token of a user that starts workflows. */
  tokens?: string[];
  /** Pushes seen per branch (the index of the next outcome). */
  pushes: Map<string, number>;
}

/** A branch pattern: `p2p/*` matches `p2p/task-1`, not `p2p/a/b`; `p2p/**` and `p2p/` match both. */
export function branchMatches(pattern: string, branch: string): boolean {
  if (pattern.endsWith('/') && !pattern.includes('*')) return branch.startsWith(pattern);
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`).test(branch);
}

/** The item for the n-th push of a per-push list (the last repeats), or the single value. */
export function nth<T>(value: T | T[] | undefined, n: number): T | undefined {
  if (!Array.isArray(value)) return value;
  return value[Math.min(n, value.length - 1)];
}

export function checkConclusion(value: unknown): JobConclusion {
  if (!JOB_CONCLUSIONS.includes(value as JobConclusion))
    throw new Error(`emulator: conclusion must be one of ${JOB_CONCLUSIONS.join(', ')}`);
  return value as JobConclusion;
}

export class ChecksStore {
  checkRuns: StoredCheckRun[] = [];
  statuses: StoredStatus[] = [];
  reviews: StoredReview[] = [];
  private nextReviewComment = 1;
  rules: CiRule[] = [];
  /** Branch heads as pushes told them (the git repository, when there is one, is asked first). */
  branches = new Map<string, string>();
  /** The git repository's head of a branch, when the emulator serves one (server.ts sets it). */
  gitBranchHead: (branch: string) => string | undefined = () => undefined;
  private nextCheck = 4_000_000_000;
  private nextSuite = 10_000_000;
  private nextStatus = 20_000_000;
  private nextReview = 80_000_000;
  private nextRun = 6_000_000;
  private suites = new Map<string, number>();

  /** The commit a ref names: a full sha, or a branch (`main`, `heads/main`, `refs/heads/main`). */
  resolve(ref: string): string | undefined {
    if (SHA.test(ref)) return ref.toLowerCase();
    const branch = ref.replace(/^(refs\/)?heads\//, '');
    return this.gitBranchHead(branch) ?? this.branches.get(branch);
  }

  checkRunId(): number {
    return this.nextCheck++;
  }

  runId(): number {
    return this.nextRun++;
  }

  /** The check suite of an app's check runs on a commit (one per commit and app, as on GitHub). */
  suiteOf(sha: string, app: string): number {
    const key = `${sha}:${app}`;
    let id = this.suites.get(key);
    if (id === undefined) {
      id = this.nextSuite++;
      this.suites.set(key, id);
    }
    return id;
  }

  /** A check run's state as a reader sees it at `at` (its first state when read before it existed). */
  checkAt(run: StoredCheckRun, at: number): CheckSnapshot {
    let found = run.history[0]!;
    for (const s of run.history) if (s.at <= at) found = s;
    return found;
  }

  addStatus(fields: Omit<StoredStatus, 'id'>): StoredStatus {
    const status = { id: this.nextStatus++, ...fields };
    this.statuses.push(status);
    return status;
  }

  /**
   * A commit's combined status at `at`: the latest status of each context (case-insensitive), in the order
   * they were set; failure if any is error or failure, else pending if any is pending or there is none, else
   * success.
   */
  combined(sha: string, at: number): { state: 'failure' | 'pending' | 'success'; latest: StoredStatus[] } {
    const byContext = new Map<string, StoredStatus>();
    for (const s of this.statuses) {
      if (s.sha !== sha || s.createdAt > at) continue;
      const key = s.context.toLowerCase();
      byContext.delete(key);
      byContext.set(key, s);
    }
    const latest = [...byContext.values()];
    const state = latest.some((s) => s.state === 'error' || s.state === 'failure')
      ? 'failure'
      : latest.length === 0 || latest.some((s) => s.state === 'pending')
        ? 'pending'
        : 'success';
    return { state, latest };
  }

  addReview(
    fields: Omit<StoredReview, 'id' | 'comments'> & {
      comments?: { path: string; line?: number; body: string }[];
    },
  ): StoredReview {
    const review = {
      ...fields,
      id: this.nextReview++,
      comments: (fields.comments ?? []).map((c) => ({
        id: this.nextReviewComment++,
        path: c.path,
        line: c.line ?? null,
        body: c.body,
      })),
    };
    this.reviews.push(review);
    return review;
  }
}
