// The server's clock as seen from this node. Every comment timestamp is the server's, so lease decisions use
// server time: each response's Date header (whole seconds) bounds the offset between the local clock and the
// server's, and the bounds narrow as responses come in.
export interface LocalClock {
  now(): number;
}

export const systemClock: LocalClock = { now: () => Date.now() };

export class ServerClock {
  private low = -Infinity;
  private high = Infinity;

  constructor(private readonly local: LocalClock = systemClock) {}

  /** A response sent at local `sentAt`, received at local `receivedAt`, carried this Date header. */
  observe(dateHeader: string | undefined, sentAt: number, receivedAt: number): void {
    const server = dateHeader ? Date.parse(dateHeader) : NaN;
    if (Number.isNaN(server)) return;
    // The server stamped the header at some local instant in [sentAt, receivedAt], with a value in [server, server + 1 s).
    const low = server - receivedAt;
    const high = server + 1000 - sentAt;
    if (low > this.high || high < this.low) {
      // The server's clock moved: start over from this response.
      this.low = low;
      this.high = high;
      return;
    }
    this.low = Math.max(this.low, low);
    this.high = Math.min(this.high, high);
  }

  /** This node's own clock. */
  localNow(): number {
    return this.local.now();
  }

  /** Best estimate of the server's time now. */
  now(): number {
    return this.local.now() + this.offset();
  }

  /** The latest the server's time can be now: for deadlines this node must keep (its own lease). */
  latest(): number {
    return this.local.now() + (Number.isFinite(this.high) ? this.high : this.offset());
  }

  /** Convert a server time to this node's local clock. */
  toLocal(serverTime: number): number {
    return serverTime - this.offset();
  }

  private offset(): number {
    if (Number.isFinite(this.low) && Number.isFinite(this.high)) return (this.low + this.high) / 2;
    if (Number.isFinite(this.low)) return this.low + 500;
    return 0;
  }
}
