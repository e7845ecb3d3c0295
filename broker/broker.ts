// Starts a broker, in the order the parts need each other: the store, the listeners (not
// yet bound), this node's part in the cluster, the agents' gateway, peer sessions,
// connections and the API; then restored connections come back, the listeners bind, and
// the node announces itself. One shutdown() undoes it all, for close() and for a start
// that fails half-way.
import { GraphQLError } from "graphql";
import { createGraphqlHandler } from "./api/graphql-handler.js";
import { Cluster } from "./cluster/cluster.js";
import type { ConnectReply, ConnectRequest } from "./cluster/node-protocol.js";
import { PeerSessionRouter } from "./cluster/peer-session-router.js";
import { type BrokerConfig, hostForUrl, resolveConfig } from "./config.js";
import { ConnectionManager } from "./connections/connection-manager.js";
import {
  type ChallengeRecords,
  MemoryChallengeRecords,
  StoreChallengeRecords,
} from "./dns/challenge-records.js";
import { type DnsServer, startDnsServer } from "./dns/dns-server.js";
import { ZoneNodes } from "./dns/zone-nodes.js";
import { zoneSource } from "./dns/zone-source.js";
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
import { type BrokerTls, startBrokerTls } from "./tls/broker-tls.js";
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
  cluster: Cluster;
  /** The STUN responder, or null when it is off. */
  stun: StunServer | null;
  /** The port the broker's DNS answers on (UDP and TCP), or null when --dns-listen is off. */
  dnsPort: number | null;
  /** The _acme-challenge TXT values: written by the certificate manager, answered by the DNS. */
  challenges: ChallengeRecords;
  /** The plain HTTP listener and the ACME certificates. */
  tls: BrokerTls | null;
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
  // Devices' and connections' events reach subscribers on every node (cluster.shareEvent).
  const events = new EventBus((userId, body) => cluster.shareEvent(userId, body));
  const scheme = config.tls || config.acme ? "https" : "http";
  const cluster = new Cluster({
    nodes: store.nodes,
    devices,
    // Where agents and other nodes reach this node; the port is the one the listener got.
    self: {
      node: config.node,
      publicHost: config.publicHost,
      publicIps: config.publicIps,
      get url() {
        return `${scheme}://${hostForUrl(config.publicHost)}:${listeners.port}`;
      },
    },
    log,
  });
  const gateway = new TunnelGateway({
    users,
    devices,
    poolSize: config.agentPoolSize,
    stunPort: () => listeners.stunPort,
    log,
    events,
    node: config.node,
    remote: {
      streams: cluster.remoteStreams,
      open: (deviceId, serviceId) => cluster.openRemoteStream(deviceId, serviceId),
    },
  });
  const peerSessions = new PeerSessions(devices, gateway, () => listeners.stunPort, config.node);
  const peerRouter = new PeerSessionRouter(peerSessions, devices, cluster);
  const connections = new ConnectionManager({
    config,
    connections: store.connections,
    devices,
    gateway,
    ports: new PortAllocator(config.proxyPortLow, config.proxyPortHigh),
    log,
    events,
    listenPort: () => listeners.port,
    cluster,
  });
  const links = new LinkManager({
    config,
    links: store.links,
    devices,
    gateway,
    presence: cluster.presence,
    log,
    listenPort: () => listeners.port,
    announceChanged: () => cluster.announceLinksChanged(),
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
    presence: cluster.presence,
    connections,
    peerSessions: peerRouter,
    links,
    events,
  });
  const server = createBrokerServer(config, {
    graphql,
    gateway,
    connections,
    peerSessions,
    links,
    cluster: {
      secret: () => cluster.secret,
      relayTarget: (token) => cluster.relayTarget(token),
      handlers: {
        dial: async (request) => gateway.dial(request),
        connect: (request) => connectForAnotherNode(connections, request),
        ended: async ({ ids, reason }) => {
          connections.dropEnded(ids, reason);
          return {};
        },
        peer: (request) => peerRouter.serve(request),
        event: async ({ userId, body }) => {
          events.receive(userId, body);
          return {};
        },
        "links-changed": async () => {
          await links.sync().catch(() => {});
          return {};
        },
        "relay-session": async ({ token }) => {
          const session = peerSessions.byRelayToken(token);
          return {
            session: session ? { deviceId: session.deviceId, serviceId: session.serviceId } : null,
          };
        },
      },
    },
  });

  // A cluster (PostgreSQL) shares its ACME state through the store: the CA may ask any
  // node's DNS for a challenge, and the nodes order as one account. Alone (SQLite), the
  // broker keeps them in memory and its data dir.
  const clustered = config.store.kind === "postgres";
  const challenges: ChallengeRecords = clustered
    ? new StoreChallengeRecords(store.acme)
    : new MemoryChallengeRecords();
  let dns: DnsServer | undefined;
  let tls: BrokerTls | null = null;
  /** Stops everything; the store keeps active connections for the next start. */
  const shutdown = async () => {
    await tls?.close();
    await dns?.close();
    connections.stop();
    links.stop();
    peerSessions.stop();
    cluster.stop();
    gateway.close();
    graphql.upgrade.close();
    await listeners.close();
    await store.close();
  };

  try {
    // None of this node's earlier tunnels survived; agents attach afresh once it listens.
    await gateway.forgetEarlierAttachments();
    // Restored connections take back their ports before any new connect can.
    await connections.restore();
    await links.restore();
    await listeners.open(server);
    await cluster.start();
    // After the first heartbeat, so that this node's addresses are in the store it reads.
    if (config.dns) {
      dns = await startDnsServer({
        ...config.dns,
        snapshotFor: zoneSource(
          config.domain,
          config.node,
          new ZoneNodes(store.nodes, cluster.self),
          challenges,
        ),
        log,
      });
    }
    // After the DNS, which answers DNS-01 challenges.
    tls = await startBrokerTls(config, {
      server,
      challenges,
      ...(clustered ? { accountKey: async (create) => store.acme.accountKey(await create()) } : {}),
      httpsPort: () => listeners.port,
      log,
    });
  } catch (error) {
    await shutdown();
    throw error;
  }

  const url = `${scheme}://${hostForUrl(config.listenHost)}:${listeners.port}`;
  log.info("broker listening", {
    url,
    store: describeStore(config.store),
    domain: config.domain,
    node: config.node,
    dns: dns && config.dns ? `${hostForUrl(config.dns.host)}:${dns.port}` : "off",
  });

  return {
    config,
    url,
    apiUrl: `${url}/graphql/v1`,
    port: listeners.port,
    users,
    connections,
    gateway,
    peerSessions,
    cluster,
    stun: listeners.stun,
    dnsPort: dns?.port ?? null,
    challenges,
    tls,
    close: shutdown,
  };
}

/** A connect another node forwarded: the connection, or the API error to pass back. */
async function connectForAnotherNode(
  connections: ConnectionManager,
  request: ConnectRequest,
): Promise<ConnectReply> {
  try {
    return { connection: await connections.serveForwarded(request) };
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    const code = error.extensions.code;
    if (typeof code !== "string") throw error;
    return { error: { code, message: error.message } };
  }
}
