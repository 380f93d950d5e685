// Stopping a run from the issue. A person's comment `/p2p-dev stop` is not a protocol message, and nothing a
// person writes is believed as it stands: a node checks with the collaborator permission API that its author
// may write to the repository, and only then relays it as a `stop` message of the action's own, which the
// fold believes. Idle nodes see the request in their readings; a node whose agent runs watches the beacon and
// stops its agent once the run is stopped. The workflow's check-trigger job relays the request as soon as it
// is written (src/trigger/relay-stop.ts, `stop-relay`); where it does not, one busy node also reads what is
// added to the thread while its agent runs (a request for each new comment at most every 15 s).
import type { RunState } from '../../protocol/fold.js';
import { isTrusted, type ThreadComment } from '../../protocol/thread-comment.js';
import { parseCommand, type Command } from '../../trigger/commands.js';
import { canStart, permissionOf } from '../../github/permission.js';
import { getErrorMessage } from '../../errors.js';
import { foldThread, type RunContext } from '../loop/context.js';
import { keepTrying } from '../loop/keep-trying.js';
import { stopBody } from '../loop/message-bodies.js';
import { ANNOUNCE_PATIENCE_MS } from './checklist-keeper.js';
import { beaconBody, findBeacon } from '../../protocol/stop-beacon.js';
import { liveAttemptOf, lowestInstance } from '../../protocol/decide.js';
import { watchEvery, type Watch } from './watch-every.js';

export interface StopRequest {
  commentId: number;
  login: string;
  id: number;
  htmlUrl?: string;
}

const DEFAULT_COMMAND = '/p2p-dev';

/** When the run began: its first bid (server ms). Requests written before it were for an earlier run. */
export function runStart(state: RunState): number | undefined {
  let first: number | undefined;
  for (const e of state.entries)
    if (e.status === 'accepted' && e.message?.type === 'bid' && (first === undefined || e.created < first))
      first = e.created;
  return first;
}

/** A person's command comment of this run, read: who wrote it, and what it asks. */
export interface PersonCommand {
  commentId: number;
  login: string;
  id: number;
  htmlUrl?: string;
  command: Command;
}

/**
 * People's command comments in this run, oldest first: the trigger command on the first line, by a person
 * (not a bot, not the action), written after the run began. Who may ask is checked apart.
 */
export function peopleCommands(
  comments: readonly ThreadComment[],
  state: RunState,
  trust: RunContext['trust'],
  command = DEFAULT_COMMAND,
): PersonCommand[] {
  const start = runStart(state);
  if (start === undefined) return [];
  const out: PersonCommand[] = [];
  for (const c of comments) {
    // (Most comments are the action's own, or do not start with the command: no parsing for those.)
    if (!c.body.startsWith(command, Math.max(0, c.body.search(/\S/)))) continue;
    const user = c.user;
    if (!user || user.type === 'Bot' || user.login.endsWith('[bot]') || isTrusted(trust, user)) continue;
    const parsed = Date.parse(c.created_at) < start ? undefined : parseCommand(c.body, command);
    if (!parsed) continue;
    out.push({
      commentId: c.id,
      login: user.login,
      id: user.id,
      ...(c.html_url ? { htmlUrl: c.html_url } : {}),
      command: parsed,
    });
  }
  return out;
}

/** People's comments asking to stop this run (`stop` after the command), oldest first (peopleCommands). */
export function stopRequests(
  comments: readonly ThreadComment[],
  state: RunState,
  trust: RunContext['trust'],
  command = DEFAULT_COMMAND,
): StopRequest[] {
  return peopleCommands(comments, state, trust, command)
    .filter((c) => c.command.kind === 'stop')
    .map(({ command: _command, ...request }) => request);
}

/** How often a node whose agent runs reads the beacon again (free while unchanged): 6 s at the defaults. */
export function stopProbeMs(config: { pollMs: number }): number {
  return Math.min(Math.max(config.pollMs * 2, 2000), 10_000);
}

/**
 * How often the node that watches for requests reads what was added while its agent runs (a request for each
 * new comment it finds): 15 s at the defaults, so that a stop reaches every node within about 30 s.
 */
export function requestProbeMs(config: { pollMs: number }): number {
  return Math.min(Math.max(config.pollMs * 5, 2000), 15_000);
}

export class StopWatch {
  /** Requests judged already: whether their author may stop the run. */
  private readonly judged = new Map<number, boolean>();
  /** When this node last read what was added to look for requests (local ms). */
  private lastRequestLook = -Infinity;

  constructor(private readonly ctx: RunContext) {}

  /** The oldest request this node has not judged yet, while the run is not stopped. */
  pending(state: RunState): StopRequest | undefined {
    if (state.stopped) return undefined;
    const { ctx } = this;
    return stopRequests(ctx.thread.all(), state, ctx.trust, this.command()).find(
      (r) => !this.judged.has(r.commentId),
    );
  }

