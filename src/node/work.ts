// A worker's cycle for one task: race a claim comment, confirm it from a listing that shows it, run the
// agent while heartbeating, and write the outcome into the same comment.
import path from 'node:path';
import { getErrorMessage } from '../errors.js';
import { surelyAfter } from '../protocol/server-time.js';
import { decode } from '../protocol/codec.js';
import type { AttemptRecord, RunState } from '../protocol/fold.js';
import { budgetLeft } from '../protocol/cost.js';
import { capInput, capToAskNow, giveBack, ownClaim, settleGrant } from './attempt-cap.js';
import { stoppedReason, type StopWatch } from './stop-watch.js';
import { watchEvery } from './watch-every.js';
import type { Claim, PriorOutcome, Result } from '../protocol/messages.js';
import {
  carriedPrior,
  logOutcome,
  mayCarry,
  noteCarried,
  warnLate,
  withinPatience,
  type PendingOutcome,
} from './carried-outcome.js';
import { buildPrompt } from './prompt.js';
import { foldThread, type RunContext } from './context.js';
import { waitingFor } from './watchdog.js';
import { keepTrying } from './keep-trying.js';
import { LeaseKeeper, type LeaseEdit } from './lease-keeper.js';
import { leaseNow, noteLease } from './held-leases.js';
import { claimBody, newNonce, type ClaimFields } from './message-bodies.js';
import { runWithChecks, type WorkResult } from './quality-gate.js';
import { cappedLog } from './capped-log.js';
import { ownDir, writeFresh } from '../containment/safe-files.js';
import type { Task } from '../protocol/messages.js';
import type { ThreadComment } from '../protocol/thread-comment.js';
import type { Delivered, DependencyBranch } from '../delivery/task-branch.js';

export interface HeldClaim {
  task: string;
  attempt: number;
  nonce: string;
  /** A takeover of a node whose job had ended: carried in every edit of the claim. */
  takeover?: Claim['takeover'];
  /** What the claim asked of the run's budget (`cap_usd`): carried in every edit of the claim. */
  capUsd?: number;
  /** What the fold granted it: the most the attempt's agents are given to spend. */
  grantUsd?: number;
  /** The outcome of the node's previous attempt that this claim records: carried in every edit of the claim. */
  prior?: PriorOutcome;
  keeper: LeaseKeeper;
  /** The client's request counts before the claim was posted: what the task cost is measured from here. */
  statsBefore: { counted: number; writes: number };
  /** Set when the lease is lost, or the attempt superseded (the agent is then stopped). */
  lost?: string;
  onLost?: (reason: string) => void;
  /** The attempt before this one had finished first and its outcome came in late: this one does not count. */
  superseded?: string;
  /** Set when the run is stopped from the issue: the agent is stopped and the attempt recorded as failed. */
  stopped?: string;
  onStopped?: (reason: string) => void;
}

export type TaskOutcome = 'completed' | 'failed' | 'fenced' | 'superseded';

export interface TaskEnd {
  outcome: TaskOutcome;
  /** The thread was read while the outcome was written: the view is as fresh as a reading now would be. */
  viewIsFresh: boolean;
  /** The outcome, not written yet: the node's next claim may carry it (carried-outcome.ts). */
  pending?: PendingOutcome;
}

/**
 * The fields of every edit of a held claim: its task and attempt, and a takeover's ground, which the fold
 * judges from the claim's latest version, so that every edit must carry it.
 */
function heldFields(
  claim: HeldClaim,
  fields: Omit<ClaimFields, 'task' | 'attempt' | 'takeover' | 'cap_usd' | 'prior'>,
): ClaimFields {
  return {
    task: claim.task,
    attempt: claim.attempt,
    ...fields,
    ...(claim.takeover ? { takeover: claim.takeover } : {}),
    ...(claim.capUsd !== undefined ? { cap_usd: claim.capUsd } : {}),
    ...(claim.prior ? { prior: claim.prior } : {}),
  };
}

/**
 * Read the thread until a listing shows `commentId` (and so, listings being prefixes in time, every comment
 * posted before it). Only what was added since the last reading is read (the end of the full listing, whose
 * pages only grow at the end): a race is decided by comments created, and the view already has the edits that
 * made the task claimable; the previous attempt's last edit is read on its own (settlePreviousAttempt).
 * False when `abandon` says to stop waiting.
 */
