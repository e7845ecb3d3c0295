// The words and links an on-demand connection is shown with: its path, what the host may
// open for it, and the bytes it has carried.
import { EXTERNAL_SCHEMES } from "../../../common/desktop-api.js";
import type { OnDemandView } from "../../../common/on-demand.js";
import { serviceTypeByApplication } from "../../../common/service-types.js";

/** The path in use, or the one last used once the connection has gone idle. */
export function pathLabel(view: Pick<OnDemandView, "path" | "status">): string {
  if (!view.path) return view.status === "connecting" ? "opening a path" : "no path open";
  const name = view.path === "p2p" ? "P2P" : "Proxy";
  return view.status === "connected" ? name : `last: ${name}`;
}

/** A URL the host may open for this service's type (http, ssh, vnc …), or null. */
export function openableUrl(view: Pick<OnDemandView, "application" | "port">): string | null {
  const scheme = serviceTypeByApplication(view.application)?.scheme;
  if (!scheme || !EXTERNAL_SCHEMES.includes(`${scheme}:`)) return null;
  return `${scheme}://127.0.0.1:${view.port}`;
}

/** "512 B", "1.5 KiB", "3.0 GiB": binary units, one decimal from KiB up. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
