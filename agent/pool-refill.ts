// When the agent replaces the pooled data connections the broker takes for visitors. Each
// replacement is a TCP connect and an HTTP upgrade, CPU in both the broker and the agent;
// made 5 ms after each take, as before, it landed inside whichever visitor was being set
// up then, and that visitor's setup was 0.3 ms slower at p50 (docs/benchmarks.md). So the
// pool is refilled in one batch once visitors have stopped arriving for a moment, or at
// once when a burst has drained it to its low-water mark (so the burst never has to ask
// the broker for one and wait). It is refilled to its size, no more: connections the
// broker asked for with `open` are extra ones, used once and not replaced.

/** No visitor taken for this long: the burst is over, the pool is refilled. */
const QUIET_MS = 5;
/** Pause before replacing a pooled connection that closed unused (avoids a hot loop). */
const RETRY_MS = 500;

export class PoolRefill {
  /** Connections opened and neither taken nor closed yet. */
  private idle = 0;
  private quietTimer: NodeJS.Timeout | undefined;
  private fillSoon: NodeJS.Immediate | undefined;
  private readonly lowWater: number;

  constructor(
    private readonly size: number,
    /** Opens one data connection, which reports back through taken() or closedUnused(). */
    private readonly open: () => void,
  ) {
    this.lowWater = Math.floor(size / 4);
  }

  /** Opens connections until the pool has its size. */
  fill(): void {
    clearTimeout(this.quietTimer);
    clearImmediate(this.fillSoon);
    this.quietTimer = this.fillSoon = undefined;
    while (this.idle < this.size) this.openOne();
  }

  /** The broker found the pool empty and asks for `count` more (`open`). */
  openExtra(count: number): void {
    for (let i = 0; i < count; i++) this.openOne();
  }

  /** The broker took a connection for a visitor. */
  taken(): void {
    this.idle--;
    clearTimeout(this.quietTimer);
    if (this.idle <= this.lowWater) {
      // After the events at hand: the taking visitor's service connect goes out first.
      this.fillSoon ??= setImmediate(() => this.fill());
      return;
    }
    this.quietTimer = setTimeout(() => this.fill(), QUIET_MS);
    this.quietTimer.unref();
  }

  /** A connection closed before the broker took it (the broker restarted, say). */
  closedUnused(): void {
    this.idle--;
    setTimeout(() => this.fill(), RETRY_MS).unref();
  }

  /** Idle connections now (for tests). */
  get idleCount(): number {
    return this.idle;
  }

  private openOne(): void {
    this.idle++;
    this.open();
  }
}
