// Persistent public links (remote.it's setConnectLink): creates, changes, serves, restores
// and forgets them. The store says which links exist; every enabled one is served at its
// host, under the broker's proxy domain, until it is disabled or removed. Links do not
// expire and are not connections: the connection cap does not count them. In a cluster
// every node serves every enabled link (a load balancer may send its visitors anywhere):
// each node re-reads the links every few seconds, and at once when another node says it
// changed one.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { serviceTypeByApplication } from "../../common/service-types.js";
import { apiError, quoteId } from "../api/api-error.js";
import type { NodePresence } from "../cluster/node-presence.js";
import type { BrokerConfig } from "../config.js";
import type { Logger } from "../log.js";
import { newSubdomainLabel } from "../store/ids.js";
import { storageError } from "../store/storage-error.js";
import type { DeviceStore, LinkRow, LinkStore, OwnedService, ServiceRow } from "../store/store.js";
import type { TunnelGateway } from "../tunnel/tunnel-gateway.js";
import { hashLinkPassword } from "./link-password.js";
import { checkLinkArgs, type LinkArgs } from "./link-settings.js";
import { ServedLink } from "./served-link.js";

/** What the API shows of a link: never the password, only whether there is one. */
export interface ConnectLinkView {
  serviceId: string;
  url: string;
  code: string;
  enabled: boolean;
  /** PASSWORD_SET when visitors need a password, null when they do not. */
  password: string | null;
  created: string;
  allow: string[];
  deny: string[];
}

/** What `password` reads back as when one is set: a marker, never the password. */
export const PASSWORD_SET = "********";

export interface LinkManagerOptions {
  config: BrokerConfig;
  links: LinkStore;
  devices: DeviceStore;
  gateway: TunnelGateway;
  presence: NodePresence;
  log: Logger;
  /** The port the broker's listener actually got (for link URLs). */
  listenPort: () => number;
  /** Tells the other nodes that links changed here (they re-read them). */
  announceChanged: () => void;
}

/** How often a node re-reads the links, for changes whose notice it missed. */
const SYNC_INTERVAL_MS = 5_000;

export class LinkManager {
  private readonly byHost = new Map<string, ServedLink>();
  private readonly hostOfService = new Map<string, string>();
  /** Each served link's row as it was served, to tell when the store's has changed. */
  private readonly servedAs = new Map<string, string>();
  private syncTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | null = null;

  constructor(private readonly options: LinkManagerOptions) {}

  /** Serves every enabled link again after a start, then keeps up with other nodes' changes. */
  async restore(): Promise<void> {
    await this.sync();
    if (this.byHost.size > 0) {
      this.options.log.info("public links restored", { count: this.byHost.size });
    }
    this.syncTimer = setInterval(() => {
      this.sync().catch(() => {
        // The store is away: links served now stay served; the next round tries again.
      });
    }, SYNC_INTERVAL_MS);
    this.syncTimer.unref();
  }

