// Who is on the public connections: while any connection is active, the broker's sessions
// are read about once a second (visitors, latched address, bytes), and a visitor coming or
// going (an event) reads them at once. No connection active, no polling.
import type { SessionsSnapshot } from "../../client/broker-client.js";
import type { Clock } from "./clock.js";

export const VISITORS_EVERY_MS = 1_000;

export interface VisitorPollOptions {
  clock: Clock;
  /** Whether anything is worth watching now (an active connection). */
  wanted: () => boolean;
  /** Reads the sessions; null when signed out. */
  read: () => Promise<SessionsSnapshot> | null;
  /** Applies what was read; returns whether the window's state changed. */
  apply: (snapshot: SessionsSnapshot) => boolean;
  onChange: () => void;
}

export class VisitorPoll {
  private timer: unknown;
  private reading = false;
  private again = false;

  constructor(private readonly options: VisitorPollOptions) {}

  /** Starts polling if something is worth watching and it is not already running. */
  watch(): void {
    if (this.timer !== undefined || this.reading || !this.options.wanted()) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      void this.readNow();
    }, VISITORS_EVERY_MS);
  }

  /** Reads now (a visitor came or left); the next read is a second after this one. */
  async readNow(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.options.wanted()) return;
    this.reading = true;
    try {
      do {
        this.again = false;
        const snapshot = await this.options.read()?.catch(() => null);
        // A failed read is shown by the next sync's problem; polling goes on.
        if (snapshot && this.options.apply(snapshot)) this.options.onChange();
      } while (this.again);
    } finally {
      this.reading = false;
    }
    this.watch();
  }

  stop(): void {
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
