// How the fold (fold.ts) reads a claim: for a task of the plan whose dependencies had completed, the next
// attempt, taking over only from an attempt whose lease had run out or whose node's job had ended, with its cap
// out of the run's budget; or why it does not count.
import type { Claim } from './messages.js';
import { surelyAfter } from './server-time.js';
import type { Grant } from './reservations.js';
import { ignore, type AttemptRecord, type Decoded, type RunState, type TaskRecord } from './run-state.js';
import { endedBefore, evidenceOf, finishedInTime, leaseExpiredAt } from './lease-evidence.js';

/**
 * A claim is accepted when it names a task of the plan that can run, is the next attempt (or the closing one),
 * comes after the dependencies completed, and after the previous attempt ended or fell silent.
 */
export function applyClaim(state: RunState, d: Decoded, m: Claim): void {
  const target = claimTarget(state, d, m);
  if (!target) return;
  const { record, closing, reject } = target;
  const attempts = record.attempts;
  const last = attempts.at(-1);
  // The task's completed attempt, if any: a late outcome whose work ended in time may still be settling.
  const done = attempts.find((a) => a.outcome === 'completed');
  if (done && endedBefore(done, d.created)) return reject(`task ${m.task} had already completed`);
  const holds = last && !endedBefore(last, d.created) ? stillHolds(last, d, m, closing) : undefined;
  if (holds) return reject(holds);
  // The budget grants the claim its cap (a closing claim runs no agent): refused, it does not count.
  const cap = closing ? undefined : grantCap(state, d, m);
  if (cap?.refused) return reject(cap.refused);
  if (last && !endedBefore(last, d.created)) {
    if (last === done && finishedInTime(last)) last.rescued = true;
    else if (last.outcome !== 'superseded') {
      // The owner fell silent before this claim: anything it wrote afterwards no longer counts.
      last.outcome = 'expired';
      delete last.endedAt;
    }
  }
  const standing = attempts.find((a) => a.outcome === 'completed');
  const silent = last && (last.outcome === 'expired' || last.rescued || last.outcome === 'superseded');
  if (closing && !silent)
    return reject(`attempt ${m.attempt} closes a task whose last attempt had not fallen silent`);
  const attempt = attemptRecord(d, m, closing);
  if (cap?.grant) attempt.cap = cap.grant;
  attempts.push(attempt);
  if (standing) settleStanding(standing, attempt);
}

type Rejection = (note: string) => undefined;

/** The claim's cap out of what is left of the run's budget when it was made (BudgetLedger), or why not. */
function grantCap(state: RunState, d: Decoded, m: Claim): { grant?: Grant; refused?: string } | undefined {
  if (!state.budget) return undefined;
  const { grant, refusal } = state.budget.claim({
    commentId: d.comment.id,
    at: d.created,
    ...(m.cap_usd !== undefined ? { askedUsd: m.cap_usd } : {}),
  });
  if (!refusal) {
    // The comment's latest version is all the fold sees: an outcome there was written at its time.
    const reported = m.result?.usage?.cost_usd;
    if (m.state === 'completed' || m.state === 'failed')
      state.budget.ends(d.comment.id, {
        at: d.updated,
        ...(reported !== undefined ? { reportedUsd: reported } : {}),
      });
    return grant ? { grant } : {};
  }
  const left = `$${refusal.left.toFixed(4)}`;
  return { refused: `the run's budget had ${left} left to grant, less than an agent starts with` };
}

