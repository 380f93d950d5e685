// What a child prints goes to the node's log a line at a time, up to a limit per run: a child that prints
// without end neither floods the job's log nor fills the node's memory with writes waiting for the runner.
import type { Logger } from '../../github/client.js';

/** How much of one run's output goes to the log. */
export const LOG_LIMIT = 1024 * 1024;

/** A sink for a child's shown output: each non-empty line logged under `prefix`, until `limit` characters. */
export function cappedLog(log: Logger, prefix: string, limit = LOG_LIMIT): (text: string) => void {
  let logged = 0;
  return (text) => {
    for (const line of text.split('\n')) {
      if (!line.trim() || logged >= limit) continue;
      log.info(`${prefix}${line}`);
      logged += line.length + 1;
      if (logged >= limit) log.info(`${prefix}… (it says more: the rest is not logged; its end is kept)`);
    }
  };
}
