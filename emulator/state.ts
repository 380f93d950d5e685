// The emulator's store: users and their tokens, one repository's issues (each with the history of its fields),
// comments (with every version of each edit), pull requests, labels, reactions, workflow runs and their jobs.
// Pure data, no HTTP: times are passed in (ms since epoch) and kept exactly; they are shown in whole seconds.
// Users are in users.ts, jobs' types in job-state.ts; check runs, commit statuses, reviews and CI rules in
// checks-state.ts.
import { ChecksStore } from './checks-state.js';
import { DEFAULT_USERS, type User } from './users.js';
import {
  fakeSha,
  nextStatus,
  type JobConclusion,
  type JobSnapshot,
  type JobStatus,
  type StoredJob,
} from './job-state.js';

export {
  JOB_CONCLUSIONS,
  JOB_STATUSES,
  type JobConclusion,
  type JobSnapshot,
  type JobStatus,
  type StoredJob,
} from './job-state.js';
export {
  DEFAULT_USERS,
  startsWorkflows,
  type ActionsPermission,
  type Permission,
  type User,
} from './users.js';

export interface CommentVersion {
  /** When this version was written, in ms (exact; shown in whole seconds). */
  at: number;
  body: string;
}

export interface StoredComment {
  id: number;
  issue: number;
  user: User;
  createdAt: number;
  versions: CommentVersion[];
  deletedAt?: number;
}

export interface IssueSnapshot {
  at: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
}

export interface PullFields {
  head: string;
  base: string;
  draft: boolean;
}

export interface StoredIssue {
  number: number;
  title: string;
  body: string;
  user: User;
  labels: string[];
  state: 'open' | 'closed';
  createdAt: number;
  updatedAt: number;
  /** Every state the issue's fields have had, oldest first (for lagged reads). */
  history: IssueSnapshot[];
  /** Set when the "issue" is a pull request (they share the number sequence, as on GitHub). */
  pull?: PullFields;
}

export interface Reaction {
  id: number;
  content: string;
  user: User;
  /** `comments/<id>` or `<issue number>`. */
  subject: string;
  createdAt: number;
}

export interface Label {
  id: number;
  name: string;
  color: string;
}

export type WorkflowRun = Record<string, unknown> & { id: number };

/** GitHub's timestamp format: whole seconds, `2026-11-21T00:00:05Z`. */
export const iso = (ms: number): string =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** A time truncated to the whole second it is shown as. */
export const wholeSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;

export class Store {
  users: User[];
  issues = new Map<number, StoredIssue>();
  comments: StoredComment[] = [];
  reactions: Reaction[] = [];
  labels = new Map<string, Label>();
  workflowRuns: WorkflowRun[] = [];
  jobs: StoredJob[] = [];
  checks = new ChecksStore();
  private nextIssue = 1;
  private nextComment = 1000;
  private nextReaction = 1;
  private nextLabel = 100;
  private nextRun = 9000;
  private nextJob = 30_000_000;
  private runnerIds = new Map<string, number>();

  constructor(users: readonly User[] = DEFAULT_USERS) {
    this.users = users.map((u) => ({ ...u }));
  }

  userByToken(token: string): User | undefined {
    return this.users.find((u) => u.token === token);
  }

  userByLogin(login: string): User | undefined {
    return this.users.find((u) => u.login.toLowerCase() === login.toLowerCase());
  }

  addUser(user: User): User {
    if (user.actions !== undefined && !['write', 'read', 'none'].includes(user.actions))
      throw new Error(`emulator: actions must be write, read or none, not ${String(user.actions)}`);
    const copy = { ...user };
    // A login of another id is replaced; one of the same id and another token is one more token of the same
    // identity (as every job's GITHUB_TOKEN is github-actions[bot]), each with its own permissions.
    this.users = this.users.filter(
      (u) =>
        u.token !== user.token && (u.login.toLowerCase() !== user.login.toLowerCase() || u.id === user.id),
    );
    this.users.push(copy);
    return copy;
  }

