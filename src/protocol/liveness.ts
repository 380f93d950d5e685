// Which nodes are gone for certain: a node's bid names its job's runner (`RUNNER_NAME`); the Actions API lists
// the run's jobs with theirs. A node whose job has completed can no longer write, nor run an agent.
import type { GoneNodes } from './decide.js';
import type { RunState } from './fold.js';

/** The fields of an Actions job that liveness rests on. */
export interface RunJob {
  id: number;
  name: string;
  runner_name: string | null;
  status: string;
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
}

/**
 * Nodes whose job has completed. A runner can serve one job after another (a self-hosted runner): the job a
 * node ran on is the one on its runner that had started by the time of the node's first comment and had not
 * completed before it (a job that ended before the node wrote was not the node's).
 */
export function goneNodes(state: RunState, jobs: readonly RunJob[]): GoneNodes {
  const gone = new Map<string, { job: number; endedAt: number }>();
  for (const node of state.nodes.values()) {
    if (!node.runner) continue;
    const candidates = jobs.filter((j) => {
      if (j.runner_name !== node.runner) return false;
      const started = j.started_at ? Date.parse(j.started_at) : Infinity;
      return started <= node.firstSeen && !(j.completed_at && Date.parse(j.completed_at) < node.firstSeen);
    });
    // Runner names need not be unique in a run (a repository's and an organisation's runner may share one):
    // two jobs that could be the node's leave it unknown, never gone.
    const job = candidates.length === 1 ? candidates[0] : undefined;
    if (job?.status === 'completed' && job.completed_at)
      gone.set(node.id, { job: job.id, endedAt: Date.parse(job.completed_at) });
  }
  return gone;
}
