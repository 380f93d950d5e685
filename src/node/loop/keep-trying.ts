// The retry policy of every GitHub call a node makes: ride out faults, give up on answers that will not change.
import { statusOf } from '../../github/client.js';
import { getErrorMessage } from '../../errors.js';
import type { NodeContext } from './context.js';
import { waitingFor } from './watchdog.js';

/** Statuses that no amount of retrying will change. */
const FINAL_STATUSES = new Set([400, 401, 404, 410, 422]);

/** The longest pause between two tries (the simulation's progress bound counts on it). */
export const KEEP_TRYING_MAX_PAUSE_MS = 15_000;

export class FatalApiError extends Error {}

/**
 * Run a GitHub call until it succeeds, riding out faults (5xx, network errors, rate limits the plugins gave up
 * on) with growing pauses. Gives up after `giveUpMs` of failures, or at once on an answer that will not change.
 * Time GitHub's limits held the calls back (the waits it asked for) does not count: GitHub holding everyone
 * back is not a failure to give up on.
 */
export async function keepTrying<T>(
  ctx: NodeContext,
  what: string,
  call: () => Promise<T>,
  giveUpMs?: number,
): Promise<T> {
  const started = Date.now();
  const heldAtStart = ctx.client.heldBack.ms;
  const failingFor = (): number => Date.now() - started - (ctx.client.heldBack.ms - heldAtStart);
  const limit = giveUpMs ?? Math.max(10 * 60_000, 3 * ctx.config.leaseMs);
  let pause = Math.min(1000, ctx.config.pollMs);
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const status = statusOf(error);
      const message = getErrorMessage(error);
      if (status !== undefined && FINAL_STATUSES.has(status)) {
        throw new FatalApiError(`${what} failed: ${status} ${message}`);
      }
      if (status === 403 && !/rate limit|abuse/i.test(message)) {
        throw new FatalApiError(
          `${what} was refused (403 ${message}); does the token have the permissions the action needs?`,
        );
      }
      if (failingFor() > limit) {
        throw new Error(`${what} kept failing for ${Math.round((Date.now() - started) / 1000)}s: ${message}`);
      }
      ctx.log.warning(
        `${what} failed (${status ?? 'no answer'}: ${message}); trying again in ${Math.round(pause / 100) / 10}s`,
      );
      await waitingFor(ctx, `${what}, tried again ${Math.round(pause / 100) / 10}s after a failure`, () =>
        ctx.sleep(pause),
      );
      pause = Math.min(pause * 2, KEEP_TRYING_MAX_PAUSE_MS);
    }
  }
}
