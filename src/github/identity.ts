// Who the action writes as. GITHUB_TOKEN writes as github-actions[bot], and GET /user is refused to it (and to
// app tokens): then the identity is the Actions bot's.
import { statusOf, type GitHubClient } from './client.js';

export const ACTIONS_BOT = { login: 'github-actions[bot]', id: 41898282 };

export async function actionIdentity(client: GitHubClient): Promise<{ login: string; id: number }> {
  try {
    const { data } = await client.octokit.rest.users.getAuthenticated();
    return { login: data.login, id: data.id };
  } catch (error) {
    if (statusOf(error) === 403) return ACTIONS_BOT;
    throw error;
  }
}
