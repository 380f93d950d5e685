// Check runs as tests make them, and the CI rules that make them when a push updates a branch: a rule's n-th
// firing on a branch concludes with its n-th outcome (the last repeats), after `delayMs` on the emulator's clock.
// A check run with a log is an Actions job's: the job is added with that log, and the check run takes its id
// (as on GitHub, where a job's check_run_url is the check run of the same id).
import {
  branchMatches,
  checkConclusion,
  nth,
  SHA,
  type CheckOutput,
  type CheckSnapshot,
  type CiRule,
  type StoredCheckRun,
} from './checks-state.js';
import { nextStatus, type JobConclusion, type JobStatus, type StoredJob } from './job-state.js';
import { startsWorkflows, type Store } from './state.js';

/** A check run to add: the fields of `POST /_emulator/check-runs`. */
export interface CheckRunFields {
  /** A sha or a branch. */
  ref: string;
  name: string;
  /** Default in_progress, or completed when a conclusion is given. */
  status?: JobStatus;
  conclusion?: JobConclusion | null;
  output?: Partial<CheckOutput>;
  /** Makes it an Actions job's check run: a job with this log, its page the details_url. */
  log?: string;
  /** For a check run that is no job's. */
  details_url?: string;
  /** The app's slug (default github-actions). */
  app?: string;
  /** Stays in_progress this long, then completes with `conclusion` (default success). */
  delayMs?: number;
  /** The branch the job ran for (default: `ref` when it is a branch, else main). */
  branch?: string;
}

/** A CI rule to add: the fields of `POST /_emulator/ci`. */
export interface CiRuleFields {
  branch: string;
  name: string;
  outcomes: JobConclusion[];
  summary?: string | string[];
  log?: string | string[];
  delayMs?: number;
  tokens?: string[];
}

