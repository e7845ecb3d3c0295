// Creates, restores, serves and ends proxy connections. The store says which connections
// exist; this keeps each active one's listener (port proxy) or host route (reverse proxy)
// open until it is disconnected, expires, goes idle, or loses its service.
//
// In a cluster each connection belongs to one node (its row's `node`): the one holding its
// device's tunnel when it was made, so bytes take the shortest path. That node restores
// it, and ends it when it expires or idles. Any other node that receives a request for
// its reverse-proxy host serves it too ("foreign" routes, reporting traffic to the store),
// and drops it when told, or at its next reconciliation, that it ended.
import { randomUUID } from "node:crypto";
import type { ConnectionView, ProxyType } from "../../common/graphql/schema.js";
import { type HostIpPolicy, PUBLIC_HOST_IP, parseHostIp } from "../../common/host-ip.js";
import { serviceTypeByApplication } from "../../common/service-types.js";
import { apiCodeOf, apiError, quoteId } from "../api/api-error.js";
import type { Cluster } from "../cluster/cluster.js";
import type { ConnectRequest } from "../cluster/node-protocol.js";
import { type BrokerConfig, hostForUrl } from "../config.js";
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
/** How often served connections are checked against the store for ends another node made. */
const RECONCILE_INTERVAL_MS = 5_000;
/** How long a host the store had no reverse proxy for is answered 404 without asking again. */
const NOT_FOREIGN_MS = 3_000;
/** At most this many such hosts are remembered (a flood of random ones starts afresh). */
const NOT_FOREIGN_MAX = 10_000;
/** How often a foreign route with traffic tells the store, for its owner's idle clock. */
const TOUCH_INTERVAL_MS = 10_000;

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
  /** The other nodes, and who is live. */
  cluster: Cluster;
}

/** A connection being served: its live state and the proxy (listener or route) serving it. */
interface Served {
  live: LiveConnection;
  proxy: OpenProxy;
  /** Another node's reverse proxy, served here too: its owner ends it, this only reports. */
  foreign?: { touchedAt: number };
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
  private readonly reconciler: NodeJS.Timeout;
  /** Connections the sweeper is ending, so a slow store does not see them ended twice. */
  private readonly ending = new Set<string>();
  /** Ends made while the store was away, saved at the next reconciliation that reaches it. */
  private readonly unsavedEnds = new Map<string, EndReason>();
  /**
   * Hosts the store had no active reverse proxy for, until when: random labels sent at
   * the listener cost one store lookup each per few seconds, not one per request.
   */
  private readonly notForeign = new Map<string, number>();
  /** Foreign hosts being looked up, so a burst of requests asks the store once. */
  private readonly lookingUp = new Map<string, Promise<ReverseRoute | undefined>>();