function untilListed(ctx: RunContext, commentId: number, abandon: () => boolean): Promise<boolean> {
  return waitingFor(ctx, `a listing that shows comment ${commentId}`, () =>
    readUntilListed(ctx, commentId, abandon),
  );
}

async function readUntilListed(ctx: RunContext, commentId: number, abandon: () => boolean): Promise<boolean> {
  for (;;) {
    if (abandon()) return false;
    try {
      if (ctx.thread.canReadTail()) {
        const tail = await ctx.thread.readTail();
        if (tail.unsure) await ctx.thread.refresh();
      } else await ctx.thread.refresh();
    } catch (error) {
      ctx.log.warning(`reading the thread failed: ${getErrorMessage(error)}`);
    }
    if (ctx.thread.has(commentId)) return true;
    await ctx.sleep(Math.min(ctx.config.pollMs, 1000));
  }
}

/**
 * A takeover is judged by the previous attempt's last write before the claim: its heartbeats (was its lease
 * still running?) and a late outcome (did it finish first?). Those are edits to an old comment, which a
 * listing of what was added does not show, and which a read from a lagging replica may not show yet. So read
 * that comment on its own, once any read is sure to show every write made before the claim (GitHub's listing
 * lag, `listing-lag-ms`, after the claim's second), and read the end of the thread again.
 */
async function settlePreviousAttempt(
  ctx: RunContext,
  choice: { task: string; attempt: number },
  claimCreated: string,
): Promise<void> {
  if (choice.attempt < 2) return;
  const earlier = attemptsThatMayStillWrite(ctx, choice);
  if (earlier.length === 0) return;
  const waitMs = surelyAfter(Date.parse(claimCreated)) + ctx.config.listingLagMs - ctx.client.clock.now();
  if (waitMs > 0) {
    ctx.log.info(
      `waiting ${Math.ceil(waitMs / 1000)}s until any read shows attempt ${choice.attempt - 1}'s last write before this claim`,
    );
    await waitingFor(
      ctx,
      `GitHub's listing lag to pass before reading attempt ${choice.attempt - 1} of ${choice.task} again`,
      () => ctx.sleep(waitMs),
    );
  }
  for (const a of earlier)
    await keepTrying(ctx, `reading attempt ${a.attempt} of ${choice.task} again`, () =>
      ctx.thread.reload(a.commentId),
    );
  await keepTrying(ctx, 'reading the end of the thread', () => ctx.thread.readTail());
}

/**
 * The earlier attempts of a task whose last write could still change who holds it: the one before (its
 * heartbeats, its outcome), and any taken over from whose finished work may yet be recorded late.
 */
function attemptsThatMayStillWrite(
  ctx: RunContext,
  choice: { task: string; attempt: number },
): AttemptRecord[] {
  const state = foldThread(ctx);
  const attempts = state.tasks.get(choice.task)?.attempts.slice(0, choice.attempt - 1) ?? [];
  return attempts.filter(
    (a, i) => !a.closing && (i === choice.attempt - 2 || a.outcome === 'expired' || a.rescued === true),
  );
}

/**
 * While the agent runs on a takeover, look now and then (a free 304 while nothing changed) at the attempts it
 * took over from: if one had finished its work in time and its outcome now comes in, this attempt is
 * superseded and its agent is stopped. Resolves when `stop` is called.
 */
function watchForEarlierOutcome(
  ctx: RunContext,
  claim: HeldClaim,
): { stop: () => Promise<void>; watching: boolean } {
  const earlier = attemptsThatMayStillWrite(ctx, claim).filter((a) => a.outcome !== 'failed');
  if (earlier.length === 0) return { watching: false, stop: () => Promise.resolve() };
  const watch = watchEvery(ctx.sleep, supersedeWatchMs(ctx.config), async () => {
    if (claim.lost) return true;
    await checkSuperseded(ctx, claim, earlier);
    return claim.lost !== undefined;
  });
  return {
    watching: true,
    stop: async () => {
      await watch.stop();
      // One last look before the work is delivered (the lease may be lost by now: the work still counts).
      if (!claim.superseded) await checkSuperseded(ctx, claim, earlier);
    },
  };
}

