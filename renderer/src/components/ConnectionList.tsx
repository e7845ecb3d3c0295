// The user's connections: address, copy, launch, a live countdown with a bar, and what
// to do once one has ended.
import type { ConnectionState } from "../../../common/desktop-api.js";
import { formatRemaining } from "../../../common/format-remaining.js";
import { connectionClock } from "../lib/connection-clock.js";
import { describeHostIp } from "../lib/host-ip-label.js";
import { useNow } from "../lib/use-now.js";
import { useStore } from "../store.js";

export function ConnectionList() {
  const connections = useStore((s) => s.desktop?.connections ?? []);
  const call = useStore((s) => s.call);
  const now = useNow();
  if (connections.length === 0) return null;
  const active = connections.some((c) => c.status === "active");
  return (
    <section className="connections" aria-labelledby="connections-title">
      <h2 id="connections-title">Connections</h2>
      <ul>
        {connections.map((c) => (
          <ConnectionItem key={c.id} connection={c} now={now} />
        ))}
      </ul>
      {active && (
        <button type="button" onClick={() => call("disconnectAll")}>
          Disconnect all
        </button>
      )}
    </section>
  );
}

function ConnectionItem({ connection, now }: { connection: ConnectionState; now: number }) {
  const call = useStore((s) => s.call);
  const copy = useStore((s) => s.copy);
  const launch = useStore((s) => s.launch);
  const copied = useStore((s) => s.copiedId === connection.id);
  const { live, remaining, fraction, label } = connectionClock(connection, now);
  return (
    <li
      className={`connection ${live ? "active" : connection.status}`}
      data-connection-id={connection.id}
    >
      <div className="connection-head">
        <span className="service-name">{connection.serviceName}</span>
        <span className="device-name">{connection.deviceName}</span>
        <span className="state">{label}</span>
      </div>
      <code className="address">{connection.address}</code>
      <div className="connection-meta">
        <span className="mode">{describeHostIp(connection)}</span>
        {live && <span className="countdown">expires in {formatRemaining(remaining)}</span>}
      </div>
      {live && (
        <div
          className="bar"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(fraction * 100)}
        >
          <div className="bar-fill" style={{ width: `${fraction * 100}%` }} />
        </div>
      )}
      <div className="actions">
        {live ? (
          <>
            <button type="button" onClick={() => copy(connection.id, connection.address)}>
              {copied ? "Copied" : "Copy"}
            </button>
            <button type="button" onClick={() => launch(connection.url)}>
              {connection.url.startsWith("http") ? "Open" : "Launch"}
            </button>
            <button
              type="button"
              onClick={() => call("disconnect", { connectionId: connection.id })}
            >
              Disconnect
            </button>
          </>
        ) : (
          <>
            <span className="ended">
              {connection.status === "expired"
                ? "This connection has expired."
                : "This connection was closed."}
            </span>
            <button
              type="button"
              onClick={() =>
                call("connect", { serviceId: connection.serviceId, hostIP: connection.hostIP })
              }
            >
              Connect again
            </button>
          </>
        )}
      </div>
      <span className="sr-only" aria-live="polite">
        {copied ? "Copied" : ""}
      </span>
    </li>
  );
}
