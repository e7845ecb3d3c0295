// The one connection list: saved connections (what Connect made, local or public) and the
// broker's connections made elsewhere, ticking once a second for countdowns.
import { Unplug } from "lucide-react";
import { connectionRows } from "../../../common/connection-rows.js";
import { useNow } from "../lib/use-now.js";
import { useStore } from "../store.js";
import { BrokerConnectionItem } from "./BrokerConnectionItem.js";
import { SavedConnectionItem } from "./SavedConnectionItem.js";

export function ConnectionList() {
  const saved = useStore((s) => s.desktop?.onDemand ?? []);
  const connections = useStore((s) => s.desktop?.connections ?? []);
  const call = useStore((s) => s.call);
  const now = useNow();
  const rows = connectionRows(saved, connections);
  if (rows.length === 0) return null;
  const brokerActive = rows.some(
    (row) => row.kind === "broker" && row.connection.status === "active",
  );
  return (
    <section className="connections" aria-labelledby="connections-title">
      <h2 id="connections-title">Connections</h2>
      <ul>
        {rows.map((row) =>
          row.kind === "saved" ? (
            <SavedConnectionItem key={row.view.id} view={row.view} broker={row.broker} now={now} />
          ) : (
            <BrokerConnectionItem key={row.connection.id} connection={row.connection} now={now} />
          ),
        )}
      </ul>
      {brokerActive && (
        <button type="button" onClick={() => call("disconnectAll")}>
          <Unplug aria-hidden="true" size={14} />
          Disconnect all
        </button>
      )}
    </section>
  );
}