  label(name: string): Label {
    const key = name.toLowerCase();
    let label = this.labels.get(key);
    if (!label) {
      label = { id: this.nextLabel++, name, color: 'ededed' };
      this.labels.set(key, label);
    }
    return label;
  }

  createIssue(
    user: User,
    now: number,
    fields: { title: string; body?: string; labels?: string[] },
    pull?: PullFields,
  ): StoredIssue {
    const labels = [...new Set(fields.labels ?? [])].map((l) => this.label(l).name);
    const issue: StoredIssue = {
      number: this.nextIssue++,
      title: fields.title,
      body: fields.body ?? '',
      user,
      labels,
      state: 'open',
      createdAt: now,
      updatedAt: now,
      history: [],
      ...(pull ? { pull } : {}),
    };
    this.snapshot(issue, now);
    this.issues.set(issue.number, issue);
    return issue;
  }

  updateIssue(
    issue: StoredIssue,
    now: number,
    patch: { title?: string; body?: string; state?: 'open' | 'closed'; labels?: string[]; draft?: boolean },
  ): StoredIssue {
    if (patch.title !== undefined) issue.title = patch.title;
    if (patch.body !== undefined) issue.body = patch.body;
    if (patch.state !== undefined) issue.state = patch.state;
    if (patch.labels !== undefined) issue.labels = [...new Set(patch.labels.map((l) => this.label(l).name))];
    if (patch.draft !== undefined && issue.pull) issue.pull.draft = patch.draft;
    issue.updatedAt = now;
    this.snapshot(issue, now);
    return issue;
  }

  private snapshot(issue: StoredIssue, now: number): void {
    issue.history.push({
      at: now,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      labels: [...issue.labels],
    });
  }

  /**
   * The issue's fields as a reader sees them at `at`. Only the fields lag: an issue read before a lagging
   * replica has it shows as first created (a 404 for an issue just made would only confuse).
   */
  issueAt(issue: StoredIssue, at: number): IssueSnapshot {
    let found = issue.history[0]!;
    for (const s of issue.history) if (s.at <= at) found = s;
    return found;
  }

  addComment(issue: number, user: User, body: string, now: number): StoredComment {
    const comment: StoredComment = {
      id: this.nextComment++,
      issue,
      user,
      createdAt: now,
      versions: [{ at: now, body }],
    };
    this.comments.push(comment);
    return comment;
  }

  comment(id: number): StoredComment | undefined {
    return this.comments.find((c) => c.id === id && c.deletedAt === undefined);
  }

  editComment(comment: StoredComment, body: string, now: number): CommentVersion {
    const version = { at: now, body };
    comment.versions.push(version);
    return version;
  }

  deleteComment(comment: StoredComment, now: number): void {
    comment.deletedAt = now;
  }

  /** The comment as a reader sees it at time `at` (a lagging replica passes an earlier time). */
  versionAt(comment: StoredComment, at: number): CommentVersion | undefined {
    if (comment.createdAt > at || (comment.deletedAt !== undefined && comment.deletedAt <= at))
      return undefined;
    let found: CommentVersion | undefined;
    for (const v of comment.versions) if (v.at <= at) found = v;
    return found;
  }

  /** The comments of an issue as seen at `at`, ascending by id, each in the version it had then. */
  commentsAt(issue: number, at: number): { comment: StoredComment; version: CommentVersion }[] {
    const seen: { comment: StoredComment; version: CommentVersion }[] = [];
    for (const comment of this.comments) {
      if (comment.issue !== issue) continue;
      const version = this.versionAt(comment, at);
      if (version) seen.push({ comment, version });
    }
    return seen;
  }

