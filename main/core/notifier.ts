// Which notifications the app shows, and when. It watches the state the core pushes and
// notifies on transitions it saw happen, never on what it finds on first sight (signing
// in to a list of expired connections is not news):
// - expiring: an active connection has 10 minutes left (once; only if it had more when
//   first seen, by more than a minute);
// - ended: a connection expired, or the broker closed it for idleness or because its
//   service went away, or an on-demand connection failed; each with "Connect again".
//   One the user disconnected (here or elsewhere) is not news either;
// - devices: a device that has open connections went offline or came back.
// Each kind obeys the settings at the moment it would be shown.
import type {
  ConnectionState,
  ConnectionStatus,
  DeviceView,
  NoticeAction,
} from "../../common/desktop-api.js";
import type { DesktopSettings } from "../../common/desktop-settings.js";
import type { OnDemandStatus, OnDemandView } from "../../common/on-demand.js";
import type { Clock } from "./clock.js";
import type { HostServices } from "./host-services.js";

/** How long before the end "expires soon" is said. */
export const EXPIRING_WARNING_MS = 10 * 60_000;
/**
 * A warning due this soon after the connection is first seen is not said: a connection
 * made for 10 minutes does not need "10 minutes left" the moment it opens.
 */
const WARNING_MIN_WAIT_MS = 60_000;

export interface NotifierOptions {
  clock: Clock;
  notify: HostServices["notify"];
  settings: () => DesktopSettings["notifications"];
}

/** What the notifier watches: the parts of DesktopState it speaks about. */
export interface WatchedState {
  devices: DeviceView[];
  connections: ConnectionState[];
  onDemand: OnDemandView[];
}

/** The broker's reasons (DeviceConnectEvent.reason) that are news, and how to say them. */
const CLOSED_BECAUSE: Record<string, string> = {
  idle: "was idle too long",
  removed: "ended: its device no longer offers the service",
};

export class Notifier {
  private connectionStatus = new Map<string, ConnectionStatus>();
  private onDemandStatus = new Map<string, OnDemandStatus>();
  private deviceOnline = new Map<string, boolean>();
  private readonly warnTimers = new Map<string, unknown>();
  /** Connections already warned about, or first seen too close to their end to warn. */
  private readonly warnDone = new Set<string>();
  private readonly endReasons = new Map<string, string>();

  constructor(private readonly options: NotifierOptions) {}

  /** Why the broker ended a connection (its event may come just before the sync shows it). */
  noteEndReason(connectionId: string, reason: string): void {
    this.endReasons.set(connectionId, reason);
  }

  observe(state: WatchedState): void {
    this.observeConnections(state.connections);
    this.observeOnDemand(state.onDemand);
    this.observeDevices(state);
  }

  /** Signed out or switched account: forgets everything, and says nothing about it. */
  reset(): void {
    for (const handle of this.warnTimers.values()) this.options.clock.clearTimeout(handle);
    this.warnTimers.clear();
    this.warnDone.clear();
    this.endReasons.clear();
    this.connectionStatus = new Map();
    this.onDemandStatus = new Map();
    this.deviceOnline = new Map();
  }

  private observeConnections(connections: ConnectionState[]): void {
    const seen = new Map<string, ConnectionStatus>();
    for (const connection of connections) {
      seen.set(connection.id, connection.status);
      const before = this.connectionStatus.get(connection.id);
      if (connection.status === "active") {
        this.armWarning(connection);
        continue;
      }
      this.disarmWarning(connection.id);
      if (before !== "active") continue;
      const again: NoticeAction = {
        label: "Connect again",
        kind: "connect",
        serviceId: connection.serviceId,
        hostIP: connection.hostIP,
      };
      const what = `${connection.serviceName} (${connection.address})`;
      if (connection.status === "expired") {
        this.say("ended", "Connection expired", `${what} has reached its time limit.`, again);
        continue;
      }
      const because = CLOSED_BECAUSE[this.endReasons.get(connection.id) ?? ""];
      if (because) this.say("ended", "Connection closed", `${what} ${because}.`, again);
    }
    for (const id of this.connectionStatus.keys()) {
      if (!seen.has(id)) this.disarmWarning(id);
    }
    // What is kept per connection lasts only while the connection is active and listed.
    for (const id of this.warnDone) if (seen.get(id) !== "active") this.warnDone.delete(id);
    for (const id of this.endReasons.keys()) {
      if (seen.get(id) !== "active") this.endReasons.delete(id);
    }
    this.connectionStatus = seen;
  }

  private armWarning(connection: ConnectionState): void {
    if (this.warnTimers.has(connection.id) || this.warnDone.has(connection.id)) return;
    const wait = connection.expiresAt - EXPIRING_WARNING_MS - this.options.clock.now();
    if (wait < WARNING_MIN_WAIT_MS) {
      this.warnDone.add(connection.id);
      return;
    }
    this.warnTimers.set(
      connection.id,
      this.options.clock.setTimeout(() => {
        this.warnTimers.delete(connection.id);
        this.warnDone.add(connection.id);
        if (this.connectionStatus.get(connection.id) !== "active") return;
        this.say(
          "expiring",
          "Connection expires in 10 minutes",
          `${connection.serviceName} (${connection.address}) closes in 10 minutes.`,
        );
      }, wait),
    );
  }

  private disarmWarning(id: string): void {
    const handle = this.warnTimers.get(id);
    if (handle !== undefined) this.options.clock.clearTimeout(handle);
    this.warnTimers.delete(id);
  }

  private observeOnDemand(views: OnDemandView[]): void {
    const seen = new Map<string, OnDemandStatus>();
    for (const view of views) {
      seen.set(view.id, view.status);
      const before = this.onDemandStatus.get(view.id);
      if (view.status !== "failed" || before === undefined || before === "failed") continue;
      this.say("ended", "Connection failed", `${view.name}: ${view.reason ?? "no reason given"}`, {
        label: "Connect again",
        kind: "startOnDemand",
        id: view.id,
      });
    }
    this.onDemandStatus = seen;
  }

  private observeDevices(state: WatchedState): void {
    const seen = new Map<string, boolean>();
    for (const device of state.devices) {
      seen.set(device.id, device.online);
      const before = this.deviceOnline.get(device.id);
      if (before === undefined || before === device.online) continue;
      const open = openConnectionsOn(device, state);
      if (open === 0) continue;
      if (device.online) {
        const works = open === 1 ? "its connection works" : `its ${open} connections work`;
        this.say("devices", "Device back online", `${device.name} is back; ${works} again.`);
      } else {
        const held = open === 1 ? "a connection to it is" : `${open} connections to it are`;
        this.say("devices", "Device offline", `${device.name} went offline while ${held} open.`);
      }
    }
    this.deviceOnline = seen;
  }

  private say(
    kind: keyof DesktopSettings["notifications"],
    title: string,
    body: string,
    action?: NoticeAction,
  ): void {
    if (!this.options.settings()[kind]) return;
    this.options.notify(title, body, action);
  }
}

/** Active broker connections and switched-on on-demand connections to the device's services. */
function openConnectionsOn(device: DeviceView, state: WatchedState): number {
  const services = new Set(device.services.map((s) => s.id));
  const broker = state.connections.filter(
    (c) => c.status === "active" && services.has(c.serviceId),
  ).length;
  const local = state.onDemand.filter(
    (v) => v.status !== "off" && services.has(v.serviceId),
  ).length;
  return broker + local;
}
