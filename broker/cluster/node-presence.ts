// Which broker nodes are alive, as every node of a cluster sees it: each heartbeats into
// the store (by the store's clock, so nodes whose clocks differ agree), and reads back the
// others' with every beat. A device is online while a live node holds its tunnel. A broker
// alone on SQLite is a cluster of one: it heartbeats too, and is always live to itself.
import type { Logger } from "../log.js";
import type { NodeAddress, NodeRow, NodeStore } from "../store/store.js";

/** How often a node heartbeats and re-reads the others. */
export const HEARTBEAT_INTERVAL_MS = 2_000;
/**
 * A node not heard from for this long is gone. With one refresh interval on top, its loss
 * is seen within 10 s: 7 s since its last beat, plus at most 2 s until the next read here.
 */
export const LIVE_WITHIN_MS = 7_000;

export class NodePresence {
  private nodes = new Map<number, NodeRow>();
  private timer: NodeJS.Timeout | undefined;
  /** Whether the last beat failed, so an outage is logged once, not every 2 s. */
  private failing = false;

  constructor(
    private readonly store: NodeStore,
    readonly self: NodeAddress,
    private readonly log: Logger,
  ) {}

  /** Announces this node (its start) and learns the others; then beats until stop(). */
  async start(): Promise<void> {
    await this.store.heartbeat(this.self, true);
    await this.refresh();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  /** This node is always live to itself; others are as the store last said. */
  isLive(node: number): boolean {
    return node === this.self.node || this.nodes.get(node)?.live === true;
  }

  /** Whether a device whose tunnel `node` holds (null: none) is online. */
  isOnline(node: number | null): boolean {
    return node !== null && this.isLive(node);
  }

  liveNodes(): number[] {
    const live = [...this.nodes.values()].filter((n) => n.live).map((n) => n.node);
    return live.includes(this.self.node) ? live : [...live, this.self.node];
  }

  /** A live node other than this one, by number; undefined when it is not live. */
  liveAddress(node: number): NodeAddress | undefined {
    const row = this.nodes.get(node);
    return node !== this.self.node && row?.live ? row : undefined;
  }

  /** The other live nodes (who hears of a connection ended here). */
  liveOthers(): NodeAddress[] {
    return [...this.nodes.values()].filter((n) => n.live && n.node !== this.self.node);
  }

  private async refresh(): Promise<void> {
    const rows = await this.store.list(LIVE_WITHIN_MS);
    this.nodes = new Map(rows.map((row) => [row.node, row]));
  }

  private async beat(): Promise<void> {
    try {
      await this.store.heartbeat(this.self, false);
      await this.refresh();
      if (this.failing) this.log.info("heartbeats reach the store again");
      this.failing = false;
    } catch (error) {
      // The last known states stay: an unreachable store says nothing about the others,
      // and the bytes of open connections do not need it.
      if (!this.failing) {
        this.log.warn("could not heartbeat into the store", { error: String(error) });
      }
      this.failing = true;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
