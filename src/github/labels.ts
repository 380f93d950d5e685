// Labels on an issue: the aggregate job moves the issue from the trigger label to the run's outcome label.
import { getErrorMessage } from '../errors.js';
import { statusOf, type GitHubClient } from './client.js';

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The labels of an issue (GitHub answers them in pages of at most 100). */
export async function issueLabels(client: GitHubClient, issueNumber: number): Promise<string[]> {
  const labels = await client.octokit.paginate(client.octokit.rest.issues.listLabelsOnIssue, {
    owner: client.owner,
    repo: client.repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  return labels.map((l) => l.name);
}

/**
 * Adds labels to an issue (GitHub creates a label the repository does not have yet); the issue's labels
 * afterwards. A content-creating request, even when the issue already has them.
 */
export async function addLabels(
  client: GitHubClient,
  issueNumber: number,
  names: string[],
): Promise<string[]> {
  const { data } = await client.octokit.rest.issues.addLabels({
    owner: client.owner,
    repo: client.repo,
    issue_number: issueNumber,
    labels: names,
  });
  return data.map((l) => l.name);
}

/** Removes a label from an issue; false when the issue did not have it (GitHub's 404 "Label does not exist"). */
export async function removeLabel(client: GitHubClient, issueNumber: number, name: string): Promise<boolean> {
  try {
    await client.octokit.rest.issues.removeLabel({
      owner: client.owner,
      repo: client.repo,
      issue_number: issueNumber,
      name,
    });
    return true;
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw error;
  }
}

/**
 * Puts `add` on the issue, then takes off each label of `remove` that the issue has (as the answer to the
 * adding shows it), so the issue is never left with neither. Tries every removal, then throws if any
 * failed, naming them.
 */
export async function relabel(
  client: GitHubClient,
  issueNumber: number,
  change: { add: string; remove: string[] },
): Promise<{ removed: string[] }> {
  const labels = await addLabels(client, issueNumber, [change.add]);
  const present = change.remove.filter((r) => !same(r, change.add) && labels.some((l) => same(l, r)));
  const removed: string[] = [];
  const failed: string[] = [];
  for (const name of present) {
    try {
      if (await removeLabel(client, issueNumber, name)) removed.push(name);
    } catch (error) {
      failed.push(`${name} (${getErrorMessage(error)})`);
    }
  }
  if (failed.length > 0)
    throw new Error(`added ${change.add}, but could not remove ${failed.join(', ')} from #${issueNumber}`);
  return { removed };
}
