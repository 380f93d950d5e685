// Workflow jobs as the store keeps them: their statuses and conclusions, every state a job has had (for lagged
// reads), how a patch moves a job on, and the stand-in head sha of a run the store does not know.

export type JobStatus = 'queued' | 'in_progress' | 'completed';
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'in_progress', 'completed'];
export const JOB_CONCLUSIONS = [
  'success',
  'failure',
  'cancelled',
  'skipped',
  'neutral',
  'timed_out',
  'action_required',
] as const;
export type JobConclusion = (typeof JOB_CONCLUSIONS)[number];

export interface JobSnapshot {
  at: number;
  status: JobStatus;
  conclusion: JobConclusion | null;
  startedAt: number;
  completedAt: number | null;
}

/** A job of a workflow run; its run need not be known to the store (jobs are kept by run id). */
export interface StoredJob {
  id: number;
  runId: number;
  runAttempt: number;
  name: string;
  /** The runner's `RUNNER_NAME` (shown once the job is no longer queued, as on GitHub). */
  runnerName: string | null;
  runnerId: number;
  labels: string[];
  headSha: string;
  headBranch: string;
  workflowName: string;
  createdAt: number;
  /** Every state the job has had, oldest first (for lagged reads). */
  history: JobSnapshot[];
  /** The job's log, as its logs URL serves it (plain text). */
  log?: string;
}

/** The status a job's patch leads to (a conclusion alone completes it); throws for one that makes no sense. */
export function nextStatus(
  patch: { status?: JobStatus; conclusion?: JobConclusion | null },
  current: JobStatus,
): JobStatus {
  if (patch.status !== undefined && !JOB_STATUSES.includes(patch.status))
    throw new Error(`emulator: status must be one of ${JOB_STATUSES.join(', ')}`);
  if (patch.conclusion != null && !JOB_CONCLUSIONS.includes(patch.conclusion))
    throw new Error(`emulator: conclusion must be one of ${JOB_CONCLUSIONS.join(', ')}`);
  const status = patch.status ?? (patch.conclusion ? 'completed' : current);
  if (status !== 'completed' && patch.conclusion)
    throw new Error(`emulator: a ${status} job has no conclusion`);
  return status;
}

/** A commit sha that stands in for a run's head, the same for the same run. */
export function fakeSha(runId: number): string {
  let h = runId >>> 0;
  let out = '';
  while (out.length < 40) {
    h = (Math.imul(h ^ (h >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 40);
}
