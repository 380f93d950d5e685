// The emulated repository and the helpers tests use on it directly: no HTTP, no lag, no faults, not counted.
// Check runs, commit statuses, reviews, CI rules and pushes: see ci.ts and checks-state.ts.
import {
  REVIEW_STATES,
  STATUS_STATES,
  type CheckOutput,
  type ReviewState,
  type StatusState,
} from './checks-state.js';
import {
  addCheckRun,
  addCiRule,
  recordPush,
  ruleJson,
  updateCheckRun,
  type CheckRunFields,
  type CiRuleFields,
  type Push,
} from './ci.js';
import { systemClock, type Clock } from './clock.js';
import { checkRunJson, jobJson, reviewJson, statusJson, type Where } from './routes/shapes.js';
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
  /** The job's log, which its logs URL serves as plain text. */
  log?: string;
}

/** A commit status to add: the fields of `POST /_emulator/statuses`. */
export interface StatusFields {
  /** A sha or a branch. */
  ref: string;
  state: StatusState;
  /** Default `default`. */
  context?: string;
  description?: string | null;
  target_url?: string | null;
  /** Who set it (default github-actions[bot]). */
  login?: string;
}

/** A review to add: the fields of `POST /_emulator/reviews`. */
export interface ReviewFields {
  pull: number;
  login: string;
  state: ReviewState;
  body?: string;
  /** Default: the head of the pull request's branch, if known. */
  commit_id?: string | null;
  /** Comments on lines of the diff, submitted with the review. */
  comments?: { path: string; line?: number; body: string }[];
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
    /** Whether its pushes start workflows (default: yes, but for github-actions[bot]). */
    startsWorkflows?: boolean;
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
        ...(fields.log !== undefined ? { log: String(fields.log) } : {}),
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
    return jobJson({ origin, owner: this.owner, repo: this.repo }, job, this.store.jobAt(job, this.now()));
  }

  /** A job's log (empty for a job given none), or undefined for an unknown job. */
  jobLog(id: number): string | undefined {
    const job = this.store.jobs.find((j) => j.id === id);
    return job ? (job.log ?? '') : undefined;
  }

  private where(origin: string): Where {
    return { origin, owner: this.owner, repo: this.repo, store: this.store };
  }

  /**
   * Add a check run to a commit (a sha, or a branch the emulator knows); with a `log` it is an Actions job's
   * (the job is added, details_url is its page). Its JSON as the API shows it now.
   */
  addCheckRun(fields: CheckRunFields, origin = API_ORIGIN): Record<string, unknown> {
    return this.checkRunView(addCheckRun(this.store, fields, this.now()).id, origin)!;
  }

  /** Move a check run on (a conclusion completes it), and its job; throws for an unknown one. */
  updateCheckRun(
    id: number,
    patch: { status?: JobStatus; conclusion?: JobConclusion | null; output?: Partial<CheckOutput> },
    origin = API_ORIGIN,
  ): Record<string, unknown> {
    const run = this.store.checks.checkRuns.find((r) => r.id === id);
    if (!run) throw new Error(`emulator: no check run ${id}`);
    updateCheckRun(this.store, run, patch, this.now());
    return this.checkRunView(id, origin)!;
  }

  /** One check run's JSON now. */
  checkRunView(id: number, origin = API_ORIGIN): Record<string, unknown> | undefined {
    const run = this.store.checks.checkRuns.find((r) => r.id === id);
    return run && checkRunJson(this.where(origin), run, this.store.checks.checkAt(run, this.now()));
  }

  /** Every check run (of the commit a ref names, if given), oldest first, unlagged. */
  checkRuns(ref?: string, origin = API_ORIGIN): Record<string, unknown>[] {
    const sha = ref === undefined ? undefined : this.store.checks.resolve(ref);
    return this.store.checks.checkRuns
      .filter((r) => ref === undefined || r.headSha === sha)
      .map((r) => this.checkRunView(r.id, origin)!);
  }

  /** Set a commit status (a sha or a branch the emulator knows); its JSON as `POST /statuses/{sha}` answers. */
  addStatus(fields: StatusFields, origin = API_ORIGIN): Record<string, unknown> {
    const sha = this.store.checks.resolve(String(fields.ref ?? ''));
    if (!sha) throw new Error(`emulator: no commit for ref ${JSON.stringify(fields.ref)}`);
    if (!STATUS_STATES.includes(fields.state))
      throw new Error(`emulator: state must be one of ${STATUS_STATES.join(', ')}`);
    const status = this.store.checks.addStatus({
      sha,
      context: typeof fields.context === 'string' && fields.context !== '' ? fields.context : 'default',
      state: fields.state,
      description: typeof fields.description === 'string' ? fields.description : null,
      targetUrl: typeof fields.target_url === 'string' ? fields.target_url : null,
      createdAt: this.now(),
      creator: this.userNamed(fields.login ?? 'github-actions[bot]'),
    });
    return statusJson(this.where(origin), status, true);
  }

  /** Submit a review of a pull request by a known user; its JSON as the reviews API lists it. */
  addReview(fields: ReviewFields, origin = API_ORIGIN): Record<string, unknown> {
    const pull = this.store.issues.get(Number(fields.pull));
    if (!pull?.pull) throw new Error(`emulator: no pull request #${String(fields.pull)}`);
    if (!REVIEW_STATES.includes(fields.state))
      throw new Error(`emulator: state must be one of ${REVIEW_STATES.join(', ')}`);
    const review = this.store.checks.addReview({
      pull: pull.number,
      user: this.userNamed(String(fields.login)),
      body: typeof fields.body === 'string' ? fields.body : '',
      state: fields.state,
      submittedAt: this.now(),
      commitId:
        typeof fields.commit_id === 'string'
          ? fields.commit_id
          : (this.store.checks.resolve(pull.pull.head) ?? null),
      comments: Array.isArray(fields.comments)
        ? fields.comments.map((c) => ({
            path: String(c.path),
            ...(typeof c.line === 'number' ? { line: c.line } : {}),
            body: String(c.body ?? ''),
          }))
        : [],
    });
    return reviewJson(this.where(origin), review);
  }

  /**
   * A CI rule: every push that updates a branch matching `branch` (with a token that starts workflows, or one
   * of `tokens`) gets a check run `name`, concluding per `outcomes` (one per push of that branch; the last
   * repeats), in progress for `delayMs` first. The rule as the control route shows it.
   */
  addCiRule(fields: CiRuleFields): Record<string, unknown> {
    return ruleJson(addCiRule(this.store, fields));
  }

  /** The CI rules, with the pushes each has seen per branch. */
  ciRules(): Record<string, unknown>[] {
    return this.store.checks.rules.map(ruleJson);
  }

  /** Tell the emulator a push updated a branch (git's pushes are told by itself): the check runs it started. */
  recordPush(push: Push, origin = API_ORIGIN): Record<string, unknown>[] {
    return recordPush(this.store, push, this.now()).map((r) => this.checkRunView(r.id, origin)!);
  }
}
