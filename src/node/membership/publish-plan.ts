// The leader's one job: turn the issue into a plan (its task list, a planner command's JSON, or the agent's
// plan) and publish it, while keeping its bid alive so the others do not replace it mid-way.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { getErrorMessage, redact } from '../../errors.js';
import type { BidRecord } from '../../protocol/fold.js';
import type { Task } from '../../protocol/messages.js';
import type { NodeConfig } from '../loop/node-config.js';
import { planComments } from '../../protocol/render.js';
import { carryOver, earlierCompletions } from '../../protocol/carry-over.js';
import { isTrusted } from '../../protocol/thread-comment.js';
import { untrustedAuthorReason } from '../../github/issue-author.js';
import { tasksFromIssue } from '../../tasks/issue-tasks.js';
import { draftsFromPlannerOutput, finalizePlan } from '../../tasks/plan.js';
import { sanitizeText } from '../../sanitize.js';
import type { RunContext } from '../loop/context.js';
import { keepTrying } from '../loop/keep-trying.js';
import { LeaseKeeper } from '../watches/lease-keeper.js';
import { startProcess } from '../agent/agent-process.js';
import { bidBody } from '../loop/message-bodies.js';
import { planWithAgent } from './planning-agent.js';
import { cappedLog } from '../agent/capped-log.js';
import { ownDir, writeFresh } from '../../containment/safe-files.js';
import type { Usage } from '../../protocol/usage.js';
import type { ThreadComment } from '../../protocol/thread-comment.js';

export type LeadOutcome = 'published' | 'failed-planning' | 'lost-lease';

/**
 * Plan and publish. `onPublished` gets the plan's comments as GitHub answered them (a listing may not show
 * them yet), for the checklist.
 */
export async function lead(
  ctx: RunContext,
  bid: BidRecord,
  keeper: LeaseKeeper,
  onPublished?: (plan: ThreadComment[]) => Promise<void>,
): Promise<LeadOutcome> {
  const { config, log } = ctx;
  log.info(`🎯 this node leads term ${bid.term}: planning the tasks`);
  const lostReason = (): string =>
    keeper.isFenced() ? 'the heartbeats did not get through in time' : 'lease ran out';
  keeper.stop();
  keeper.start((edit) => bidBody(config, bid.nonce, bid.term, 'planning', edit));
  try {
    let tasks: Task[] = [];
    let error: string | undefined;
    let usage: Usage | undefined;
    try {
      const planned = await planTasks(ctx, keeper);
      usage = planned.usage;
      // A re-run: what an earlier run of this issue completed is not done again.
      const earlier = earlierCompletions(ctx.thread.all(), ctx.trust, config.run, ctx.client.clock.now());
      tasks = carryOver(withReviews(config, planned.tasks), earlier);
      const carried = tasks.filter((t) => t.completed_in);
      log.info(
        `planned ${tasks.length} task(s)` +
          (carried.length > 0
            ? `; ${carried.length} completed in an earlier run and are not run again (${carried.map((t) => t.id).join(', ')})`
            : ''),
      );
    } catch (planningError) {
      error = redact(getErrorMessage(planningError)).slice(0, 5000);
      log.warning(`planning failed: ${error}`);
    }
    if (keeper.isFenced() || ctx.client.clock.now() >= keeper.deadline()) return 'lost-lease';
    const bodies = planComments(
      {
        type: 'plan',
        run: config.run,
        node: config.nodeId,
        term: bid.term,
        max_attempts: config.maxAttempts,
        ...reviewTimeout(config, tasks),
        ...(config.maxCostUsd !== undefined ? { max_cost_usd: config.maxCostUsd } : {}),
        planner: config.planner,
        ...(usage ? { usage } : {}),
        ...(error !== undefined ? { error } : {}),
      },
      tasks,
      () => randomUUID(),
    );
    const posted: ThreadComment[] = [];
    for (const [i, body] of bodies.entries()) {
      if (keeper.isFenced() || ctx.client.clock.now() >= keeper.deadline()) {
        log.warning(`stopped publishing the plan at part ${i + 1} of ${bodies.length}: ${lostReason()}`);
        return 'lost-lease';
      }
      try {
        posted.push(
          await keepTrying(
            ctx,
            `publishing plan part ${i + 1} of ${bodies.length}`,
            () => ctx.thread.post(body),
            config.leaseMs,
          ),
        );
      } catch (postError) {
        // GitHub is down or refusing: stand aside; once this bid's lease runs out another node leads.
        log.warning(`could not publish the plan: ${getErrorMessage(postError)}; another node will take over`);
        return 'lost-lease';
      }
    }
    log.info(`📦 published the plan in ${bodies.length} comment(s)`);
    if (error === undefined) await onPublished?.(posted);
    return error !== undefined ? 'failed-planning' : 'published';
  } finally {
    keeper.stop();
  }
}