/** How often a takeover's node looks for an earlier attempt's late outcome while its agent runs. */
export function supersedeWatchMs(config: { pollMs: number }): number {
  return Math.min(Math.max(config.pollMs * 5, 5000), 30_000);
}

async function checkSuperseded(ctx: RunContext, claim: HeldClaim, earlier: AttemptRecord[]): Promise<void> {
  let changed = false;
  for (const a of earlier) {
    try {
      changed = (await ctx.thread.reload(a.commentId)) || changed;
    } catch (error) {
      ctx.log.debug(`could not read attempt ${a.attempt} of ${claim.task}: ${getErrorMessage(error)}`);
    }
  }
  try {
    // Its node's next claim may carry that outcome (carried-outcome.ts): a new comment, at the thread's end.
    if (ctx.thread.canReadTail()) changed = (await ctx.thread.readTail()).added.length > 0 || changed;
  } catch (error) {
    ctx.log.debug(`could not read the end of the thread: ${getErrorMessage(error)}`);
  }
  if (!changed) return;
  const state = foldThread(ctx);
  const attempts = state.tasks.get(claim.task)?.attempts ?? [];
  const mine = attempts[claim.attempt - 1];
  const winner = attempts.find((a) => a.outcome === 'completed');
  if (mine?.nonce === claim.nonce && mine.outcome !== 'superseded') return;
  const why = winner
    ? `attempt ${winner.attempt} by ${winner.node} had finished first; its outcome came in late`
    : 'the claim no longer holds the task';
  claim.superseded = why;
  claim.lost = why;
  ctx.log.warning(`${claim.task}: stopping: ${why}`);
  claim.onLost?.(why);
}

/** Post a claim comment; undefined (and logged) when GitHub would not take it within a lease. */
async function postClaim(ctx: RunContext, task: string, body: string): Promise<ThreadComment | undefined> {
  try {
    return await keepTrying(
      ctx,
      `claiming ${task}`,
      // A claim answered 5xx may have landed: posted again at once (keepTrying), not after plugin-retry's
      // back-off, so that the copy the fold counts (the first) is still fresh when this node adopts it.
      () => ctx.thread.post(body, { retries: 0 }),
      ctx.config.leaseMs,
    );
  } catch (error) {
    ctx.log.warning(`could not claim ${task}: ${getErrorMessage(error)}`);
    return undefined;
  }
}

/**
 * Post a claim and wait for the verdict. Returns the claim when this node won it. `chosenFrom`: the state the
 * node chose the task from, which the cap it asks of the run's budget is worked out from (the thread, if absent).
 */
export async function claimTask(
  ctx: RunContext,
  choice: { task: string; attempt: number; takeover?: Claim['takeover'] },
  chosenFrom?: RunState,
  carry?: PendingOutcome,
): Promise<{ claim: HeldClaim; state: RunState } | undefined> {
  const { config, log } = ctx;
  const nonce = newNonce();
  const statsBefore = { counted: ctx.client.stats.counted, writes: ctx.client.stats.writes };
  const capUsd = capToAskNow(ctx, chosenFrom);
  const carried = carry ? await carriedPrior(ctx, carry) : undefined;
  const fields: ClaimFields = {
    task: choice.task,
    attempt: choice.attempt,
    state: 'claimed',
    ...(choice.takeover ? { takeover: choice.takeover } : {}),
    ...(capUsd !== undefined ? { cap_usd: capUsd } : {}),
    ...(carried ? { prior: carried.prior } : {}),
  };
  // The settle window runs from when the claim was sent: its comment is stamped between send and answer.
  const postedAt = Date.now();
  const lease = leaseNow(ctx, true); // one the budget can pay for
  const post = postClaim(ctx, choice.task, claimBody(config, nonce, fields, lease));
  let posted: ThreadComment | undefined;
  if (carry && carried) {
    // Held back or not posted: the outcome goes into its own comment after all.
    const waited = await withinPatience(ctx, carry, post, () => recordPending(ctx, carry));
    posted = waited.value;
    if (posted && !waited.writtenOwn) noteCarried(ctx, carry, carried.edit, posted);
    else if (!waited.writtenOwn) await recordPending(ctx, carry);
  } else posted = await post;
  if (!posted) return undefined;
  noteLease(ctx, lease.leaseMs, lease.heartbeatMs, `the claim on ${choice.task}`);
  const lost = (reason: string): void => {
    claim.lost = reason;
    claim.onLost?.(reason);
  };
  const claim: HeldClaim = {
    task: choice.task,
    attempt: choice.attempt,
    nonce,
    ...(choice.takeover ? { takeover: choice.takeover } : {}),
    ...(capUsd !== undefined ? { capUsd } : {}),
    ...(carried ? { prior: carried.prior } : {}),
    statsBefore,
    keeper: new LeaseKeeper(ctx, posted.id, Date.parse(posted.created_at), lost, lease.leaseMs),
  };
  claim.keeper.start((edit) => claimBody(config, nonce, fields, edit), false);
  log.info(
    `🎯 claimed ${choice.task} (attempt ${choice.attempt}) in comment ${posted.id}; waiting ${config.settleMs}ms for rivals`,
  );

  // Decide only from a listing that shows this claim, once the settle window has passed.
  await ctx.sleep(Math.max(0, config.settleMs - (Date.now() - postedAt)));
  const seen = await untilListed(ctx, posted.id, () => claim.lost !== undefined);
  if (!seen) {
    log.warning(`gave up the claim on ${choice.task}: ${claim.lost}`);
    return undefined;
  }
  await settlePreviousAttempt(ctx, choice, posted.created_at);
  const state = await settleGrant(ctx, claim, foldThread(ctx));
  return (await judgeClaim(ctx, claim, fields, posted.id, state)) ? { claim, state } : undefined;
}

