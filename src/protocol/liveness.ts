// Which nodes are gone for certain: a node's bid names its job's runner (`RUNNER_NAME`); the Actions API lists
// the run's jobs with theirs. A node whose job has completed can no longer write, nor run an agent.
import type { GoneNodes } from './decide.js';
import type { NodeInfo, RunState } from './fold.js';

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
    const job = jobOf(node, jobs);
    if (job?.status === 'completed' && job.completed_at)
      gone.set(node.id, { job: job.id, endedAt: Date.parse(job.completed_at) });
  }
  return gone;
}

/**
 * Nodes whose job is running: a silent one may be sitting out a limit GitHub gave it alone
 * (protocol/hearing.ts). Matched to their jobs as `goneNodes` does.
 */
export function runningNodes(state: RunState, jobs: readonly RunJob[]): Set<string> {
  const running = new Set<string>();
  for (const node of state.nodes.values())
    if (jobOf(node, jobs)?.status === 'in_progress') running.add(node.id);
  return running;
}

/** The job a node runs in, when exactly one of the listed jobs can be it. */
function jobOf(node: NodeInfo, jobs: readonly RunJob[]): RunJob | undefined {
  if (!node.runner) return undefined;
  const candidates = jobs.filter((j) => {
    if (j.runner_name !== node.runner) return false;
    const started = j.started_at ? Date.parse(j.started_at) : Infinity;
    return started <= node.firstSeen && !(j.completed_at && Date.parse(j.completed_at) < node.firstSeen);
  });
  // Runner names need not be unique in a run (a repository's and an organisation's runner may share one):
  // two jobs that could be the node's leave it unknown, never gone.
  return candidates.length === 1 ? candidates[0] : undefined;
}