  addReaction(subject: string, user: User, content: string, now = 0): Reaction {
    const existing = this.reactions.find(
      (r) => r.subject === subject && r.user.id === user.id && r.content === content,
    );
    if (existing) return existing;
    const reaction = { id: this.nextReaction++, content, user, subject, createdAt: now };
    this.reactions.push(reaction);
    return reaction;
  }

  addWorkflowRun(run: Record<string, unknown>, now: number): WorkflowRun {
    const id = typeof run.id === 'number' ? run.id : this.nextRun++;
    const stored: WorkflowRun = {
      name: 'p2p-dev',
      status: 'completed',
      conclusion: 'success',
      event: 'workflow_dispatch',
      head_branch: 'main',
      run_attempt: 1,
      created_at: iso(now),
      updated_at: iso(now),
      ...run,
      id,
    };
    this.workflowRuns.push(stored);
    return stored;
  }

  addJob(
    fields: {
      runId: number;
      runAttempt?: number;
      name: string;
      runnerName?: string | null;
      status?: JobStatus;
      conclusion?: JobConclusion | null;
      labels?: string[];
      headSha?: string;
      headBranch?: string;
      workflowName?: string;
      log?: string;
    },
    now: number,
  ): StoredJob {
    if (!Number.isSafeInteger(fields.runId) || fields.runId <= 0)
      throw new Error('emulator: run_id is required');
    if (typeof fields.name !== 'string' || fields.name === '') throw new Error('emulator: name is required');
    const attempt = fields.runAttempt ?? 1;
    if (!Number.isSafeInteger(attempt) || attempt < 1)
      throw new Error('emulator: run_attempt must be 1 or more');
    const first = { status: fields.status ?? 'in_progress', conclusion: fields.conclusion ?? null };
    nextStatus(first, 'in_progress');
    const run = this.workflowRuns.find((r) => r.id === fields.runId);
    const runnerName = fields.runnerName ?? null;
    let runnerId = this.runnerIds.get(runnerName ?? '');
    if (runnerId === undefined) {
      runnerId = this.runnerIds.size + 1;
      this.runnerIds.set(runnerName ?? '', runnerId);
    }
    const job: StoredJob = {
      id: this.nextJob++,
      runId: fields.runId,
      runAttempt: attempt,
      name: fields.name,
      runnerName,
      runnerId,
      labels: fields.labels ?? ['ubuntu-latest'],
      headSha: fields.headSha ?? (typeof run?.head_sha === 'string' ? run.head_sha : fakeSha(fields.runId)),
      headBranch: fields.headBranch ?? (typeof run?.head_branch === 'string' ? run.head_branch : 'main'),
      workflowName: fields.workflowName ?? (typeof run?.name === 'string' ? run.name : 'p2p-dev'),
      createdAt: now,
      history: [],
      ...(fields.log !== undefined ? { log: String(fields.log) } : {}),
    };
    this.jobs.push(job);
    this.updateJob(job, first, now);
    return job;
  }

  /**
   * A job's next state. A conclusion completes the job; completing it without one concludes it `success`;
   * leaving `queued` starts it (started_at), completing it sets completed_at.
   */
  updateJob(
    job: StoredJob,
    patch: { status?: JobStatus; conclusion?: JobConclusion | null },
    now: number,
  ): StoredJob {
    const last = job.history[job.history.length - 1];
    const status = nextStatus(patch, last?.status ?? 'in_progress');
    const conclusion = status === 'completed' ? (patch.conclusion ?? last?.conclusion ?? 'success') : null;
    const startedAt = last && last.status !== 'queued' ? last.startedAt : now;
    const completedAt = status === 'completed' ? (last?.completedAt ?? now) : null;
    job.history.push({ at: now, status, conclusion, startedAt, completedAt });
    return job;
  }

  /** A job's state as a reader sees it at `at` (its first state when it is read before it existed). */
  jobAt(job: StoredJob, at: number): JobSnapshot {
    let found = job.history[0]!;
    for (const s of job.history) if (s.at <= at) found = s;
    return found;
  }
}