/** The claim's task, if the claim may be for it at all (the plan, the task, the attempt number, dependencies). */
function claimTarget(
  state: RunState,
  d: Decoded,
  m: Claim,
): { record: TaskRecord; closing: boolean; reject: Rejection } | undefined {
  const plan = state.plan;
  if (!plan) return ignore(d, 'claim before any plan');
  const record = state.tasks.get(m.task);
  if (!record) return ignore(d, `unknown task ${m.task}`);
  const reject: Rejection = (note) => {
    record.lostClaims.push(d.comment.id);
    return ignore(d, note);
  };
  if (record.task.error) return reject(`task ${m.task} cannot run: ${record.task.error}`);
  if (record.task.completed_in)
    return reject(`task ${m.task} completed in run ${record.task.completed_in.run}`);
  // One past the limit is a closing claim: it records that the last attempt's node fell silent with no
  // attempts left, so that the task's failure is written in the log rather than judged from a clock.
  const closing = m.attempt === plan.maxAttempts + 1 && m.state === 'failed';
  if (m.attempt > plan.maxAttempts && !closing)
    return reject(`attempt ${m.attempt} is over the limit of ${plan.maxAttempts}`);
  for (const dep of record.task.depends_on) {
    if (state.tasks.get(dep)?.task.completed_in) continue;
    const done = state.tasks.get(dep)?.attempts.find((a) => a.outcome === 'completed');
    if (!done || !endedBefore(done, d.created)) return reject(`dependency ${dep} had not completed`);
    // A dependency that asks for a review holds its dependents until a person's verdict (fold-review.ts).
    const depRecord = state.tasks.get(dep)!;
    if (depRecord.task.review === 'required' && !depRecord.review)
      return reject(`dependency ${dep} had not been reviewed`);
  }
  const attempts = record.attempts;
  const last = attempts.at(-1);
  if (m.attempt === attempts.length && last)
    return reject(`lost the race for attempt ${m.attempt} to ${last.node}`);
  if (m.attempt !== attempts.length + 1)
    return reject(`attempt ${m.attempt} does not follow attempt ${attempts.length}`);
  return { record, closing, reject };
}

/**
 * Why the previous attempt, not ended before this claim, still held its task when the claim was made; undefined
 * when its lease had run out, or when its owner was gone: its job had ended (the Actions API, read by the
 * claimant) and it wrote nothing after its job's end or this claim's second, whatever its lease says. (Not for
 * a closing claim, which fails the task: for that the lease must have run out.)
 */
function stillHolds(last: AttemptRecord, d: Decoded, m: Claim, closing: boolean): string | undefined {
  const gone =
    !closing &&
    m.takeover?.node === last.node &&
    last.updated <= d.created &&
    last.updated <= surelyAfter(m.takeover.ended_at);
  if (gone || leaseExpiredAt(last.ev, d.created)) return undefined;
  return `attempt ${last.attempt} by ${last.node} was still alive`;
}

function attemptRecord(d: Decoded, m: Claim, closing: boolean): AttemptRecord {
  const ended = m.state === 'completed' || m.state === 'failed' ? m.state : undefined;
  return {
    commentId: d.comment.id,
    node: m.node,
    nonce: m.nonce,
    task: m.task,
    attempt: m.attempt,
    created: d.created,
    updated: d.updated,
    state: m.state,
    outcome: ended ?? 'open',
    ...(ended ? { endedAt: d.updated } : {}),
    ...(m.progress !== undefined ? { progress: m.progress } : {}),
    ...(m.result !== undefined ? { result: m.result } : {}),
    ev: evidenceOf(m, d.created, d.updated),
    ...(d.comment.html_url ? { htmlUrl: d.comment.html_url } : {}),
    ...(closing ? { closing: true } : {}),
    ...(m.takeover ? { takeover: m.takeover } : {}),
  };
}

/**
 * A takeover of finished work whose outcome GitHub held back past the lease: the first result stands (in a
 * tie, the takeover's: a late outcome comes after anything else written in its second, see endedBefore). A
 * takeover that ended first, completed or failed (a closing claim too), voids the late outcome; one still open
 * when it was written, or ending later, is superseded, and its node stops.
 */
function settleStanding(standing: AttemptRecord, attempt: AttemptRecord): void {
  if (attempt.endedAt !== undefined && attempt.endedAt <= standing.endedAt!) {
    standing.outcome = 'expired';
    delete standing.endedAt;
    delete standing.rescued;
  } else attempt.outcome = 'superseded';
}
