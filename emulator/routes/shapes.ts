// The JSON GitHub answers with, for users, issues, comments, pull requests, reactions, labels, jobs, check
// runs, commit statuses and reviews.
import type { CheckSnapshot, StoredCheckRun, StoredReview, StoredStatus } from '../checks-state.js';
import {
  iso,
  type CommentVersion,
  type JobSnapshot,
  type Label,
  type Reaction,
  type StoredComment,
  type StoredIssue,
  type StoredJob,
  type Store,
  type User,
} from '../state.js';
import { HTML, type RouteContext } from './context.js';

export function userJson(u: User): Record<string, unknown> {
  return {
    login: u.login,
    id: u.id,
    node_id: `${u.type === 'Bot' ? 'BOT' : 'U'}_${u.id}`,
    avatar_url: `https://avatars.github.example/u/${u.id}?v=4`,
    html_url: `${HTML}/${u.type === 'Bot' ? `apps/${u.login.replace(/\[bot\]$/, '')}` : u.login}`,
    type: u.type,
    site_admin: false,
  };
}

function association(ctx: { owner: string }, u: User): string {
  if (u.login.toLowerCase() === ctx.owner.toLowerCase()) return 'OWNER';
  if (u.type === 'Bot') return 'NONE';
  if (u.permission === 'admin' || u.permission === 'maintain') return 'MEMBER';
  if (u.permission === 'write' || u.permission === 'triage') return 'COLLABORATOR';
  return 'NONE';
}

const api = (ctx: RouteContext, path: string): string =>
  `${ctx.origin}/repos/${ctx.owner}/${ctx.repo}${path}`;

export function commentJson(ctx: RouteContext, c: StoredComment, v: CommentVersion): Record<string, unknown> {
  return {
    id: c.id,
    node_id: `IC_${c.id}`,
    url: api(ctx, `/issues/comments/${c.id}`),
    html_url: `${HTML}/${ctx.owner}/${ctx.repo}/issues/${c.issue}#issuecomment-${c.id}`,
    issue_url: api(ctx, `/issues/${c.issue}`),
    body: v.body,
    user: userJson(c.user),
    created_at: iso(c.createdAt),
    updated_at: iso(v.at),
    author_association: association(ctx, c.user),
    reactions: reactionSummary(ctx, `comments/${c.id}`),
  };
}

export function labelJson(l: Label): Record<string, unknown> {
  return { id: l.id, node_id: `LA_${l.id}`, name: l.name, color: l.color, default: false, description: null };
}

/** An issue (or the issue side of a pull request) as seen at `at`. */
export function issueJson(ctx: RouteContext, i: StoredIssue, at: number): Record<string, unknown> {
  const s = ctx.store.issueAt(i, at);
  const visible = ctx.store.commentsAt(i.number, at);
  const updated = Math.max(s.at, ...visible.map((x) => x.version.at));
  const kind = i.pull ? 'pull' : 'issues';
  return {
    id: 500_000 + i.number,
    node_id: `I_${i.number}`,
    number: i.number,
    url: api(ctx, `/issues/${i.number}`),
    html_url: `${HTML}/${ctx.owner}/${ctx.repo}/${kind}/${i.number}`,
    title: s.title,
    body: s.body,
    state: s.state,
    state_reason: s.state === 'closed' ? 'completed' : null,
    user: userJson(i.user),
    labels: s.labels.map((name) => labelJson(ctx.store.label(name))),
    comments: visible.length,
    locked: false,
    author_association: association(ctx, i.user),
    created_at: iso(i.createdAt),
    updated_at: iso(updated),
    closed_at: s.state === 'closed' ? iso(s.at) : null,
    ...(i.pull ? { pull_request: { url: api(ctx, `/pulls/${i.number}`) }, draft: i.pull.draft } : {}),
  };
}

