// What a commit's CI says, from its check runs and its commit statuses as GitHub lists them: still running,
// passing, failing (and which checks, with what they said), or nothing reported at all. Pure: the reading is in
// src/github/checks.ts, the waiting in ci-wait.ts.

export interface CheckRunView {
  id: number;
  name: string;
  /** Its check suite (one per workflow run): two workflows may each have a check of the same name. */
  suite?: number;
  status: string;
  conclusion: string | null;
  summary?: string;
  detailsUrl?: string;
}

export interface StatusView {
  context: string;
  state: string;
  description?: string;
  targetUrl?: string;
}

export interface FailingCheck {
  name: string;
  /** What the check said: its output's title and summary, or the status's description. */
  summary: string;
  url?: string;
  /** The GitHub Actions job behind a check run, from its details URL (its log can be read). */
  jobId?: number;
}

export type CiState = 'none' | 'pending' | 'passing' | 'failing';

export interface CiVerdict {
  state: CiState;
  /** How many checks and statuses there are. */
  total: number;
  failing: FailingCheck[];
  pending: string[];
}

/** Conclusions that do not fail a commit (GitHub's own merge box treats them as passing). */
const PASSING = new Set(['success', 'neutral', 'skipped']);

/** The Actions job id in a check run's details URL (`…/actions/runs/<run>/job/<job>`). */
export function jobIdOf(detailsUrl: string | undefined): number | undefined {
  const id = detailsUrl ? /\/actions\/runs\/\d+\/job\/(\d+)/.exec(detailsUrl)?.[1] : undefined;
  return id ? Number(id) : undefined;
}

/** The verdict of the latest check run of each name in each suite and the latest status of each context. */
export function ciVerdict(runs: CheckRunView[], statuses: StatusView[]): CiVerdict {
  const latest = new Map<string, CheckRunView>();
  for (const r of runs) {
    const key = `${r.suite ?? ''}/${r.name}`;
    const known = latest.get(key);
    if (!known || r.id > known.id) latest.set(key, r);
  }
  const failing: FailingCheck[] = [];
  const pending: string[] = [];
  for (const r of latest.values()) {
    if (r.status !== 'completed') pending.push(r.name);
    else if (!PASSING.has(r.conclusion ?? ''))
      failing.push({
        name: r.name,
        summary: `${r.conclusion ?? 'no conclusion'}${r.summary ? `: ${r.summary}` : ''}`,
        ...(r.detailsUrl ? { url: r.detailsUrl } : {}),
        ...(jobIdOf(r.detailsUrl) !== undefined ? { jobId: jobIdOf(r.detailsUrl)! } : {}),
      });
  }
  for (const s of statuses) {
    if (s.state === 'pending') pending.push(s.context);
    else if (s.state !== 'success')
      failing.push({
        name: s.context,
        summary: `${s.state}${s.description ? `: ${s.description}` : ''}`,
        ...(s.targetUrl ? { url: s.targetUrl } : {}),
      });
  }
  const total = latest.size + statuses.length;
  const state: CiState =
    total === 0 ? 'none' : pending.length > 0 ? 'pending' : failing.length > 0 ? 'failing' : 'passing';
  return { state, total, failing, pending };
}
