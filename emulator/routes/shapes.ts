// The JSON GitHub answers with, for users, issues, comments, pull requests, reactions, labels and jobs.
import {
  iso,
  type CommentVersion,
  type JobSnapshot,
  type Label,
  type Reaction,
  type StoredComment,
  type StoredIssue,
  type StoredJob,
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

function association(ctx: RouteContext, u: User): string {
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
