// A commit's CI as GitHub reports it: its check runs and its commit statuses, each read with the ETag of the
// last answer for the same commit, so that waiting on CI costs a free 304 while nothing changed; and the end of
// an Actions job's log, for the agent that fixes what a check found. Needs `checks: read` and `statuses: read`
// (and `actions: read` for the logs) on the token that pushed: an App's or a personal token's own. GITHUB_TOKEN's
// pushes start no CI, so its jobs never ask.
import { statusOf, type GitHubClient } from './client.js';
import { getErrorMessage } from '../errors.js';
import type { CheckRunView, StatusView } from '../delivery/ci-verdict.js';

export interface CiReading {
  runs: CheckRunView[];
  statuses: StatusView[];
  /** Whether anything changed since the last reading of this commit. */
  changed: boolean;
  /** Why a listing could not be read this time (a token without checks: read or statuses: read, say). */
  errors: string[];
}

interface RawRun {
  id: number;
  name: string;
  check_suite?: { id: number } | null;
  status: string;
  conclusion: string | null;
  details_url?: string | null;
  output?: { title?: string | null; summary?: string | null } | null;
}

interface RawStatus {
  context: string;
  state: string;
  description?: string | null;
  target_url?: string | null;
}

export class CommitCi {
  private readonly etags = new Map<string, string>();
  private runs: CheckRunView[] = [];
  private statuses: StatusView[] = [];

  constructor(
    private readonly client: GitHubClient,
    readonly sha: string,
  ) {}

  /** Both listings, each on its own: one refused does not lose what the other said. */
  async read(): Promise<CiReading> {
    const errors: string[] = [];
    const attempt = async <T>(route: string, what: string): Promise<T | undefined> => {
      try {
        return await this.get<T>(route);
      } catch (error) {
        errors.push(`the ${what} could not be read: ${getErrorMessage(error)}`);
        return undefined;
      }
    };
    const runs = await attempt<{ check_runs: RawRun[] }>(
      'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
      'check runs',
    );
    const status = await attempt<{ statuses: RawStatus[] }>(
      'GET /repos/{owner}/{repo}/commits/{ref}/status',
      'commit statuses',
    );
    if (runs)
      this.runs = runs.check_runs.map((r) => ({
        id: r.id,
        name: r.name,
        ...(r.check_suite?.id !== undefined ? { suite: r.check_suite.id } : {}),
        status: r.status,
        conclusion: r.conclusion,
        ...(r.output?.title || r.output?.summary
          ? { summary: [r.output.title, r.output.summary].filter(Boolean).join(': ').slice(0, 2000) }
          : {}),
        ...(r.details_url ? { detailsUrl: r.details_url } : {}),
      }));
    if (status)
      this.statuses = status.statuses.map((s) => ({
        context: s.context,
        state: s.state,
        ...(s.description ? { description: s.description } : {}),
        ...(s.target_url ? { targetUrl: s.target_url } : {}),
      }));
    return {
      runs: this.runs,
      statuses: this.statuses,
      changed: runs !== undefined || status !== undefined,
      errors,
    };
  }

  /** One listing, with its ETag: undefined when unchanged (a free 304). */
  private async get<T>(route: string): Promise<T | undefined> {
    const { octokit, owner, repo } = this.client;
    const etag = this.etags.get(route);
    try {
      const response = await octokit.request(route, {
        owner,
        repo,
        ref: this.sha,
        per_page: 100,
        headers: etag ? { 'if-none-match': etag } : {},
      });
      if (response.headers.etag) this.etags.set(route, response.headers.etag);
      return response.data as T;
    } catch (error) {
      if (statusOf(error) === 304) return undefined;
      throw error;
    }
  }
}

/** The last `chars` characters of an Actions job's log (GitHub answers with a redirect to the text). */
export async function jobLogTail(client: GitHubClient, jobId: number, chars = 6000): Promise<string> {
  const { octokit, owner, repo } = client;
  const response = await octokit.request('GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs', {
    owner,
    repo,
    job_id: jobId,
  });
  const text = typeof response.data === 'string' ? response.data : String(response.data ?? '');
  return text.slice(-chars);
}
