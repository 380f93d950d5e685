// Waiting for a pushed commit's CI to settle: its checks read every CI_POLL_MS (a free 304 while nothing
// changed) until every check has ended, until CI_NONE_GRACE_MS has passed with none reported at all (the
// repository runs no CI on the branch), or until the wait's limit (`ci-timeout-min`). A token whose pushes start
// no workflow (GITHUB_TOKEN's) is not waited for: that is said once, and the run goes on.
import { getErrorMessage } from '../errors.js';
import type { CiReading } from '../github/checks.js';
import { ciVerdict, type CiVerdict } from './ci-verdict.js';

/** How often a commit's checks are read while some are still running. */
export const CI_POLL_MS = 15_000;
/** How long a commit with no check and no status at all is watched before it is taken to have no CI. */
export const CI_NONE_GRACE_MS = 120_000;

export type CiResult =
  | { state: 'passing' | 'failing'; verdict: CiVerdict; waitedMs: number }
  | { state: 'none'; waitedMs: number }
  | { state: 'timed-out'; verdict: CiVerdict; waitedMs: number }
  | { state: 'not-run'; why: string }
  | { state: 'unreadable'; why: string; waitedMs: number };

/** The identity GITHUB_TOKEN writes as: GitHub starts no workflow for what it pushes. */
export const startsNoWorkflows = (login: string): boolean => login === 'github-actions[bot]';

export async function waitForCi(
  ci: { read(): Promise<CiReading> },
  o: {
    timeoutMs: number;
    now: () => number;
    sleep: (ms: number) => Promise<void>;
    log: { info(m: string): void; warning(m: string): void };
    pollMs?: number;
    noneGraceMs?: number;
  },
): Promise<CiResult> {
  const start = o.now();
  const pollMs = o.pollMs ?? CI_POLL_MS;
  const grace = Math.min(o.noneGraceMs ?? CI_NONE_GRACE_MS, o.timeoutMs);
  let verdict: CiVerdict = ciVerdict([], []);
  let readError: string | undefined;
  // Passing only when seen twice in a row: a second workflow's checks may start a moment after the first's end.
  let passingSeen = false;
  for (;;) {
    try {
      const reading = await ci.read();
      verdict = ciVerdict(reading.runs, reading.statuses);
      readError = reading.errors[0];
    } catch (error) {
      readError = getErrorMessage(error);
      o.log.warning(`could not read the checks: ${readError}`);
    }
    const waitedMs = o.now() - start;
    if (verdict.state === 'failing') return { state: 'failing', verdict, waitedMs };
    if (verdict.state === 'passing' && (passingSeen || waitedMs >= o.timeoutMs))
      return { state: 'passing', verdict, waitedMs };
    passingSeen = verdict.state === 'passing';
    if (verdict.state === 'none' && waitedMs >= grace)
      return readError ? { state: 'unreadable', why: readError, waitedMs } : { state: 'none', waitedMs };
    if (waitedMs >= o.timeoutMs) return { state: 'timed-out', verdict, waitedMs };
    await o.sleep(Math.min(pollMs, Math.max(0, o.timeoutMs - waitedMs)));
  }
}