/** Whether this node won its claim, as `state` has it (after the settle window and any previous attempt). */
async function judgeClaim(
  ctx: RunContext,
  claim: HeldClaim,
  fields: ClaimFields,
  postedId: number,
  state: RunState,
): Promise<boolean> {
  const { log } = ctx;
  const { nonce } = claim;
  const attempts = state.tasks.get(claim.task)?.attempts ?? [];
  const winner = attempts[claim.attempt - 1];
  if (winner?.nonce === nonce && winner.commentId !== postedId) {
    log.info(`the claim was posted twice; keeping comment ${winner.commentId}, the first copy`);
    claim.keeper.retarget(winner.commentId, winner.updated, winner.ev.leaseMs);
  }
  if (winner?.nonce === nonce && (winner.outcome !== 'open' || attempts.at(-1) !== winner || claim.lost)) {
    // The first copy landed long before this node heard back, went unrefreshed, and was taken over.
    claim.keeper.stop();
    const why =
      winner.outcome === 'superseded'
        ? 'an earlier attempt had finished its work in time, and its outcome came in late'
        : 'its first copy fell silent and was taken over';
    log.info(`lost ${claim.task}: ${claim.lost ?? why}`);
    return false;
  }
  const { refusal } = ownClaim(state, claim);
  if (refusal) {
    await giveBack(ctx, claim.keeper, { ...fields, nonce }, refusal);
    return false;
  }
  if (!winner || winner.nonce !== nonce) {
    claim.keeper.stop();
    const entry = state.entries.find((e) => e.commentId === postedId);
    log.info(
      `lost ${claim.task}: ${entry?.note ?? (winner ? `${winner.node} claimed it first` : 'the claim did not count')}`,
    );
    return false;
  }
  if (winner.cap) claim.grantUsd = winner.cap.granted;
  log.info(
    `won ${claim.task} (attempt ${claim.attempt})${winner.cap ? `; its agents may spend $${winner.cap.granted.toFixed(4)} of the run's budget` : ''}`,
  );
  return true;
}

/**
 * Close a task whose last allowed attempt fell silent: post a claim one past the limit, already failed, and
 * wait until a listing shows it. The fold accepts it only if that attempt's lease had truly run out when it
 * was posted, so a node misled by a lagging listing cannot fail a task that is still running.
 */
