// On-demand connections: a listener on 127.0.0.1 that opens a path to its service when a
// program connects. Shows where to connect, the path in use (P2P, or the broker's relay
// as "Proxy") and why when it is not P2P, the bytes carried, and copy / open / remove.
import { localCopyText } from "../../../common/launch-templates.js";
import type { OnDemandView } from "../../../common/on-demand.js";
import { formatBytes, openableUrl, pathLabel } from "../lib/on-demand-labels.js";
import { useStore } from "../store.js";

export function OnDemandList() {
  const views = useStore((s) => s.desktop?.onDemand ?? []);
  if (views.length === 0) return null;
  return (
    <section className="on-demand-list" aria-labelledby="on-demand-title">
      <h2 id="on-demand-title">On demand</h2>
      <ul>
        {views.map((view) => (
          <OnDemandItem key={view.id} view={view} />
        ))}
      </ul>
    </section>
  );
}

function OnDemandItem({ view }: { view: OnDemandView }) {
  const call = useStore((s) => s.call);
  const copy = useStore((s) => s.copy);
  const launch = useStore((s) => s.launch);
  const copied = useStore((s) => s.copiedId === view.id);
  const command = localCopyText(view);
  const url = openableUrl(view);
  const web = url?.startsWith("http") ?? false;
  return (
    <li className={`on-demand ${view.status}`} data-on-demand-id={view.id}>
      <div className="connection-head">
        <span className="service-name">{view.serviceName}</span>
        <span className="device-name">{view.deviceName}</span>
        <span className="on-demand-status">{view.status}</span>
      </div>
      <code className="address">{view.address}</code>
      {command !== view.address && <code className="launch">{command}</code>}
      <div className="connection-meta">
        <span className="path">{pathLabel(view)}</span>
        <span className="bytes">
          {formatBytes(view.bytesIn)} in · {formatBytes(view.bytesOut)} out
        </span>
        {view.openSockets > 0 && <span className="sockets">{view.openSockets} open</span>}
      </div>
      {view.reason && (
        <p className={`reason ${view.status === "failed" ? "invalid" : ""}`}>{view.reason}</p>
      )}
      <div className="actions">
        <button type="button" title={command} onClick={() => copy(view.id, command)}>
          {copied ? "Copied" : "Copy"}
        </button>
        {url && (
          <button type="button" onClick={() => launch(url)}>
            {web ? "Open" : "Launch"}
          </button>
        )}
        <button
          type="button"
          aria-label={`Remove on-demand ${view.serviceName} on ${view.deviceName}`}
          onClick={() => call("removeOnDemand", { id: view.id })}
        >
          Remove
        </button>
      </div>
      <span className="sr-only" aria-live="polite">
        {copied ? "Copied" : ""}
      </span>
    </li>
  );
}
