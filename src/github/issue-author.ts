// Whose issue is it: text written by someone without write permission is a prompt-injection risk, so such an
// issue is not run unless the workflow says allow-untrusted-authors.
import type { GitHubClient } from './client.js';
import { canStart, permissionOf } from './permission.js';

/** Why the issue's author may not have their issue run, or undefined when they may. */
export async function untrustedAuthorReason(
  client: GitHubClient,
  issue: { number: number; user: { login: string; id: number } | null },
  isActionIdentity: (user: { login: string; id: number }) => boolean = () => false,
): Promise<string | undefined> {
  const author = issue.user;
  if (!author) return `issue #${issue.number} has no author (a deleted account)`;
  if (isActionIdentity(author)) return undefined;
  const permission = await permissionOf(client, author.login);
  if (canStart(permission)) return undefined;
  return (
    `issue #${issue.number} was written by ${author.login}, who has ${permission} permission on ` +
    `${client.owner}/${client.repo}; its text is not given to an agent unless allow-untrusted-authors is true`
  );
}
