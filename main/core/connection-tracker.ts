// The connections the user has made, and their clocks: each is active until
// created + timeout, when it turns expired on its own; a re-sync that no longer finds it
// at the broker marks it closed (disconnected elsewhere, idle, or the device went away).
// While one is active its visitors (the broker's sessions), the address a latching one
// latched, and the bytes its visitors moved are kept here too; visitors who left stay
// listed, with their last figures, until the connection is forgotten.
import type { SessionRecord, SessionsSnapshot } from "../../client/broker-client.js";
import type { ConnectionState, DeviceView, VisitorView } from "../../common/desktop-api.js";
import type { ConnectionView } from "../../common/graphql/schema.js";
import type { Clock } from "./clock.js";

/** setTimeout's ceiling; longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Visitors kept per connection, newest first: enough to see who came, bounded for a busy one. */
const MAX_VISITORS = 50;

export class ConnectionTracker {
  private readonly connections = new Map<string, ConnectionState>();
  private readonly timers = new Map<string, unknown>();
  /** Each connection's visitors by session id, in the order they came. */
  private readonly visitors = new Map<string, Map<string, VisitorView>>();

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

  /** Whether any connection is active (its visitors are then worth watching). */
  hasActive(): boolean {
    for (const connection of this.connections.values()) {
      if (connection.status === "active") return true;
    }
    return false;
  }

  /**
   * Takes the broker's sessions: visitors on our active connections are added or updated,
   * ours no longer listed have left, and each latching connection's latched address is
   * set. Returns whether anything the window shows changed.
   */
  applySessions(snapshot: SessionsSnapshot): boolean {
    let changed = false;
    const listed = new Set(snapshot.sessions.map((s) => s.id));
    for (const [connectionId, visitors] of this.visitors) {
      if (this.connections.get(connectionId)?.status !== "active") continue;
      for (const [id, visitor] of visitors) {
        if (visitor.connected && !listed.has(id))
          visitors.set(id, { ...visitor, connected: false });
      }
    }
    for (const session of snapshot.sessions) this.noteVisitor(session);
    for (const connection of this.connections.values()) {
      if (connection.status !== "active") continue;
      const latchedIP = snapshot.latchedIPs.get(connection.id) ?? connection.latchedIP;
      const next = this.withVisitors({ ...connection, latchedIP });
      if (!sameFigures(connection, next)) {
        this.connections.set(connection.id, next);
        changed = true;
      }
    }
    return changed;
  }

  /** One visitor as an event or the sessions query told of it; unknown connections are ignored. */
  applyVisitor(session: SessionRecord): boolean {
    const connection = this.connections.get(session.connectionId);
    if (connection?.status !== "active") return false;
    this.noteVisitor(session);
    const latchedIP = session.latched ? session.address : connection.latchedIP;
    const next = this.withVisitors({ ...connection, latchedIP });
    if (sameFigures(connection, next)) return false;
    this.connections.set(connection.id, next);
    return true;
  }

  /** Adds or refreshes one connection as the broker described it; its visitors are kept. */
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
      latchedIP: this.connections.get(view.id)?.latchedIP ?? null,
      bytesIn: 0,
      bytesOut: 0,
    };
    this.connections.set(view.id, this.withVisitors(state));
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
    // Its visitors were cut off with it.
    const visitors = this.visitors.get(id);
    for (const [sessionId, visitor] of visitors ?? []) {
      if (visitor.connected) visitors?.set(sessionId, { ...visitor, connected: false });
    }
    this.connections.set(id, this.withVisitors({ ...connection, status }));
  }

  /** Forgets ended connections of a service (the user connected to it again). */
  forgetEnded(serviceId: string): void {
    for (const [id, connection] of this.connections) {
      if (connection.serviceId === serviceId && connection.status !== "active") {
        this.connections.delete(id);
        this.visitors.delete(id);
      }
    }
  }

  clear(): void {
    for (const id of this.timers.keys()) this.disarm(id);
    this.connections.clear();
    this.visitors.clear();
  }

  private noteVisitor(session: SessionRecord): void {
    if (!this.connections.has(session.connectionId)) return;
    const visitors = this.visitors.get(session.connectionId) ?? new Map<string, VisitorView>();
    visitors.set(session.id, {
      address: session.address ?? "",
      since: Date.parse(session.timestamp),
      bytesIn: session.bytesIn,
      bytesOut: session.bytesOut,
      latched: session.latched,
      connected: session.connected,
    });
    // Maps keep insertion order: the first keys are the oldest visitors.
    for (const id of visitors.keys()) {
      if (visitors.size <= MAX_VISITORS) break;
      visitors.delete(id);
    }
    this.visitors.set(session.connectionId, visitors);
  }

  /** The connection with its visitors (newest first) and their byte totals. */
  private withVisitors(connection: ConnectionState): ConnectionState {
    const visitors = [...(this.visitors.get(connection.id)?.values() ?? [])].reverse();
    let bytesIn = 0;
    let bytesOut = 0;
    for (const visitor of visitors) {
      bytesIn += visitor.bytesIn;
      bytesOut += visitor.bytesOut;
    }
    return { ...connection, visitors, bytesIn, bytesOut };
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

/** Whether two states of a connection show the same visitors, latch and bytes. */
function sameFigures(a: ConnectionState, b: ConnectionState): boolean {
  return (
    a.latchedIP === b.latchedIP &&
    a.bytesIn === b.bytesIn &&
    a.bytesOut === b.bytesOut &&
    JSON.stringify(a.visitors) === JSON.stringify(b.visitors)
  );
}
