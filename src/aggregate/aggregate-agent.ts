// The summary job's agent, set up once for everything it is sent to do: first the merges that conflict
// (merge-agent.ts), then the fix rounds of the pull request's CI (ci-fix.ts). Its workspace is the job's
// checkout, made ready as a node's is before its first agent (the token out of it and out of the environment,
// the preset's CLI installed: CiFixSetup.prepare), and its git config captured then, once (TaskBranches), so that
// before every later git command of the node's the config is its own again, whichever agent ran since. What the
// agents spend together comes off one budget: what is left of the run's (max-cost-usd), or max-task-cost-usd.
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { getErrorMessage } from '../errors.js';
import type { GitHubClient, Logger } from '../github/client.js';
import { IssueThread } from '../github/thread.js';
import { TaskBranches } from '../delivery/task-branch.js';
import type { NodeContext } from '../node/loop/context.js';
import type { NodeConfig } from '../node/loop/node-config.js';
import type { RunState } from '../protocol/fold.js';
import { attemptBudget } from '../node/task/run-task.js';
import { formatCost, type Usage } from '../protocol/usage.js';
import { keepTrying } from '../node/loop/keep-trying.js';
import { newNonce, spendBody } from '../node/loop/message-bodies.js';
import { decode } from '../protocol/codec.js';
import type { ThreadComment } from '../protocol/thread-comment.js';

/** A run (a merge, a fix round) is not started with less than this left of the budget: it would only overspend. */
export const MIN_ROUND_USD = 0.02;

export interface AgentOpenOptions {
  client: GitHubClient;
  token: string;
  author: { login: string; id: number };
  baseBranch?: string;
  sleep(ms: number): Promise<void>;
  log: Logger;
  /** The run as folded: what its tasks spent comes off max-cost-usd. */
  state: RunState;
}

export class AggregateAgent {
  /** What is left of the budget for every run of the summary job's agent; undefined: no cap. */
  private left: number | undefined;
  /** The spend messages this job wrote (the thread then holds what its agent spent), read back for the summary. */
  readonly spendComments: number[] = [];

  private constructor(
    readonly context: NodeContext,
    readonly branches: TaskBranches,
    readonly token: string,
    readonly author: { login: string; id: number },
    private readonly scratch: string,
    private readonly cap: { usd: number; input: string } | undefined,
    /** The run summed up, whose budget the spend messages take from. */
    private readonly run: string,
  ) {
    this.left = cap?.usd;
  }

