// Remembers the signatures the broker has accepted, so a captured request cannot be sent
// again while its Date (or `created`) is still inside the clock window. Only signatures
// that verified are remembered, so only a key holder's traffic fills it.
//
// Bounded: MAX_REMEMBERED entries (about 150 bytes each, so ~15 MB at most). That covers
// 330 accepted requests a second, sustained over a whole 5-minute window, far above what
// one broker's users send. Past that the oldest entries are dropped first: a replay could
// then pass, but only of a request older than 100 000 newer ones from signed-in clients,
// which is better than refusing honest requests or growing without end.

export const MAX_REMEMBERED = 100_000;

export class ReplayCache {
  /** Signature → when it stops being acceptable anyway (ms); insertion order is age. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly limit = MAX_REMEMBERED) {}

  /**
   * True the first time `signature` is offered (it is remembered until `validUntil`),
   * false when it was accepted before and is still within its window: a replay.
   */
  firstUse(signature: string, validUntil: number, now: number): boolean {
    this.forgetExpired(now);
    const until = this.seen.get(signature);
    if (until !== undefined && until >= now) return false;
    this.seen.delete(signature);
    this.seen.set(signature, validUntil);
    while (this.seen.size > this.limit) {
      const oldest = this.seen.keys().next().value;
      if (oldest === undefined) break;
      this.seen.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  /** Drops entries from the front while they have expired (entries are roughly in order). */
  private forgetExpired(now: number): void {
    for (const [signature, until] of this.seen) {
      if (until >= now) break;
      this.seen.delete(signature);
    }
  }
}

/**
 * The broker process's cache, shared by the GraphQL endpoint and the agents' control
 * channel: both accept the same signatures, so a request captured at one door must not
 * open the other. Tests that need their own pass one to verifyR3.
 */
export const brokerReplayCache = new ReplayCache();
