// The live checklist on the issue: one comment the leader posts with its plan, edited while the run goes on
// so that people watching the issue see each task ticked as it completes. Every node writes as the same
// identity, so any node may edit it. Its edits are spaced (checklistEveryMs, a minute at the defaults) so
// that they stay a small share of GitHub's content limits (80 a minute, 500 an hour, edits counting) at any
// matrix size: a node shows its own outcomes once the last edit is that old, with everything else its view
// holds, and one node (the lowest-instance idle one) repairs what others could not show (a node died, a
// takeover) once the comment has been behind for a while. An edit never goes backwards (shouldEdit): a view
// behind the comment leaves it alone.
import type { RunState } from '../../protocol/fold.js';
import { findChecklist, renderChecklist, shouldEdit, type ChecklistShown } from '../../protocol/checklist.js';
import { liveAttemptOf, lowestInstance, type GoneNodes } from '../../protocol/decide.js';
import { getErrorMessage } from '../../errors.js';
import type { RunContext } from '../loop/context.js';
import { keepTrying } from '../loop/keep-trying.js';

/** How long a node keeps trying to post the checklist or the stop beacon before it goes on without. */
export const ANNOUNCE_PATIENCE_MS = 60_000;

/** A node leaves this long between two of its own edits of the checklist, at least. */
export const CHECKLIST_MIN_GAP_MS = 2000;

/**
 * How long after the checklist's last edit (server time, from the comment's own `updated_at`) a node edits it
 * again: twenty poll intervals, a minute at the defaults, and a poll interval more for each instance before
 * it. Its edits then come about once a minute whatever the matrix size (some 60 an hour, an eighth of the
 * identity's 500; a node's view lagging behind another's edit can add one); the checklist is behind the fold
 * by about that much while a node is free to edit it, nodes that leave show their own changes at once, and
 * the run's summary brings it up to date at the end.
 */
export function checklistEveryMs(config: { pollMs: number }): number {
  return Math.max(CHECKLIST_MIN_GAP_MS, 20 * config.pollMs);
}

/** How long the checklist may lag the fold before the repairing node edits it for others. */
export function checklistRepairMs(config: { pollMs: number; listingLagMs: number }): number {
  return Math.max(15_000, 3 * config.pollMs + config.listingLagMs);
}

export class ChecklistKeeper {
  private lastEdit = -Infinity;
  private lastSignature = '';
  /** When an edit of what this view shows falls due (server ms): until then an unchanged view is not rendered. */
  private dueAt = Infinity;
  /** A node posts the checklist once at most (a view that cannot find it must not post it again and again). */
  private posted = false;

  constructor(private readonly ctx: RunContext) {}

  /** The leader posts the checklist right after its plan. */
  async post(state: RunState): Promise<void> {
    const { ctx } = this;
    if (this.posted) return;
    this.posted = true;
    try {
      const { body } = renderChecklist({ state, now: ctx.client.clock.now() });
      await keepTrying(ctx, 'posting the checklist', () => ctx.thread.post(body), ANNOUNCE_PATIENCE_MS);
      this.lastEdit = Date.now();
    } catch (error) {
      ctx.log.warning(`could not post the checklist: ${getErrorMessage(error)}`);
    }
  }

  /**
   * Edit the checklist when this node's view shows more than it does and the edit is this node's to make.
   * `leaving`: the node leaves the run, so its own changes are shown now, however recent the last edit.
   */
  async update(state: RunState, gone: GoneNodes, leaving = false): Promise<void> {
    const { ctx } = this;
    if (!state.plan || state.plan.error !== undefined) return;
    if (!leaving && Date.now() - this.lastEdit < CHECKLIST_MIN_GAP_MS) return;
    const found = findChecklist(ctx.thread.all(), ctx.trust, ctx.config.run);
    const now = ctx.client.clock.now();
    let latest = 0;
    for (const e of state.entries) latest = Math.max(latest, e.updated);
    const signature = `${state.entries.length}:${latest}:${found?.comment.updated_at}:${gone.size}`;
    const repairing = this.repairs(state, now, gone);
    // Nothing new: nothing to do until an edit this node waits for is due.
    if (!leaving && signature === this.lastSignature && now < this.dueAt) return;
    this.lastSignature = signature;
    this.dueAt = Infinity;
    const repairMs = checklistRepairMs(ctx.config);
    // A plan without a checklist: its leader died before posting one; the repairing node posts it.
    if (!found) {
      if (repairing && now - state.plan.created >= repairMs) await this.post(state);
      else if (repairing) this.dueAt = state.plan.created + repairMs;
      return;
    }
    const next = renderChecklist({ state, now, gone });
    if (!shouldEdit(found.shown, next.shown)) return;
    const updated = Date.parse(found.comment.updated_at);
    // A node shows its own changes once the last edit is old enough; the repairing node, others' once the
    // checklist has been behind for a while as well.
    const own = this.ownChangeUnshown(state, found.shown, next.shown);
    // Nodes whose changes fall due together go one poll interval apart, in instance order, so that each sees
    // the edits before its own (and usually finds nothing left to show).
    const stagger = (ctx.config.instance - 1) * ctx.config.pollMs;
    const wait = own
      ? leaving
        ? 0
        : checklistEveryMs(ctx.config) + stagger
      : Math.max(checklistEveryMs(ctx.config), repairMs);
    if (!own && !repairing) return;
    if (now - updated < wait) {
      this.dueAt = updated + wait;
      return;
    }
    try {
      this.lastEdit = Date.now();
      await ctx.thread.edit(found.comment.id, next.body, { retries: 1 });
    } catch (error) {
      ctx.log.debug(`could not update the checklist: ${getErrorMessage(error)}`);
    }
  }

  /** Whether the comment shows a task differently than this node's view, where this node made the change. */
  private ownChangeUnshown(state: RunState, current: ChecklistShown, next: ChecklistShown): boolean {
    for (const [id, shown] of next) {
      const last = state.tasks.get(id)?.attempts.at(-1);
      if (last?.node !== this.ctx.config.nodeId) continue;
      const was = current.get(id);
      if (!was || was.status !== shown.status || was.step !== shown.step) return true;
    }
    return false;
  }

  /** The node that repairs the checklist: the lowest-instance node, of those not gone, that runs no task. */
  private repairs(state: RunState, now: number, gone: GoneNodes): boolean {
    const idle = (n: { id: string }): boolean => !gone.has(n.id) && !liveAttemptOf(state, n.id, now);
    return lowestInstance(state, idle) === this.ctx.config.nodeId;
  }
}