  /** The agent made ready (`prepare`) and the checkout's git config captured, before any agent runs. */
  static async open(prepare: () => Promise<NodeConfig>, o: AgentOpenOptions): Promise<AggregateAgent> {
    const config = await prepare();
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'p2p-aggregate-agent-'));
    try {
      const branches = await TaskBranches.open({
        workspace: config.workspace,
        issueNumber: config.issueNumber,
        ...(o.baseBranch ? { baseBranch: o.baseBranch } : {}),
        draft: false,
        token: o.token,
        author: o.author,
        client: o.client,
        sleep: o.sleep,
        log: o.log,
        scratch,
        ...(config.delivery?.gitTimeoutMs ? { gitTimeoutMs: config.delivery.gitTimeoutMs } : {}),
      });
      const context: NodeContext = {
        client: o.client,
        thread: new IssueThread(o.client, config.issueNumber),
        config,
        log: o.log,
        sleep: o.sleep,
      };
      return new AggregateAgent(
        context,
        branches,
        o.token,
        o.author,
        scratch,
        attemptBudget(config, o.state),
        o.state.run,
      );
    } catch (error) {
      rmSync(scratch, { recursive: true, force: true });
      throw error;
    }
  }

  get config(): NodeConfig {
    return this.context.config;
  }

  /** What the next run may spend (undefined: no cap), or why none is started. */
  budget(): { usd: number; input: string } | undefined | { error: string } {
    if (!this.cap || this.left === undefined) return undefined;
    if (this.left < MIN_ROUND_USD)
      return { error: `${this.cap.input} is spent (${formatCost(this.cap.usd - this.left)})` };
    return { usd: this.left, input: this.cap.input };
  }

  /** A run's spend off the budget; a run that did not say is taken to have spent all it was given. */
  private spend(usd: number | undefined): void {
    if (this.left !== undefined) this.left = Math.max(0, this.left - (usd ?? this.left));
  }

  /**
   * Run the agent for `purpose` with what is left of the budget, recorded on the thread: a spend message
   * takes its cap before it runs (a re-run of this job then counts it spent, however this one ends: one that
   * never records what it spent keeps its whole cap), and is edited with what it spent after. Not run when
   * the budget is spent or the thread cannot be written.
   */
  async metered<T extends { usage?: Usage }>(
    purpose: string,
    run: (budget: { usd: number; input: string } | undefined) => Promise<T>,
  ): Promise<T | { error: string }> {
    const budget = this.budget();
    if (budget && 'error' in budget) return { error: budget.error };
    const { context } = this;
    const nonce = newNonce();
    const body = (state: 'running' | 'done', usage?: Usage) =>
      spendBody({ run: this.run, nodeId: context.config.nodeId }, nonce, {
        purpose,
        ...(budget ? { cap_usd: budget.usd } : {}),
        state,
        ...(usage ? { usage } : {}),
      });
    let comment: ThreadComment;
    try {
      comment = await keepTrying(
        context,
        `recording on the issue what the agent may spend on ${purpose}`,
        () => context.thread.post(body('running'), { retries: 0 }),
      );
    } catch (error) {
      return {
        error: `the agent was not run for ${purpose}: what it may spend could not be recorded on the issue (${getErrorMessage(error)})`,
      };
    }
    this.spendComments.push(comment.id);
    let usage: Usage | undefined;
    try {
      const out = await run(budget);
      usage = out.usage;
      return out;
    } finally {
      this.spend(usage?.cost_usd);
      try {
        await this.recordSpent(comment, nonce, body('done', usage), purpose);
      } catch (error) {
        // The thread keeps the whole cap taken: so does this job.
        this.left &&= 0;
        context.log.warning(
          `could not record what the agent spent on ${purpose} (${getErrorMessage(error)}): its whole cap counts as spent`,
        );
      }
    }
  }

  /**
   * What the agent spent, on every copy of its spend message: a post retried after an answer that was lost
   * can have landed twice, and the fold counts the first copy, which need not be the one whose id came back.
   */
  private async recordSpent(
    posted: ThreadComment,
    nonce: string,
    body: string,
    purpose: string,
  ): Promise<void> {
    const { context } = this;
    const what = `recording what the agent spent on ${purpose}`;
    // The copy whose id came back first: a failure here is the caller's (the whole cap counts as spent).
    await keepTrying(context, what, () => context.thread.edit(posted.id, body));
    try {
      await keepTrying(context, what, () => context.thread.refresh());
    } catch (error) {
      context.log.warning(
        `could not look for another copy of the spend of ${purpose}: ${getErrorMessage(error)}`,
      );
      return;
    }
    for (const c of context.thread.all()) {
      if (c.id === posted.id || c.user?.id !== posted.user?.id) continue;
      const d = decode(c.body);
      if (d.kind !== 'message' || d.message.type !== 'spend') continue;
      if (d.message.nonce !== nonce || d.message.run !== this.run) continue;
      try {
        await keepTrying(context, what, () => context.thread.edit(c.id, body));
        this.spendComments.push(c.id);
      } catch (error) {
        context.log.warning(
          `could not record what the agent spent on copy ${c.id} of its spend: ${getErrorMessage(error)}`,
        );
      }
    }
  }

  /** The checkout's git config put back as the node's own, and the scratch folder removed. */
  close(): void {
    try {
      this.branches.leave();
    } catch (error) {
      this.context.log.warning(`could not put the checkout's git config back: ${getErrorMessage(error)}`);
    }
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** The agent opened at its first use and once only (a failure to open is the answer of every later use). */
export function lazyAgent(open: () => Promise<AggregateAgent>): {
  get(): Promise<AggregateAgent>;
  /** The spend messages the agent's runs wrote. */
  spendComments(): number[];
  close(): Promise<void>;
} {
  let opened: Promise<AggregateAgent> | undefined;
  let agent: AggregateAgent | undefined;
  return {
    get: () => (opened ??= open().then((a) => (agent = a))),
    spendComments: () => agent?.spendComments ?? [],
    async close() {
      if (!opened) return;
      const agent = await opened.catch(() => undefined);
      agent?.close();
    },
  };
}
