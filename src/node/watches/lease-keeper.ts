// src/node/watches/: what runs beside an agent while its node holds a claim. The lease keeper (this file)
// heartbeats the claim, with leases paced for the matrix and the budget (lease-length.ts, held-leases.ts);
// the checklist keeper brings the checklist up to date (checklist-keeper.ts); the stop watch hears a
// maintainer's stop (stop-watch.ts); the liveness watch asks the Actions API which nodes' jobs still run
// (liveness-watch.ts); watch-every.ts is the loop they share.
//
// Keeping a claim (or a leader's bid) alive: the comment is edited every heartbeat interval, each edit naming
// the server time of the previous one. The node stops its own work before its lease can have run out in
// anyone else's eyes: it never relies on a lease that others may already consider expired. When the API
// budget left cannot pay for the heartbeats until it resets, the lease is lengthened (held-leases.ts): each
// edit announces the lease from then on, and the one before, which it had to land within.
import type { ThreadComment } from '../../protocol/thread-comment.js';
import type { NodeContext } from '../loop/context.js';
import { getErrorMessage } from '../../errors.js';
import { surelyAfter } from '../../protocol/server-time.js';
import { heldLeases, leaseNow, noteLease } from './held-leases.js';
import { heartbeatFor } from './lease-length.js';

/** What one write of a kept comment says of its lease. */
export interface LeaseEdit {
  /** The count of edits, this one included. */
  beat: number;
  /** The server time of the previous write that landed in time, as this node saw it. */
  prev: number;
  /** The lease from this write on, and that of the previous write (the one this write must land within). */
  leaseMs: number;
  prevLeaseMs: number;
}

export type RenderEdit = (edit: LeaseEdit) => string;

export class LeaseKeeper {
  private beat = 0;
  private lastAlive: number;
  private fenced = false;
  private chain: Promise<unknown> = Promise.resolve();
  /** The heartbeat that runs now (a new object each start): a retry belongs to the one it was sent by. */
  private run: object | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watch: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  /** The lease of the last write that landed in time: what this node's reliance on the lease is held to. */
  private leaseMs: number;

  constructor(
    private readonly ctx: NodeContext,
    private commentId: number,
    created: number,
    private readonly onFenced: (reason: string) => void,
    /** The lease the comment was posted with (the settings' unless the budget was short). */
    leaseMs = ctx.config.leaseMs,
  ) {
    this.lastAlive = created;
    this.leaseMs = leaseMs;
  }

  /** The lease in force, ms. */
  get lease(): number {
    return this.leaseMs;
  }

  /**
   * Server timestamps are whole seconds and a takeover needs a claim a full second past the lease (see
   * leaseExpiredAt), so the lease holds until lastAlive + lease + 1 s. The margin covers the error of this
   * node's estimate of the server's clock and the time it takes to stop the agent.
   */
  private get marginMs(): number {
    return Math.min(Math.max(this.leaseMs * 0.1, 1000), 30_000);
  }

  private get heartbeatMs(): number {
    return heartbeatFor(this.ctx.config, this.leaseMs);
  }

  /**
   * Heartbeat another comment from now on: the first copy of a message that was posted twice (a retried POST
   * whose first answer was lost). The lease then runs from that copy's last write, `lastWriteAt` (server
   * time), with that copy's lease, which this node never kept alive: if it has run out already, the keeper
   * is fenced at once.
   */
  retarget(commentId: number, lastWriteAt: number, leaseMs: number): void {
    if (commentId === this.commentId) return;
    this.commentId = commentId;
    this.lastAlive = lastWriteAt;
    this.leaseMs = leaseMs;
    if (this.ctx.client.clock.latest() >= this.deadline())
      this.fence('the first copy of this message had gone unrefreshed for longer than the lease');
  }

  /** Server time by which this node must have stopped relying on the lease. */
  deadline(): number {
    return surelyAfter(this.lastAlive + this.leaseMs) - this.marginMs;
  }

  isFenced(): boolean {
    return this.fenced;
  }

  private readonly listeners = new Set<(reason: string) => void>();

