// The emulator's own control routes under /_emulator/: no auth, never faulted, lagged or counted.
//   POST /_emulator/config        JSON patch of the config → the config
//   GET  /_emulator/config        → the config
//   POST /_emulator/faults        a fault or a list of faults → { queued }
//   DELETE /_emulator/faults      clears queued faults, outages and exhausted limits
//   GET  /_emulator/stats         → stats;  POST /_emulator/reset-stats
//   GET  /_emulator/comments?issue=N → every comment of issue N with all its versions (deleted ones too)
//   POST /_emulator/issues        {title, body?, labels?, author?} → {number}
//   POST /_emulator/comments      {issue, body, login} → {id}
//   POST /_emulator/users         {login, id, type?, token, permission?, actions?: 'write'|'read'|'none'}
//                                 → the user (actions none: the Actions API answers its token 403)
//   POST /_emulator/workflow-runs {...run} → the run
//   POST /_emulator/jobs          {run_id, run_attempt?, name, runner_name?, status?, conclusion?, labels?,
//                                 head_sha?} → 201, the job as the jobs API shows it (status default
//                                 in_progress, started_at now; the run need not exist)
//   PATCH /_emulator/jobs/{id}    {status?, conclusion?} → the job (completed, or a conclusion, ends it:
//                                 conclusion default success, completed_at now); 404 for an unknown job
//   GET  /_emulator/jobs?run_id=N → every job (of run N), unlagged
//   GET  /_emulator/time          → {now} (the emulator's clock)
//   GET  /_emulator/requests      → the API requests answered, oldest first: {at, ms, method, path, login,
//                                 token, status} (the last 20,000)
import type { ConfigPatch, EmulatorConfig } from './config.js';
import type { Fault } from './faults.js';
import type { EmulatorResponse } from './http.js';
import type { EmulatedRepository, JobFields } from './repository.js';
import type { EmulatorStats } from './stats.js';
import { iso, type JobConclusion, type JobStatus } from './state.js';

/**
 * What the control routes work on: the repository's state and the emulator's own settings (GitHubEmulator, in
 * handler.ts, which calls controlRoute, is one; this module does not import it back).
 */
export interface ControlledEmulator extends EmulatedRepository {
  config: EmulatorConfig;
  configure(patch: ConfigPatch): EmulatorConfig;
  queueFaults(faults: Fault[]): void;
  pendingFaults(): Fault[];
  clearFaults(): void;
  stats(): EmulatorStats;
  resetStats(): void;
  requestLog(): unknown[];
  json(status: number, data: unknown, now?: number): EmulatorResponse;
}

export function controlRoute(
  emulator: ControlledEmulator,
  method: string,
  path: string,
  url: URL,
  body: string | undefined,
  origin = url.origin,
): EmulatorResponse {
  const now = emulator.now();
  const answer = (status: number, data: unknown): EmulatorResponse => emulator.json(status, data, now);
  let input: unknown = {};
  try {
    if (body) input = JSON.parse(body);
  } catch {
    return answer(400, { message: 'Problems parsing JSON' });
  }
  const fields = input as Record<string, unknown>;
  try {
    const jobId = /^\/_emulator\/jobs\/(\d+)$/.exec(path)?.[1];
    if (jobId !== undefined && method === 'PATCH') {
      if (!emulator.jobView(Number(jobId), origin)) return answer(404, { message: 'Not Found' });
      emulator.updateJob(Number(jobId), fields as { status?: JobStatus; conclusion?: JobConclusion | null });
      return answer(200, emulator.jobView(Number(jobId), origin));
    }
    switch (`${method} ${path}`) {
      case 'GET /_emulator/config':
        return answer(200, emulator.config);
      case 'POST /_emulator/config':
        return answer(200, emulator.configure(input as ConfigPatch));
      case 'POST /_emulator/faults':
        emulator.queueFaults((Array.isArray(input) ? input : [input]) as Fault[]);
        return answer(200, { queued: emulator.pendingFaults() });
      case 'DELETE /_emulator/faults':
        emulator.clearFaults();
        return answer(200, { queued: [] });
      case 'GET /_emulator/stats':
        return answer(200, emulator.stats());
      case 'POST /_emulator/reset-stats':
        emulator.resetStats();
        return answer(200, emulator.stats());
      case 'GET /_emulator/requests':
        return answer(200, emulator.requestLog());
      case 'GET /_emulator/time':
        return answer(200, { now, iso: iso(now) });
      case 'GET /_emulator/comments': {
        const issue = Number(url.searchParams.get('issue'));
        const history = emulator.commentHistory(issue).map((c) => ({
          ...c,
          created_at: iso(c.createdAt),
          versions: c.versions.map((v) => ({ ...v, updated_at: iso(v.at) })),
        }));
        return answer(200, history);
      }
      case 'POST /_emulator/issues':
        return answer(201, {
          number: emulator.createIssue(
            fields as { title: string; body?: string; labels?: string[]; author?: string },
          ),
        });
      case 'POST /_emulator/comments':
        return answer(201, {
          id: emulator.addComment(
            Number(fields.issue),
            String(fields.body),
            String(fields.login ?? 'maintainer'),
          ),
        });
      case 'POST /_emulator/users': {
        const { token: _token, ...shown } = emulator.addUser(
          fields as Parameters<EmulatedRepository['addUser']>[0],
        );
        return answer(201, shown);
      }
      case 'POST /_emulator/workflow-runs':
        return answer(201, emulator.addWorkflowRun(fields));
      case 'POST /_emulator/jobs': {
        const job = emulator.addJob(fields as unknown as JobFields);
        return answer(201, emulator.jobView(job.id as number, origin));
      }
      case 'GET /_emulator/jobs': {
        const run = url.searchParams.get('run_id');
        return answer(
          200,
          emulator
            .jobs(run === null ? undefined : Number(run))
            .map((j) => emulator.jobView(j.id as number, origin)),
        );
      }
      default:
        return answer(404, { message: 'Not Found' });
    }
  } catch (error) {
    return answer(400, { message: (error as Error).message });
  }
}
