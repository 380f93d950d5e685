// The emulator's users: each a token with the identity it authenticates as, its permission on the repository,
// its Actions permission, and whether its pushes start workflows.

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

/** What a token may do with the Actions API (GITHUB_TOKEN's `actions:` permission); absent means read. */
export type ActionsPermission = 'write' | 'read' | 'none';

export interface User {
  login: string;
  id: number;
  type: 'User' | 'Bot';
  token: string;
  permission: Permission;
  actions?: ActionsPermission;
  /**
   * Whether the token's pushes start workflows (CI rules): absent means yes, except for github-actions[bot],
   * whose GITHUB_TOKEN starts no workflow on GitHub.
   */
  startsWorkflows?: boolean;
}

/** Whether a push with this user's token starts workflows (see User.startsWorkflows). */
export const startsWorkflows = (u: User): boolean =>
  u.startsWorkflows ?? u.login.toLowerCase() !== 'github-actions[bot]';

export const DEFAULT_USERS: readonly User[] = [
  { login: 'github-actions[bot]', id: 41898282, type: 'Bot', token: 'ghs_bot_token', permission: 'write' },
  { login: 'maintainer', id: 1001, type: 'User', token: 'ghp_maintainer_token', permission: 'admin' },
  { login: 'outsider', id: 1002, type: 'User', token: 'ghp_outsider_token', permission: 'read' },
  { login: 'collaborator', id: 1003, type: 'User', token: 'ghp_collaborator_token', permission: 'write' },
];
