// Who the action writes as. GITHUB_TOKEN writes as github-actions[bot], and GET /user is refused to it (and to
// every App's installation token): then the identity is the Actions bot's, unless the workflow named the App
// whose token it is (app-slug, the create-github-app-token action's output): then it is `<slug>[bot]`, whose id
// is public.
import { statusOf, type GitHubClient } from './client.js';

export const ACTIONS_BOT = { login: 'github-actions[bot]', id: 41898282 };

export async function actionIdentity(client: GitHubClient): Promise<{ login: string; id: number }> {
  if (client.appSlug) {
    const { data } = await client.octokit.rest.users.getByUsername({ username: `${client.appSlug}[bot]` });
    return { login: data.login, id: data.id };
  }
  try {
    const { data } = await client.octokit.rest.users.getAuthenticated();
    return { login: data.login, id: data.id };
  } catch (error) {
    if (statusOf(error) === 403) return ACTIONS_BOT;
    throw error;
  }
}