export async function closeTask(
  ctx: RunContext,
  choice: { task: string; attempt: number; takeover?: Claim['takeover'] },
): Promise<boolean> {
  const { config, thread, log } = ctx;
  const nonce = newNonce();
  const error = `attempt ${choice.attempt - 1}'s node fell silent and no attempts are left`;
  let posted;
  try {
    posted = await keepTrying(
      ctx,
      `closing ${choice.task}`,
      () =>
        thread.post(
          claimBody(config, nonce, {
            task: choice.task,
            attempt: choice.attempt,
            state: 'failed',
            result: { exit_code: null, duration_ms: 0, output_tail: '', error },
            ...(choice.takeover ? { takeover: choice.takeover } : {}),
          }),
        ),
      config.leaseMs,
    );
  } catch (postError) {
    log.warning(`could not close ${choice.task}: ${getErrorMessage(postError)}`);
    return false;
  }
  log.info(`❌ closing ${choice.task} in comment ${posted.id}: ${error}`);
  await untilListed(ctx, posted.id, () => false);
  await settlePreviousAttempt(ctx, choice, posted.created_at);
  const state = foldThread(ctx);
  const entry = state.entries.find((e) => e.commentId === posted.id);
  const closed = state.tasks.get(choice.task)?.attempts.some((a) => a.closing) ?? false;
  if (!closed || entry?.status !== 'accepted')
    log.info(`${choice.task} was not closed: ${entry?.note ?? 'another record came first'}`);
  return closed;
}

/** What the heartbeats of a running task say it is doing. */
interface Progress {
  line: string;
}

/** Run the agent on a claimed task and record the outcome. */
export async function runTask(
  ctx: RunContext,
  claim: HeldClaim,
  state: RunState,
  stops: StopWatch,
): Promise<TaskEnd> {
  const task = state.tasks.get(claim.task)!.task;
  const progress: Progress = { line: 'agent starting' };
  heartbeatWhileRunning(ctx, claim, progress);
  const { prompt, promptFile } = writePrompt(ctx, claim, task, state);
  const deps = dependencyBranches(state, task);
  let prepared: string | undefined;
  if (ctx.branches) {
    progress.line =
      deps.length > 0 ? `merging ${deps.map((d) => d.task).join(', ')}` : 'preparing the branch';
    prepared = await ctx.branches.prepare(task, deps);
    if (prepared) ctx.log.warning(`${task.id}: ${prepared}`);
  }
  if (claim.lost) prepared ??= `the lease was lost before the agent started: ${claim.lost}`;
  if (state.stopped) prepared ??= stoppedReason(state.stopped);
  const { run, finishedAt, watching } = await runWatched(ctx, claim, prepared, stops, () =>
    runWork(ctx, state, claim, task, prompt, promptFile, (line) => (progress.line = line)),
  );
  if (claim.superseded) return recordSuperseded(ctx, claim, run);
  if (claim.lost && finishedAt === undefined) return fenced(ctx, claim, task);
  let ok = !prepared && run.ok;
  let error = prepared ?? run.error;
  let delivered: Delivered | undefined;
  if (ctx.branches && !prepared) {
    progress.line = ok ? 'pushing the branch' : 'saving the failed run on a branch';
    ({ ok, error, delivered } = await deliverWork(ctx, ctx.branches, {
      claim,
      task,
      run,
      deps,
      ok,
      error,
      watching,
    }));
  }
  claim.keeper.stop();
  if (claim.lost && !(ok && finishedAt !== undefined)) return fenced(ctx, claim, task);
  const result = resultOf(ctx, claim, { run, ok, error, delivered, finishedAt });
  const ended = ok ? ('completed' as const) : ('failed' as const);
  const done: PendingOutcome = {
    claim,
    fields: { ...heldFields(claim, { state: ended, result }), state: ended },
    task,
    run,
    ok,
    error,
    result,
    finishedAt,
  };
  if (mayCarry(ctx, claim)) return { outcome: ended, viewIsFresh: false, pending: done };
  return recordOutcome(ctx, done);
}

/**
 * Write an outcome that waited for a next claim into its own comment (no claim carries it). The node read the
 * thread just before, to decide that: no reading goes along.
 */
export async function recordPending(ctx: RunContext, pending: PendingOutcome): Promise<void> {
  await recordOutcome(ctx, pending, false);
}