/** The plan; a planner (command or agent) still at work is stopped when the leader's lease is lost. */
async function planTasks(ctx: RunContext, keeper: LeaseKeeper): Promise<{ tasks: Task[]; usage?: Usage }> {
  const { config, log } = ctx;
  const issue = ctx.issue;
  if (!config.allowUntrustedAuthors) {
    const untrusted = await keepTrying(ctx, `checking who wrote issue #${issue.number}`, () =>
      untrustedAuthorReason(ctx.client, issue, (user) => isTrusted(ctx.trust, user)),
    );
    if (untrusted) throw new Error(untrusted);
  }
  if (config.planner === 'agent') {
    const { drafts, usage } = await planWithAgent(ctx, issue, keeper);
    return { tasks: finalizePlan(drafts), ...(usage ? { usage } : {}) };
  }
  if (config.planner !== 'command' || !config.plannerCommand)
    return { tasks: finalizePlan(tasksFromIssue(issue)) };
  const dir = path.join(config.tempDir, 'plan');
  ownDir(dir);
  const issueFile = path.join(dir, `issue-${issue.number}.md`);
  writeFresh(issueFile, `# ${sanitizeText(issue.title)}\n\n${sanitizeText(issue.body)}\n`);
  log.info(`running the planner command`);
  const planner = (ctx.startProcess ?? startProcess)({
    command: config.plannerCommand,
    cwd: config.workspace,
    env: {
      ...config.agentEnv,
      P2P_ISSUE_NUMBER: String(issue.number),
      P2P_ISSUE_TITLE: sanitizeText(issue.title),
      P2P_ISSUE_FILE: issueFile,
      P2P_PROMPT_FILE: issueFile,
      P2P_NODE_ID: config.nodeId,
    },
    timeoutMs: config.taskTimeoutMs,
    stdoutLimit: 5_000_000,
    onOutput: cappedLog(log, '  [planner] '),
  });
  const unwatch = keeper.whenFenced((reason) => planner.kill(`the leader lost its lease (${reason})`));
  const result = await planner.done.finally(unwatch);
  if (result.exitCode !== 0) {
    const why = result.timedOut ? 'timed out' : `exited with ${result.exitCode ?? result.signal}`;
    throw new Error(
      `the planner command ${why}${result.outputTail ? `:\n${result.outputTail.slice(-1500)}` : ''}`,
    );
  }
  return { tasks: finalizePlan(draftsFromPlannerOutput(result.stdout)) };
}

/** The `review` input asks every task for a review (an annotation asks it of one). */
function withReviews(config: NodeConfig, tasks: Task[]): Task[] {
  return config.reviewAll ? tasks.map((t) => ({ ...t, review: 'required' as const })) : tasks;
}

/** How long a review is waited for, in a plan where a task asks for one. */
function reviewTimeout(config: NodeConfig, tasks: Task[]): { review_timeout_ms?: number } {
  return config.reviewTimeoutMs !== undefined && tasks.some((t) => t.review === 'required')
    ? { review_timeout_ms: config.reviewTimeoutMs }
    : {};
}
