// Leaving the repository some of its API budget. GITHUB_TOKEN's 1,000 requests an hour are shared by every
// job and workflow of the repository: when GitHub's answers show less than a fifth of it left, a node waits
// longer between its optional reads (looks while idle); claims, heartbeats and outcomes go on as before.
import { budgetIsLow, type GitHubClient, type Logger } from '../../github/client.js';

/** How much longer optional waits are while the budget is low. */
export const LOW_BUDGET_STRETCH = 4;

export class Headroom {
  /** The time optional waits were stretched by, in all. */
  slowedMs = 0;
  private low = false;

  constructor(
    private readonly client: GitHubClient,
    private readonly log: Logger,
  ) {}

  /** The factor for an optional wait now; says so when the budget runs low and when it is back. */
  stretch(): number {
    const low = budgetIsLow(this.client.budget);
    if (low !== this.low) {
      this.low = low;
      const { remaining, limit } = this.client.budget;
      this.log.info(
        low
          ? `the repository's API budget is low (${remaining} of ${limit} left): reading the thread ${LOW_BUDGET_STRETCH}x less often while idle`
          : `the repository's API budget is back (${remaining} of ${limit} left): reading at the usual pace`,
      );
    }
    return low ? LOW_BUDGET_STRETCH : 1;
  }

  /** An optional wait of `ms`, stretched while the budget is low. */
  wait(sleep: (ms: number) => Promise<void>, ms: number): Promise<void> {
    const factor = this.stretch();
    if (factor > 1) this.slowedMs += ms * (factor - 1);
    return sleep(ms * factor);
  }
}
