// The one connection list: every saved connection (with the broker connection carrying it,
// for a public one), then the broker's connections no saved one accounts for, such as a
// proxy opened from the CLI or another machine.
import type { ConnectionState } from "./desktop-api.js";
import type { OnDemandView } from "./on-demand.js";

export type ConnectionRow =
  | { kind: "saved"; view: OnDemandView; broker: ConnectionState | null }
  | { kind: "broker"; connection: ConnectionState };

export function connectionRows(
  saved: OnDemandView[],
  connections: ConnectionState[],
): ConnectionRow[] {
  const byId = new Map(connections.map((c) => [c.id, c]));
  const linked = new Set(saved.flatMap((view) => (view.connectionId ? [view.connectionId] : [])));
  const savedServices = new Set(saved.map((view) => view.serviceId));
  const rows: ConnectionRow[] = saved.map((view) => ({
    kind: "saved",
    view,
    broker: view.connectionId ? (byId.get(view.connectionId) ?? null) : null,
  }));
  for (const connection of connections) {
    if (linked.has(connection.id)) continue;
    // An ended proxy of a saved connection is that connection's past, not a row of its own.
    if (connection.status !== "active" && savedServices.has(connection.serviceId)) continue;
    rows.push({ kind: "broker", connection });
  }
  return rows;
}
