// GitHub's clock, as the protocol sees it: comments are stamped in whole seconds, so a comment posted at server
// time t may carry any stamp from the start of t's second. Every "a full second past" in the rules is this.
export const WHOLE_SECOND_MS = 1000;

/** The first server time at which anything posted is sure to be stamped after `at` (a full second later). */
export function surelyAfter(at: number): number {
  return at + WHOLE_SECOND_MS;
}
