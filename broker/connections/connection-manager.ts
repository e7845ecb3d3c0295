// Creates, restores, serves and ends proxy connections. The store says which connections
// exist; this keeps each active one's listener (port proxy) or host route (reverse proxy)
// open until it is disconnected, expires, goes idle, or loses its service.
import { randomUUID } from "node:crypto";
import { isIP } from "node:net";
import type { ConnectionView, ProxyType } from "../../common/graphql/schema.js";
import { type HostIpPolicy, PUBLIC_HOST_IP, parseHostIp } from "../../common/host-ip.js";
import { serviceTypeByApplication } from "../../common/service-types.js";
import { apiError, quoteId } from "../api/api-error.js";
import type { BrokerConfig } from "../config.js";
import type { EventBus } from "../events/event-bus.js";
import type { Logger } from "../log.js";
import { AccessPolicy } from "../proxy/access-policy.js";
import type { PortAllocator } from "../proxy/port-allocator.js";
import { type OpenProxy, openPortProxy, type StreamOpener } from "../proxy/port-proxy.js";
import type { ReverseRoute } from "../proxy/reverse-proxy.js";
import { ReverseRoutes } from "../proxy/reverse-routes.js";
import { newSubdomainLabel } from "../store/ids.js";
import { storageError } from "../store/storage-error.js";
import type {
  ConnectionRow,
  ConnectionStore,
  DeviceStore,
  EndReason,
  OwnedService,
} from "../store/store.js";
import type { TunnelGateway } from "../tunnel/tunnel-gateway.js";
import { LiveConnection, type SessionListener } from "./live-connection.js";
import { requireOnlineService } from "./require-online-service.js";

/** How often expiry and idleness are checked: connections end within this of their time. */
const SWEEP_INTERVAL_MS = 250;

export interface ConnectionManagerOptions {
  config: BrokerConfig;
  connections: ConnectionStore;
  devices: DeviceStore;
  gateway: TunnelGateway;
  ports: PortAllocator;
  log: Logger;
  /** Hears connections open and end, and visitors come and go. */
  events: EventBus;
  /** The port the broker's listener actually got (for reverse-proxy URLs). */
  listenPort: () => number;
}

/** A connection being served: its live state and the proxy (listener or route) serving it. */
interface Served {
  live: LiveConnection;
  proxy: OpenProxy;
}

/** What a connect asks for, checked against its service. */
interface ProxyPlan {
  policy: HostIpPolicy;
  reverse: boolean;
  scheme: string;
}

export class ConnectionManager {
  private readonly served = new Map<string, Served>();
  private readonly routes = new ReverseRoutes();
  private readonly sweeper: NodeJS.Timeout;
  /** Connects per user between the cap check and the stored row. */
  private readonly opening = new Map<string, number>();
  /** Connections the sweeper is ending, so a slow store does not see them ended twice. */
  private readonly ending = new Set<string>();

  constructor(private readonly options: ConnectionManagerOptions) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  get activeCount(): number {
    return this.served.size;
  }

  /** Brings back every connection that was active when the broker last stopped. */
  async restore(): Promise<void> {
    const now = Date.now();
    const { connections, devices, log } = this.options;
    for (const row of await connections.listAllActive()) {
      const service = await devices.findService(row.serviceId);
      if (!service) {
        await connections.end(row.id, "removed");
        continue;
      }
      if (row.expiresAt <= now) {
        await connections.end(row.id, "expired");
        continue;
      }
      const live = new LiveConnection(row, service, now, this.publishSession);
      const proxy = row.reverseProxy
        ? this.openReverseRoute(live)
        : await this.reopenPortProxy(live);
      if (!proxy) {
        log.error("could not restore port proxy: its port is taken", {
          connectionId: row.id,
          port: row.port,
        });
        await connections.end(row.id, "removed");
        continue;
      }
      this.served.set(row.id, { live, proxy });
    }
    if (this.served.size > 0) log.info("connections restored", { count: this.served.size });
  }

  async connect(
    userId: string,
    serviceId: string,
    hostIP: string,
    type: ProxyType,
  ): Promise<ConnectionView> {
    const { config, connections } = this.options;
    const { service, checked: plan } = await requireOnlineService(
      this.options,
      userId,
      serviceId,
      (found) => planProxy(found, hostIP, type),
    );
    // Connects still opening their listener count too, or a burst could pass the cap. This
    // one is counted before the store is asked, so connects racing it count it in turn.
    const opening = this.opening.get(userId) ?? 0;
    this.opening.set(userId, opening + 1);
    try {
      if ((await connections.countActive(userId)) + opening >= config.maxConnectionsPerUser) {
        throw apiError(
          "RESOURCE_EXHAUSTED",
          `You already have ${config.maxConnectionsPerUser} open connections, the most allowed: disconnect some first.`,
        );
      }
      return await this.open(userId, service, hostIP, plan);
    } finally {
      const left = (this.opening.get(userId) ?? 1) - 1;
      if (left > 0) this.opening.set(userId, left);
      else this.opening.delete(userId);
    }
  }

