// How changes made elsewhere reach the app: while signed in, the broker's event
// subscription, and a re-sync on each event that changes what the window shows. Syncs are
// coalesced: one runs at a time, and any number of events during it make one more, so a
// burst (a device going offline ends several connections) costs two syncs at most.
// When the feed drops or cannot open, the app re-syncs every 5 s and says why, and tries
// the feed again with a growing wait; once it is back, a catch-up sync covers what was
// missed and polling stops.
import type { BrokerEvent, EventWatch, EventWatchHandlers } from "../../client/broker-events.js";
import type { DesktopState } from "../../common/desktop-api.js";
import type { Clock } from "./clock.js";

export type LiveStatus = DesktopState["live"];

/** How often to re-sync while the event feed is down. */
export const POLL_MS = 5_000;
/** The waits before retrying the feed: doubling from the first to the last, then staying. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

export interface LiveSyncOptions {
  clock: Clock;
  /** Opens the event feed (client/broker-events.ts watchEvents, with the signed-in credentials). */
  watch: (handlers: EventWatchHandlers) => EventWatch;
  /** Re-reads everything from the broker; a failure is the caller's to show. */
  sync: () => Promise<void>;
  /** Every event, before the re-sync it may cause (visitors, end reasons). */
  onEvent: (event: BrokerEvent) => void;
  /** state.live changed. */
  onStatus: () => void;
}

/** The events whose effect only a re-sync shows: devices, services and connections. */
function needsSync(event: BrokerEvent): boolean {
  return event.type !== "PROXY_SESSION";
}

export class LiveSync {
  private status: LiveStatus = { mode: "off", note: null, nextSyncAt: null };
  private watch: EventWatch | null = null;
  private running = false;
  private syncing: Promise<void> | null = null;
  private again = false;
  private pollTimer: unknown;
  private retryTimer: unknown;
  private retryMs = RETRY_FIRST_MS;

  constructor(private readonly options: LiveSyncOptions) {}

  get live(): LiveStatus {
    return this.status;
  }

  /** Opens the feed (signed in); until it is open the app polls. */
  start(): void {
    this.stop();
    this.running = true;
    this.retryMs = RETRY_FIRST_MS;
    this.setStatus({
      mode: "polling",
      note: "Live updates are starting; re-syncing every 5 s.",
      nextSyncAt: null,
    });
    this.schedulePoll();
    this.open();
  }

  /** Signed out or shutting down: no feed, no polling. */
  stop(): void {
    this.running = false;
    this.watch?.stop();
    this.watch = null;
    this.options.clock.clearTimeout(this.pollTimer);
    this.options.clock.clearTimeout(this.retryTimer);
    this.pollTimer = undefined;
    this.retryTimer = undefined;
    this.setStatus({ mode: "off", note: null, nextSyncAt: null });
  }

  /** A re-sync soon: now if none runs, else one more right after the one running. */
  requestSync(): Promise<void> {
    if (this.syncing) {
      this.again = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      do {
        this.again = false;
        await this.options.sync().catch(() => {});
      } while (this.again);
      this.syncing = null;
    })();
    return this.syncing;
  }

  private open(): void {
    const watch = this.options.watch({
      opened: () => {
        if (this.watch !== watch) return;
        // What changed while the feed was down is read once; then events carry the rest.
        void this.requestSync().then(() => {
          if (this.watch !== watch) return;
          this.retryMs = RETRY_FIRST_MS;
          this.options.clock.clearTimeout(this.pollTimer);
          this.pollTimer = undefined;
          this.setStatus({ mode: "events", note: null, nextSyncAt: null });
        });
      },
      event: (event) => {
        if (this.watch !== watch) return;
        this.options.onEvent(event);
        if (needsSync(event)) void this.requestSync();
      },
      ended: (why) => {
        if (this.watch !== watch) return;
        this.watch = null;
        this.lost(why);
      },
    });
    this.watch = watch;
  }

  private lost(why: string): void {
    if (!this.running) return;
    this.setStatus({
      mode: "polling",
      note: `Live updates lost (${why}); re-syncing every 5 s.`,
      nextSyncAt: this.status.nextSyncAt,
    });
    if (this.pollTimer === undefined) this.schedulePoll();
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    this.retryTimer = this.options.clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.running && !this.watch) this.open();
    }, wait);
  }

  /** Every POLL_MS while the feed is down; the next poll is armed once this one is done. */
  private schedulePoll(): void {
    if (this.status.mode === "polling") {
      this.setStatus({ ...this.status, nextSyncAt: this.options.clock.now() + POLL_MS });
    }
    this.pollTimer = this.options.clock.setTimeout(() => {
      void this.requestSync().finally(() => {
        if (this.running && this.status.mode !== "events") this.schedulePoll();
        else this.pollTimer = undefined;
      });
    }, POLL_MS);
  }

  private setStatus(next: LiveStatus): void {
    if (
      next.mode === this.status.mode &&
      next.note === this.status.note &&
      next.nextSyncAt === this.status.nextSyncAt
    )
      return;
    this.status = next;
    this.options.onStatus();
  }
}
