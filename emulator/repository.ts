// The emulated repository and the helpers tests use on it directly: no HTTP, no lag, no faults, not counted.
import { systemClock, type Clock } from './clock.js';
import { DEFAULT_USERS, Store, type Permission, type StoredIssue, type User } from './state.js';

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

  addUser(user: {
    login: string;
    id: number;
    type?: 'User' | 'Bot';
    token: string;
    permission?: Permission;
  }): User {
    return this.store.addUser({ type: 'User', permission: 'read', ...user });
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
}
