// The connections the user has made, and their clocks: each is active until
// created + timeout, when it turns expired on its own; a re-sync that no longer finds it
// at the broker marks it closed (disconnected elsewhere, idle, or the device went away).
import type { ConnectionState, DeviceView } from "../../common/desktop-api.js";
import type { ConnectionView } from "../../common/graphql/schema.js";
import type { Clock } from "./clock.js";

/** setTimeout's ceiling; longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class ConnectionTracker {
  private readonly connections = new Map<string, ConnectionState>();
  private readonly timers = new Map<string, unknown>();

  constructor(
    private readonly clock: Clock,
    private readonly onExpired: (connection: ConnectionState) => void,
  ) {}

  list(): ConnectionState[] {
    return [...this.connections.values()].sort((a, b) => b.created.localeCompare(a.created));
  }

  get(id: string): ConnectionState | undefined {
    return this.connections.get(id);
  }

  /** Adds or refreshes one connection as the broker described it. */
  upsert(view: ConnectionView, devices: DeviceView[]): ConnectionState {
    const service = devices
      .flatMap((d) => d.services.map((s) => ({ s, d })))
      .find((x) => x.s.id === view.serviceId);
    const expiresAt = Date.parse(view.created) + view.timeout * 1000;
    const state: ConnectionState = {
      id: view.id,
      serviceId: view.serviceId,
      serviceName: service?.s.name ?? view.serviceId,
      deviceName: service?.d.name ?? "",
      address: view.reverseProxy ? view.url : `${view.host}:${view.port}`,
      url: view.url,
      reverseProxy: view.reverseProxy,
      hostIP: view.hostIP,
      created: view.created,
      expiresAt,
      timeout: view.timeout,
      status: this.clock.now() >= expiresAt ? "expired" : "active",
      visitors: [],
      latchedIP: null,
      bytesIn: 0,
      bytesOut: 0,
    };
    this.connections.set(view.id, state);
    if (state.status === "active") this.arm(state);
    return state;
  }

  /**
   * Reconciles with the broker's list of active connections: new ones are added, ours that
   * it no longer has end (expired if their time is up, closed otherwise).
   */
  sync(active: ConnectionView[], devices: DeviceView[]): void {
    const seen = new Set(active.map((c) => c.id));
    for (const view of active) this.upsert(view, devices);
    for (const connection of this.connections.values()) {
      if (connection.status === "active" && !seen.has(connection.id)) {
        this.end(connection.id, this.clock.now() >= connection.expiresAt ? "expired" : "closed");
      }
    }
  }

  end(id: string, status: "expired" | "closed"): void {
    const connection = this.connections.get(id);
    if (connection?.status !== "active") return;
    this.disarm(id);
    this.connections.set(id, { ...connection, status });
  }

  /** Forgets ended connections of a service (the user connected to it again). */
  forgetEnded(serviceId: string): void {
    for (const [id, connection] of this.connections) {
      if (connection.serviceId === serviceId && connection.status !== "active")
        this.connections.delete(id);
    }
  }

  clear(): void {
    for (const id of this.timers.keys()) this.disarm(id);
    this.connections.clear();
  }

  private arm(connection: ConnectionState): void {
    this.disarm(connection.id);
    const wait = connection.expiresAt - this.clock.now();
    this.timers.set(
      connection.id,
      this.clock.setTimeout(
        () => {
          this.timers.delete(connection.id);
          const current = this.connections.get(connection.id);
          if (current?.status !== "active") return;
          if (this.clock.now() < current.expiresAt) {
            this.arm(current);
            return;
          }
          this.end(connection.id, "expired");
          this.onExpired({ ...current, status: "expired" });
        },
        Math.min(Math.max(wait, 0), MAX_TIMER_MS),
      ),
    );
  }

  private disarm(id: string): void {
    const handle = this.timers.get(id);
    if (handle !== undefined) this.clock.clearTimeout(handle);
    this.timers.delete(id);
  }
}