  /**
   * Serves what the store says: enabled links of existing services, as they are now.
   * One sync at a time; a call during one waits for it.
   */
  sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const { links, devices } = this.options;
    const wanted = new Map(
      (await links.listAll()).filter((row) => row.enabled).map((row) => [row.serviceId, row]),
    );
    for (const serviceId of [...this.hostOfService.keys()]) {
      const row = wanted.get(serviceId);
      if (!row || JSON.stringify(row) !== this.servedAs.get(serviceId)) this.unserve(serviceId);
    }
    for (const [serviceId, row] of wanted) {
      if (this.hostOfService.has(serviceId)) continue;
      const service = await devices.findService(serviceId);
      if (service) this.serve(row, service);
    }
  }

  /**
   * setConnectLink (and, with `enabled` forced true, enableConnectLink): creates the
   * service's link or changes what is given. Omitted or null arguments keep their value;
   * an empty password removes it; allow and deny replace their lists.
   */
  async set(userId: string, args: LinkArgs): Promise<ConnectLinkView> {
    checkLinkArgs(args);
    const service = await this.ownedService(userId, args.serviceId);
    const type = serviceTypeByApplication(service.application);
    if (!type?.web) {
      throw apiError(
        "BAD_USER_INPUT",
        `Public links carry http and https services only; service ${quoteId(service.id)} is ${type?.name ?? "TCP"}.`,
      );
    }
    const existing = await this.options.links.find(service.id);
    const row: LinkRow = existing ?? this.newRow(userId, service.id);
    if (args.enabled !== undefined && args.enabled !== null) row.enabled = args.enabled;
    if (args.password !== undefined && args.password !== null) {
      row.passwordHash = args.password === "" ? null : await hashLinkPassword(args.password);
    }
    if (args.allow) row.allow = args.allow.map((entry) => entry.trim());
    if (args.deny) row.deny = args.deny.map((entry) => entry.trim());
    await this.save(row, "the link was not changed");
    // Read back: when two first saves race, the store keeps one host and code for both.
    const saved = (await this.options.links.find(service.id)) ?? row;
    this.unserve(service.id);
    if (saved.enabled) this.serve(saved, service);
    this.options.announceChanged();
    return this.view(saved);
  }

  /** disableConnectLink: stops serving, keeping the URL; false when there is no link. */
  async disable(userId: string, serviceId: string): Promise<boolean> {
    const service = await this.ownedService(userId, serviceId);
    const row = await this.options.links.find(service.id);
    if (!row) return false;
    row.enabled = false;
    await this.save(row, "the link is still enabled");
    this.unserve(service.id);
    this.options.announceChanged();
    return true;
  }

  /** removeConnectLink: forgets the link and its URL; false when there was none. */
  async remove(userId: string, serviceId: string): Promise<boolean> {
    const service = await this.ownedService(userId, serviceId);
    let removed: boolean;
    try {
      removed = await this.options.links.remove(service.id);
    } catch (error) {
      throw storageError(error, "the link still exists");
    }
    this.unserve(service.id);
    this.options.announceChanged();
    return removed;
  }

  /** The link of a service the caller already owns (Service.link), if it has one. */
  async linkOf(serviceId: string): Promise<ConnectLinkView | null> {
    const row = await this.options.links.find(serviceId);
    return row ? this.view(row) : null;
  }

  async listOfUser(userId: string): Promise<ConnectLinkView[]> {
    return (await this.options.links.listOfUser(userId)).map((row) => this.view(row));
  }

  /** The services whose device no longer offers them: the store has dropped their links. */
  forgetServices(serviceIds: string[]): void {
    for (const serviceId of serviceIds) this.unserve(serviceId);
  }

  /** Serves a request whose Host is an enabled link's; false when it is no link's. */
  handleRequest(
    hostname: string,
    request: IncomingMessage,
    response: ServerResponse,
    scheme: "http" | "https",
  ): boolean {
    const link = this.byHost.get(hostname);
    if (!link) return false;
    link.serve(request, response, scheme).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
    return true;
  }

  handleUpgrade(
    hostname: string,
    request: IncomingMessage,
    socket: Socket,
    head: Buffer,
    scheme: "http" | "https",
  ): boolean {
    const link = this.byHost.get(hostname);
    if (!link) return false;
    link.serveUpgrade(request, socket, head, scheme).catch(() => socket.destroy());
    return true;
  }

  /** Stops serving without changing the store: a restart serves the links again. */
  stop(): void {
    clearInterval(this.syncTimer);
    for (const serviceId of [...this.hostOfService.keys()]) this.unserve(serviceId);
  }

  private newRow(userId: string, serviceId: string): LinkRow {
    const { config } = this.options;
    const code = newSubdomainLabel();
    return {
      serviceId,
      userId,
      host: `${code}.p${config.node}.${config.domain}`,
      code,
      enabled: true,
      passwordHash: null,
      allow: [],
      deny: [],
      created: new Date().toISOString(),
    };
  }

  private async ownedService(userId: string, serviceId: string): Promise<OwnedService> {
    const service = await this.options.devices.findService(serviceId);
    if (!service || service.userId !== userId) {
      throw apiError("NOT_FOUND", `There is no service with id ${quoteId(serviceId)}.`);
    }
    return service;
  }

  private async save(row: LinkRow, action: string): Promise<void> {
    try {
      await this.options.links.save(row);
    } catch (error) {
      throw storageError(error, action);
    }
  }

  private serve(row: LinkRow, service: ServiceRow): void {
    const { gateway } = this.options;
    const openStream = () => gateway.openStream(service.deviceId, service.id);
    // Attached here, or possibly to another live node (a stream there says if not).
    const served = new ServedLink(
      row,
      service,
      openStream,
      () =>
        gateway.isAttachedHere(service.deviceId) || this.options.presence.liveOthers().length > 0,
    );
    this.byHost.set(row.host, served);
    this.hostOfService.set(row.serviceId, row.host);
    this.servedAs.set(row.serviceId, JSON.stringify(row));
  }

  private unserve(serviceId: string): void {
    const host = this.hostOfService.get(serviceId);
    if (host === undefined) return;
    this.hostOfService.delete(serviceId);
    this.servedAs.delete(serviceId);
    this.byHost.get(host)?.close();
    this.byHost.delete(host);
  }

  private view(row: LinkRow): ConnectLinkView {
    const { config, listenPort } = this.options;
    const port = listenPort();
    const url = config.tls
      ? `https://${row.host}${port === 443 ? "" : `:${port}`}`
      : `http://${row.host}:${port}`;
    return {
      serviceId: row.serviceId,
      url,
      code: row.code,
      enabled: row.enabled,
      password: row.passwordHash === null ? null : PASSWORD_SET,
      created: row.created,
      allow: row.allow,
      deny: row.deny,
    };
  }
}
