// Starts a broker, in the order the parts need each other: the store, the listeners (not
// yet bound), the agents' gateway, peer sessions, connections and the API; then restored
// connections come back and the listeners bind. One shutdown() undoes it all, for close()
// and for a start that fails half-way.
import { createGraphqlHandler } from "./api/graphql-handler.js";
import { type BrokerConfig, resolveConfig } from "./config.js";
import { ConnectionManager } from "./connections/connection-manager.js";
import { EventBus } from "./events/event-bus.js";
import { createBrokerServer } from "./http-server.js";
import { LinkManager } from "./links/link-manager.js";
import { BrokerListeners } from "./listeners.js";
import { createLogger, type Logger } from "./log.js";
import { PeerSessions } from "./p2p/peer-sessions.js";
import type { StunServer } from "./p2p/stun-server.js";
import { PortAllocator } from "./proxy/port-allocator.js";
import { describeStore, openStore } from "./store/open-store.js";
import type { UserStore } from "./store/store.js";
import { TunnelGateway } from "./tunnel/tunnel-gateway.js";

export interface RunningBroker {
  config: BrokerConfig;
  /** The listener's base URL, e.g. http://127.0.0.1:29090 */
  url: string;
  /** The GraphQL endpoint, e.g. http://127.0.0.1:29090/graphql/v1 */
  apiUrl: string;
  port: number;
  users: UserStore;
  connections: ConnectionManager;
  gateway: TunnelGateway;
  peerSessions: PeerSessions;
  /** The STUN responder, or null when it is off. */
  stun: StunServer | null;
  close(): Promise<void>;
}

export async function startBroker(
  settings: Partial<BrokerConfig>,
  log: Logger = createLogger(),
): Promise<RunningBroker> {
  const config = resolveConfig(settings);
  const store = await openStore(config.store);
  const { users, devices } = store;
  const listeners = new BrokerListeners(config);
  const events = new EventBus();
  const gateway = new TunnelGateway({
    users,
    devices,
    poolSize: config.agentPoolSize,
    stunPort: () => listeners.stunPort,
    log,
    events,
  });
  const peerSessions = new PeerSessions(devices, gateway, () => listeners.stunPort);
  const connections = new ConnectionManager({
    config,
    connections: store.connections,
    devices,
    gateway,
    ports: new PortAllocator(config.proxyPortLow, config.proxyPortHigh),
    log,
    events,
    listenPort: () => listeners.port,
  });
  const links = new LinkManager({
    config,
    links: store.links,
    devices,
    gateway,
    log,
    listenPort: () => listeners.port,
  });
  gateway.onServicesRemoved((serviceIds) => {
    links.forgetServices(serviceIds);
    void connections.endForServices(serviceIds);
    peerSessions.endForServices(serviceIds);
  });
  const graphql = createGraphqlHandler({
    users,
    devices,
    gateway,
    connections,
    peerSessions,
    links,
    events,
  });
  const server = createBrokerServer(config, {
    graphql,
    gateway,
    connections,
    peerSessions,
    links,
  });

  /** Stops everything; the store keeps active connections for the next start. */
  const shutdown = async () => {
    connections.stop();
    links.stop();
    peerSessions.stop();
    gateway.close();
    graphql.upgrade.close();
    await listeners.close();
    await store.close();
  };

  try {
    // Restored connections take back their ports before any new connect can.
    await connections.restore();
    await links.restore();
    await listeners.open(server);
  } catch (error) {
    await shutdown();
    throw error;
  }

  const host = config.listenHost.includes(":") ? `[${config.listenHost}]` : config.listenHost;
  const url = `${config.tls ? "https" : "http"}://${host}:${listeners.port}`;
  log.info("broker listening", { url, store: describeStore(config.store), domain: config.domain });

  return {
    config,
    url,
    apiUrl: `${url}/graphql/v1`,
    port: listeners.port,
    users,
    connections,
    gateway,
    peerSessions,
    stun: listeners.stun,
    close: shutdown,
  };
}