/** Heartbeats while the task runs say what it is doing (no edit at once: the claim proves the node alive). */
function heartbeatWhileRunning(ctx: RunContext, claim: HeldClaim, progress: Progress): void {
  const startedAt = Date.now();
  const running = (edit: LeaseEdit): string =>
    claimBody(
      ctx.config,
      claim.nonce,
      heldFields(claim, { state: 'running', progress: progress.line }),
      edit,
      {
        startedAt,
        now: Date.now(),
      },
    );
  claim.keeper.stop();
  claim.keeper.start(running, false);
}

/** The agent's prompt, in a file of the node's own (synchronous: a few kilobytes, and the simulation's
 * virtual clock must not run ahead of a pending write). */
function writePrompt(
  ctx: RunContext,
  claim: HeldClaim,
  task: Task,
  state: RunState,
): { prompt: string; promptFile: string } {
  const { config } = ctx;
  const dir = path.join(config.tempDir, 'tasks');
  ownDir(dir);
  const promptFile = path.join(dir, `${task.id}-attempt-${claim.attempt}.md`);
  const prompt = buildPrompt(
    ctx.issue,
    task,
    state,
    claim.attempt,
    ctx.thread.all(),
    config.allowUntrustedAuthors,
  );
  writeFresh(promptFile, prompt);
  return { prompt, promptFile };
}

/**
 * Run the work (unless preparing it failed) while a takeover watches for an earlier attempt's late outcome.
 * Work that ended while the lease still ran is kept (`finishedAt`), whatever GitHub does to the writes that
 * record it; the lease keeper checks its deadline a few times a second, and the work's end is held against it
 * here too.
 */
async function runWatched(
  ctx: RunContext,
  claim: HeldClaim,
  prepared: string | undefined,
  stops: StopWatch,
  work: () => Promise<WorkResult>,
): Promise<{ run: WorkResult; finishedAt?: number; watching: boolean }> {
  const watch = watchForEarlierOutcome(ctx, claim);
  const stopWatch = prepared
    ? undefined
    : stops.watch((reason) => {
        claim.stopped = reason;
        claim.onStopped?.(reason);
      });
  try {
    const run = prepared
      ? { ok: false, exitCode: null, signal: null, durationMs: 0, outputTail: '', runs: 0 }
      : await work();
    const endedAt = ctx.client.clock.now();
    const inTime = run.ok && !claim.lost && endedAt < claim.keeper.deadline();
    return { run, ...(inTime ? { finishedAt: endedAt } : {}), watching: watch.watching };
  } finally {
    await Promise.all([watch.stop(), stopWatch?.stop()]);
  }
}

/** The lease was lost and the work had not ended in time: record nothing, another node takes over. */
function fenced(ctx: RunContext, claim: HeldClaim, task: Task): TaskEnd {
  claim.keeper.stop();
  ctx.log.warning(
    `${task.id}: the lease was lost, so the outcome is not recorded; another node will take the task over`,
  );
  return { outcome: 'fenced', viewIsFresh: false };
}

/** Push the work to its branch (a failed run's to the failed-attempt branch) and open its pull request. */
async function deliverWork(
  ctx: RunContext,
  branches: NonNullable<RunContext['branches']>,
  w: {
    claim: HeldClaim;
    task: Task;
    run: WorkResult;
    deps: DependencyBranch[];
    ok: boolean;
    error: string | undefined;
    watching: boolean;
  },
): Promise<{ ok: boolean; error: string | undefined; delivered?: Delivered }> {
  const { log, config } = ctx;
  const { task, run } = w;
  try {
    const delivered = await branches.deliver({
      task,
      attempt: w.claim.attempt,
      node: config.nodeId,
      ok: w.ok,
      ...(w.error ? { failure: w.error } : {}),
      deps: w.deps,
      createPr: config.delivery?.createPr ?? false,
      ...(run.check ? { check: run.check } : {}),
      ...(run.usage ? { usage: run.usage } : {}),
      // A takeover that could still lose to a late outcome never pushes over the branch of the work that wins.
      ownBranch: w.watching,
    });
    if (!delivered.changes)
      log.info(`${task.id}: the agent changed nothing, so there is no branch or pull request`);
    else
      log.info(
        `${task.id}: pushed ${delivered.branch}${delivered.pr ? `; pull request ${delivered.pr}` : ''}`,
      );
    if (delivered.prError)
      log.warning(`${task.id}: the pull request could not be opened: ${delivered.prError}`);
    return { ok: w.ok, error: w.error, delivered };
  } catch (deliveryError) {
    const why = getErrorMessage(deliveryError);
    log.warning(`${task.id}: could not push the work: ${why}`);
    if (!w.ok) return { ok: false, error: w.error };
    return { ok: false, error: `the agent succeeded but its work could not be pushed: ${why}` };
  }
}

