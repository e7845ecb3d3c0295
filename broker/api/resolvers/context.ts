// What every resolver gets: the signed-in caller (ApiContext) and the broker's parts it
// acts on (ResolverDeps).
import type { NodePresence } from "../../cluster/node-presence.js";
import type { PeerSessionRouter } from "../../cluster/peer-session-router.js";
import type { ConnectionManager } from "../../connections/connection-manager.js";
import type { EventBus } from "../../events/event-bus.js";
import type { LinkManager } from "../../links/link-manager.js";
import type { DeviceStore, User } from "../../store/store.js";
import type { TunnelGateway } from "../../tunnel/tunnel-gateway.js";

export interface ApiContext {
  user: User;
  /** The caller's address, canonical (IPv4-mapped IPv6 as IPv4). */
  clientIp: string;
  /** True on the event socket: subscriptions are served there only (a POST would hang). */
  overWebSocket?: boolean;
}

export interface ResolverDeps {
  devices: DeviceStore;
  gateway: TunnelGateway;
  /** Which nodes are live: a device is online while a live node holds its tunnel. */
  presence: NodePresence;
  connections: ConnectionManager;
  /** Peer sessions, this node's or (forwarded) another's. */
  peerSessions: PeerSessionRouter;
  links: LinkManager;
  events: EventBus;
}
