// The faults that fall on one node or on every node of the identity (sim/fault-schedule.ts), injected between
// each node's fetch and the emulator: a silent secondary limit on the node holding a task around when its
// agent finishes, a secondary limit every node of the one token meets once one of them triggered it, and
// connections that never answer. Counts what each did, for the figures.
import { Responder } from '../emulator/responses.js';
import { NO_SIM_FAULTS, REQUEST_LIMIT_MS, type IdentityLimit, type SimFaults } from './fault-schedule.js';

/** How many requests met each fault. */
export interface SimFaultsMet {
  holderSilent: number;
  identity: number;
  hangs: number;
}

/** A hang armed on one node: its next `left` requests (writes only, maybe) hang. */
interface Armed {
  fromMs: number;
  left: number;
  writesOnly: boolean;
  lands: boolean;
}

export class NodeFaults {
  readonly met: SimFaultsMet = { holderSilent: 0, identity: 0, hangs: 0 };
  private readonly faults: SimFaults;
  private readonly responder = new Responder({ now: () => Date.now() });
  /** Identity limits not triggered yet, and the one in force (until when). */
  private readonly pendingIdentity: IdentityLimit[];
  private identityBlock: { limit: IdentityLimit; until: number } | undefined;
  /** Per node instance: until when its requests meet a silent limit, and the hangs armed on it. */
  private readonly silentUntil = new Map<number, { until: number; status: 403 | 429 }>();
  private readonly armed = new Map<number, Armed[]>();
  private agentRuns = 0;

  constructor(
    faults: SimFaults | undefined,
    private readonly t0: number,
  ) {
    this.faults = faults ?? NO_SIM_FAULTS;
    this.pendingIdentity = [...this.faults.identity].sort((a, b) => a.atMs - b.atMs);
    for (const hang of this.faults.hangs)
      if (hang.on === 'any')
        this.arm(hang.instance, {
          fromMs: t0 + hang.atMs,
          left: hang.count,
          writesOnly: hang.writesOnly,
          lands: hang.lands,
        });
  }

  /**
   * An agent run started on node `instance` and will end after `durationMs` (unless stopped): the faults
   * that fall on the nth agent run are set off around its end.
   */
  agentStarted(instance: number, durationMs: number): void {
    this.agentRuns += 1;
    const nth = this.agentRuns;
    for (const s of this.faults.holderSilent)
      if (s.nthAgent === nth)
        setTimeout(
          () => this.silentUntil.set(instance, { until: Date.now() + s.blockMs, status: s.status }),
          Math.max(0, durationMs + s.offsetMs),
        );
    for (const h of this.faults.hangs)
      if (h.on === 'outcome' && h.nthAgent === nth)
        setTimeout(
          () => this.arm(instance, { fromMs: Date.now(), left: h.count, writesOnly: true, lands: h.lands }),
          durationMs,
        );
  }

  /** A request of node `instance`: faulted here, or `perform`ed (sent to the emulator). */
  async request(
    instance: number,
    method: string,
    signal: AbortSignal | null | undefined,
    perform: () => Promise<Response>,
  ): Promise<Response> {
    const now = Date.now();
    const write = method !== 'GET' && method !== 'HEAD';
    const hang = this.takeHang(instance, write, now);
    if (hang) {
      this.met.hangs += 1;
      if (hang.lands) perform().catch(() => {});
      return neverAnswered(signal);
    }
    const identity = this.identityLimit(write, now);
    if (identity) {
      this.met.identity += 1;
      const left = Math.ceil((identity.until - now) / 1000);
      return this.limited(identity.limit.status, identity.limit.retryAfter ? left : undefined, now);
    }
    const silent = this.silentUntil.get(instance);
    if (silent && now < silent.until) {
      this.met.holderSilent += 1;
      return this.limited(silent.status, undefined, now);
    }
    return perform();
  }

  private arm(instance: number, armed: Armed): void {
    this.armed.set(instance, [...(this.armed.get(instance) ?? []), armed]);
  }

  private takeHang(instance: number, write: boolean, now: number): Armed | undefined {
    const list = this.armed.get(instance);
    const hang = list?.find((h) => h.fromMs <= now && h.left > 0 && (write || !h.writesOnly));
    if (!hang) return undefined;
    hang.left -= 1;
    return hang;
  }

  /** The identity limit in force for this request; a write at or after a pending one's time triggers it. */
  private identityLimit(write: boolean, now: number): { limit: IdentityLimit; until: number } | undefined {
    if (this.identityBlock && now >= this.identityBlock.until) this.identityBlock = undefined;
    const next = this.pendingIdentity[0];
    if (!this.identityBlock && next && write && this.t0 + next.atMs <= now) {
      this.pendingIdentity.shift();
      this.identityBlock = { limit: next, until: now + next.blockMs };
    }
    const block = this.identityBlock;
    return block && (write || !block.limit.writesOnly) ? block : undefined;
  }

  /** GitHub's answer to a secondary limit, with `retry-after` seconds or without. */
  private limited(status: 403 | 429, retryAfter: number | undefined, now: number): Response {
    const answer = this.responder.secondaryLimit(now, retryAfter, {}, '', status);
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  }
}

/**
 * A request whose connection never answers: it fails after the time limit (or sooner, when the caller aborts
 * it), with the error `AbortSignal.timeout` gives, which Octokit turns into a 500.
 */
function neverAnswered(signal: AbortSignal | null | undefined): Promise<Response> {
  return new Promise<Response>((_resolve, reject) => {
    const timer = setTimeout(
      () => reject(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      REQUEST_LIMIT_MS,
    );
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'));
    });
  });
}