  /** Also call `listener` when the lease is lost (at once if it is lost already); returns how to stop. */
  whenFenced(listener: (reason: string) => void): () => void {
    if (this.fenced) listener('the lease was lost');
    else this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private fence(reason: string): void {
    if (this.fenced) return;
    this.fenced = true;
    this.stop();
    this.onFenced(reason);
    for (const listener of this.listeners) listener(reason);
    this.listeners.clear();
  }

  /**
   * Start heartbeating with `render`, and watching the deadline. The first edit goes out at once (it shows
   * the new state, and restarting the timer must not stretch the gap between two heartbeats).
   */
  start(render: RenderEdit, writeNow = true): void {
    const run = {};
    this.run = run;
    heldLeases(this.ctx.client).keepers.add(this);
    let inFlight = false;
    let lastSent = Date.now();
    let failures = 0;
    const beat = (): void => {
      if (inFlight || this.run !== run) return; // a slow write is still out: do not queue another behind it
      inFlight = true;
      lastSent = Date.now();
      void this.write(render)
        .then(
          () => (failures = 0),
          () => {
            // A heartbeat that failed goes out again soon (0.25 s, doubling to 30 s at most), not a whole
            // interval later: with a few failures in a row the lease would run out.
            failures += 1;
            const wait = Math.min(this.heartbeatMs, 250 * 2 ** Math.min(failures - 1, 7), 30_000);
            clearTimeout(this.retry);
            // Only while this heartbeat still runs (not stopped, nor restarted with another message).
            this.retry = setTimeout(beat, wait);
          },
        )
        .finally(() => (inFlight = false));
    };
    // The next heartbeat is timed from this one with the interval of the lease in force then.
    const next = (): void => {
      this.timer = setTimeout(() => {
        beat();
        if (this.run === run) next();
      }, this.heartbeatMs);
    };
    if (writeNow) beat();
    next();
    this.watchDeadline(run, beat, () => lastSent);
  }

  /** Fence the keeper once its deadline passes; beat at once when the deadline is near and no beat is out. */
  private watchDeadline(run: object, beat: () => void, lastSent: () => number): void {
    // Often enough to notice a deadline well inside the margin; no busier than that.
    const every = Math.min(this.ctx.config.heartbeatMs, Math.max(250, Math.min(5000, this.marginMs / 10)));
    this.watch = setInterval(() => {
      if (this.run !== run) return;
      const now = this.ctx.client.clock.now();
      if (now >= this.deadline()) {
        this.fence(
          `no heartbeat got through for ${Math.round(this.leaseMs / 1000)}s: the lease may have run out`,
        );
      } else if (this.deadline() - now < this.heartbeatMs && Date.now() - lastSent() >= 250) {
        // A timer that fired late (a busy machine) must not cost the lease: beat now.
        beat();
      }
    }, every);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.watch) clearInterval(this.watch);
    clearTimeout(this.retry);
    this.run = undefined;
    this.timer = undefined;
    this.watch = undefined;
    heldLeases(this.ctx.client).keepers.delete(this);
  }

  /**
   * A final write (an outcome), sent again after a try that failed: that try may have landed all the same (a
   * connection that never answered, a 5xx), and every edit moves the comment's time, which for an outcome is
   * when its task ended in everyone's eyes: a dependent claimed after the first copy landed would lose its
   * claim to the second. So the comment is read first, and when it already carries the write (`landed` says
   * so), it is counted as `write` would have counted it, and not written again.
   */
  async writeFinalAgain(render: RenderEdit, landed: (comment: ThreadComment) => boolean): Promise<boolean> {
    await this.chain;
    await this.ctx.thread.reload(this.commentId);
    const current = this.ctx.thread.all().find((c) => c.id === this.commentId);
    if (!current || !landed(current)) return this.write(render, true);
    const at = Date.parse(current.updated_at);
    this.ctx.log.info(
      `the write that failed on comment ${this.commentId} had landed (${current.updated_at})`,
    );
    if (at - this.lastAlive > this.leaseMs) return false;
    this.lastAlive = Math.max(this.lastAlive, at);
    return true;
  }

  /** The comment kept alive, and the lease fields its next write would carry (nothing is counted). */
  nextWrite(): { commentId: number; edit: LeaseEdit } {
    const leaseMs = Math.max(this.leaseMs, leaseNow(this.ctx).leaseMs);
    const edit = { beat: this.beat + 1, prev: this.lastAlive, leaseMs, prevLeaseMs: this.leaseMs };
    return { commentId: this.commentId, edit };
  }

  /**
   * The lease fields of a final write that another comment carries (the node's next claim, recording this
   * one's outcome as `prior`), counted as this comment's next write once every write to it has settled.
   * `carried` then says when it landed.
   */
  async carriedWrite(): Promise<LeaseEdit> {
    await this.chain;
    const { edit } = this.nextWrite();
    this.beat = edit.beat;
    return edit;
  }

  /** The carried write landed at `at` (server time): true when in time, as `write` judges an edit. */
  carried(edit: LeaseEdit, at: number): boolean {
    if (at - edit.prev > edit.prevLeaseMs) return false;
    this.lastAlive = Math.max(this.lastAlive, at);
    return true;
  }

  /**
   * Edit the comment (serialised with every other write to it). Resolves true when the write landed while
   * the lease still ran; false when this node is fenced or the write came too late to count.
   */
  write(render: RenderEdit, final = false): Promise<boolean> {
    const next = this.chain.then(async () => {
      if (this.fenced && !final) return false;
      const prev = this.lastAlive;
      const prevLeaseMs = this.leaseMs;
      const beat = ++this.beat;
      // Never shorter than the lease in force: a write whose answer is lost may have announced it already.
      const chosen = leaseNow(this.ctx);
      const leaseMs = Math.max(prevLeaseMs, chosen.leaseMs);
      let written: ThreadComment;
      try {
        // No back-off inside the client: the heartbeat timer (or the caller's keepTrying) sends it again sooner.
        written = await this.ctx.thread.edit(this.commentId, render({ beat, prev, leaseMs, prevLeaseMs }), {
          retries: 0,
        });
      } catch (error) {
        this.ctx.log.warning(`heartbeat on comment ${this.commentId} failed: ${getErrorMessage(error)}`);
        throw error;
      }
      const at = Date.parse(written.updated_at);
      this.ctx.log.debug(`heartbeat ${beat} on comment ${this.commentId} landed at ${written.updated_at}`);
      if (at - prev > prevLeaseMs) {
        // A final write (an outcome, a departure record) ends the keeper's work: late, it just does not count.
        if (!final) this.fence('a write landed after the lease had run out');
        return false;
      }
      this.lastAlive = Math.max(this.lastAlive, at);
      if (leaseMs > this.leaseMs) {
        this.leaseMs = leaseMs;
        noteLease(this.ctx, leaseMs, this.heartbeatMs, `comment ${this.commentId}`);
      }
      return true;
    });
    this.chain = next.catch(() => {});
    return next;
  }
}