/** The outcome's result: what the agent did, what was delivered, and what the attempt cost in requests. */
function resultOf(
  ctx: RunContext,
  claim: HeldClaim,
  o: {
    run: WorkResult;
    ok: boolean;
    error?: string | undefined;
    delivered?: Delivered | undefined;
    finishedAt?: number | undefined;
  },
): Result {
  const { run, delivered } = o;
  const { stats } = ctx.client;
  return {
    exit_code: run.exitCode,
    duration_ms: run.durationMs,
    output_tail: run.outputTail,
    ...(o.error ? { error: o.error } : {}),
    ...(run.usage ? { usage: run.usage } : {}),
    ...(run.runs > 0 ? { runs: run.runs } : {}),
    ...(run.check ? { check: run.check } : {}),
    ...(delivered
      ? {
          changes: delivered.changes,
          ...(delivered.branch ? { branch: delivered.branch } : {}),
          ...(delivered.commit ? { commit: delivered.commit } : {}),
          ...(delivered.pr ? { pr: delivered.pr } : {}),
          ...(delivered.prError ? { pr_error: delivered.prError.slice(0, 2000) } : {}),
        }
      : {}),
    ...(o.ok && o.finishedAt !== undefined ? { finished_at: Math.round(o.finishedAt) } : {}),
    // Counted so far, plus the edit that records this result.
    api: {
      requests: stats.counted - claim.statsBefore.counted + 1,
      writes: stats.writes - claim.statsBefore.writes,
    },
  };
}

/**
 * Write the outcome into the claim. Finished work is worth waiting for: through a used-up hourly budget and
 * its reset, if need be. What changed during the run is read while the outcome is written, so the next claim
 * goes out sooner (the outcome joins the view from the edit's answer, and a reading from a replica without it
 * cannot replace it); that reading stands for a fresh one only if it ended within a poll interval of the
 * outcome getting through.
 */
async function recordOutcome(ctx: RunContext, o: PendingOutcome, readAlong = true): Promise<TaskEnd> {
  const { config, log } = ctx;
  const { claim, task, finishedAt } = o;
  const outcome = o.fields.state;
  const final = (edit: LeaseEdit): string => claimBody(config, claim.nonce, o.fields, edit);
  let caughtUpAt = -Infinity;
  const catchUp = readAlong
    ? ctx.thread.refresh().then(
        () => ((caughtUpAt = Date.now()), true),
        () => false,
      )
    : Promise.resolve(false);
  try {
    let tried = false;
    const counted = await keepTrying(
      ctx,
      `recording the outcome of ${task.id}`,
      () => {
        const again = tried;
        tried = true;
        return again
          ? claim.keeper.writeFinalAgain(final, (c) => carries(c, claim.nonce, outcome))
          : claim.keeper.write(final, true);
      },
      finishedAt !== undefined ? Math.max(OUTCOME_PATIENCE_MS, 3 * config.leaseMs) : undefined,
    );
    if (!counted) warnLate(ctx, o);
  } catch (writeError) {
    log.warning(`could not record the outcome of ${task.id}: ${getErrorMessage(writeError)}`);
    return { outcome: 'fenced', viewIsFresh: false };
  }
  logOutcome(ctx, o);
  // A reading that ended well before the outcome got through (GitHub held the write back) is stale by now.
  const caughtUp = await catchUp;
  return { outcome, viewIsFresh: caughtUp && Date.now() - caughtUpAt <= config.pollMs };
}

/** Whether a claim comment carries this attempt's outcome already (its nonce, in that state). */
function carries(comment: ThreadComment, nonce: string, outcome: 'completed' | 'failed'): boolean {
  const d = decode(comment.body);
  return (
    d.kind === 'message' &&
    d.message.type === 'claim' &&
    d.message.nonce === nonce &&
    d.message.state === outcome
  );
}

