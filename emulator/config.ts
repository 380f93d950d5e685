// The emulator's realism knobs, all changeable at runtime (`emulator.configure`, `POST /_emulator/config`).

export interface EmulatorConfig {
  /** Latency per request, fixed or a [min, max] range drawn from the seeded PRNG. */
  latencyMs: number | [number, number];
  /** Read-replica lag of reads: a GET at t shows the state as of t − lag (prefix-consistent). */
  listingLagMs: number;
  /** Extra lag drawn uniformly from [0, jitter) per request. */
  listingLagJitterMs: number;
  /** Share of API requests (0..1) that answer a random 500/502/503. */
  failureRate: number;
  /** Primary rate limit per repository (Bot tokens, like GITHUB_TOKEN) or per user, over a fixed window. */
  rateLimit: { limit: number; windowMs: number };
  /** Secondary limit on content-creating POSTs (comments, issues, pulls, reactions); off when undefined. */
  contentLimit?: { perMinute: number; perHour: number } | undefined;
  /** What a 'down' fault does in the HTTP server: answer 503, or reset the connection. */
  downMode: 'status' | 'reset';
  /**
   * Who may edit or delete someone else's comment: only its author ('author', the default), or also anyone
   * with write access or more ('write', which is what github.com does).
   */
  commentEditors: 'author' | 'write';
}

export const DEFAULT_CONFIG: EmulatorConfig = {
  latencyMs: 0,
  listingLagMs: 0,
  listingLagJitterMs: 0,
  failureRate: 0,
  rateLimit: { limit: 1_000_000, windowMs: 3_600_000 },
  downMode: 'status',
  commentEditors: 'author',
};

const KEYS = [...Object.keys(DEFAULT_CONFIG), 'contentLimit'] as (keyof EmulatorConfig)[];

/** A config patch as it may come over HTTP: `contentLimit: null` turns the secondary limit off. */
export type ConfigPatch = Partial<Omit<EmulatorConfig, 'rateLimit' | 'contentLimit'>> & {
  rateLimit?: Partial<EmulatorConfig['rateLimit']>;
  contentLimit?: Partial<NonNullable<EmulatorConfig['contentLimit']>> | null;
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
          : { perMinute: 80, perHour: 500, ...base.contentLimit, ...patch.contentLimit };
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
