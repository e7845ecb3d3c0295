// Starts a broker: the store, the agents' gateway, the connections and the listener.
import type { AddressInfo } from "node:net";
import { createGraphqlHandler } from "./api/graphql-handler.js";
import { type BrokerConfig, resolveConfig } from "./config.js";
import { ConnectionManager } from "./connections/connection-manager.js";
import { createBrokerServer } from "./http-server.js";
import { createLogger, type Logger } from "./log.js";
import { PeerSessions } from "./p2p/peer-sessions.js";
import { type StunServer, startStunServer } from "./p2p/stun-server.js";
import { PortAllocator } from "./proxy/port-allocator.js";
import { ConnectionStore } from "./store/connections.js";
import { DeviceStore } from "./store/devices.js";
import { openDatabase } from "./store/open-database.js";
import { UserStore } from "./store/users.js";
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
  const db = openDatabase(config.dataDir);
  const users = new UserStore(db);
  const devices = new DeviceStore(db);
  const store = new ConnectionStore(db);
  let listenPort = config.listenPort;
  let connections: ConnectionManager | undefined;
  let stun: StunServer | null = null;
  const peerSessionsRef: { current?: PeerSessions } = {};
  const gateway = new TunnelGateway({
    users,
    devices,
    poolSize: config.agentPoolSize,
    stunPort: () => stun?.port ?? null,
    log,
    onServicesRemoved: (ids) => {
      connections?.endForServices(ids);
      peerSessionsRef.current?.endForServices(ids);
    },
  });
  const peerSessions = new PeerSessions(devices, gateway, () => stun?.port ?? null);
  peerSessionsRef.current = peerSessions;
  connections = new ConnectionManager({
    config,
    connections: store,
    devices,
    gateway,
    ports: new PortAllocator(config.proxyPortLow, config.proxyPortHigh),
    log,
    listenPort: () => listenPort,
  });
  const graphql = createGraphqlHandler({ users, devices, gateway, connections, peerSessions });
  const server = createBrokerServer(config, { graphql, gateway, connections, peerSessions });

  try {
    // Restored connections take back their ports before any new connect can.
    await connections.restore();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: config.listenHost, port: config.listenPort }, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    gateway.close();
    connections.stop();
    peerSessions.stop();
    db.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === "EADDRINUSE"
        ? `Cannot listen on ${config.listenHost}:${config.listenPort}: the port is in use (is another broker running?).`
        : `Cannot listen on ${config.listenHost}:${config.listenPort}: ${code ?? String(error)}.`,
    );
  }
  listenPort = (server.address() as AddressInfo).port;
  if (config.stunPort !== null) {
    const stunPort = config.stunPort === "listen" ? listenPort : config.stunPort;
    try {
      stun = await startStunServer(config.listenHost, stunPort);
    } catch (error) {
      server.close();
      gateway.close();
      connections.stop();
      peerSessions.stop();
      db.close();
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(
        `Cannot serve STUN on UDP ${config.listenHost}:${stunPort}: ${code === "EADDRINUSE" ? "the port is in use" : (code ?? String(error))} (choose another with --stun-port, or --stun-port off).`,
      );
    }
  }

  const host = config.listenHost.includes(":") ? `[${config.listenHost}]` : config.listenHost;
  const url = `${config.tls ? "https" : "http"}://${host}:${listenPort}`;
  log.info("broker listening", { url, dataDir: config.dataDir, domain: config.domain });

  return {
    config,
    url,
    apiUrl: `${url}/graphql/v1`,
    port: listenPort,
    users,
    connections,
    gateway,
    peerSessions,
    stun,
    async close() {
      connections.stop();
      peerSessions.stop();
      await stun?.close();
      gateway.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      db.close();
    },
  };
}
