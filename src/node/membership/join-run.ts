// src/node/membership/: a node's place in the run. It joins (this file), stands for leader in each term
// (candidacies.ts), publishes the plan when it leads (publish-plan.ts, with the planner agent of
// planning-agent.ts), and leaves with what it spent (leave-run.ts).
//
// How a node joins a run: no token left where an agent could read it, the issue read, the first bid posted
// (its author is the identity the action writes as, the only one whose comments count), and the workspace
// set up to deliver branches.
import { makeTrust } from '../../protocol/thread-comment.js';
import { deliveryBlocker, TaskBranches } from '../../delivery/task-branch.js';
import { secureWorkspace } from '../../delivery/persisted-credentials.js';
import { getErrorMessage } from '../../errors.js';
import type { NodeContext, RunContext } from '../loop/context.js';
import { keepTrying } from '../loop/keep-trying.js';
import { Candidacies } from './candidacies.js';

export async function joinRun(ctx: NodeContext): Promise<{ run: RunContext; candidacies: Candidacies }> {
  const { config, thread, log } = ctx;
  // Before anything else, and before any agent can run: no token where the agent could read it.
  await protectWorkspace(ctx);
  const issue = await keepTrying(ctx, `reading issue #${config.issueNumber}`, () => thread.issue());
  log.info(
    `node ${config.nodeId} (instance ${config.instance} of ${config.instances}) joins run ${config.run} on issue #${config.issueNumber}`,
  );
  const candidacies = new Candidacies(ctx);
  const firstBid = await candidacies.stand(1);
  if (!firstBid.user) throw new Error('the election comment came back without an author');
  const trust = makeTrust(firstBid.user, config.trustedAuthors);
  log.info(
    `🎯 stood for leader (term 1) in comment ${firstBid.id}; the action writes as ${firstBid.user.login} (id ${firstBid.user.id})`,
  );
  const branches = await openBranches(ctx, firstBid.user);
  return { run: { ...ctx, issue, trust, ...(branches ? { branches } : {}) }, candidacies };
}

async function protectWorkspace(ctx: NodeContext): Promise<void> {
  const { config, log } = ctx;
  if (!config.delivery) return;
  await secureWorkspace(
    config.delivery.token,
    {
      workspace: config.workspace,
      ...(config.delivery.home ? { home: config.delivery.home } : {}),
      ...(config.delivery.runnerTemp ? { runnerTemp: config.delivery.runnerTemp } : {}),
    },
    log,
  );
}

/** Results become branches and pull requests when the workspace is a git checkout with an origin. */
async function openBranches(
  ctx: NodeContext,
  author: { login: string; id: number },
): Promise<TaskBranches | undefined> {
  const { config, log } = ctx;
  const delivery = config.delivery;
  if (!delivery) return undefined;
  const blocker = await deliveryBlocker(config.workspace);
  if (blocker) {
    log.info(`task results are not committed: ${blocker}`);
    return undefined;
  }
  try {
    const branches = await TaskBranches.open({
      workspace: config.workspace,
      issueNumber: config.issueNumber,
      ...(delivery.baseBranch ? { baseBranch: delivery.baseBranch } : {}),
      draft: delivery.draft,
      token: delivery.token,
      author,
      client: ctx.client,
      sleep: ctx.sleep,
      log,
      scratch: config.tempDir,
      ...(delivery.gitTimeoutMs ? { gitTimeoutMs: delivery.gitTimeoutMs } : {}),
    });
    log.info(
      `each task's changes go to a branch p2p/issue-${config.issueNumber}/<task> from ${branches.baseBranch}${delivery.createPr ? ', with a pull request' : ''}`,
    );
    return branches;
  } catch (error) {
    log.warning(
      `task results are not committed: the git workspace could not be set up: ${getErrorMessage(error)}`,
    );
    return undefined;
  }
}
