// On-demand connections: a listener on 127.0.0.1 that opens a path to its service when a
// program connects. Shows where to connect, the path in use (P2P, or the broker's relay
// as "Proxy") and why when it is not P2P, the bytes carried, and copy / open / remove.
import { EXTERNAL_SCHEMES } from "../../../common/desktop-api.js";
import { launchFor, type OnDemandView } from "../../../common/on-demand.js";
import { serviceTypeByApplication } from "../../../common/service-types.js";
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
  const command = launchFor(view.application, view.port);
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

/** The path in use, or the one last used once the connection has gone idle. */
function pathLabel(view: OnDemandView): string {
  if (!view.path) return view.status === "connecting" ? "opening a path" : "no path open";
  const name = view.path === "p2p" ? "P2P" : "Proxy";
  return view.status === "connected" ? name : `last: ${name}`;
}

/** A URL the host may open for this service's type (http, ssh, vnc …), or null. */
function openableUrl(view: OnDemandView): string | null {
  const scheme = serviceTypeByApplication(view.application)?.scheme;
  if (!scheme || !EXTERNAL_SCHEMES.includes(`${scheme}:`)) return null;
  return `${scheme}://127.0.0.1:${view.port}`;
}

function formatBytes(bytes: number): string {
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