/** A push the emulator is told of: git's receive-pack (server.ts), or a test's `recordPush`. */
export interface Push {
  branch: string;
  sha: string;
  /** The token it was made with; absent, it starts workflows like a user's. */
  token?: string;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function snapshotOf(status: JobStatus, conclusion: JobConclusion | null, at: number): CheckSnapshot {
  const completed = status === 'completed';
  return {
    at,
    status,
    conclusion: completed ? (conclusion ?? 'success') : null,
    completedAt: completed ? at : null,
  };
}

export function addCheckRun(store: Store, fields: CheckRunFields, now: number): StoredCheckRun {
  if (typeof fields.name !== 'string' || fields.name === '') throw new Error('emulator: name is required');
  const ref = String(fields.ref ?? '');
  const sha = store.checks.resolve(ref);
  if (!sha) throw new Error(`emulator: no commit for ref ${JSON.stringify(ref)}`);
  const delay = Number(fields.delayMs ?? 0);
  if (!Number.isFinite(delay) || delay < 0) throw new Error('emulator: delayMs must be 0 or more');
  if (fields.conclusion != null) checkConclusion(fields.conclusion);
  const status = delay > 0 ? 'in_progress' : nextStatus(fields, 'in_progress');
  const first = snapshotOf(status, delay > 0 ? null : (fields.conclusion ?? null), now);
  const output: CheckOutput = {
    title: text(fields.output?.title),
    summary: text(fields.output?.summary),
    text: text(fields.output?.text),
  };
  let job: StoredJob | undefined;
  if (fields.log !== undefined) {
    const branch = fields.branch ?? (ref === sha ? 'main' : ref.replace(/^(refs\/)?heads\//, ''));
    job = store.addJob(
      {
        runId: store.checks.runId(),
        name: fields.name,
        runnerName: 'GitHub Actions 1',
        status: first.status,
        conclusion: first.conclusion,
        headSha: sha,
        headBranch: branch,
        workflowName: 'CI',
        log: String(fields.log),
      },
      now,
    );
  }
  const app = job ? 'github-actions' : (fields.app ?? 'github-actions');
  const run: StoredCheckRun = {
    id: job ? job.id : store.checks.checkRunId(),
    name: fields.name,
    headSha: sha,
    app,
    suiteId: store.checks.suiteOf(sha, app),
    createdAt: now,
    output,
    ...(job ? { job: { runId: job.runId, id: job.id } } : {}),
    ...(!job && typeof fields.details_url === 'string' ? { detailsUrl: fields.details_url } : {}),
    history: [first],
  };
  store.checks.checkRuns.push(run);
  // A delayed completion is written ahead, at its time: reads before it see the run in progress.
  if (delay > 0) updateCheckRun(store, run, { conclusion: fields.conclusion ?? 'success' }, now + delay);
  return run;
}

/**
 * Move a check run (and its job) on: a conclusion completes it (completed alone concludes success). A completion
 * scheduled after `now` is dropped: what a test says now overrides it.
 */
export function updateCheckRun(
  store: Store,
  run: StoredCheckRun,
  patch: { status?: JobStatus; conclusion?: JobConclusion | null; output?: Partial<CheckOutput> },
  now: number,
): StoredCheckRun {
  run.history = run.history.filter((s, i) => i === 0 || s.at <= now);
  const last = run.history[run.history.length - 1]!;
  const status = nextStatus(patch, last.status);
  const next = snapshotOf(status, patch.conclusion ?? last.conclusion, now);
  if (last.completedAt !== null && status === 'completed') next.completedAt = last.completedAt;
  run.history.push(next);
  for (const key of ['title', 'summary', 'text'] as const)
    if (patch.output && key in patch.output) run.output[key] = text(patch.output[key]);
  const job = run.job && store.jobs.find((j) => j.id === run.job!.id);
  if (job) {
    job.history = job.history.filter((s, i) => i === 0 || s.at <= now);
    store.updateJob(job, { status: next.status, conclusion: next.conclusion }, now);
  }
  return run;
}

export function addCiRule(store: Store, fields: CiRuleFields): CiRule {
  if (typeof fields.branch !== 'string' || fields.branch === '')
    throw new Error('emulator: branch is required');
  if (typeof fields.name !== 'string' || fields.name === '') throw new Error('emulator: name is required');
  if (!Array.isArray(fields.outcomes) || fields.outcomes.length === 0)
    throw new Error('emulator: outcomes must list at least one conclusion');
  const delay = Number(fields.delayMs ?? 0);
  if (!Number.isFinite(delay) || delay < 0) throw new Error('emulator: delayMs must be 0 or more');
  if (fields.tokens !== undefined && !Array.isArray(fields.tokens))
    throw new Error('emulator: tokens must be a list of tokens');
  const rule: CiRule = {
    branch: fields.branch,
    name: fields.name,
    outcomes: fields.outcomes.map(checkConclusion),
    ...(fields.summary !== undefined ? { summary: fields.summary } : {}),
    ...(fields.log !== undefined ? { log: fields.log } : {}),
    delayMs: delay,
    ...(fields.tokens !== undefined ? { tokens: fields.tokens.map(String) } : {}),
    pushes: new Map(),
  };
  store.checks.rules.push(rule);
  return rule;
}

/** Whether a push with `token` starts the rule's workflow. */
function starts(store: Store, rule: CiRule, token: string | undefined): boolean {
  if (rule.tokens) return token !== undefined && rule.tokens.includes(token);
  if (token === undefined) return true;
  const user = store.userByToken(token);
  return user !== undefined && startsWorkflows(user);
}

/**
 * A push updated `branch` to `sha`: remember the head, and make each matching rule's check run (in the order
 * the rules were added) for a push whose token starts workflows. Returns the check runs made.
 */
export function recordPush(store: Store, push: Push, now: number): StoredCheckRun[] {
  if (typeof push.branch !== 'string' || push.branch === '') throw new Error('emulator: branch is required');
  if (typeof push.sha !== 'string' || !SHA.test(push.sha))
    throw new Error('emulator: sha must be a commit sha (40 hex digits)');
  store.checks.branches.set(push.branch, push.sha.toLowerCase());
  const made: StoredCheckRun[] = [];
  for (const rule of store.checks.rules) {
    if (!branchMatches(rule.branch, push.branch) || !starts(store, rule, push.token)) continue;
    const n = rule.pushes.get(push.branch) ?? 0;
    rule.pushes.set(push.branch, n + 1);
    const conclusion = nth(rule.outcomes, n)!;
    const summary = nth(rule.summary, n);
    made.push(
      addCheckRun(
        store,
        {
          ref: push.sha,
          branch: push.branch,
          name: rule.name,
          conclusion,
          ...(rule.delayMs > 0 ? { delayMs: rule.delayMs } : { status: 'completed' as const }),
          ...(summary !== undefined ? { output: { summary } } : {}),
          log:
            nth(rule.log, n) ?? `${rule.name} on ${push.branch} (${push.sha.slice(0, 7)}): ${conclusion}\n`,
        },
        now,
      ),
    );
  }
  return made;
}

/** The rule as the control route shows it. */
export function ruleJson(rule: CiRule): Record<string, unknown> {
  const { pushes, ...rest } = rule;
  return { ...rest, pushes: Object.fromEntries(pushes) };
}
