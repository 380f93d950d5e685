// The coordination issue's thread, read cheaply. Every read sends the ETag of the last answer to the same
// URL, so an unchanged thread costs a free 304. While the whole thread fits in one page it is listed whole;
// past that, only comments updated since a watermark are asked for. The watermark trails the newest comment
// seen by a margin wider than GitHub's listing lag, and moves only when the answers grow large (each move
// changes the URL, and a URL without an ETag costs a request). A full listing now and then catches anything
// the margin missed.
import type { ThreadComment } from '../protocol/thread-comment.js';
import { statusOf, type GitHubClient } from './client.js';

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

export interface ThreadOptions {
  /** How far behind the newest comment seen the `since` watermark trails (listing lag). */
  lagMarginMs?: number;
  /** How often a complete listing replaces the incremental one. */
  fullListingEveryMs?: number;
}

type RawComment = ThreadComment & { user: { login: string; id: number; type?: string } | null };

const PER_PAGE = 100;

function toComment(raw: RawComment): ThreadComment {
  return {
    id: raw.id,
    body: raw.body ?? '',
    user: raw.user
      ? { login: raw.user.login, id: raw.user.id, ...(raw.user.type ? { type: raw.user.type } : {}) }
      : null,
    created_at: raw.created_at,
    updated_at: raw.updated_at,
    ...(raw.html_url ? { html_url: raw.html_url } : {}),
    ...(raw.author_association ? { author_association: raw.author_association } : {}),
  };
}

function nextLink(link: string | undefined): string | undefined {
  return link
    ?.split(',')
    .find((part) => /rel="next"/.test(part))
    ?.match(/<([^>]+)>/)?.[1];
}

export class IssueThread {
  private readonly comments = new Map<number, ThreadComment>();
  /**
   * ETags of the first page of each listing, kept only when that page was not full: a 304 then proves nothing
   * changed (a new comment would have landed on it). A full first page's ETag says nothing about later pages.
   */
  private readonly etags = new Map<string, string>();
  private newest = 0;
  private lastFull = -Infinity;
  /** The `since` watermark, once the thread is longer than a page. */
  private watermark: string | undefined;
  private readonly lagMarginMs: number;
  private readonly fullEveryMs: number;

  constructor(
    private readonly client: GitHubClient,
    readonly issueNumber: number,
    options: ThreadOptions = {},
  ) {
    // Replicas that lag each other by more than this would hide a comment from a `since` listing.
    this.lagMarginMs = options.lagMarginMs ?? 20_000;
    this.fullEveryMs = options.fullListingEveryMs ?? 300_000;
  }

  /** Comments as the listings have shown them (a comment this node posted is here only once a listing showed it). */
  all(): ThreadComment[] {
    return [...this.comments.values()];
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
    const { octokit, owner, repo } = this.client;
    const etag = this.etags.get(key);
    let response;
    try {
      response = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        owner,
        repo,
        issue_number: this.issueNumber,
        per_page: PER_PAGE,
        ...(since ? { since } : {}),
        headers: etag ? { 'if-none-match': etag } : {},
      });
    } catch (error) {
      if (statusOf(error) === 304) {
        if (full) this.lastFull = now;
        return false;
      }
      throw error;
    }
    const received: RawComment[] = [...(response.data as RawComment[])];
    if (response.headers.etag && received.length < PER_PAGE) this.etags.set(key, response.headers.etag);
    else this.etags.delete(key);
    let next = nextLink(response.headers.link);
    if (!full && next) {
      // A `since` listing is ordered by id but its members change as old comments are edited: across pages
      // read from replicas a moment apart, a comment can slip past a page boundary unseen. Only a single page
      // is one snapshot. A full listing only grows at its end, so its pages cannot skip: read that instead.
      return this.refresh(true);
    }
    while (next) {
      const page = await octokit.request({ method: 'GET', url: next });
      received.push(...(page.data as RawComment[]));
      next = nextLink(page.headers.link as string | undefined);
    }
    let changed = false;
    const pages = Math.ceil(received.length / 100);
    if ((full && pages > 1) || (!full && received.length > 50)) {
      // Too much comes back each time: list from a later point.
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
    for (const raw of received) if (this.merge(toComment(raw))) changed = true;
    return changed;
  }

  /** Keep a comment as read; true when it is new or newer. Replicas lag differently: never go back. */
  private merge(comment: ThreadComment): boolean {
    const known = this.comments.get(comment.id);
    if (known && Date.parse(known.updated_at) > Date.parse(comment.updated_at)) return false;
    this.comments.set(comment.id, comment);
    this.newest = Math.max(this.newest, Date.parse(comment.updated_at));
    return !known || known.updated_at !== comment.updated_at || known.body !== comment.body;
  }

  private newestOf(comments: RawComment[]): number {
    return comments.reduce((max, c) => Math.max(max, Date.parse(c.updated_at)), this.newest);
  }

  async post(body: string): Promise<ThreadComment> {
    const { octokit, owner, repo } = this.client;
    const response = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: this.issueNumber,
      body,
    });
    return toComment(response.data as RawComment);
  }

  /**
   * Read one comment again, on its own: one snapshot. The pages of a long listing are read a moment apart, so
   * an edit to an early comment can be missing from a listing whose last page shows a later comment.
   */
  async reload(commentId: number): Promise<void> {
    const { octokit, owner, repo } = this.client;
    const { data } = await octokit.rest.issues.getComment({ owner, repo, comment_id: commentId });
    this.merge(toComment(data as RawComment));
  }

  async edit(commentId: number, body: string): Promise<ThreadComment> {
    const { octokit, owner, repo } = this.client;
    const response = await octokit.rest.issues.updateComment({ owner, repo, comment_id: commentId, body });
    return toComment(response.data as RawComment);
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
