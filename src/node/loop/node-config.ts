// A node's settings: what the inputs and the job's environment say, read once (inputs.ts, main.ts).
import type { AgentChoice } from '../../agents/presets.js';
import type { CheckSettings, Planner } from '../../inputs.js';

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
  /** The run's budget in US dollars (`max-cost-usd`): once spent, no node claims a new task. Absent: no cap. */
  maxCostUsd?: number;
  /** The quality gate run after each successful agent run. */
  check?: CheckSettings;
  planner: Planner;
  plannerCommand?: string;
  /** The trigger command (`/p2p-dev`): a comment `<command> stop` by a maintainer stops the run. */
  triggerCommand?: string;
  /**
   * The workflow's check-trigger job relays a stop comment (src/trigger/relay-stop.ts): a busy node then only
   * watches the beacon, and none reads people's comments while its agent runs. Absent: no relay.
   */
  stopRelay?: boolean;
  plannerMaxTasks?: number;
  settleMs: number;
  /** How far behind writes GitHub's listings may lag. */
  listingLagMs: number;
  pollMs: number;
  heartbeatMs: number;
  leaseMs: number;
  /** The writes an hour all nodes' heartbeats may spend together (lease-length.ts); absent: no bound. */
  heartbeatWritesPerHour?: number;
  taskTimeoutMs: number;
  maxAttempts: number;
  /** Every task asks for a review (the `review` input), and how long one is waited for. */
  reviewAll?: boolean;
  reviewTimeoutMs?: number;
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
    /**
     * Open a pull request for a task that asks for a person's review even when createPr is off (create-pr
     * issue): the person reviews the task's work alone, on it.
     */
    reviewPr?: boolean;
    draft: boolean;
    baseBranch?: string;
    /** How long one git command may take. */
    gitTimeoutMs?: number;
    /** Where else a git setup may have left the token (the user's home, the runner's temp folder). */
    home?: string;
    runnerTemp?: string;
  };
}
