// The tray menu as a pure function of state: plain items whose actions are data, so the
// menu is testable without Electron and the shell only maps actions onto the core.
import type { ConnectionState, DesktopState } from "../../common/desktop-api.js";
import { formatRemaining } from "../../common/format-remaining.js";
import { type HostIpMode, hostIpFor, PUBLIC_HOST_IP } from "../../common/host-ip.js";
import type { OnDemandView } from "../../common/on-demand.js";

export type TrayAction =
  | { kind: "connect"; serviceId: string; hostIP: string }
  | { kind: "copy"; connectionId: string }
  | { kind: "open"; connectionId: string }
  | { kind: "disconnect"; connectionId: string }
  | { kind: "disconnect-all" }
  /** Copies a saved connection's copy template, resolved (DesktopCore.copyOnDemand). */
  | { kind: "copy-on-demand"; id: string }
  /** Opens or runs a saved connection's launch template (DesktopCore.launchOnDemand). */
  | { kind: "launch-on-demand"; id: string }
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

/** A port proxy's connect items, one per hostIP mode; restricted means to this machine's IP. */
const PORT_PROXY_CHOICES: { mode: HostIpMode; label: string }[] = [
  { mode: "public", label: "Connect — Public" },
  { mode: "restricted", label: "Connect — Restricted to my IP" },
  { mode: "latching", label: "Connect — Latching" },
];

export function trayMenu(state: DesktopState, now: number): TrayItem[] {
  const items: TrayItem[] = [];
  if (!state.session.signedIn) {
    items.push({ label: "Not signed in", enabled: false });
    items.push(...accountSwitcher(state));
  } else {
    items.push({ label: `Signed in as ${state.session.email}`, enabled: false });
    items.push(...accountSwitcher(state));
    items.push(separator);
    if (state.devices.length === 0) items.push({ label: "No devices yet", enabled: false });
    for (const device of state.devices) {
      items.push({
        label: `${device.name}${device.online ? "" : " (offline)"}`,
        submenu: device.services.map((service) => ({
          label: `${service.name} — ${service.type} ${service.port}${service.online ? "" : " (offline)"}`,
          enabled: service.online,
          submenu: service.web
            ? [
                {
                  label: "Connect (public link)",
                  action: { kind: "connect", serviceId: service.id, hostIP: PUBLIC_HOST_IP },
                },
              ]
            : PORT_PROXY_CHOICES.map(({ mode, label }) => ({
                label,
                enabled: mode !== "restricted" || state.myIp !== null,
                action: {
                  kind: "connect",
                  serviceId: service.id,
                  hostIP: hostIpFor(mode, state.myIp ?? ""),
                },
              })),
        })),
      });
    }
    const active = state.connections.filter((c) => c.status === "active");
    if (active.length > 0) {
      items.push(separator, { label: "Connections", enabled: false });
      for (const connection of active) items.push(connectionItem(connection, now));
      items.push({ label: "Disconnect all", action: { kind: "disconnect-all" } });
    }
    if (state.onDemand.length > 0) {
      items.push(separator, { label: "On demand", enabled: false });
      for (const view of state.onDemand) items.push(onDemandItem(view));
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

function connectionItem(connection: ConnectionState, now: number): TrayItem {
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

function onDemandItem(view: OnDemandView): TrayItem {
  return {
    label: `${view.serviceName} — ${view.address} (${onDemandState(view)})`,
    action: { kind: "copy-on-demand", id: view.id },
  };
}

/** The path while one is open ("P2P", or "Proxy" for the broker's relay), else the status. */
function onDemandState(view: OnDemandView): string {
  if (view.status === "connected" && view.path) return view.path === "p2p" ? "P2P" : "Proxy";
  return view.status;
}
