// This node's part in a cluster of broker nodes sharing one store: who is live
// (node-presence.ts), how it asks the others (node-client.ts), and data connections it
// asks other nodes' devices for (remote-streams.ts). A broker alone is a cluster of one:
// it asks nobody, and every device it serves is its own.
import type { Socket } from "node:net";
import { encodeStreamHeader } from "../../common/tunnel/protocol.js";
import type { SharedEventBody } from "../events/event-bus.js";
import type { Logger } from "../log.js";
import { peerSessionNode } from "../p2p/peer-sessions.js";
import type { RelayTarget } from "../p2p/relay-endpoint.js";
import type { DeviceStore, EndReason, NodeAddress, NodeStore } from "../store/store.js";
import { DeviceOfflineError } from "../tunnel/device-session.js";
import { NodeClient } from "./node-client.js";
import { NodePresence } from "./node-presence.js";
import type {
  ClusterOperation,
  ClusterReply,
  ClusterRequest,
  ConnectReply,
  ConnectRequest,
} from "./node-protocol.js";
import { RemoteStreams } from "./remote-streams.js";

export interface ClusterOptions {
  nodes: NodeStore;
  devices: DeviceStore;
  self: NodeAddress;
  log: Logger;
}

export class Cluster {
  readonly presence: NodePresence;
  readonly remoteStreams = new RemoteStreams();
  private readonly client: NodeClient;
  private clusterSecret: string | null = null;
  /**
   * Where each remote device's tunnel was last found, so that a cross-node visitor costs
   * no store query; a dial that misses (the agent moved) looks again.
   */
  private readonly deviceNodes = new Map<string, number>();

  constructor(private readonly options: ClusterOptions) {
    this.presence = new NodePresence(options.nodes, options.self, options.log);
    this.client = new NodeClient(() => this.clusterSecret ?? "");
  }

  get self(): NodeAddress {
    return this.options.self;
  }

  /** The secret other nodes present; null until the store gave it. */
  get secret(): string | null {
    return this.clusterSecret;
  }

  async start(): Promise<void> {
    this.clusterSecret = await this.options.nodes.clusterSecret();
    await this.presence.start();
  }

  /**
   * A stream to a service of a device whose tunnel another live node holds: that node
   * tells the agent to dial here, and the agent's data connection carries the visitor.
   */
  async openRemoteStream(deviceId: string, serviceId: string): Promise<Socket> {
    // Where the device was last seen first; if that misses (it moved, or that node died),
    // where the store says it is now.
    for (const fresh of [false, true]) {
      const node = await this.locate(deviceId, fresh);
      const address = node === null ? undefined : this.presence.liveAddress(node);
      if (!address) continue;
      const { token, connection } = this.remoteStreams.expect();
      const reply = await this.client
        .ask(address.url, "dial", { deviceId, url: this.self.url, token })
        .catch(() => null);
      if (reply?.ok) {
        const socket = await connection;
        socket.write(encodeStreamHeader({ serviceId }));
        return socket;
      }
      // Nobody awaits the connection now: its rejection must not end the process.
      connection.catch(() => {});
      this.remoteStreams.cancel(token, new DeviceOfflineError("The device moved."));
      this.deviceNodes.delete(deviceId);
      if (reply?.reason === "old-agent") {
        throw new DeviceOfflineError(
          "The device's agent is too old to be reached through another broker node: upgrade it.",
        );
      }
    }
    throw new DeviceOfflineError("The device is offline.");
  }

  /** Asks `node` to serve a connect; null when it could not be asked (serve it here). */
  forwardConnect(node: number, request: ConnectRequest): Promise<ConnectReply | null> {
    return this.askNode(node, "connect", request);
  }

  /** Asks another live node; null when it is not live or could not be asked. */
  async askNode<O extends ClusterOperation>(
    node: number,
    operation: O,
    request: ClusterRequest<O>,
  ): Promise<ClusterReply<O> | null> {
    const address = this.presence.liveAddress(node);
    if (!address) return null;
    try {
      return await this.client.ask(address.url, operation, request);
    } catch (error) {
      this.options.log.warn("could not ask another node", {
        node,
        operation,
        error: String(error),
      });
      return null;
    }
  }

  /**
   * The session behind another node's relay token (the node its prefix names), with
   * counters of its own: bytes relayed here are not added to that node's figures.
   */
  async relayTarget(token: string): Promise<RelayTarget | null> {
    const node = peerSessionNode(token);
    if (node === null || node === this.self.node) return null;
    const reply = await this.askNode(node, "relay-session", { token });
    if (!reply?.session) return null;
    return {
      ...reply.session,
      relayStreams: 0,
      relayBytesUp: 0,
      relayBytesDown: 0,
      liveStreams: new Map(),
    };
  }

  /** Tells the other live nodes these connections ended, so routes to them close there too. */
  announceEnded(ids: string[], reason: EndReason): void {
    // A node that misses it drops them at its next reconciliation (connection-manager).
    this.tellOthers("ended", { ids, reason });
  }

  /** Tells the other live nodes that links changed (a node that misses it re-reads soon). */
  announceLinksChanged(): void {
    this.tellOthers("links-changed", {});
  }

  /** Passes an event on to the other live nodes' subscribers (fire and forget). */
  shareEvent(userId: string, body: SharedEventBody): void {
    // Fields the schema does not name (a service's owner and node) are dropped on arrival.
    this.tellOthers("event", { userId, body });
  }

  private tellOthers<O extends ClusterOperation>(operation: O, request: ClusterRequest<O>): void {
    for (const other of this.presence.liveOthers()) {
      this.client.ask(other.url, operation, request).catch(() => {});
    }
  }

  private async locate(deviceId: string, fresh: boolean): Promise<number | null> {
    const known = fresh ? undefined : this.deviceNodes.get(deviceId);
    if (known !== undefined) return known;
    const device = await this.options.devices.findDevice(deviceId);
    const node = device?.node ?? null;
    if (node !== null && node !== this.self.node) this.deviceNodes.set(deviceId, node);
    return node;
  }

  stop(): void {
    this.presence.stop();
    this.remoteStreams.close();
    this.client.close();
  }
}
