// The words a saved connection is shown with, in the window and the tray alike: its route
// as remote.it Desktop names it, and its state in a few words. One module so that the two
// never say different things about the same connection.
import type { OnDemandView, Route } from "./on-demand.js";

export const ROUTE_NAMES: Record<Route, string> = {
  adaptive: "Adaptive",
  p2p: "Peer to peer only",
  proxy: "Proxy only",
  public: "Public proxy",
};

/**
 * "idle", "connecting", "connected P2P", "connected via proxy", "public", "expired",
 * "failed: <reason>" or "off".
 */
export function stateWords(view: Pick<OnDemandView, "status" | "path" | "reason">): string {
  switch (view.status) {
    case "connected":
      return view.path === "relay" ? "connected via proxy" : "connected P2P";
    case "failed":
      return view.reason ? `failed: ${view.reason}` : "failed";
    default:
      return view.status;
  }
}

/** Whether a path or public proxy is open: Disconnect is offered, editing waits. */
export function isOpen(view: Pick<OnDemandView, "status">): boolean {
  return view.status === "connected" || view.status === "connecting" || view.status === "public";
}

/** Whether Connect switches it on (off, or its public proxy ended or failed). */
export function canConnect(view: Pick<OnDemandView, "status" | "route">): boolean {
  if (view.status === "off" || view.status === "expired" || view.status === "failed") return true;
  return view.route === "public" && view.status === "idle";
}
