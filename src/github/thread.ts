// The coordination issue's thread, read cheaply. Every read sends the ETag of the last answer to the same
// URL, so an unchanged thread costs a free 304. While the thread is shorter than half a page it is listed
// whole; past that, only comments updated since a watermark are asked for. The watermark trails the newest
// comment seen by a margin wider than GitHub's listing lag, and moves only when the answers grow large (each
// move changes the URL, and a URL without an ETag costs a request). A `since` listing longer than a page is read in
// overlapping pages (see readOverlapping). A full listing once an hour heals what no `since` listing shows (a
// deleted comment).
import type { ThreadComment } from '../protocol/thread-comment.js';
import { statusOf, type GitHubClient } from './client.js';
import { STREAM_BODY_HEADER } from './time-limit.js';
import {
  eachArrayItem,
  keptComment,
  toComment,
  nextLink,
  overlappingPage,
  PER_PAGE,
  revision,
  type ChatterRule,
  type RawComment,
} from './comment-listing.js';

export interface IssueInfo {
  number: number;
  title: string;
  body: string;
  state: string;
  user: { login: string; id: number } | null;
  labels: string[];
  created_at: string;
  html_url?: string;
}

/** A listing longer than this makes the next readings `since` listings, from later on. */
const SINCE_PAST = PER_PAGE / 2;

export interface ThreadOptions {
  /** How far behind the newest comment seen the `since` watermark trails (listing lag). */
  lagMarginMs?: number;
  /** How often a complete listing replaces the incremental one. */
  fullListingEveryMs?: number;
  /** How people's comments are kept (comment-listing.ts); without it, whole. */
  chatter?: ChatterRule;
}

export class IssueThread {
  private readonly comments = new Map<number, ThreadComment>();
  /**
   * ETags of the first page of each listing, kept only when that page was not full: a 304 then proves nothing
   * changed (a new comment would have landed on it). A full first page's ETag says nothing about later pages.
   */
  private readonly etags = new Map<string, string>();
  /** The last empty page read after the comments known: how many were known, and its ETag. */
  private emptyPage: { size: number; etag: string } | undefined;
  private tailFailures = 0;
  private newest = 0;
  private lastFull = -Infinity;
  /** The `since` watermark, once the thread is longer than a page. */
  private watermark: string | undefined;
  private readonly lagMarginMs: number;
  private readonly fullEveryMs: number;
  private readonly chatter: ThreadOptions['chatter'];

  constructor(
    private readonly client: GitHubClient,
    readonly issueNumber: number,
    options: ThreadOptions = {},
  ) {
    // Replicas that lag each other by more than this would hide a comment from a `since` listing.
    this.lagMarginMs = options.lagMarginMs ?? 20_000;
    this.fullEveryMs = options.fullListingEveryMs ?? 3_600_000;
    this.chatter = options.chatter;
  }

  /** A comment as kept: see ThreadOptions.chatter. */
  private kept(raw: RawComment): ThreadComment {
    return keptComment(raw, this.chatter);
  }

  /** Comments as the listings have shown them (a comment this node posted is here only once a listing showed it). */
  all(): ThreadComment[] {
    return [...this.comments.values()];
  }

  /** How many comments the listings have shown. */
  size(): number {
    return this.comments.size;
  }

  has(commentId: number): boolean {
    return this.comments.has(commentId);
  }

  /** Read what changed. Returns whether anything did. */
  async refresh(forceFull = false): Promise<boolean> {
    const now = Date.now();
    const full = forceFull || this.watermark === undefined || now - this.lastFull >= this.fullEveryMs;
    const since = full ? undefined : this.watermark;
    const key = since ?? 'full';
    let response;
    try {
      response = await this.listComments(
        { per_page: PER_PAGE, ...(since ? { since } : {}) },
        this.etags.get(key),
      );
    } catch (error) {
      if (statusOf(error) === 304) {
        if (full) this.lastFull = now;
        return false;
      }
      throw error;
    }
    const received: RawComment[] = [...response.data];
    if (response.etag && received.length < PER_PAGE) this.etags.set(key, response.etag);
    else this.etags.delete(key);
    if (!full && received.length >= PER_PAGE) {
      // A `since` listing is ordered by id but its members change as old comments are edited: pages read a
      // moment apart from replicas that lag differently can shift, and a comment could slip past a boundary.
      // Each further page is asked for so that it overlaps the last one; an overlap proves nothing was skipped.
      const rest = await this.readOverlapping(since!, received);
      if (!rest) return this.refresh(true);
      received.push(...rest);
    }
    let next = full ? nextLink(response.link) : undefined;
    while (next) {
      // A full listing only grows at its end: its pages cannot skip a comment.
      const page = await this.listComments({ per_page: PER_PAGE }, undefined, next);
      received.push(...page.data);
      next = nextLink(page.link);
    }
    let changed = false;
    // Too much comes back each time: list from a later point. A full listing past half a page moves there
    // too, before it needs a second page (each node would then read two pages at once to cross it).
    if (received.length > SINCE_PAST) {
      this.watermark = new Date(
        Math.floor((this.newestOf(received) - this.lagMarginMs) / 5000) * 5000,
      ).toISOString();
    }
    if (full) {
      this.lastFull = now;
      const ids = new Set(received.map((c) => c.id));
      for (const id of this.comments.keys()) {
        if (!ids.has(id)) {
          this.comments.delete(id);
          changed = true;
        }
      }
    }
    for (const raw of received) if (this.merge(this.kept(raw))) changed = true;
    return changed;
  }

