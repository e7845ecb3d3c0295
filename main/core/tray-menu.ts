// The tray menu as a pure function of state: plain items whose actions are data, so the
// menu is testable without Electron and the shell only maps actions onto the core. It
// shows the window's connection list in the window's words (common/on-demand-words.ts).
import { connectionRows } from "../../common/connection-rows.js";
import type { ConnectionState, DesktopState, ServiceView } from "../../common/desktop-api.js";
import type { DesktopSettings } from "../../common/desktop-settings.js";
import { formatRemaining } from "../../common/format-remaining.js";
import type { OnDemandView, Route } from "../../common/on-demand.js";
import { canConnect, ROUTE_NAMES, stateWords } from "../../common/on-demand-words.js";

export type TrayAction =
  /** A new saved connection for the service on the given route (public ones connect at once). */
  | { kind: "connect-service"; serviceId: string; route: Route }
  | { kind: "start-on-demand"; id: string }
  | { kind: "stop-on-demand"; id: string }
  /** Copy and Launch through the connection's templates (copyOnDemand, launchOnDemand). */
  | { kind: "copy-on-demand"; id: string }
  | { kind: "launch-on-demand"; id: string }
  /** A broker connection made elsewhere (the CLI): copy its address, open it, end it. */
  | { kind: "copy"; connectionId: string }
  | { kind: "open"; connectionId: string }
  | { kind: "disconnect"; connectionId: string }
  | { kind: "disconnect-all" }
  /** Signs in with another profile of the credentials file. */
  | { kind: "switch-account"; profile: string }
  | { kind: "show-window" }
  | { kind: "quit" };

export interface TrayItem {
  label?: string;
  type?: "separator";
  enabled?: boolean;
  /** A choice of one among its siblings (Electron's radio item): whether it is the one. */
  checked?: boolean;
  action?: TrayAction;
  submenu?: TrayItem[];
}

const separator: TrayItem = { type: "separator" };

/** The route a tray Connect uses: the public proxy for web services, else the default. */
export function trayRoute(service: Pick<ServiceView, "web">, settings: DesktopSettings): Route {
  return service.web ? "public" : settings.defaultRoute;
}

export function trayMenu(state: DesktopState, now: number): TrayItem[] {
  const items: TrayItem[] = [];
  if (!state.session.signedIn) {
    items.push({ label: "Not signed in", enabled: false });
    items.push(...accountSwitcher(state));
  } else {
    items.push({ label: `Signed in as ${state.session.email}`, enabled: false });
    items.push(...accountSwitcher(state));
    const rows = connectionRows(state.onDemand, state.connections);
    if (rows.length > 0) {
      items.push(separator, { label: "Connections", enabled: false });
      for (const row of rows) {
        if (row.kind === "saved") items.push(savedItem(row.view, row.broker, now));
        else if (row.connection.status === "active") {
          items.push(brokerItem(row.connection, now));
        }
      }
      if (state.connections.some((c) => c.status === "active")) {
        items.push({ label: "Disconnect all proxies", action: { kind: "disconnect-all" } });
      }
    }
    items.push(separator);
    if (state.devices.length === 0) items.push({ label: "No devices yet", enabled: false });
    for (const device of state.devices) {
      items.push({
        label: `${device.name}${device.online ? "" : " (offline)"}`,
        submenu: device.services.map((service) => serviceItem(service, state.settings)),
      });
    }
  }
  items.push(
    separator,
    { label: "Open Reach", action: { kind: "show-window" } },
    { label: "Quit", action: { kind: "quit" } },
  );
  return items;
}

/** Every profile of the credentials file, the signed-in one ticked; nothing without profiles. */
function accountSwitcher(state: DesktopState): TrayItem[] {
  const { profiles, active } = state.accounts;
  if (profiles.length === 0) return [];
  return [
    {
      label: "Switch account",
      submenu: profiles.map((profile) => ({
        label: profile,
        checked: profile === active,
        action: { kind: "switch-account", profile },
      })),
    },
  ];
}

function serviceItem(service: ServiceView, settings: DesktopSettings): TrayItem {
  const route = trayRoute(service, settings);
  return {
    label: `${service.name} — ${service.type} ${service.port}${service.online ? "" : " (offline)"}`,
    enabled: service.online,
    submenu: [
      {
        label: `Connect… (${ROUTE_NAMES[route]})`,
        action: { kind: "connect-service", serviceId: service.id, route },
      },
    ],
  };
}

function savedItem(view: OnDemandView, broker: ConnectionState | null, now: number): TrayItem {
  const submenu: TrayItem[] = [
    canConnect(view)
      ? { label: "Connect", action: { kind: "start-on-demand", id: view.id } }
      : { label: "Disconnect", action: { kind: "stop-on-demand", id: view.id } },
    { label: "Copy", action: { kind: "copy-on-demand", id: view.id } },
    { label: "Launch", action: { kind: "launch-on-demand", id: view.id } },
  ];
  if (broker?.status === "active") {
    submenu.push({
      label: `expires in ${formatRemaining(broker.expiresAt - now)}`,
      enabled: false,
    });
  }
  const shown = view.route === "public" && view.status !== "public" ? "" : ` — ${view.address}`;
  return { label: `${view.name}${shown} (${stateWords(view)})`, submenu };
}

function brokerItem(connection: ConnectionState, now: number): TrayItem {
  const submenu: TrayItem[] = [
    { label: "Copy URL", action: { kind: "copy", connectionId: connection.id } },
  ];
  if (connection.url.startsWith("http")) {
    submenu.push({ label: "Open", action: { kind: "open", connectionId: connection.id } });
  }
  submenu.push(
    { label: "Disconnect", action: { kind: "disconnect", connectionId: connection.id } },
    { label: `expires in ${formatRemaining(connection.expiresAt - now)}`, enabled: false },
  );
  return { label: `${connection.serviceName} — ${connection.address}`, submenu };
}
