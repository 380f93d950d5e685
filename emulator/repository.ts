// The emulated repository and the helpers tests use on it directly: no HTTP, no lag, no faults, not counted.
import { systemClock, type Clock } from './clock.js';
import { jobJson } from './routes/shapes.js';
import {
  DEFAULT_USERS,
  Store,
  type ActionsPermission,
  type JobConclusion,
  type JobStatus,
  type Permission,
  type StoredIssue,
  type User,
} from './state.js';

export interface CommentView {
  id: number;
  login: string;
  userId: number;
  body: string;
  createdAt: number;
  updatedAt: number;
}

export interface CommentHistory {
  id: number;
  login: string;
  createdAt: number;
  deletedAt?: number;
  versions: { at: number; body: string }[];
}

export interface PullView {
  number: number;
  title: string;
  body: string;
  state: string;
  head: string;
  base: string;
  draft: boolean;
}

/** A job to add: the fields of `POST /_emulator/jobs`. */
export interface JobFields {
  run_id: number;
  /** Default 1. */
  run_attempt?: number;
  name: string;
  /** The runner's RUNNER_NAME. */
  runner_name?: string | null;
  /** Default in_progress (started now). */
  status?: JobStatus;
  conclusion?: JobConclusion | null;
  /** Default ["ubuntu-latest"]. */
  labels?: string[];
  /** Default: the run's, if the run is known. */
  head_sha?: string;
}

/** Where the programmatic views of jobs point their API URLs (the HTTP routes use the request's origin). */
const API_ORIGIN = 'https://api.github.example';

export class EmulatedRepository {
  readonly store: Store;
  readonly owner: string;
  readonly repo: string;
  protected readonly clock: Clock;

  constructor(options: { clock?: Clock; owner?: string; repo?: string; users?: User[] } = {}) {
    this.clock = options.clock ?? systemClock;
    this.owner = options.owner ?? 'octo-org';
    this.repo = options.repo ?? 'demo';
    this.store = new Store(options.users ?? DEFAULT_USERS);
  }

  now(): number {
    return this.clock.now();
  }

  /**
   * Add a user, or a token: a login already known with another id is replaced, one with the same id gets
   * another token (each token its own permissions, as each job's GITHUB_TOKEN), and the same token is replaced.
   */
  addUser(user: {
    login: string;
    id: number;
    type?: 'User' | 'Bot';
    token: string;
    permission?: Permission;
    /** The token's Actions permission (default read; none answers the Actions API 403). */
    actions?: ActionsPermission;
  }): User {
    return this.store.addUser({ type: 'User', permission: 'read', ...user });
  }

  /** Set the Actions permission of every token of a login (none: the Actions API answers them 403). */
  setUserActions(login: string, actions: ActionsPermission): void {
    const tokens = this.store.users.filter((u) => u.login.toLowerCase() === login.toLowerCase());
    if (tokens.length === 0) throw new Error(`emulator: no user ${login}`);
    if (!['write', 'read', 'none'].includes(actions))
      throw new Error(`emulator: actions must be write, read or none, not ${String(actions)}`);
    for (const u of tokens) u.actions = actions;
  }

  private userNamed(login: string): User {
    const user = this.store.userByLogin(login);
    if (!user) throw new Error(`emulator: no user ${login}`);
    return user;
  }

  createIssue(fields: { title: string; body?: string; labels?: string[]; author?: string }): number {
    return this.store.createIssue(this.userNamed(fields.author ?? 'maintainer'), this.now(), fields).number;
  }

  getIssue(issue: number): StoredIssue | undefined {
    return this.store.issues.get(issue);
  }

  addComment(issue: number, body: string, asLogin = 'maintainer'): number {
    if (!this.store.issues.has(issue)) throw new Error(`emulator: no issue #${issue}`);
    return this.store.addComment(issue, this.userNamed(asLogin), body, this.now()).id;
  }

  editComment(id: number, body: string): void {
    const c = this.store.comment(id);
    if (!c) throw new Error(`emulator: no comment ${id}`);
    this.store.editComment(c, body, this.now());
  }

  deleteComment(id: number): void {
    const c = this.store.comment(id);
    if (c) this.store.deleteComment(c, this.now());
  }

  /** Current comments of an issue, unlagged. */
  listComments(issue: number): CommentView[] {
    return this.store.commentsAt(issue, Infinity).map(({ comment: c, version: v }) => ({
      id: c.id,
      login: c.user.login,
      userId: c.user.id,
      body: v.body,
      createdAt: c.createdAt,
      updatedAt: v.at,
    }));
  }

  /** Every comment of an issue with all its versions, deleted ones included. */
  commentHistory(issue: number): CommentHistory[] {
    return this.store.comments
      .filter((c) => c.issue === issue)
      .map((c) => ({
        id: c.id,
        login: c.user.login,
        createdAt: c.createdAt,
        ...(c.deletedAt !== undefined ? { deletedAt: c.deletedAt } : {}),
        versions: c.versions.map((v) => ({ ...v })),
      }));
  }

  pulls(): PullView[] {
    return [...this.store.issues.values()]
      .filter((i) => i.pull)
      .map((i) => ({ number: i.number, title: i.title, body: i.body, state: i.state, ...i.pull! }));
  }

  getPulls(): PullView[] {
    return this.pulls();
  }

  addWorkflowRun(run: Record<string, unknown>): Record<string, unknown> {
    return this.store.addWorkflowRun(run, this.now());
  }

  /** Add a job to a workflow run (known to the store or not); its JSON as the jobs API shows it now. */
  addJob(fields: JobFields): Record<string, unknown> {
    const job = this.store.addJob(
      {
        runId: Number(fields.run_id),
        name: fields.name,
        ...(fields.run_attempt !== undefined ? { runAttempt: Number(fields.run_attempt) } : {}),
        ...(fields.runner_name !== undefined ? { runnerName: fields.runner_name } : {}),
        ...(fields.status !== undefined ? { status: fields.status } : {}),
        ...(fields.conclusion !== undefined ? { conclusion: fields.conclusion } : {}),
        ...(fields.labels !== undefined ? { labels: fields.labels.map(String) } : {}),
        ...(fields.head_sha !== undefined ? { headSha: String(fields.head_sha) } : {}),
      },
      this.now(),
    );
    return this.jobView(job.id, API_ORIGIN)!;
  }

  /**
   * Move a job on: `completed` (or a conclusion) ends it, with conclusion success unless told otherwise, and
   * sets completed_at. Throws for an unknown job.
   */
  updateJob(
    id: number,
    patch: { status?: JobStatus; conclusion?: JobConclusion | null },
  ): Record<string, unknown> {
    const job = this.store.jobs.find((j) => j.id === id);
    if (!job) throw new Error(`emulator: no job ${id}`);
    this.store.updateJob(job, patch, this.now());
    return this.jobView(id, API_ORIGIN)!;
  }

  /** The jobs (of one run, or all), unlagged, as the jobs API shows them. */
  jobs(runId?: number): Record<string, unknown>[] {
    return this.store.jobs
      .filter((j) => runId === undefined || j.runId === runId)
      .map((j) => this.jobView(j.id, API_ORIGIN)!);
  }

  /** One job's JSON now, with API URLs under `origin`. */
  jobView(id: number, origin: string): Record<string, unknown> | undefined {
    const job = this.store.jobs.find((j) => j.id === id);
    if (!job) return undefined;
    return jobJson({ origin, owner: this.owner, repo: this.repo }, job, this.store.jobAt(job, Infinity));
  }
}
