// How the window names a connection's hostIP mode: one short phrase beside its address.
import type { ConnectionState } from "../../../common/desktop-api.js";
import { modeOf } from "../../../common/host-ip.js";

/** "public link", "public", "latching" or "only <address>". */
export function describeHostIp(connection: Pick<ConnectionState, "reverseProxy" | "hostIP">) {
  if (connection.reverseProxy) return "public link";
  const mode = modeOf(connection.hostIP);
  return mode === "restricted" ? `only ${connection.hostIP}` : mode;
}
