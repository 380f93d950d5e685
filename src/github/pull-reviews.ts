// The reviews of a task's pull request, read with the ETag of the last answer for the same pull request, so
// that waiting on a person's review costs a free 304 while nobody reviews; and the line comments of a review
// that asks for changes, which are what the agent is sent back with. Needs `pull-requests: read`.
import { statusOf, type GitHubClient } from './client.js';
import type { PullReview } from '../protocol/pull-review-verdicts.js';

interface RawReview {
  id: number;
  user?: { login: string; id: number; type?: string } | null;
  state: string;
  body?: string | null;
  submitted_at?: string | null;
  commit_id?: string | null;
  html_url?: string;
}

interface RawReviewComment {
  path?: string;
  line?: number | null;
  original_line?: number | null;
  body?: string;
}

const PER_PAGE = 100;

export class PullReviewReader {
  private readonly etags = new Map<number, string>();

  constructor(private readonly client: GitHubClient) {}

  /** The pull request's reviews, oldest first; undefined when nothing changed since the last reading. */
  async read(pull: number): Promise<PullReview[] | undefined> {
    const cached = this.etags.get(pull);
    const first = await this.page(pull, 1, cached);
    if (!first) return undefined;
    this.etags.delete(pull);
    const all = [...first.data];
    // Reviews are listed oldest first: past a page, the newest are on the later pages, and the first page's
    // ETag does not change when they do, so a full first page is read again every time.
    for (let page = 2, last = first.data; last.length === PER_PAGE && page <= 10; page++) {
      last = (await this.page(pull, page, undefined))?.data ?? [];
      all.push(...last);
    }
    // Kept only once every page was read: a failed later page does not leave a reading that says "unchanged".
    if (first.etag && first.data.length < PER_PAGE) this.etags.set(pull, first.etag);
    return all.flatMap((r) =>
      r.user
        ? [
            {
              id: r.id,
              login: r.user.login,
              userId: r.user.id,
              ...(r.user.type ? { userType: r.user.type } : {}),
              state: r.state,
              body: r.body ?? '',
              ...(r.submitted_at ? { submittedAt: Date.parse(r.submitted_at) } : {}),
              ...(r.commit_id ? { commitId: r.commit_id } : {}),
              ...(r.html_url ? { htmlUrl: r.html_url } : {}),
            },
          ]
        : [],
    );
  }

  /** A review's line comments as text (`path:line: what they said`), at most `chars` of them. */
  async comments(pull: number, reviewId: number, chars = 8000): Promise<string> {
    const { octokit, owner, repo } = this.client;
    const { data } = await octokit.request(
      'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments',
      { owner, repo, pull_number: pull, review_id: reviewId, per_page: PER_PAGE },
    );
    const lines = (data as RawReviewComment[]).map((c) => {
      const line = c.line ?? c.original_line;
      return `${c.path ?? '(a file)'}${line ? `:${line}` : ''}: ${(c.body ?? '').trim()}`;
    });
    return lines.join('\n').slice(0, chars);
  }

  private async page(
    pull: number,
    page: number,
    etag: string | undefined,
  ): Promise<{ data: RawReview[]; etag?: string } | undefined> {
    const { octokit, owner, repo } = this.client;
    try {
      const response = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
        owner,
        repo,
        pull_number: pull,
        per_page: PER_PAGE,
        page,
        headers: etag ? { 'if-none-match': etag } : {},
      });
      return {
        data: response.data as RawReview[],
        ...(response.headers.etag ? { etag: response.headers.etag } : {}),
      };
    } catch (error) {
      if (statusOf(error) === 304) return undefined;
      throw error;
    }
  }
}