  private async open(
    userId: string,
    service: OwnedService,
    hostIP: string,
    { policy, reverse, scheme }: ProxyPlan,
  ): Promise<ConnectionView> {
    const { config, connections } = this.options;
    const serviceId = service.id;
    const now = Date.now();
    const id = randomUUID();
    const row: ConnectionRow = {
      id,
      userId,
      serviceId,
      created: new Date(now).toISOString(),
      expiresAt: now + config.timeout * 1000,
      timeout: config.timeout,
      reverseProxy: reverse,
      host: "",
      port: null,
      url: "",
      // Reverse proxies are always public; a restricted address is kept in one spelling.
      hostIP: reverse ? PUBLIC_HOST_IP : policy.mode === "restricted" ? policy.address : hostIP,
      latchedIp: null,
      node: config.node,
    };
    const live = new LiveConnection(row, service, now, this.publishSession);
    let proxy: OpenProxy;
    if (reverse) {
      row.host = `${newSubdomainLabel()}.p${config.node}.${config.domain}`;
      row.url = config.tls
        ? `https://${row.host}${this.options.listenPort() === 443 ? "" : `:${this.options.listenPort()}`}`
        : `http://${row.host}:${this.options.listenPort()}`;
      proxy = this.openReverseRoute(live);
    } else {
      const portProxy = await this.openPortProxy(live, null, policy);
      if (!portProxy) {
        throw apiError(
          "RESOURCE_EXHAUSTED",
          "The broker has no free proxy port left; try again later.",
        );
      }
      proxy = portProxy;
      row.host = config.publicHost;
      row.url = `${scheme}://${hostForUrl(row.host)}:${row.port}`;
    }
    try {
      await connections.insert(row);
    } catch (error) {
      closeServed({ live, proxy });
      throw storageError(error, "the connection was not made");
    }
    this.served.set(id, { live, proxy });
    this.options.events.publish(userId, {
      kind: "connection",
      action: "opened",
      reason: null,
      connection: row,
      service,
    });
    return toView(row);
  }

  /** True when an active connection was closed, false when it had already ended. */
  async disconnect(
    userId: string,
    connectionId: string,
    serviceId?: string | null,
  ): Promise<boolean> {
    const row = await this.options.connections.find(connectionId);
    if (!row || row.userId !== userId || (serviceId && row.serviceId !== serviceId)) {
      throw apiError("NOT_FOUND", `There is no connection with id ${quoteId(connectionId)}.`);
    }
    return this.end(connectionId, "disconnected");
  }

  async listActive(userId: string): Promise<ConnectionView[]> {
    return (await this.options.connections.listActiveOfUser(userId)).map(toView);
  }

  /** The running state of an active connection of `userId`'s, if it is one. */
  liveConnection(userId: string, connectionId: string): LiveConnection | undefined {
    const live = this.served.get(connectionId)?.live;
    return live?.row.userId === userId ? live : undefined;
  }

  /** `userId`'s active connections as they run (visitors, sessions), oldest first. */
  liveConnectionsOf(userId: string): LiveConnection[] {
    const found: LiveConnection[] = [];
    for (const { live } of this.served.values()) if (live.row.userId === userId) found.push(live);
    return found;
  }

  /** Tells the event bus of a visitor coming or going (a field, so it can be passed as is). */
  private readonly publishSession: SessionListener = (action, session, live) => {
    this.options.events.publish(live.row.userId, {
      kind: "session",
      action,
      session,
      connection: live.row,
      service: live.service,
    });
  };

  /** The reverse-proxy route for a request's Host, if one is open. */
  routeFor(hostname: string): ReverseRoute | undefined {
    return this.routes.routeFor(hostname);
  }

  /** Ends the connections of services their device no longer offers; never rejects. */
  async endForServices(serviceIds: string[]): Promise<void> {
    try {
      for (const serviceId of serviceIds) {
        for (const id of await this.options.connections.activeIdsOfService(serviceId)) {
          await this.end(id, "removed");
        }
      }
    } catch (error) {
      this.options.log.error("could not end the connections of removed services", {
        error: String(error),
      });
    }
  }

