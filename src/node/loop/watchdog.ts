// No wait in a node goes unexplained: a node that has sent GitHub no request and decided nothing for longer
// than a few poll intervals (quietSpanMs) says, once per such quiet span, what it is waiting for: GitHub's
// answer to a request on its way, the end of a wait GitHub's limits asked for, or what the node said it
// waits for (the run loop after each decision, and the longer waits inside an action: an agent, a listing).
import type { GitHubClient, Logger } from '../../github/client.js';
import type { NodeAction } from './node-step.js';

/** What the watchdog reads of the client: how many requests were sent, which are on their way, limits. */
export type WatchedClient = Pick<GitHubClient, 'inFlight' | 'heldBack'> & { stats: { requests: number } };

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

export class Watchdog {
  private waitingFor = 'the first reading of the issue';
  private lastActive: number;
  private lastRequests: number;
  private told = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly client: WatchedClient,
    private readonly log: Logger,
    private readonly quietMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastActive = now();
    this.lastRequests = client.stats.requests;
  }

  /** Check a few times per quiet span, on a timer that keeps no process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.check(), Math.max(250, this.quietMs / 4));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The node decided; it now waits for `what`. */
  decided(what: string): void {
    this.waitingFor = what;
    this.active();
  }

  /** While `work` runs, the node waits for `what` (then for what it waited for before). */
  async during<T>(what: string, work: () => Promise<T>): Promise<T> {
    const before = this.waitingFor;
    this.waitingFor = what;
    try {
      return await work();
    } finally {
      if (this.waitingFor === what) this.waitingFor = before;
    }
  }

  /** Log what the node waits for, once, if it has been quiet longer than the quiet span. */
  check(): void {
    const requests = this.client.stats.requests;
    if (requests !== this.lastRequests) {
      this.lastRequests = requests;
      this.active();
      return;
    }
    const quiet = this.now() - this.lastActive;
    if (this.told || quiet <= this.quietMs) return;
    this.told = true;
    this.log.info(
      `⏳ no request to GitHub and no decision for ${seconds(quiet)}: waiting for ${this.describe()}`,
    );
  }

  private active(): void {
    this.lastActive = this.now();
    this.told = false;
  }

  private describe(): string {
    const now = this.now();
    const [oldest] = this.client.inFlight;
    if (oldest) return `GitHub's answer to ${oldest.what} (sent ${seconds(now - oldest.since)} ago)`;
    const until = this.client.heldBack.until;
    if (until !== undefined && until > now)
      return `GitHub's rate-limit reset at ${new Date(until).toISOString()} (requests are held back until then)`;
    return this.waitingFor;
  }
}

/** `work`, the node's watchdog (if it has one) told that the node waits for `what` meanwhile. */
export function waitingFor<T>(
  ctx: { watchdog?: Watchdog },
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  return ctx.watchdog ? ctx.watchdog.during(what, work) : work();
}

/** What a node waits for while it performs an action. */
export function waitsFor(action: NodeAction): string {
  switch (action.kind) {
    case 'leave':
      return 'nothing: it leaves the run';
    case 'lead':
      return `the plan of term ${action.leader.term}, which this node makes`;
    case 'stand':
      return `its bid for term ${action.term} to be posted`;
    case 'watch-for-plan':
      return "the leader's plan (watching the end of the thread)";
    case 'wait':
      return `the next reading of the thread, in ${seconds(action.ms)}`;
    case 'look-at-jobs':
      return "the run's jobs (the Actions API)";
    case 'watch-tail':
      return Number.isFinite(action.lapseServer)
        ? `a new comment, or a lease to run out at ${new Date(action.lapseServer).toISOString()} (server time)`
        : 'a new comment';
    case 'confirm-takeover':
      return `attempt ${action.attempt} of ${action.task}, read again before taking it over`;
    case 'close':
      return `the comment that closes ${action.choice.task}`;
    case 'claim':
      return `its claim of ${action.choice.task}, then the agent`;
    case 'judge-stop':
      return `the permission of ${action.request.login}, who asked to stop the run`;
    case 'judge-review':
      return `the permission of ${action.request.login}, who gave a verdict on a task's work`;
  }
}
