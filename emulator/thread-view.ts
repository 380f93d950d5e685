// The emulator's current comments of an issue in the shape the fold reads.
import type { GitHubEmulator } from './handler.js';
import type { ThreadComment } from '../src/protocol/thread-comment.js';
import { iso } from './state.js';

export function threadOf(emulator: GitHubEmulator, issue: number): ThreadComment[] {
  return emulator.listComments(issue).map((c) => {
    const user = emulator.store.userByLogin(c.login)!;
    return {
      id: c.id,
      body: c.body,
      user: { login: user.login, id: user.id, type: user.type },
      created_at: iso(c.createdAt),
      updated_at: iso(c.updatedAt),
    };
  });
}