  private async end(id: string, reason: EndReason): Promise<boolean> {
    let ended = false;
    try {
      ended = await this.options.connections.end(id, reason);
    } catch (error) {
      // A disconnect that cannot be saved is refused: closing anyway would let a restart
      // bring the connection back. Expiry closes regardless (a restart ends it again from
      // its stored expiry); so does everything else, with a log line.
      if (reason === "disconnected") throw storageError(error, "the connection is still open");
      this.options.log.error("could not save the end of a connection; closing it anyway", {
        connectionId: id,
        reason,
        error: String(error),
      });
    }
    const served = this.served.get(id);
    if (served) {
      this.served.delete(id);
      closeServed(served);
      const { row, service } = served.live;
      this.options.events.publish(row.userId, {
        kind: "connection",
        action: "ended",
        reason,
        connection: row,
        service,
      });
    }
    return ended;
  }

  /** Opens tunnel streams to the connection's service. */
  private streamsTo(live: LiveConnection): StreamOpener {
    return () => this.options.gateway.openStream(live.service.deviceId, live.service.id);
  }

  private openReverseRoute(live: LiveConnection): OpenProxy {
    return this.routes.open(live, this.streamsTo(live));
  }

  /** A restored port proxy, on its stored port and under its stored hostIP. */
  private async reopenPortProxy(live: LiveConnection): Promise<OpenProxy | null> {
    const stored = parseHostIp(live.row.hostIP);
    return stored.ok ? this.openPortProxy(live, live.row.port ?? 0, stored.policy) : null;
  }

  /** Opens a port proxy for `live` and records its port on the row; null when none. */
  private async openPortProxy(
    live: LiveConnection,
    port: number | null,
    hostIP: HostIpPolicy,
  ): Promise<OpenProxy | null> {
    const { config, connections, ports } = this.options;
    const policy = new AccessPolicy(hostIP, live.row.latchedIp, async (address) => {
      await connections.recordLatch(live.row.id, address);
      live.row.latchedIp = address;
    });
    const proxy = await openPortProxy(live, policy, this.streamsTo(live), {
      ports,
      bind: config.proxyBind,
      port,
    });
    if (proxy) live.row.port = proxy.port;
    return proxy;
  }

  private sweep(): void {
    const now = Date.now();
    const idleMs = this.options.config.idleTimeout * 1000;
    for (const [id, { live }] of this.served) {
      if (this.ending.has(id)) continue;
      if (now >= live.row.expiresAt) {
        this.endBySweep(id, "expired");
        continue;
      }
      if (idleMs > 0) {
        live.sampleActivity(now);
        if (now - live.lastActivity >= idleMs) this.endBySweep(id, "idle");
      }
    }
  }

  private endBySweep(id: string, reason: EndReason): void {
    this.ending.add(id);
    this.end(id, reason)
      .catch((error) => {
        this.options.log.error("could not end a connection", {
          connectionId: id,
          reason,
          error: String(error),
        });
      })
      .finally(() => this.ending.delete(id));
  }

  /** Stops serving without ending anything in the store: a restart brings them back. */
  stop(): void {
    clearInterval(this.sweeper);
    for (const served of this.served.values()) closeServed(served);
    this.served.clear();
  }
}

/** Closes the proxy first, so no visitor arrives while the others are being dropped. */
function closeServed({ live, proxy }: Served): void {
  proxy.close();
  live.close();
}

/** How a connect to `service` would be served; refuses what cannot be. */
function planProxy(service: OwnedService, hostIP: string, type: ProxyType): ProxyPlan {
  const parsed = parseHostIp(hostIP);
  if (!parsed.ok) throw apiError("BAD_USER_INPUT", parsed.reason);
  const serviceType = serviceTypeByApplication(service.application);
  const reverse = type === "REVERSE_PROXY" || (type === "AUTO_PROXY" && !!serviceType?.web);
  if (reverse && !serviceType?.web) {
    throw apiError(
      "BAD_USER_INPUT",
      "Reverse proxies carry http and https services only; use PORT_PROXY for this service.",
    );
  }
  return { policy: parsed.policy, reverse, scheme: serviceType?.scheme ?? "tcp" };
}

function hostForUrl(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

export function toView(row: ConnectionRow): ConnectionView {
  return {
    id: row.id,
    created: row.created,
    host: row.host,
    port: row.port,
    reverseProxy: row.reverseProxy,
    timeout: row.timeout,
    url: row.url,
    serviceId: row.serviceId,
    hostIP: row.hostIP,
  };
}
