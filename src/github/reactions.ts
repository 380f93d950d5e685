// Reactions on comments: the trigger's 🚀 on a comment that starts a run.
import type { GitHubClient } from './client.js';

export async function reactToComment(
  client: GitHubClient,
  commentId: number,
  content: 'rocket',
): Promise<void> {
  await client.octokit.rest.reactions.createForIssueComment({
    owner: client.owner,
    repo: client.repo,
    comment_id: commentId,
    content,
  });
}
