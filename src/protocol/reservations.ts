// The run's budget shared by agents side by side: each claim asks for a cap (`cap_usd`), and the fold grants
// it out of what is left when the claim was made, walking the claims in log order. What is left is the budget
// less what was spent (planning, and the attempts whose outcome was written before the claim) less the caps
// still reserved by attempts open at the claim. An outcome gives back what its attempt did not spend: its
// reported cost counts as spent, or its whole cap when it reported none. Pure and deterministic: it reads only
// the log (the claims' order, their outcomes and the server times stamped on them), so every node, the summary
// and the dashboard grant the same caps.

/** No agent starts with less than this (or than its claim asked for): a claim that would be granted less is refused. */
export const MIN_GRANT_USD = 0.02;

/** Dollars to a millionth, so that adding many small amounts does not drift. */
const round6 = (usd: number): number => Math.round(usd * 1e6) / 1e6;

/**
 * Caps are whole hundredths of a cent, rounded down, so that the four decimals an agent is given
 * (`P2P_MAX_COST_USD`, `--max-budget-usd`) never say more than was granted.
 */
export const floorCap = (usd: number): number => Math.floor(usd * 1e4 + 1e-6) / 1e4;

/** What an attempt's claim was granted. */
export interface Grant {
  /** What the claim asked for (`cap_usd`). */
  asked: number;
  /** What its agents may spend: the ask, or what was left when it was made, if less. */
  granted: number;
}

/** A claim the budget could not start: less than MIN_GRANT_USD was left when it was made. */
export interface Refusal {
  asked: number;
  /** What was left of the budget when it was made. */
  left: number;
}

/** One accepted claim's reservation, as the ledger holds it. */
interface Reservation {
  commentId: number;
  /** What it reserved: its grant (nothing for a claim written before claims asked for a cap). */
  reservedUsd: number;
  /** Server time its outcome was written (the comment's latest version); absent while it has none. */
  releaseAt?: number;
  /** What counts as spent once it is released: the reported cost, or the whole reservation. */
  spendUsd?: number;
  released: boolean;
}

/** A claim as the ledger needs it: when it was made and what it asks. */
export interface LedgerClaim {
  commentId: number;
  /** Server time the claim's comment was created. */
  at: number;
  /** `cap_usd`: absent in claims written before claims carried one (they reserve nothing). */
  askedUsd?: number;
}

/** How an accepted claim's comment ends: the outcome its latest version records. */
export interface LedgerOutcome {
  /** Server time of the comment's latest version, which records the outcome. */
  at: number;
  /** The cost the outcome reported, if it did. */
  reportedUsd?: number;
}

export class BudgetLedger {
  private readonly reservations: Reservation[] = [];
  private spent: number;
  private reserved = 0;
  /** Refused claims, by comment id. */
  readonly refused = new Map<number, Refusal>();
  /** Outcomes that reported no cost and so count their whole cap as spent. */
  private wholeCaps = 0;

  constructor(
    /** The run's budget (`max-cost-usd`). */
    readonly maxUsd: number,
    /** What planning with the agent cost: spent before any claim. */
    planningUsd = 0,
  ) {
    this.spent = round6(planningUsd);
  }

  /**
   * Grant a claim its cap, in log order: first every outcome written by the claim's second gives back what
   * its attempt did not spend, then the claim takes the lower of its ask and what is left. Returns the grant
   * (undefined for a claim that asked for nothing), or the refusal when less than MIN_GRANT_USD would be left
   * for it: the claim then does not count, and no agent starts for it. The fold, which knows each comment's
   * latest version, then tells how an accepted claim ends (`ends`).
   */
  claim(c: LedgerClaim): { grant?: Grant; refusal?: Refusal } {
    this.releaseUntil(c.at);
    let granted = 0;
    let grant: Grant | undefined;
    if (c.askedUsd !== undefined) {
      const left = this.leftUsd;
      granted = floorCap(Math.min(c.askedUsd, left));
      // (A claim may ask for less than that, when max-task-cost-usd says so: it gets it, if it is left.)
      if (granted < Math.min(MIN_GRANT_USD, c.askedUsd)) {
        const refusal = { asked: c.askedUsd, left };
        this.refused.set(c.commentId, refusal);
        return { refusal };
      }
      grant = { asked: c.askedUsd, granted };
    }
    this.reservations.push({ commentId: c.commentId, reservedUsd: granted, released: false });
    this.reserved = round6(this.reserved + granted);
    return grant ? { grant } : {};
  }

  /**
   * The outcome that ends an accepted claim's attempt: from its server time on, the attempt's reservation is
   * released and what it spent counts: the reported cost, or (an outcome that reported none) its whole cap.
   */
  ends(commentId: number, outcome: LedgerOutcome): void {
    const r = this.reservations.find((x) => x.commentId === commentId && !x.released);
    if (!r || r.releaseAt !== undefined) return;
    r.releaseAt = outcome.at;
    if (outcome.reportedUsd !== undefined) r.spendUsd = outcome.reportedUsd;
    else if (r.reservedUsd > 0) this.wholeCaps += 1;
  }

  /** Every outcome in the log gives back what it did not spend: the ledger as the whole thread has it. */
  settle(): void {
    this.releaseUntil(Infinity);
  }

  private releaseUntil(at: number): void {
    for (const r of this.reservations) {
      if (r.released || r.releaseAt === undefined || r.releaseAt > at) continue;
      r.released = true;
      this.reserved = round6(this.reserved - r.reservedUsd);
      this.spent = round6(this.spent + (r.spendUsd ?? r.reservedUsd));
    }
  }

  /** Spent: planning, and the released attempts (their reported cost, or their whole cap). */
  get spentUsd(): number {
    return this.spent;
  }

  /** Still reserved by attempts without an outcome (an attempt that never writes one keeps its cap). */
  get reservedUsd(): number {
    return this.reserved;
  }

  /** What is left to grant (never below zero). */
  get leftUsd(): number {
    return Math.max(0, round6(this.maxUsd - this.spent - this.reserved));
  }

  /** Outcomes that reported no cost, counted at their whole cap. */
  get wholeCapOutcomes(): number {
    return this.wholeCaps;
  }

  /** Whether the attempt of this claim comment still holds a reservation (it has recorded no outcome). */
  holds(commentId: number): boolean {
    return this.reservations.some((r) => r.commentId === commentId && !r.released && r.reservedUsd > 0);
  }
}
