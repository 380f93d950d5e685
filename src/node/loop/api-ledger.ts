// What a node spends its counted requests on, by phase of its life: logged as it leaves, for users watching
// their repository's API budget (and read by the benchmark).
import type { ApiStats } from '../../github/client.js';

export type Phase =
  | 'joining'
  | 'electing'
  | 'leading'
  | 'claiming'
  | 'working'
  | 'catching up'
  | 'idle'
  | 'holding back'
  | 'waiting'
  | 'leaving';

export class ApiLedger {
  private readonly spent = new Map<Phase, number>();
  private mark: number;
  private current: Phase = 'joining';

  constructor(private readonly stats: ApiStats) {
    this.mark = stats.counted;
  }

  get phase(): Phase {
    return this.current;
  }

  /** Book what was spent since the last call to the phase that is ending, and start `next`. */
  enter(next: Phase): void {
    this.spent.set(this.current, (this.spent.get(this.current) ?? 0) + this.stats.counted - this.mark);
    this.mark = this.stats.counted;
    this.current = next;
  }

  /** `API use: 42 counted requests, 130 free 304s (joining 2, electing 3, …)`. */
  line(): string {
    this.enter(this.current);
    const phases = [...this.spent]
      .filter(([, n]) => n > 0)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ');
    const actions =
      this.stats.actions > 0
        ? `; Actions API (the run's jobs): ${this.stats.actions} reads, ${this.stats.actionsCounted} counted`
        : '';
    return `API use: ${this.stats.counted} counted requests, ${this.stats.notModified} free 304s (${phases})${actions}`;
  }
}