export function pullJson(ctx: RouteContext, i: StoredIssue): Record<string, unknown> {
  const pull = i.pull!;
  return {
    id: 700_000 + i.number,
    node_id: `PR_${i.number}`,
    number: i.number,
    url: api(ctx, `/pulls/${i.number}`),
    html_url: `${HTML}/${ctx.owner}/${ctx.repo}/pull/${i.number}`,
    state: i.state,
    title: i.title,
    body: i.body,
    draft: pull.draft,
    user: userJson(i.user),
    labels: i.labels.map((name) => labelJson(ctx.store.label(name))),
    head: {
      ref: pull.head,
      label: `${ctx.owner}:${pull.head}`,
      repo: { full_name: `${ctx.owner}/${ctx.repo}` },
    },
    base: {
      ref: pull.base,
      label: `${ctx.owner}:${pull.base}`,
      repo: { full_name: `${ctx.owner}/${ctx.repo}` },
    },
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
    merged: false,
  };
}

export function reactionJson(r: Reaction): Record<string, unknown> {
  return {
    id: r.id,
    node_id: `REA_${r.id}`,
    user: userJson(r.user),
    content: r.content,
    created_at: iso(r.createdAt),
  };
}

const REACTION_KEYS = ['+1', '-1', 'laugh', 'hooray', 'confused', 'heart', 'rocket', 'eyes'] as const;
export const REACTIONS: readonly string[] = REACTION_KEYS;

function reactionSummary(ctx: RouteContext, subject: string): Record<string, unknown> {
  const of = ctx.store.reactions.filter((r) => r.subject === subject && r.createdAt <= ctx.readAt);
  const summary: Record<string, unknown> = {
    url: api(ctx, `/issues/${subject}/reactions`),
    total_count: of.length,
  };
  for (const key of REACTION_KEYS) summary[key] = of.filter((r) => r.content === key).length;
  return summary;
}

/** A workflow job as `GET /repos/{o}/{r}/actions/runs/{id}/jobs` shows it, in state `s`. */
export function jobJson(
  where: { origin: string; owner: string; repo: string },
  job: StoredJob,
  s: JobSnapshot,
): Record<string, unknown> {
  const api = `${where.origin}/repos/${where.owner}/${where.repo}`;
  // A queued job has no runner yet.
  const onRunner = s.status !== 'queued' && job.runnerName !== null;
  return {
    id: job.id,
    run_id: job.runId,
    run_url: `${api}/actions/runs/${job.runId}`,
    run_attempt: job.runAttempt,
    node_id: `CR_${job.id}`,
    head_sha: job.headSha,
    head_branch: job.headBranch,
    url: `${api}/actions/jobs/${job.id}`,
    html_url: `${HTML}/${where.owner}/${where.repo}/actions/runs/${job.runId}/job/${job.id}`,
    status: s.status,
    conclusion: s.conclusion,
    created_at: iso(job.createdAt),
    started_at: iso(s.startedAt),
    completed_at: s.completedAt === null ? null : iso(s.completedAt),
    name: job.name,
    steps: [],
    check_run_url: `${api}/check-runs/${job.id}`,
    labels: [...job.labels],
    runner_id: onRunner ? job.runnerId : null,
    runner_name: onRunner ? job.runnerName : null,
    runner_group_id: onRunner ? 1 : null,
    runner_group_name: onRunner ? 'GitHub Actions' : null,
    workflow_name: job.workflowName,
  };
}

/** Where a shape's URLs point and what it is read from: a RouteContext, or the repository's own views. */
export interface Where {
  origin: string;
  owner: string;
  repo: string;
  store: Store;
}

const APPS: Record<string, { id: number; name: string }> = {
  'github-actions': { id: 15368, name: 'GitHub Actions' },
};

function appJson(slug: string): Record<string, unknown> {
  const app = APPS[slug] ?? {
    id: 100_000 + [...slug].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 900_000, 0),
    name: slug,
  };
  return {
    id: app.id,
    slug,
    node_id: `A_${app.id}`,
    name: app.name,
    owner: { login: 'github', id: 9919, type: 'Organization' },
    html_url: `${HTML}/apps/${slug}`,
  };
}