/** How long a node keeps trying to record finished work: GitHub's primary budget resets every hour. */
const OUTCOME_PATIENCE_MS = 75 * 60_000;

/** The attempt was superseded: its agent was stopped; record it as failed, deliver nothing. */
async function recordSuperseded(ctx: RunContext, claim: HeldClaim, run: WorkResult): Promise<TaskEnd> {
  const { config, log } = ctx;
  claim.keeper.stop();
  const result: Result = {
    exit_code: run.exitCode,
    duration_ms: run.durationMs,
    output_tail: run.outputTail,
    error: `superseded: ${claim.superseded}`,
    ...(run.usage ? { usage: run.usage } : {}),
    ...(run.runs > 0 ? { runs: run.runs } : {}),
  };
  try {
    await keepTrying(ctx, `recording that ${claim.task} was superseded`, () =>
      claim.keeper.write(
        (edit) => claimBody(config, claim.nonce, heldFields(claim, { state: 'failed', result }), edit),
        true,
      ),
    );
  } catch (error) {
    log.warning(`could not record that ${claim.task} was superseded: ${getErrorMessage(error)}`);
  }
  log.info(`⏭️ ${claim.task}: left to the earlier attempt, which had finished first`);
  return { outcome: 'superseded', viewIsFresh: false };
}

/** The branches of a task's dependencies that have one (a dependency that changed nothing has none). */
export function dependencyBranches(state: RunState, task: Task): DependencyBranch[] {
  const out: DependencyBranch[] = [];
  for (const id of task.depends_on) {
    const earlier = state.tasks.get(id)?.task.completed_in;
    if (earlier?.branch) {
      out.push({ task: id, branch: earlier.branch, ...(earlier.pr ? { pr: earlier.pr } : {}) });
      continue;
    }
    const done = state.tasks.get(id)?.attempts.find((a) => a.outcome === 'completed');
    const branch = done?.result?.branch;
    if (branch) out.push({ task: id, branch, ...(done.result?.pr ? { pr: done.result.pr } : {}) });
  }
  return out;
}

/**
 * What an attempt's runs may spend when its claim was granted no cap out of the run's budget (the run has
 * none: then the task's cap, max-task-cost-usd): no more than what is left of the run's budget, if it has one.
 * An attempt granted a cap (HeldClaim.grantUsd, BudgetLedger) is given that instead.
 */
export function attemptBudget(
  config: { maxTaskCostUsd?: number },
  state: RunState,
): { usd: number; input: string } | undefined {
  const task = config.maxTaskCostUsd;
  const run = budgetLeft(state);
  if (run !== undefined && (task === undefined || run < task))
    return { usd: run, input: "what is left of the run's budget (max-cost-usd)" };
  return task !== undefined ? { usd: task, input: 'max-task-cost-usd' } : undefined;
}

function runWork(
  ctx: RunContext,
  state: RunState,
  claim: HeldClaim,
  task: Task,
  prompt: string,
  promptFile: string,
  onProgress: (line: string) => void,
): Promise<WorkResult> {
  const { config, log } = ctx;
  log.info(`⚙️ running the agent on ${task.id}: ${task.title}`);
  // A talkative agent is logged up to a point: what it prints past that still reaches the outcome's tail.
  const logLine = cappedLog(log, `  [${task.id}] `);
  const budget =
    claim.grantUsd !== undefined
      ? { usd: claim.grantUsd, input: capInput(claim.grantUsd, config.maxTaskCostUsd) }
      : attemptBudget(config, state);
  return runWithChecks(ctx, claim, {
    ...(budget ? { budget } : {}),
    task,
    attempt: claim.attempt,
    prompt,
    promptFile,
    env: {
      P2P_TASK_ID: task.id,
      P2P_TASK_TITLE: task.title,
      P2P_TASK_BODY: task.body,
      P2P_TASK_PRIORITY: task.priority,
      P2P_ISSUE_NUMBER: String(config.issueNumber),
      P2P_NODE_ID: config.nodeId,
      P2P_INSTANCE: String(config.instance),
      P2P_ATTEMPT: String(claim.attempt),
    },
    onProgress,
    onOutput: (text) => {
      const last = text.trimEnd().split('\n').at(-1)?.trim();
      if (last) onProgress(last.slice(0, 200));
      logLine(text);
    },
  });
}
