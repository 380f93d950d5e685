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
