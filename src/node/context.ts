// What every part of a running node shares: its settings, its GitHub client and thread, its log and timers.
import type { GitHubClient, Logger } from '../github/client.js';
import { statusOf } from '../github/client.js';
import type { IssueInfo, IssueThread } from '../github/thread.js';
import { getErrorMessage } from '../errors.js';
import type { Trust } from '../protocol/thread-comment.js';
import type { TaskBranches } from '../delivery/task-branch.js';
import type { ProcessOptions, RunningProcess } from './agent-process.js';
import type { AgentChoice } from '../agents/presets.js';
import type { CheckSettings, Planner } from '../inputs.js';

export interface NodeConfig {
  issueNumber: number;
  instance: number;
  instances: number;
  /** `<run id>.<run attempt>`: every message is scoped to it. */
  run: string;
  nodeId: string;
  /** This job's `RUNNER_NAME`, written in the bid: what ties the node to its job in the Actions API. */
  runner?: string;
  /** The workflow run's attempt whose jobs tell which nodes are gone; absent outside Actions. */
  jobs?: { runId: number; attempt: number };
  /** The agent run for each task (and by `planner: agent` for the plan). */
  agent: AgentChoice;
  /** Passed to the CLIs that take them; both reach every agent as P2P_MAX_TURNS and P2P_MAX_COST_USD. */
  maxTurns?: number;
  maxTaskCostUsd?: number;
  /** The quality gate run after each successful agent run. */
  check?: CheckSettings;
  planner: Planner;
  plannerCommand?: string;
  plannerMaxTasks?: number;
  settleMs: number;
  /** How far behind writes GitHub's listings may lag. */
  listingLagMs: number;
  pollMs: number;
  heartbeatMs: number;
  leaseMs: number;
  taskTimeoutMs: number;
  maxAttempts: number;
  workspace: string;
  tempDir: string;
  trustedAuthors: string[];
  /** Run issues written by people without write permission, and give their comments to the agent. */
  allowUntrustedAuthors?: boolean;
  /** Environment for the agent (already stripped of the token unless the user asked otherwise). */
  agentEnv: NodeJS.ProcessEnv;
  /** How results become branches and pull requests (when the workspace is a git repository); absent: never. */
  delivery?: {
    token: string;
    createPr: boolean;
    draft: boolean;
    baseBranch?: string;
    /** How long one git command may take. */
    gitTimeoutMs?: number;
    /** Where else a git setup may have left the token (the user's home, the runner's temp folder). */
    home?: string;
    runnerTemp?: string;
  };
}

export interface NodeContext {
  client: GitHubClient;
  thread: IssueThread;
  config: NodeConfig;
  log: Logger;
  sleep(ms: number): Promise<void>;
  issue?: IssueInfo;
  trust?: Trust;
  /** Set once the node knows its identity, when the workspace can deliver branches. */
  branches?: TaskBranches;
  /** Runs the agent and the planner (default: a shell process); the simulation puts its own in. */
  startProcess?: (options: ProcessOptions) => RunningProcess;
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Statuses that no amount of retrying will change. */
const FINAL_STATUSES = new Set([400, 401, 404, 410, 422]);

export class FatalApiError extends Error {}

/**
 * Run a GitHub call until it succeeds, riding out faults (5xx, network errors, rate limits the plugins gave up
 * on) with growing pauses. Gives up after `giveUpMs` of failures, or at once on an answer that will not change.
 * Time GitHub's limits held the calls back (the waits it asked for) does not count: GitHub holding everyone
 * back is not a failure to give up on.
 */
export async function keepTrying<T>(
  ctx: NodeContext,
  what: string,
  call: () => Promise<T>,
  giveUpMs?: number,
): Promise<T> {
  const started = Date.now();
  const heldAtStart = ctx.client.heldBack.ms;
  const failingFor = (): number => Date.now() - started - (ctx.client.heldBack.ms - heldAtStart);
  const limit = giveUpMs ?? Math.max(10 * 60_000, 3 * ctx.config.leaseMs);
  let pause = Math.min(1000, ctx.config.pollMs);
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const status = statusOf(error);
      const message = getErrorMessage(error);
      if (status !== undefined && FINAL_STATUSES.has(status)) {
        throw new FatalApiError(`${what} failed: ${status} ${message}`);
      }
      if (status === 403 && !/rate limit|abuse/i.test(message)) {
        throw new FatalApiError(
          `${what} was refused (403 ${message}); does the token have the permissions the action needs?`,
        );
      }
      if (failingFor() > limit) {
        throw new Error(`${what} kept failing for ${Math.round((Date.now() - started) / 1000)}s: ${message}`);
      }
      ctx.log.warning(
        `${what} failed (${status ?? 'no answer'}: ${message}); trying again in ${Math.round(pause / 100) / 10}s`,
      );
      await ctx.sleep(pause);
      pause = Math.min(pause * 2, 15_000);
    }
  }
}
