// A broker connection no saved connection accounts for (opened from the CLI, say): its
// address, countdown, visitors, and copy, open or disconnect.

import { Check, Copy, ExternalLink, Unplug } from "lucide-react";
import type { ConnectionState } from "../../../common/desktop-api.js";
import { formatRemaining } from "../../../common/format-remaining.js";
import { connectionClock } from "../lib/connection-clock.js";
import { describeHostIp } from "../lib/host-ip-label.js";
import { brokerTone } from "../lib/state-tone.js";
import { useStore } from "../store.js";
import { StateBadge } from "./StateBadge.js";
import { VisitorsTable } from "./VisitorsTable.js";

export function BrokerConnectionItem({
  connection,
  now,
}: {
  connection: ConnectionState;
  now: number;
}) {
  const call = useStore((s) => s.call);
  const copy = useStore((s) => s.copy);
  const launch = useStore((s) => s.launch);
  const copied = useStore((s) => s.copiedId === connection.id);
  const { live, remaining, fraction, label } = connectionClock(connection, now);
  return (
    <li
      className={`connection broker ${live ? "active" : connection.status}`}
      data-connection-id={connection.id}
    >
      <div className="connection-head">
        <span className="service-name">{connection.serviceName}</span>
        <span className="device-name">{connection.deviceName}</span>
        <span className="route">{describeHostIp(connection)}</span>
        <StateBadge className="state" tone={brokerTone(live, connection.status)}>
          {label}
        </StateBadge>
      </div>
      <code className="address">{connection.address}</code>
      <div className="connection-meta">
        <span className="origin">opened outside this window</span>
        {live && <span className="countdown">expires in {formatRemaining(remaining)}</span>}
      </div>
      {live && (
        <div
          className="bar"
          role="progressbar"
          aria-label="Time left"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(fraction * 100)}
        >
          <div className="bar-fill" style={{ width: `${fraction * 100}%` }} />
        </div>
      )}
      {live && <VisitorsTable visitors={connection.visitors} now={now} />}
      <div className="actions">
        {live ? (
          <>
            <button type="button" onClick={() => copy(connection.id, connection.address)}>
              {copied ? (
                <Check aria-hidden="true" size={14} />
              ) : (
                <Copy aria-hidden="true" size={14} />
              )}
              {copied ? "Copied" : "Copy"}
            </button>
            <button type="button" onClick={() => launch(connection.url)}>
              <ExternalLink aria-hidden="true" size={14} />
              {connection.url.startsWith("http") ? "Open" : "Launch"}
            </button>
            <button
              type="button"
              onClick={() => call("disconnect", { connectionId: connection.id })}
            >
              <Unplug aria-hidden="true" size={14} />
              Disconnect
            </button>
          </>
        ) : (
          <span className="ended">
            {connection.status === "expired"
              ? "This connection has expired."
              : "This connection was closed."}
          </span>
        )}
      </div>
    </li>
  );
}
