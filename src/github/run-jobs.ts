// The jobs of this workflow run's attempt, from the Actions API: a node whose job has completed is gone for
// certain (its runner, and every process it ran, has ended), which no lease needs to wait out. Read with the
// ETag of the last answer, so that a listing nothing has changed in costs a free 304. Needs `actions: read`.
import { statusOf, type GitHubClient } from './client.js';
import { getErrorMessage } from '../errors.js';
import type { RunJob } from '../protocol/liveness.js';

const PER_PAGE = 100;

export type JobsRead = 'changed' | 'unchanged' | 'unavailable';

export class RunJobs {
  private readonly etags = new Map<number, string>();
  private jobs: RunJob[] = [];
  private unavailable: string | undefined;

  constructor(
    private readonly client: GitHubClient,
    private readonly runId: number,
    private readonly attempt: number,
  ) {}

  /** Why the jobs cannot be read (no `actions: read`, no such run), once it is known; then nothing is asked. */
  why(): string | undefined {
    return this.unavailable;
  }

  list(): readonly RunJob[] {
    return this.jobs;
  }

  /** Read the attempt's jobs again. Errors other than a refusal are thrown (the caller tries later). */
  async read(): Promise<JobsRead> {
    if (this.unavailable) return 'unavailable';
    const { octokit, owner, repo } = this.client;
    const pages: RunJob[][] = [];
    let changed = false;
    for (let page = 1; page <= 3; page++) {
      const etag = this.etags.get(page);
      try {
        const response = await octokit.request(
          'GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs',
          {
            owner,
            repo,
            run_id: this.runId,
            attempt_number: this.attempt,
            per_page: PER_PAGE,
            page,
            headers: etag ? { 'if-none-match': etag } : {},
          },
        );
        changed = true;
        if (response.headers.etag) this.etags.set(page, response.headers.etag);
        const jobs = response.data.jobs.map((j) => ({
          id: Number(j.id),
          name: j.name,
          runner_name: j.runner_name ?? null,
          status: j.status,
          conclusion: j.conclusion ?? null,
          started_at: j.started_at ?? null,
          completed_at: j.completed_at ?? null,
        }));
        pages.push(jobs);
        if (response.data.total_count <= page * PER_PAGE) break;
      } catch (error) {
        const status = statusOf(error);
        if (status === 304) {
          pages.push(this.jobs.slice((page - 1) * PER_PAGE, page * PER_PAGE));
          if (this.jobs.length <= page * PER_PAGE) break;
          continue;
        }
        // A limit (a used-up budget the client gave up waiting for, a secondary limit) is for later.
        if (status === 403 && /rate limit/i.test(getErrorMessage(error))) throw error;
        if (status === 403 || status === 404) {
          this.unavailable =
            status === 403
              ? `the token may not read this run's jobs (grant the workflow \`actions: read\`): ${getErrorMessage(error)}`
              : `run ${this.runId} attempt ${this.attempt} is not known to the Actions API`;
          return 'unavailable';
        }
        throw error;
      }
    }
    if (changed) this.jobs = pages.flat();
    return changed ? 'changed' : 'unchanged';
  }
}
