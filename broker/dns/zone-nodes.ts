// The live nodes and their public addresses, as the DNS answers them: read from the store
// (so every node of a cluster answers alike), at most once per REFRESH_MS however many
// queries come, and never failing a query because the store is slow or away.
import { LIVE_WITHIN_MS } from "../cluster/node-presence.js";
import type { NodeAddress, NodeStore } from "../store/store.js";
import type { ZoneNode } from "./zone-answers.js";

/** Short against the heartbeat's 2 s, long enough that a flood of queries is one read. */
export const REFRESH_MS = 1_500;

export interface ZoneNodesView {
  nodes: ZoneNode[];
  /** SOA serial: the latest start (seconds) among the live nodes. */
  serial: number;
}

export class ZoneNodes {
  private view: ZoneNodesView;
  private readAt = 0;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly store: NodeStore,
    private readonly self: NodeAddress,
  ) {
    // Until the first read, this node alone: it is always live to itself.
    this.view = { nodes: [{ node: self.node, ips: self.publicIps }], serial: 1 };
  }

  async current(): Promise<ZoneNodesView> {
    if (Date.now() - this.readAt >= REFRESH_MS) {
      this.reading ??= this.read().finally(() => {
        this.reading = undefined;
      });
      await this.reading;
    }
    return this.view;
  }

  private async read(): Promise<void> {
    try {
      const rows = (await this.store.list(LIVE_WITHIN_MS)).filter((row) => row.live);
      const nodes = rows
        .filter((row) => row.node !== this.self.node)
        .map((row) => ({ node: row.node, ips: row.publicIps }));
      // This node answers with its own settings, whatever its last heartbeat wrote.
      nodes.push({ node: this.self.node, ips: this.self.publicIps });
      nodes.sort((a, b) => a.node - b.node);
      const started = Math.max(0, ...rows.map((row) => Math.floor(Date.parse(row.started) / 1000)));
      this.view = { nodes, serial: started > 0 ? started >>> 0 : 1 };
    } catch {
      // An unreachable store says nothing new about the nodes: the last view stands, and
      // the next query after REFRESH_MS tries again.
    }
    this.readAt = Date.now();
  }
}
