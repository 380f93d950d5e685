// The live checklist on the issue: one comment the leader posts with its plan, edited while the run goes on
// so that people watching the issue see each task ticked as it completes. Every node writes as the same
// identity, so any node may edit it. To keep within GitHub's content limits (80 a minute, 500 an hour, edits
// counting) a node edits it for its own outcomes as it records them, and one node (the lowest-instance idle
// one) repairs what others could not show (a node died, a takeover) once the comment has been behind for a
// while. An edit never goes backwards (shouldEdit): a view behind the comment leaves it alone.
import type { RunState } from '../protocol/fold.js';
import { findChecklist, renderChecklist, shouldEdit, type ChecklistShown } from '../protocol/checklist.js';
import { liveAttemptOf, lowestInstance, type GoneNodes } from '../protocol/decide.js';
import { getErrorMessage } from '../errors.js';
import type { RunContext } from './context.js';
import { keepTrying } from './keep-trying.js';

/** How long a node keeps trying to post the checklist or the stop beacon before it goes on without. */
export const ANNOUNCE_PATIENCE_MS = 60_000;

/** A node leaves this long between two of its own edits of the checklist, at least. */
export const CHECKLIST_MIN_GAP_MS = 2000;

/** How long the checklist may lag the fold before the repairing node edits it for others. */
export function checklistRepairMs(config: { pollMs: number; listingLagMs: number }): number {
  return Math.max(15_000, 3 * config.pollMs + config.listingLagMs);
}

export class ChecklistKeeper {
  private lastEdit = -Infinity;
  private lastSignature = '';
  /** When the repair of what this view shows falls due (server ms): until then an unchanged view is not rendered. */
  private repairAt = Infinity;
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

  /** Edit the checklist when this node's view shows more than it does and the edit is this node's to make. */
  async update(state: RunState, gone: GoneNodes): Promise<void> {
    const { ctx } = this;
    if (!state.plan || state.plan.error !== undefined || Date.now() - this.lastEdit < CHECKLIST_MIN_GAP_MS)
      return;
    const found = findChecklist(ctx.thread.all(), ctx.trust, ctx.config.run);
    const now = ctx.client.clock.now();
    let latest = 0;
    for (const e of state.entries) latest = Math.max(latest, e.updated);
    const signature = `${state.entries.length}:${latest}:${found?.comment.updated_at}:${gone.size}`;
    const repairing = this.repairs(state, now, gone);
    // Nothing new: only the repairing node has anything to do, and only once a repair it waits for is due.
    if (signature === this.lastSignature && !(repairing && now >= this.repairAt)) return;
    this.lastSignature = signature;
    this.repairAt = Infinity;
    const repairMs = checklistRepairMs(ctx.config);
    // A plan without a checklist: its leader died before posting one; the repairing node posts it.
    if (!found) {
      if (repairing && now - state.plan.created >= repairMs) await this.post(state);
      else this.repairAt = state.plan.created + repairMs;
      return;
    }
    const next = renderChecklist({ state, now, gone });
    if (!shouldEdit(found.shown, next.shown)) return;
    const updated = Date.parse(found.comment.updated_at);
    if (!this.ownChangeUnshown(state, found.shown, next.shown) && !(repairing && now - updated >= repairMs)) {
      this.repairAt = updated + repairMs;
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
