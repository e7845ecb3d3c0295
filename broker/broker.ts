// Starts a broker: the store, the agents' gateway, the connections and the listener.
import type { AddressInfo } from "node:net";
import { createGraphqlHandler } from "./api/graphql-handler.js";
import { type BrokerConfig, resolveConfig } from "./config.js";
import { ConnectionManager } from "./connections/connection-manager.js";
import { createBrokerServer } from "./http-server.js";
import { createLogger, type Logger } from "./log.js";
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
  const gateway = new TunnelGateway({
    users,
    devices,
    poolSize: config.agentPoolSize,
    log,
    onServicesRemoved: (ids) => connections?.endForServices(ids),
  });
  connections = new ConnectionManager({
    config,
    connections: store,
    devices,
    gateway,
    ports: new PortAllocator(config.proxyPortLow, config.proxyPortHigh),
    log,
    listenPort: () => listenPort,
  });
  const graphql = createGraphqlHandler({ users, devices, gateway, connections });
  const server = createBrokerServer(config, { graphql, gateway, connections });

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
    db.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === "EADDRINUSE"
        ? `Cannot listen on ${config.listenHost}:${config.listenPort}: the port is in use (is another broker running?).`
        : `Cannot listen on ${config.listenHost}:${config.listenPort}: ${code ?? String(error)}.`,
    );
  }
  listenPort = (server.address() as AddressInfo).port;

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
    async close() {
      connections.stop();
      gateway.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      db.close();
    },
  };
}
