// What every part of a running node shares: its settings, its GitHub client and thread, its log and timers;
// once it has joined, the issue and the identity the action writes as.
import type { GitHubClient, Logger } from '../../github/client.js';
import type { IssueInfo, IssueThread } from '../../github/thread.js';
import type { Trust } from '../../protocol/thread-comment.js';
import { fold, type RunState } from '../../protocol/fold.js';
import type { TaskBranches } from '../../delivery/task-branch.js';
import type { ProcessOptions, RunningProcess } from '../agent/agent-process.js';
import type { NodeConfig } from './node-config.js';
import type { Watchdog } from './watchdog.js';

export interface NodeContext {
  client: GitHubClient;
  thread: IssueThread;
  config: NodeConfig;
  log: Logger;
  sleep(ms: number): Promise<void>;
  /** Runs the agent and the planner (default: a shell process); the simulation puts its own in. */
  startProcess?: (options: ProcessOptions) => RunningProcess;
  /**
   * Says what the node waits for when it has been quiet a while (the action's nodes have one; the simulation's
   * do not: its virtual clock would count the watchdog's timer as work to wait for).
   */
  watchdog?: Watchdog;
}

/** A node once it has joined the run: it has read the issue and knows the identity the action writes as. */
export interface RunContext extends NodeContext {
  issue: IssueInfo;
  /** Whose comments count: the action's own identity (and the trusted authors). */
  trust: Trust;
  /** Present when the workspace can deliver branches. */
  branches?: TaskBranches;
}

/** The run as the thread the node holds shows it. */
export function foldThread(ctx: RunContext): RunState {
  return fold(ctx.thread.all(), { run: ctx.config.run, trust: ctx.trust });
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