  /** Check who asked; relay the stop when they may write to the repository (and nobody relayed it yet). */
  async judge(request: StopRequest): Promise<void> {
    const { ctx } = this;
    let permission;
    try {
      permission = await keepTrying(ctx, `checking whether ${request.login} may stop the run`, () =>
        permissionOf(ctx.client, request.login),
      );
    } catch (error) {
      // Another node may have better luck; this one does not ask again.
      this.judged.set(request.commentId, false);
      ctx.log.warning(`could not check who asked to stop the run: ${getErrorMessage(error)}`);
      return;
    }
    const allowed = canStart(permission);
    this.judged.set(request.commentId, allowed);
    if (!allowed) {
      ctx.log.info(
        `ignoring the stop asked by ${request.login} in comment ${request.commentId}: their permission is ${permission}, and stopping a run takes write`,
      );
      return;
    }
    if (foldThread(ctx).stopped) return;
    ctx.log.warning(`🛑 ${request.login} asked to stop the run (comment ${request.commentId}): relaying it`);
    await keepTrying(ctx, 'relaying the stop', () => ctx.thread.post(stopBody(ctx.config, request)));
    // Busy nodes watch the beacon: tell them.
    const beacon = findBeacon(ctx.thread.all(), ctx.trust, ctx.config.run);
    if (!beacon || beacon.beacon.stopped) return;
    const stopped = { by: request.login, comment_id: request.commentId };
    try {
      await ctx.thread.edit(beacon.comment.id, beaconBody({ ...beacon.beacon, stopped }, this.command()));
    } catch (error) {
      ctx.log.warning(`could not mark the stop beacon: ${getErrorMessage(error)}`);
    }
  }

  /** The leader posts the beacon with its plan: how to stop the run, and what busy nodes watch. */
  async postBeacon(): Promise<void> {
    const { ctx } = this;
    try {
      const body = beaconBody({ v: 1, run: ctx.config.run }, this.command());
      await keepTrying(ctx, 'posting how to stop the run', () => ctx.thread.post(body), ANNOUNCE_PATIENCE_MS);
    } catch (error) {
      ctx.log.warning(`could not post how to stop the run: ${getErrorMessage(error)}`);
    }
  }

  /** Why the run is stopped, by the fold or by the beacon in the view; undefined while it runs. */
  stoppedBy(state: RunState): string | undefined {
    if (state.stopped) return stoppedReason(state.stopped);
    const stopped = findBeacon(this.ctx.thread.all(), this.ctx.trust, this.ctx.config.run)?.beacon.stopped;
    return stopped ? stoppedReason({ by: stopped.by, commentId: stopped.comment_id }) : undefined;
  }

  /**
   * While this node's agent runs: read the beacon again now and then (a free 304 until it changes), and, on
   * the one node that watches for requests (the lowest instance of those not gone), look for a person's stop
   * in what was added to the thread (free while nothing is). Calls `onStop` with why; resolves on `stop()`.
   */
  watch(onStop: (reason: string) => void): Watch {
    return watchEvery(this.ctx.sleep, stopProbeMs(this.ctx.config), async () => {
      const reason = await this.look();
      if (reason) onStop(reason);
      return reason !== undefined;
    });
  }

  /**
   * An idle node's wait (`wait` sleeps, stretched while the budget is low), in steps of a few seconds: between
   * them the beacon is read again (a free 304 until a stop edits it), and the node that watches for requests
   * asks whether a comment was added (free while none was). Ends early on either, for the node to read.
   */
  async idleWait(ms: number, wait: (ms: number) => Promise<void>): Promise<void> {
    const { ctx } = this;
    const chunk = stopProbeMs(ctx.config);
    for (let left = ms; left > 0; left -= chunk) {
      await wait(Math.min(chunk, left));
      if (left <= chunk) return;
      try {
        const beacon = findBeacon(ctx.thread.all(), ctx.trust, ctx.config.run);
        if (beacon && (await ctx.thread.reload(beacon.comment.id))) return;
        if (this.watchesRequests(foldThread(ctx)) && (await ctx.thread.appended())) return;
      } catch (error) {
        ctx.log.debug(`looking for a stop failed: ${getErrorMessage(error)}`);
      }
    }
  }

  /** One look: why the run is stopped, if it is (relaying a request first). */
  private async look(): Promise<string | undefined> {
    const { ctx } = this;
    try {
      const beacon = findBeacon(ctx.thread.all(), ctx.trust, ctx.config.run);
      if (beacon) await ctx.thread.reload(beacon.comment.id);
      let state = foldThread(ctx);
      // Without the beacon in view (a listing had not shown it yet), read what was added until it is.
      const due = Date.now() - this.lastRequestLook >= requestProbeMs(ctx.config);
      // With the workflow relaying stops, the beacon is all a busy node watches (unless it is not in view yet).
      const reads = !beacon || (!ctx.config.stopRelay && this.watchesRequests(state));
      if (!state.stopped && due && reads) {
        this.lastRequestLook = Date.now();
        if (await ctx.thread.appended()) await ctx.thread.readTail();
        state = foldThread(ctx);
        const request = this.pending(state);
        if (request) await this.judge(request);
        state = foldThread(ctx);
      }
      return this.stoppedBy(state);
    } catch (error) {
      ctx.log.debug(`looking for a stop failed: ${getErrorMessage(error)}`);
      return undefined;
    }
  }

  /** Whether this node is the one that reads people's comments while its agent runs. */
  private watchesRequests(state: RunState): boolean {
    const now = this.ctx.client.clock.now();
    const me = this.ctx.config.nodeId;
    // A node whose last task's lease ran out has fallen silent: the next one watches in its place.
    const holders = new Set([...state.tasks.values()].map((r) => r.attempts.at(-1)?.node));
    const silent = (n: { id: string }): boolean =>
      n.id !== me && holders.has(n.id) && !liveAttemptOf(state, n.id, now);
    return lowestInstance(state, (n) => !silent(n)) === me;
  }

  private command(): string {
    return this.ctx.config.triggerCommand ?? DEFAULT_COMMAND;
  }
}

/** "the run was stopped by alice (comment 123)" (no @: an outcome's text mentions nobody). */
export function stoppedReason(stopped: { by: string; commentId: number }): string {
  return `the run was stopped by ${stopped.by} (comment ${stopped.commentId})`;
}