  constructor(private readonly options: ConnectionManagerOptions) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
    this.reconciler = setInterval(() => void this.reconcile(), RECONCILE_INTERVAL_MS);
    this.reconciler.unref();
  }

  get activeCount(): number {
    return this.served.size;
  }

  /** Brings back every connection of this node's that was active when it last stopped. */
  async restore(): Promise<void> {
    const now = Date.now();
    const { connections, devices, log, config } = this.options;
    for (const row of await connections.listActiveOfNode(config.node)) {
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

  /**
   * Makes a connection. Served by the node holding the device's tunnel when that is
   * another live node (`forwarded` is set when this node is that one, asked by another).
   */
  async connect(
    userId: string,
    serviceId: string,
    hostIP: string,
    type: ProxyType,
    forwarded = false,
  ): Promise<ConnectionView> {
    const { config, connections, cluster } = this.options;
    const { service, checked: plan } = await requireOnlineService(
      {
        devices: this.options.devices,
        isReachable: (found) => cluster.presence.isOnline(found.deviceNode),
      },
      userId,
      serviceId,
      (found) => planProxy(found, hostIP, type),
    );
    if (!forwarded && service.deviceNode !== null && service.deviceNode !== config.node) {
      const reply = await cluster.forwardConnect(service.deviceNode, {
        userId,
        serviceId,
        hostIP,
        type,
      });
      if (reply && "connection" in reply) return reply.connection;
      if (reply) throw apiError(apiCodeOf(reply.error.code), reply.error.message);
    }
    // A quick refusal before a listener is opened; the insert checks the cap again, as one
    // step with the insert, so connects racing on several nodes cannot pass it.
    if ((await connections.countActive(userId)) >= config.maxConnectionsPerUser) {
      throw capReached(config.maxConnectionsPerUser);
    }
    return this.open(userId, service, hostIP, plan);
  }

  /** A connect another node forwarded here; its API error, if any, goes back as it is. */
  async serveForwarded(request: ConnectRequest): Promise<ConnectionView> {
    return this.connect(request.userId, request.serviceId, request.hostIP, request.type, true);
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
    let inserted: boolean;
    try {
      inserted = await connections.insertWithinCap(row, config.maxConnectionsPerUser);
    } catch (error) {
      closeServed({ live, proxy });
      throw storageError(error, "the connection was not made");
    }
    if (!inserted) {
      closeServed({ live, proxy });
      throw capReached(config.maxConnectionsPerUser);
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

  /** The reverse-proxy route for a request's Host, if one is open here. */
  routeFor(hostname: string): ReverseRoute | undefined {
    return this.routes.routeFor(hostname);
  }

  /**
   * The route for another node's reverse proxy at this host, opened here from its stored
   * row (a load balancer may send its visitors to any node); undefined when none is active.
   */
  foreignRouteFor(hostname: string): Promise<ReverseRoute | undefined> {
    const pending = this.lookingUp.get(hostname);
    if (pending) return pending;
    const lookup = this.openForeignRoute(hostname).finally(() => this.lookingUp.delete(hostname));
    this.lookingUp.set(hostname, lookup);
    return lookup;
  }

  private async openForeignRoute(hostname: string): Promise<ReverseRoute | undefined> {
    const { connections, devices } = this.options;
    const now = Date.now();
    if ((this.notForeign.get(hostname) ?? 0) > now) return undefined;
    const row = await connections.findActiveByHost(hostname);
    if (!row || row.expiresAt <= now) {
      if (this.notForeign.size >= NOT_FOREIGN_MAX) this.notForeign.clear();
      this.notForeign.set(hostname, now + NOT_FOREIGN_MS);
      return undefined;
    }
    const existing = this.routes.routeFor(hostname);
    if (existing) return existing;
    const service = await devices.findService(row.serviceId);
    if (!service) return undefined;
    const live = new LiveConnection(row, service, Date.now(), this.publishSession);
    this.served.set(row.id, {
      live,
      proxy: this.openReverseRoute(live),
      foreign: { touchedAt: Date.now() },
    });
    return this.routes.routeFor(hostname);
  }

  /**
   * Another node ended these: stop serving them here. The owner tells its subscribers,
   * and through them every node's (the node that ended one served none of it). Without
   * a reason (a reconciliation found them ended) there is no event.
   */
  dropEnded(ids: readonly string[], reason?: EndReason): void {
    for (const id of ids) {
      const served = this.served.get(id);
      if (!served) continue;
      this.served.delete(id);
      closeServed(served);
      if (reason) this.publishEnded(served, reason);
    }
  }

  /**
   * Tells the subscribers a connection ended, unless it is another node's (a foreign
   * route): its owner tells them when it hears the notice.
   */
  private publishEnded({ live, foreign }: Served, reason: EndReason): void {
    if (foreign) return;
    this.options.events.publish(live.row.userId, {
      kind: "connection",
      action: "ended",
      reason,
      connection: live.row,
      service: live.service,
    });
  }

  /**
   * Saves the ends the store missed while it was away, and drops what another node ended
   * while its notice did not arrive (it was down, or this one was).
   */
  private async reconcile(): Promise<void> {
    const { connections } = this.options;
    try {
      for (const [id, reason] of [...this.unsavedEnds]) {
        if (await connections.end(id, reason)) this.options.cluster.announceEnded([id], reason);
        this.unsavedEnds.delete(id);
      }
      if (this.served.size > 0)
        this.dropEnded(await connections.endedAmong([...this.served.keys()]));
    } catch {
      // The store is away: keep carrying what is open; the next round tries again.
    }
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
      // bring the connection back. Expiry closes regardless; so does everything else, with
      // a log line, and the end is saved once the store answers again (reconcile()).
      if (reason === "disconnected") throw storageError(error, "the connection is still open");
      this.options.log.error("could not save the end of a connection; closing it anyway", {
        connectionId: id,
        reason,
        error: String(error),
      });
      this.unsavedEnds.set(id, reason);
    }
    // Other nodes may serve it too (a foreign route) or own it (a disconnect made here).
    if (ended) this.options.cluster.announceEnded([id], reason);
    const served = this.served.get(id);
    if (served) {
      this.served.delete(id);
      closeServed(served);
      this.publishEnded(served, reason);
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
    // The store keeps the first latch recorded: the winner, whichever node recorded it.
    const policy = new AccessPolicy(hostIP, live.row.latchedIp, async (address) => {
      const latched = await connections.recordLatch(live.row.id, address);
      live.row.latchedIp = latched;
      return latched;
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
    for (const [id, served] of this.served) {
      const { live, foreign } = served;
      if (this.ending.has(id)) continue;
      if (foreign) {
        this.sweepForeign(id, served, foreign, now);
        continue;
      }
      if (now >= live.row.expiresAt) {
        this.endBySweep(id, "expired");
        continue;
      }
      if (idleMs > 0) {
        live.sampleActivity(now);
        if (now - live.lastActivity >= idleMs) this.endBySweep(id, "idle", true);
      }
    }
  }

  /** A foreign route closes here at its expiry (its owner ends it) and reports its traffic. */
  private sweepForeign(
    id: string,
    served: Served,
    foreign: { touchedAt: number },
    now: number,
  ): void {
    const { live } = served;
    if (now >= live.row.expiresAt) {
      this.served.delete(id);
      closeServed(served);
      return;
    }
    live.sampleActivity(now);
    if (live.lastActivity > foreign.touchedAt && now - foreign.touchedAt >= TOUCH_INTERVAL_MS) {
      foreign.touchedAt = now;
      this.options.connections.touch(id, live.lastActivity).catch(() => {});
    }
  }

  /**
   * Ends a connection the sweeper found expired or idle. An idle one is first checked
   * against the traffic other nodes reported for it, which may keep it open.
   */
  private endBySweep(id: string, reason: EndReason, checkElsewhere = false): void {
    this.ending.add(id);
    this.stillIdle(id, checkElsewhere)
      .then((idle) => (idle ? this.end(id, reason) : false))
      .catch((error) => {
        this.options.log.error("could not end a connection", {
          connectionId: id,
          reason,
          error: String(error),
        });
      })
      .finally(() => this.ending.delete(id));
  }

  /** False when another node saw traffic on it since (and its idle clock moves on). */
  private async stillIdle(id: string, checkElsewhere: boolean): Promise<boolean> {
    const live = this.served.get(id)?.live;
    if (!checkElsewhere || !live) return true;
    const stored = await this.options.connections.find(id).catch(() => undefined);
    const elsewhere = stored?.lastActivity ?? null;
    if (elsewhere === null || elsewhere <= live.lastActivity) return true;
    live.lastActivity = elsewhere;
    return Date.now() - elsewhere >= this.options.config.idleTimeout * 1000;
  }

  /** Stops serving without ending anything in the store: a restart brings them back. */
  stop(): void {
    clearInterval(this.sweeper);
    clearInterval(this.reconciler);
    for (const served of this.served.values()) closeServed(served);
    this.served.clear();
  }
}

function capReached(cap: number) {
  return apiError(
    "RESOURCE_EXHAUSTED",
    `You already have ${cap} open connections, the most allowed: disconnect some first.`,
  );
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
