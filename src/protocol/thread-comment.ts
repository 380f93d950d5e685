/** A comment of the coordination issue, as the fold needs it (a subset of GitHub's issue comment). */
export interface ThreadComment {
  id: number;
  body: string;
  user: { login: string; id: number; type?: string } | null;
  created_at: string;
  updated_at: string;
  html_url?: string;
  /** GitHub's author_association (OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE, …), when known. */
  author_association?: string;
}

/** Who may write protocol messages: the action's own identity, and any extra trusted logins. */
export interface Trust {
  /** Numeric account ids (cannot be taken over by renaming). */
  ids: ReadonlySet<number>;
  /** Logins, compared case-insensitively. */
  logins: ReadonlySet<string>;
}

export function makeTrust(
  identity: { login: string; id: number } | undefined,
  extraLogins: string[] = [],
): Trust {
  return {
    ids: new Set(identity ? [identity.id] : []),
    logins: new Set(extraLogins.map((l) => l.toLowerCase())),
  };
}

export function isTrusted(trust: Trust, user: ThreadComment['user']): boolean {
  if (!user) return false;
  return trust.ids.has(user.id) || trust.logins.has(user.login.toLowerCase());
}

/**
 * The earliest comment (by creation, then id) written by the action's identity (or a trusted author) whose
 * body `read` accepts, with what it read: how the run's own checklist and stop beacon are found, so that one
 * anyone else wrote is neither believed nor edited.
 */
export function earliestTrusted<T>(
  comments: readonly ThreadComment[],
  trust: Trust,
  read: (body: string) => T | undefined,
): { comment: ThreadComment; value: T } | undefined {
  let found: { comment: ThreadComment; value: T } | undefined;
  for (const comment of comments) {
    if (!isTrusted(trust, comment.user)) continue;
    if (found && !createdBefore(comment, found.comment)) continue;
    const value = read(comment.body);
    if (value !== undefined) found = { comment, value };
  }
  return found;
}

function createdBefore(a: ThreadComment, b: ThreadComment): boolean {
  const d = Date.parse(a.created_at) - Date.parse(b.created_at);
  return d < 0 || (d === 0 && a.id < b.id);
}