  /**
   * The pages of a `since` listing after the first, each starting up to OVERLAP items before the previous one
   * ended (GitHub's pages start at multiples of `per_page`, so the page size is chosen to land there). A page
   * that starts past the previous page's last comment means the listing shifted under the reader: undefined.
   * Comments are listed in creation order, so a page that overlaps the previous one leaves no comment between
   * them unread; a comment created before the last one listed is then in the union, as in a full listing.
   */
  private async readOverlapping(since: string, first: RawComment[]): Promise<RawComment[] | undefined> {
    const out: RawComment[] = [];
    let end = first.length;
    let lastId = first.at(-1)!.id;
    for (;;) {
      const step = overlappingPage(end);
      if (!step) return undefined;
      const { data: page } = await this.listComments({ since, per_page: step.perPage, page: step.page });
      if (page.length === 0 || page[0]!.id > lastId) return undefined;
      out.push(...page);
      if (page.length < step.perPage) return out;
      end = (step.page - 1) * step.perPage + page.length;
      lastId = page.at(-1)!.id;
    }
  }

  /** One page of the issue's comments. A 304 (the ETag still matches) throws, as Octokit does. */
  private async listComments(
    query: { per_page: number; page?: number; since?: string },
    etag?: string,
    url?: string,
  ): Promise<{ data: RawComment[]; etag?: string; link?: string }> {
    const { octokit, owner, repo } = this.client;
    // The body is read here, a comment at a time, and each is cut down as it comes (see kept): a page of a
    // hundred 64 KB comments is never held whole, as text or parsed.
    const request = { parseSuccessResponseBody: false };
    const response = url
      ? await octokit.request({ method: 'GET', url, headers: { [STREAM_BODY_HEADER]: '1' }, request })
      : await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          owner,
          repo,
          issue_number: this.issueNumber,
          ...query,
          headers: { ...(etag ? { 'if-none-match': etag } : {}), [STREAM_BODY_HEADER]: '1' },
          request,
        });
    const data: RawComment[] = [];
    const body: unknown = response.data;
    if (Array.isArray(body)) for (const raw of body as RawComment[]) data.push(this.kept(raw) as RawComment);
    else if (body)
      await eachArrayItem(body as AsyncIterable<Uint8Array>, (raw) =>
        data.push(this.kept(raw as RawComment) as RawComment),
      );
    return {
      data,
      etag: response.headers.etag,
      link: response.headers.link as string | undefined,
    };
  }

  /**
   * Keep a comment as read; true when it is new or newer. Replicas lag differently: never go back. Times are
   * whole seconds, so two edits in one second (a last heartbeat and the outcome) tie: the edit count a
   * protocol message carries (`beat`) tells which is newer.
   */
  private merge(comment: ThreadComment): boolean {
    const known = this.comments.get(comment.id);
    if (known) {
      const was = Date.parse(known.updated_at);
      const now = Date.parse(comment.updated_at);
      if (was > now) return false;
      if (was === now && known.body !== comment.body && revision(known.body) > revision(comment.body))
        return false;
    }
    this.comments.set(comment.id, comment);
    this.newest = Math.max(this.newest, Date.parse(comment.updated_at));
    return !known || known.updated_at !== comment.updated_at || known.body !== comment.body;
  }

  private newestOf(comments: RawComment[]): number {
    return comments.reduce((max, c) => Math.max(max, Date.parse(c.updated_at)), this.newest);
  }

  /**
   * Post a comment. `retries: 0` leaves a failed post to the caller: a post answered 5xx may have landed, and
   * a copy posted after plugin-retry's back-off (1 s, 4 s, 9 s) can find the first copy's lease already
   * run out; the caller's own quick retry keeps the copies a poll interval apart.
   */
  async post(body: string, options: { retries?: number } = {}): Promise<ThreadComment> {
    const { octokit, owner, repo } = this.client;
    const response = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: this.issueNumber,
      body,
      ...(options.retries !== undefined ? { request: { retries: options.retries } } : {}),
    });
    return toComment(response.data as RawComment);
  }

  /**
   * Whether a comment may have been added since the last reading: the comment after the last one known, asked
   * for as a page of one. While there is none the answer is an empty page, the same each time, and edits to
   * other comments do not change it: a free 304. True when unsure.
   */
  async appended(): Promise<boolean> {
    const size = this.comments.size;
    try {
      // Every empty page reads the same, so the ETag of the last one serves for this one too.
      const response = await this.listComments({ per_page: 1, page: size + 1 }, this.emptyPage?.etag);
      const empty = response.data.length === 0;
      if (empty && response.etag) {
        // The same page sent back whole although its own ETag was sent: this server does not answer 304s.
        if (this.emptyPage?.size === size && this.emptyPage.etag === response.etag) this.tailFailures += 1;
        this.emptyPage = { size, etag: response.etag };
      }
      return !empty;
    } catch (error) {
      if (statusOf(error) === 304) return false;
      this.tailFailures += 1;
      return true;
    }
  }

  /**
   * Read only what was added since the last reading: the full listing's last page (its pages only grow at the
   * end), and any after it. Each page is asked for with its ETag, so while nothing is added to it the answer
   * is a free 304. The comments read join the view (a page is one snapshot of a prefix of the thread).
   * Edits to comments on earlier pages do not show here, and a deleted comment shifts the pages, so callers
   * still read the whole thread now and then. `unsure` when the read failed.
   */
  async readTail(): Promise<{ added: ThreadComment[]; unsure: boolean }> {
    const added: ThreadComment[] = [];
    for (;;) {
      const page = Math.floor(this.comments.size / PER_PAGE) + 1;
      const key = `page:${page}`;
      let response;
      try {
        response = await this.listComments({ per_page: PER_PAGE, page }, this.etags.get(key));
      } catch (error) {
        if (statusOf(error) === 304) return { added, unsure: false };
        this.tailFailures += 1;
        return { added, unsure: true };
      }
      for (const k of this.etags.keys()) if (k.startsWith('page:')) this.etags.delete(k);
      const { data, etag } = response;
      if (etag && data.length < PER_PAGE) this.etags.set(key, etag);
      const before = this.comments.size;
      for (const raw of data) {
        const comment = this.kept(raw);
        const known = this.comments.has(comment.id);
        if (this.merge(comment) && !known) added.push(comment);
      }
      // A full page, and new comments on it: more may follow on the next.
      if (data.length < PER_PAGE || this.comments.size === before) return { added, unsure: false };
    }
  }

  /** Whether reading the end of the thread has worked: false once it has failed a few times. */
  canReadTail(): boolean {
    return this.tailFailures < 3;
  }

  /**
   * Read one comment again, on its own: one snapshot. The pages of a long listing are read a moment apart, so
   * an edit to an early comment can be missing from a listing whose last page shows a later comment.
   */
  async reload(commentId: number): Promise<boolean> {
    const { octokit, owner, repo } = this.client;
    const key = `comment:${commentId}`;
    const etag = this.etags.get(key);
    try {
      const response = await octokit.rest.issues.getComment({
        owner,
        repo,
        comment_id: commentId,
        headers: etag ? { 'if-none-match': etag } : {},
      });
      if (response.headers.etag) this.etags.set(key, response.headers.etag);
      return this.merge(this.kept(response.data as RawComment));
    } catch (error) {
      // Unchanged since this node last read it on its own: a free 304.
      if (statusOf(error) === 304) return false;
      // A comment a listing has shown, answered 404: a replica that does not have it yet (GitHub's reads lag
      // differently), not an answer that will not change. Said without a status, so callers try again.
      if (statusOf(error) === 404 && this.comments.has(commentId))
        throw new Error(
          `comment ${commentId}, which a listing showed, was not found (a lagging read, or deleted)`,
        );
      throw error;
    }
  }

  /**
   * Edit a comment. The new version joins the view at once if a listing has shown the comment already (this
   * node's own outcome must not wait for a lagging listing); a comment no listing has shown stays out of it.
   * `retries: 0` leaves a failed edit to the caller (a heartbeat is better sent again at once than after
   * plugin-retry's back-off of 1 s, 4 s, 9 s, which can outlast a lease).
   */
  async edit(commentId: number, body: string, options: { retries?: number } = {}): Promise<ThreadComment> {
    const { octokit, owner, repo } = this.client;
    const response = await octokit.rest.issues.updateComment({
      owner,
      repo,
      comment_id: commentId,
      body,
      ...(options.retries !== undefined ? { request: { retries: options.retries } } : {}),
    });
    const edited = toComment(response.data as RawComment);
    if (this.comments.has(commentId)) this.merge(edited);
    return edited;
  }

  async issue(): Promise<IssueInfo> {
    const { octokit, owner, repo } = this.client;
    const { data } = await octokit.rest.issues.get({ owner, repo, issue_number: this.issueNumber });
    return {
      number: data.number,
      title: data.title,
      body: data.body ?? '',
      state: data.state,
      user: data.user ? { login: data.user.login, id: data.user.id } : null,
      labels: data.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))),
      created_at: data.created_at,
      html_url: data.html_url,
    };
  }
}
