// Who may start a run: a collaborator with write, maintain or admin permission, as the collaborator permission
// API says (author_association alone is not enough; maintain shows as write).
import type { GitHubClient } from './client.js';
import { statusOf } from './client.js';

export type Permission = 'admin' | 'write' | 'read' | 'none';

export async function permissionOf(client: GitHubClient, login: string): Promise<Permission> {
  try {
    const { data } = await client.octokit.rest.repos.getCollaboratorPermissionLevel({
      owner: client.owner,
      repo: client.repo,
      username: login,
    });
    const p = data.permission;
    return p === 'admin' || p === 'write' || p === 'read' ? p : p === 'maintain' ? 'write' : 'none';
  } catch (error) {
    if (statusOf(error) === 404) return 'none';
    throw error;
  }
}

export function canStart(permission: Permission): boolean {
  return permission === 'admin' || permission === 'write';
}