/** A check run as `GET /repos/{o}/{r}/commits/{ref}/check-runs` shows it, in state `s`. */
export function checkRunJson(where: Where, run: StoredCheckRun, s: CheckSnapshot): Record<string, unknown> {
  const api = `${where.origin}/repos/${where.owner}/${where.repo}`;
  const jobPath = run.job && `/${where.owner}/${where.repo}/actions/runs/${run.job.runId}/job/${run.job.id}`;
  const pulls = [...where.store.issues.values()].filter(
    (i) => i.pull && i.state === 'open' && where.store.checks.resolve(i.pull.head) === run.headSha,
  );
  return {
    id: run.id,
    name: run.name,
    node_id: `CR_${run.id}`,
    head_sha: run.headSha,
    external_id: '',
    url: `${api}/check-runs/${run.id}`,
    html_url: jobPath ? `${HTML}${jobPath}` : `${HTML}/${where.owner}/${where.repo}/runs/${run.id}`,
    details_url: jobPath ? `${where.origin}${jobPath}` : (run.detailsUrl ?? null),
    status: s.status,
    conclusion: s.conclusion,
    started_at: iso(run.createdAt),
    completed_at: s.completedAt === null ? null : iso(s.completedAt),
    output: {
      ...run.output,
      annotations_count: 0,
      annotations_url: `${api}/check-runs/${run.id}/annotations`,
    },
    check_suite: { id: run.suiteId },
    app: appJson(run.app),
    pull_requests: pulls.map((i) => ({
      id: 700_000 + i.number,
      number: i.number,
      url: `${api}/pulls/${i.number}`,
      head: { ref: i.pull!.head, sha: run.headSha },
      base: { ref: i.pull!.base, sha: where.store.checks.resolve(i.pull!.base) ?? null },
    })),
  };
}

/** A commit status as the combined status lists it (and as `POST /statuses/{sha}` answers, with its creator). */
export function statusJson(where: Where, s: StoredStatus, withCreator = false): Record<string, unknown> {
  const creator = s.creator;
  return {
    url: `${where.origin}/repos/${where.owner}/${where.repo}/statuses/${s.sha}`,
    avatar_url: `https://avatars.github.example/u/${creator.id}?v=4`,
    id: s.id,
    node_id: `SC_${s.id}`,
    state: s.state,
    description: s.description,
    target_url: s.targetUrl,
    context: s.context,
    created_at: iso(s.createdAt),
    updated_at: iso(s.createdAt),
    ...(withCreator ? { creator: userJson(creator) } : {}),
  };
}

/** A pull request review as `GET /repos/{o}/{r}/pulls/{n}/reviews` lists it. */
export function reviewJson(where: Where, r: StoredReview): Record<string, unknown> {
  const user = r.user;
  const html = `${HTML}/${where.owner}/${where.repo}/pull/${r.pull}#pullrequestreview-${r.id}`;
  const pull = `${where.origin}/repos/${where.owner}/${where.repo}/pulls/${r.pull}`;
  return {
    id: r.id,
    node_id: `PRR_${r.id}`,
    user: userJson(user),
    body: r.body,
    state: r.state,
    html_url: html,
    pull_request_url: pull,
    _links: { html: { href: html }, pull_request: { href: pull } },
    ...(r.state === 'PENDING' ? {} : { submitted_at: iso(r.submittedAt) }),
    commit_id: r.commitId,
    author_association: association(where, user),
  };
}

/** A review's comment on a line, as `GET /repos/{o}/{r}/pulls/{n}/reviews/{id}/comments` lists it. */
export function reviewCommentJson(
  where: Where,
  r: StoredReview,
  c: StoredReview['comments'][number],
): Record<string, unknown> {
  const html = `${HTML}/${where.owner}/${where.repo}/pull/${r.pull}#discussion_r${c.id}`;
  return {
    id: c.id,
    node_id: `PRRC_${c.id}`,
    pull_request_review_id: r.id,
    path: c.path,
    line: c.line,
    original_line: c.line,
    side: 'RIGHT',
    body: c.body,
    commit_id: r.commitId,
    original_commit_id: r.commitId,
    diff_hunk: '',
    user: userJson(r.user),
    html_url: html,
    pull_request_url: `${where.origin}/repos/${where.owner}/${where.repo}/pulls/${r.pull}`,
    created_at: iso(r.submittedAt),
    updated_at: iso(r.submittedAt),
    author_association: association(where, r.user),
  };
}
