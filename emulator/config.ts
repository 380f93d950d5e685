// The emulator's realism knobs, all changeable at runtime (`emulator.configure`, `POST /_emulator/config`).
// The defaults are GitHub's documented limits: a test that needs more says so in its own config.

export interface ContentLimit {
  /** Content-creating requests an identity may make in any 60 s (GitHub: 80). */
  perMinute: number;
  /** … and in any hour (GitHub: 500). */
  perHour: number;
  /**
   * Whether the 403 carries `retry-after` (true, the default); false answers without it, as GitHub sometimes
   * does (a client must then wait at least a minute).
   */
  retryAfter: boolean;
}

export interface EmulatorConfig {
  /** Latency per request, fixed or a [min, max] range drawn from the seeded PRNG. */
  latencyMs: number | [number, number];
  /** Read-replica lag of reads: a GET at t shows the state as of t − lag (prefix-consistent). */
  listingLagMs: number;
  /** Extra lag drawn uniformly from [0, jitter) per request. */
  listingLagJitterMs: number;
  /** Share of API requests (0..1) that answer a random 500/502/503. */
  failureRate: number;
  /**
   * Share of writes (0..1: POST, PATCH, PUT, DELETE that worked) answered 502 or 503 although they were
   * performed, as GitHub sometimes does: a ghost write. A client that retries it writes twice.
   */
  ghostWriteRate: number;
  /**
   * The primary rate limit, counted requests per fixed window. `limit` is a Bot token's: GITHUB_TOKEN gets
   * 1,000 an hour per repository, shared by every token of the same bot identity there (an App's installation
   * token gets 5,000 or more: raise it). `userLimit` is a user's (a PAT's): 5,000 an hour per user.
   */
  rateLimit: { limit: number; windowMs: number; userLimit: number };
  /**
   * The secondary limit on creating content, per identity (the primary limit's bucket): POSTs that create a
   * comment, issue, pull request, reaction, label or ref, and edits and deletes of comments and issues (GitHub
   * counts those too). Off when undefined (`contentLimit: null` in a patch).
   */
  contentLimit?: ContentLimit | undefined;
  /** What a 'down' fault does in the HTTP server: answer 503, or reset the connection. */
  downMode: 'status' | 'reset';
  /**
   * Who may edit or delete someone else's comment: only its author ('author', the default), or also anyone
   * with write access or more ('write', which is what github.com does).
   */
  commentEditors: 'author' | 'write';
}

/** GitHub's secondary limit on content creation. */
export const DEFAULT_CONTENT_LIMIT: ContentLimit = { perMinute: 80, perHour: 500, retryAfter: true };

export const DEFAULT_CONFIG: EmulatorConfig = {
  latencyMs: 0,
  listingLagMs: 0,
  listingLagJitterMs: 0,
  failureRate: 0,
  ghostWriteRate: 0,
  rateLimit: { limit: 1_000, windowMs: 3_600_000, userLimit: 5_000 },
  contentLimit: DEFAULT_CONTENT_LIMIT,
  downMode: 'status',
  commentEditors: 'author',
};

const KEYS = Object.keys(DEFAULT_CONFIG) as (keyof EmulatorConfig)[];

/** A config patch as it may come over HTTP: `contentLimit: null` turns the secondary limit off. */
export type ConfigPatch = Partial<Omit<EmulatorConfig, 'rateLimit' | 'contentLimit'>> & {
  rateLimit?: Partial<EmulatorConfig['rateLimit']>;
  contentLimit?: Partial<ContentLimit> | null;
};

/** Merge a patch into a config; nested limits merge key by key, unknown keys are ignored. */
export function mergeConfig(base: EmulatorConfig, patch: ConfigPatch): EmulatorConfig {
  const next: EmulatorConfig = { ...base };
  for (const key of KEYS) {
    const value = patch[key];
    if (value === undefined) continue;
    if (key === 'rateLimit') next.rateLimit = { ...base.rateLimit, ...patch.rateLimit };
    else if (key === 'contentLimit')
      next.contentLimit =
        patch.contentLimit === null
          ? undefined
          : { ...DEFAULT_CONTENT_LIMIT, ...base.contentLimit, ...patch.contentLimit };
    else Object.assign(next, { [key]: value });
  }
  return next;
}

/** The config keys of an options object that may hold other things too. */
export function configKeysOf(options: object): ConfigPatch {
  const out: Record<string, unknown> = {};
  for (const key of KEYS) if (key in options) out[key] = (options as Record<string, unknown>)[key];
  return out as ConfigPatch;
}

/**
 * Patches merged into one, later ones winning key by key (nested limits too); a `contentLimit: null` turns
 * the secondary limit off until a later patch sets it again.
 */
export function mergePatches(...patches: ConfigPatch[]): ConfigPatch {
  const out: ConfigPatch = {};
  for (const patch of patches) {
    for (const key of KEYS) {
      const value = patch[key];
      if (value === undefined) continue;
      if (key === 'rateLimit') out.rateLimit = { ...out.rateLimit, ...patch.rateLimit };
      else if (key === 'contentLimit')
        out.contentLimit =
          patch.contentLimit === null ? null : { ...(out.contentLimit ?? {}), ...patch.contentLimit };
      else Object.assign(out, { [key]: value });
    }
  }
  return out;
}
