// Retrying a write that a secondary limit refused, when many nodes write as one identity: the crowd is told
// the same moment to come back (when the content limit frees a slot), so each refused write's next try is
// spread out from the others'. Pure.

/** The most a write's retry waits past what `retry-after` asked (writeBackOffMs). */
const WRITE_BACK_OFF_CAP_MS = 120_000;

/**
 * Up to this many nodes writing as one identity, a refused write waits as asked: their writes stay within the
 * content limit (20 × 100 gets no limit answer at all), and a second refusal in a row is a fault's, not a
 * crowd's. Past it (the limit binds from about 50 nodes), refused writes are spread out.
 */
export const SPREAD_PAST_WRITERS = 20;

/**
 * How much longer than `retry-after` a write waits before it is sent again, after its second and later
 * secondary-limit answers in a row, when more than SPREAD_PAST_WRITERS nodes write as one identity. Those
 * nodes are all told the moment the content limit frees a slot, and all but one are refused again, each
 * refusal a counted request (at 100 nodes, five refusals per write that landed). From the second answer on,
 * the wait is drawn from retry-after to 2^k times it (k the answers before it, at most 5; at most two minutes
 * more), so that the retries spread out to about the rate slots free. A first answer, and reads, wait as
 * asked.
 */
export function writeBackOffMs(retryAfterS: number, limitsBefore: number, random: number): number {
  if (limitsBefore < 1) return 0;
  const k = Math.min(limitsBefore, 5);
  return Math.min(WRITE_BACK_OFF_CAP_MS, Math.round(retryAfterS * 1000 * (2 ** k - 1) * random));
}

/** The wait past `retry-after` before a request refused by a secondary limit is sent again: writes only. */
export function spreadMs(
  method: string,
  writers: number,
  retryAfterS: number,
  limitsBefore: number,
  random: number,
): number {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD' || writers <= SPREAD_PAST_WRITERS) return 0;
  return writeBackOffMs(retryAfterS, limitsBefore, random);
}
