// The emulator's own control routes under /_emulator/: no auth, never faulted, lagged or counted.
//   POST /_emulator/config        JSON patch of the config → the config
//   GET  /_emulator/config        → the config
//   POST /_emulator/faults        a fault or a list of faults → { queued }
//   DELETE /_emulator/faults      clears queued faults, outages and exhausted limits
//   GET  /_emulator/stats         → stats;  POST /_emulator/reset-stats
//   GET  /_emulator/comments?issue=N → every comment of issue N with all its versions (deleted ones too)
//   POST /_emulator/issues        {title, body?, labels?, author?} → {number}
//   POST /_emulator/comments      {issue, body, login} → {id}
//   POST /_emulator/users         {login, id, type?, token, permission?, actions?: 'write'|'read'|'none',
//                                 startsWorkflows?} → the user (actions none: the Actions API answers its
//                                 token 403; startsWorkflows default true, but false for github-actions[bot])
//   POST /_emulator/workflow-runs {...run} → the run
//   POST /_emulator/jobs          {run_id, run_attempt?, name, runner_name?, status?, conclusion?, labels?,
//                                 head_sha?} → 201, the job as the jobs API shows it (status default
//                                 in_progress, started_at now; the run need not exist)
//   PATCH /_emulator/jobs/{id}    {status?, conclusion?} → the job (completed, or a conclusion, ends it:
//                                 conclusion default success, completed_at now); 404 for an unknown job
//   GET  /_emulator/jobs?run_id=N → every job (of run N), unlagged; a job may be given a `log` (text)
//   GET  /_emulator/job-logs/{id} → the job's log, text/plain (where GET …/actions/jobs/{id}/logs redirects;
//                                 no token needed, as GitHub's signed URL); 404 for an unknown job
//   POST /_emulator/check-runs    {ref (a sha or a branch), name, status?, conclusion?, output?: {title?,
//                                 summary?, text?}, log?, details_url?, app?, delayMs?} → 201, the check run
//                                 (a conclusion completes it; default in_progress). With a log it is an
//                                 Actions job's: a job with that log, of the same id, details_url its page
//                                 (<origin>/{owner}/{repo}/actions/runs/{run_id}/job/{job_id})
//   PATCH /_emulator/check-runs/{id} {status?, conclusion?, output?} → the check run (and its job) moved on
//   GET  /_emulator/check-runs?ref=R → every check run (of R's commit), unlagged, oldest first
//   POST /_emulator/statuses      {ref, context?, state, description?, target_url?, login?} → 201, the status
//   POST /_emulator/reviews       {pull, login (a known user), state, body?, commit_id?, comments? ([{path,
//                                 line?, body}] on lines of the diff)} → 201, the review
//   POST /_emulator/ci            {branch (a glob: `p2p/*`, `p2p/**`, or a prefix `p2p/`), name, outcomes
//                                 (one conclusion per push of a branch, in order; the last repeats), summary?,
//                                 log? (each a string, or one per push), delayMs? (in_progress that long on
//                                 the emulator's clock), tokens? (whose pushes start it; default every token
//                                 of a user that starts workflows: not github-actions[bot]'s, unless a user is
//                                 added with startsWorkflows)} → 201, the rule. A push (git's receive-pack, or
//                                 POST /_emulator/pushes) that updates a matching branch gets its check run.
//   GET  /_emulator/ci            → the rules, with the pushes each has seen per branch
//   POST /_emulator/pushes        {branch, sha, token?} → 201, the check runs the push started (a push told
//                                 without git; git's own pushes are told by themselves)
//   GET  /_emulator/time          → {now} (the emulator's clock)
//   GET  /_emulator/requests      → the API requests answered, oldest first: {at, ms, method, path, login,
//                                 token, status} (the last 20,000)
import type { ConfigPatch, EmulatorConfig } from './config.js';
import type { Fault } from './faults.js';
import type { EmulatorResponse } from './http.js';
import type { CheckRunFields, CiRuleFields, Push } from './ci.js';
import type { EmulatedRepository, JobFields, ReviewFields, StatusFields } from './repository.js';
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
    const logId = /^\/_emulator\/job-logs\/(\d+)$/.exec(path)?.[1];
    if (logId !== undefined && method === 'GET') {
      const log = emulator.jobLog(Number(logId));
      if (log === undefined) return answer(404, { message: 'Not Found' });
      const plain = answer(200, null);
      return {
        ...plain,
        headers: { ...plain.headers, 'content-type': 'text/plain; charset=utf-8' },
        body: log,
      };
    }
    const checkId = /^\/_emulator\/check-runs\/(\d+)$/.exec(path)?.[1];
    if (checkId !== undefined && method === 'PATCH') {
      if (!emulator.checkRunView(Number(checkId))) return answer(404, { message: 'Not Found' });
      return answer(200, emulator.updateCheckRun(Number(checkId), fields, origin));
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
      case 'POST /_emulator/check-runs':
        return answer(201, emulator.addCheckRun(fields as unknown as CheckRunFields, origin));
      case 'GET /_emulator/check-runs': {
        const ref = url.searchParams.get('ref');
        return answer(200, emulator.checkRuns(ref ?? undefined, origin));
      }
      case 'POST /_emulator/statuses':
        return answer(201, emulator.addStatus(fields as unknown as StatusFields, origin));
      case 'POST /_emulator/reviews':
        return answer(201, emulator.addReview(fields as unknown as ReviewFields, origin));
      case 'POST /_emulator/ci':
        return answer(201, emulator.addCiRule(fields as unknown as CiRuleFields));
      case 'GET /_emulator/ci':
        return answer(200, emulator.ciRules());
      case 'POST /_emulator/pushes':
        return answer(201, emulator.recordPush(fields as unknown as Push, origin));
      default:
        return answer(404, { message: 'Not Found' });
    }
  } catch (error) {
    return answer(400, { message: (error as Error).message });
  }
}
