// Knowing a dead node in seconds: the Actions API lists the run's jobs, and a node whose job has completed
// is gone for certain. Only an idle node with nothing to claim looks, and only while another node holds a
// task; the listing is read with its ETag, so that a look at an unchanged run costs a free 304. Without
// `actions: read` the node says so once and the lease remains the only rule.
import { lapsed, type GoneNodes } from '../../protocol/decide.js';
import type { RunState } from '../../protocol/fold.js';
import { goneNodes, runningNodes } from '../../protocol/liveness.js';
import { deafSince, heardLeaseEnd, type Hearing } from '../../protocol/hearing.js';
import { RunJobs } from '../../github/run-jobs.js';
import { getErrorMessage } from '../../errors.js';
import type { NodeContext } from '../loop/context.js';

/** How often one idle node looks at the run's jobs when it is the only idle node. */
export const JOBS_LOOK_MS = 20_000;

/**
 * The wait between two looks at the jobs: the idle nodes share the work (two looks per JOBS_LOOK_MS among
 * them all, whatever their number), and a repository short of budget looks a quarter as often.
 */
export function jobsLookIntervalMs(idleNodes: number, budgetLow: boolean): number {
  return JOBS_LOOK_MS * Math.max(1, Math.ceil(idleNodes / 2)) * (budgetLow ? 4 : 1);
}

/** Whether a look could find anything: another node with a known runner holds a task that is running. */
export function worthLooking(state: RunState, me: string): boolean {
  for (const record of state.tasks.values()) {
    const last = record.attempts.at(-1);
    if (last?.outcome === 'open' && last.node !== me && state.nodes.get(last.node)?.runner) return true;
  }
  return false;
}

/** What decides when the next look is due: whether the node can look at all, and when it last did. */
export interface JobsLookFacts {
  canLook: boolean;
  /** Local ms of the last look (-Infinity: never). */
  lastLook: number;
  /** This wait's share of the interval, drawn at each look (half to one and a half). */
  spread: number;
}

/** Local ms until the next look is due (0: now); Infinity when looking is pointless or impossible. */
export function lookDueIn(
  facts: JobsLookFacts,
  state: RunState,
  me: string,
  idleNodes: number,
  budgetLow: boolean,
  localNow: number,
): number {
  if (!facts.canLook || !worthLooking(state, me)) return Infinity;
  return Math.max(0, facts.lastLook + jobsLookIntervalMs(idleNodes, budgetLow) * facts.spread - localNow);
}

const NOBODY: GoneNodes = new Map();

export class LivenessWatch {
  private readonly jobs: RunJobs | undefined;
  private lastLook = -Infinity;
  /** Each wait is drawn from half to one and a half times the interval, so that idle nodes' looks spread out. */
  private spread = 1;
  private said = false;
  private readonly spared = new Set<string>();

  constructor(private readonly ctx: NodeContext) {
    const jobs = ctx.config.jobs;
    this.jobs = jobs ? new RunJobs(ctx.client, jobs.runId, jobs.attempt) : undefined;
  }

  /** The nodes whose jobs had completed at the last look. */
  gone(state: RunState): GoneNodes {
    return this.jobs ? goneNodes(state, this.jobs.list()) : NOBODY;
  }

  /**
   * What this node could hear: when GitHub failed it or held it back, and who was running at the last look.
   * A silent holder's lease is judged by it (protocol/hearing.ts).
   */
  hearing(state: RunState): Hearing {
    const running = this.jobs && !this.jobs.why() ? runningNodes(state, this.jobs.list()) : new Set<string>();
    return { deaf: this.ctx.client.trouble.spans(), running };
  }

  /** Say once per attempt when its lease has run out but the silence proves nothing yet, and why. */
  explainSpared(state: RunState, hearing: Hearing, now: number): void {
    for (const record of state.tasks.values()) {
      const last = record.attempts.at(-1);
      if (
        !last ||
        last.outcome !== 'open' ||
        !lapsed(last.ev, now) ||
        lapsed(last.ev, now, last.node, hearing)
      )
        continue;
      const key = `${last.task}#${last.attempt}`;
      if (this.spared.has(key)) continue;
      this.spared.add(key);
      const deaf = Math.round(deafSince(hearing, last.ev.lastAlive) / 1000);
      const why = [
        ...(deaf > 0 ? [`GitHub failed or held back this node for ${deaf}s of its silence`] : []),
        ...(hearing.running.has(last.node)
          ? ['its job is still running (it may be sitting out a limit)']
          : []),
      ].join(', and ');
      const until = Math.round((heardLeaseEnd(last.ev, last.node, hearing) - now) / 1000);
      this.ctx.log.info(
        `${last.node}'s lease on ${last.task} (attempt ${last.attempt}) has run out, but its silence proves nothing yet: ${why}; not taking it over for ${until}s more`,
      );
    }
  }

  /** What the step functions need to know to decide when to look next. */
  facts(): JobsLookFacts {
    return { canLook: !!this.jobs && !this.jobs.why(), lastLook: this.lastLook, spread: this.spread };
  }

  /** Read the jobs again; true when the listing changed. */
  async look(): Promise<boolean> {
    if (!this.jobs) return false;
    this.lastLook = Date.now();
    this.spread = 0.5 + Math.random();
    try {
      const read = await this.jobs.read();
      if (read === 'unavailable' && !this.said) {
        this.said = true;
        this.ctx.log.warning(
          `cannot tell dead nodes from the Actions API, so a silent node's task waits out its lease: ${this.jobs.why()}`,
        );
      }
      return read === 'changed';
    } catch (error) {
      this.ctx.log.debug(`reading the run's jobs failed: ${getErrorMessage(error)}`);
      return false;
    }
  }
}
