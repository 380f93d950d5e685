// A node's bids for leadership. The first comment announces the node and stands it for leader; a bid is kept
// alive by heartbeats until a listing shows it lost, so that a leader whose own bid is still hidden by a
// lagging listing is not taken for dead.
import type { RunState } from '../../protocol/fold.js';
import type { ThreadComment } from '../../protocol/thread-comment.js';
import type { NodeContext } from '../loop/context.js';
import { keepTrying } from '../loop/keep-trying.js';
import { LeaseKeeper } from '../watches/lease-keeper.js';
import { bidBody, newNonce } from '../loop/message-bodies.js';
import { leaseNow, noteLease } from '../watches/held-leases.js';

export interface Candidacy {
  nonce: string;
  /** When the bid was sent (local ms): its settle window runs from here. */
  postedAt: number;
  keeper: LeaseKeeper;
}

export class Candidacies {
  private readonly standing = new Map<number, Candidacy>();
  /** The term-1 bid: the node's announcement, where it records what it spent as it leaves. */
  first?: Candidacy;

  constructor(private readonly ctx: NodeContext) {}

  /** The bids still standing, by term. */
  get byTerm(): ReadonlyMap<number, Candidacy> {
    return this.standing;
  }

  async stand(term: number): Promise<ThreadComment> {
    const { config, thread, log } = this.ctx;
    const nonce = newNonce();
    const postedAt = Date.now();
    // A lease the budget can pay for: chosen when first sent, kept for the retries of this post.
    const { leaseMs, heartbeatMs } = leaseNow(this.ctx, true);
    const posted = await keepTrying(this.ctx, `standing for leader (term ${term})`, () =>
      thread.post(bidBody(config, nonce, term, 'standing', { leaseMs }), { retries: 0 }),
    );
    noteLease(this.ctx, leaseMs, heartbeatMs, `the bid for term ${term}`);
    const keeper = new LeaseKeeper(
      this.ctx,
      posted.id,
      Date.parse(posted.created_at),
      (reason) => log.warning(`the bid for term ${term} lapsed: ${reason}`),
      leaseMs,
    );
    keeper.start((edit) => bidBody(config, nonce, term, 'standing', edit), false);
    const candidacy = { nonce, postedAt, keeper };
    this.standing.set(term, candidacy);
    this.first ??= candidacy;
    return posted;
  }

  /**
   * Stop keeping alive the bids the thread has settled: once a plan is out, when another node won the term,
   * or when the fold did not count the bid (it came a moment too early: the node may stand again). A bid
   * posted twice (a retried POST) keeps alive the copy the fold counts.
   */
  settle(state: RunState): void {
    for (const [term, candidacy] of this.standing) {
      const leader = state.terms.get(term)?.leader;
      const mine = state.entries.find(
        (e) => e.message?.nonce === candidacy.nonce && e.status !== 'duplicate',
      );
      if (state.plan || (leader && leader.nonce !== candidacy.nonce) || mine?.status === 'ignored') {
        candidacy.keeper.stop();
        this.standing.delete(term);
      } else if (leader) candidacy.keeper.retarget(leader.commentId, leader.ev.lastAlive, leader.ev.leaseMs);
    }
  }

  stopAll(): void {
    for (const { keeper } of this.standing.values()) keeper.stop();
  }
}
