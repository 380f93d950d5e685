// Pull requests for delivered tasks: open one per branch, or update the open one a previous attempt left; and
// the repository's default branch they go into when no base is named.
import { getErrorMessage } from '../errors.js';
import { statusOf, type GitHubClient } from './client.js';

export interface PullRequestSpec {
  head: string;
  base: string;
  title: string;
  body: string;
  draft: boolean;
}

export interface PullRequestRef {
  number: number;
  url: string;
  /** True when an open pull request for the branch already existed and was updated instead. */
  reused: boolean;
}

const ALREADY_EXISTS = /already exists/i;
const NO_DRAFTS = /draft pull requests are not supported/i;

function errorsOf(error: unknown): string {
  const data = (error as { response?: { data?: { errors?: { message?: string }[]; message?: string } } })
    .response?.data;
  return [data?.message, ...(data?.errors ?? []).map((e) => e.message)].filter(Boolean).join('; ');
}

async function findOpen(
  client: GitHubClient,
  head: string,
): Promise<{ number: number; html_url: string } | undefined> {
  const { octokit, owner, repo } = client;
  const { data } = await octokit.rest.pulls.list({ owner, repo, head: `${owner}:${head}`, state: 'open' });
  return data[0];
}

/**
 * Open a pull request from `head` into `base`. When one is already open for the branch (an earlier attempt of
 * the task opened it, or a retried request landed twice), update its title and body and return it.
 */
export async function openPullRequest(
  client: GitHubClient,
  spec: PullRequestSpec,
  sleep: (ms: number) => Promise<void>,
): Promise<PullRequestRef> {
  const { octokit, owner, repo } = client;
  let draft = spec.draft;
  for (let round = 0; ; round++) {
    try {
      const { data } = await octokit.rest.pulls.create({
        owner,
        repo,
        head: spec.head,
        base: spec.base,
        title: spec.title,
        body: spec.body,
        draft,
      });
      return { number: data.number, url: data.html_url, reused: false };
    } catch (error) {
      const detail = `${getErrorMessage(error)} ${errorsOf(error)}`;
      if (statusOf(error) !== 422) throw error;
      if (draft && NO_DRAFTS.test(detail)) {
        client.log.warning('this repository does not support draft pull requests; opening a ready one');
        draft = false;
        continue;
      }
      if (!ALREADY_EXISTS.test(detail)) throw new Error(`GitHub refused the pull request: ${detail.trim()}`);
      const open = await findOpen(client, spec.head);
      if (open) {
        await octokit.rest.pulls.update({
          owner,
          repo,
          pull_number: open.number,
          title: spec.title,
          body: spec.body,
        });
        return { number: open.number, url: open.html_url, reused: true };
      }
      // GitHub says it exists but its listing does not show it yet: a lagging replica. Ask again shortly.
      if (round >= 5)
        throw new Error(`a pull request for ${spec.head} exists but could not be found`, { cause: error });
      await sleep(1000 * (round + 1));
    }
  }
}

/** The repository's default branch. */
export async function defaultBranch(client: GitHubClient): Promise<string> {
  const { octokit, owner, repo } = client;
  const { data } = await octokit.rest.repos.get({ owner, repo });
  return data.default_branch;
}

/**
 * Close a pull request `author` opened, with `note` put before its body (two requests: its body is read
 * first). False, and left open, when someone else opened it.
 */
export async function closePullRequest(
  client: GitHubClient,
  pull: number,
  author: { id: number },
  note: string,
): Promise<boolean> {
  const { octokit, owner, repo } = client;
  const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: pull });
  if (data.user?.id !== author.id) return false;
  if (data.state === 'closed') return true;
  const body = `${note}\n\n---\n\n${data.body ?? ''}`.slice(0, 65_000);
  await octokit.rest.pulls.update({ owner, repo, pull_number: pull, state: 'closed', body });
  return true;
}
