// One saved connection: its name, device, route and state in words, where to connect, the
// bytes carried, for a public one its countdown and visitors, and what can be done with it.

import { Check, Copy, ExternalLink, Pencil, Plug, Trash2, Unplug } from "lucide-react";
import type { ConnectionState } from "../../../common/desktop-api.js";
import { formatRemaining } from "../../../common/format-remaining.js";
import { templatesOf } from "../../../common/launch-templates.js";
import type { OnDemandView } from "../../../common/on-demand.js";
import { canConnect, isOpen, ROUTE_NAMES, stateWords } from "../../../common/on-demand-words.js";
import { connectionClock } from "../lib/connection-clock.js";
import { formatBytes } from "../lib/on-demand-labels.js";
import { publicRestrictionWords, restrictionWords } from "../lib/restriction-words.js";
import { savedTone } from "../lib/state-tone.js";
import { useStore } from "../store.js";
import { ConnectPanel } from "./ConnectPanel.js";
import { PUBLIC_ICON, StateBadge } from "./StateBadge.js";
import { TokenPrompt } from "./TokenPrompt.js";
import { VisitorsTable } from "./VisitorsTable.js";

export interface SavedConnectionItemProps {
  view: OnDemandView;
  broker: ConnectionState | null;
  now: number;
}

export function SavedConnectionItem({ view, broker, now }: SavedConnectionItemProps) {
  const call = useStore((s) => s.call);
  const runTemplate = useStore((s) => s.runTemplate);
  const busy = useStore((s) => s.busy);
  const copied = useStore((s) => s.copiedId === view.id);
  const asking = useStore((s) => (s.asking?.id === view.id ? s.asking : null));
  const used = useStore((s) => (s.used?.id === view.id ? s.used.text : null));
  const editing = useStore((s) => s.editing === view.id);
  const openEdit = useStore((s) => s.openEdit);
  const service = useStore((s) =>
    s.desktop?.devices.flatMap((d) => d.services).find((x) => x.id === view.serviceId),
  );
  const open = isOpen(view);
  const clock = broker ? connectionClock(broker, now) : null;
  const launchable = templatesOf(view).launch !== null;
  // A public route has an address to copy or launch only while its proxy is up.
  const usable = view.route !== "public" || view.status === "public";
  const shared = view.route !== "public" && view.bind !== "127.0.0.1";

  return (
    <li
      className={`connection saved ${view.status}`}
      data-on-demand-id={view.id}
      aria-label={`${view.name} on ${view.deviceName}`}
    >
      <div className="connection-head">
        <span className="service-name">{view.name}</span>
        <span className="device-name">{view.deviceName}</span>
        <span className="route">{ROUTE_NAMES[view.route]}</span>
        <StateBadge
          className="state"
          tone={savedTone(view.status)}
          icon={view.status === "public" ? PUBLIC_ICON : undefined}
        >
          {stateWords(view)}
        </StateBadge>
      </div>
      {(view.route !== "public" || view.status === "public") && (
        <code className="address">{view.address}</code>
      )}
      <div className="connection-meta">
        <span className="bytes">
          {formatBytes(view.bytesIn)} in · {formatBytes(view.bytesOut)} out
        </span>
        {view.openSockets > 0 && <span className="sockets">{view.openSockets} open</span>}
        {shared && <span className="restriction">LAN: {restrictionWords(view)}</span>}
        {view.route === "public" && !service?.web && (
          <span className="restriction">
            {publicRestrictionWords(view, broker?.latchedIP ?? null)}
          </span>
        )}
        {view.refused > 0 && <span className="refused">{view.refused} refused</span>}
        {clock?.live && (
          <span className="countdown">expires in {formatRemaining(clock.remaining)}</span>
        )}
      </div>
      {view.reason && view.status !== "failed" && <p className="reason">{view.reason}</p>}
      {view.lastFailure && view.lastFailure.reason !== view.reason && (
        <p className="reason">
          Last failure at {new Date(view.lastFailure.at).toLocaleTimeString()}:{" "}
          {view.lastFailure.reason}
        </p>
      )}
      {broker && view.status === "public" && <VisitorsTable visitors={broker.visitors} now={now} />}
      <div className="actions">
        <button
          type="button"
          disabled={busy || !usable}
          onClick={() => void runTemplate("copy", view.id)}
        >
          {copied ? <Check aria-hidden="true" size={14} /> : <Copy aria-hidden="true" size={14} />}
          {copied ? "Copied" : "Copy"}
        </button>
        {launchable && (
          <button
            type="button"
            disabled={busy || !usable}
            onClick={() => void runTemplate("launch", view.id)}
          >
            <ExternalLink aria-hidden="true" size={14} />
            Launch
          </button>
        )}
        {canConnect(view) ? (
          <button
            type="button"
            disabled={busy}
            onClick={() => call("startOnDemand", { id: view.id })}
          >
            <Plug aria-hidden="true" size={14} />
            {view.status === "off" || (view.route === "public" && view.status === "idle")
              ? "Connect"
              : "Connect again"}
          </button>
        ) : (
          <button
            type="button"
            disabled={busy}
            onClick={() => call("stopOnDemand", { id: view.id })}
          >
            <Unplug aria-hidden="true" size={14} />
            Disconnect
          </button>
        )}
        <button
          type="button"
          disabled={open || !service}
          title={open ? "Disconnect first to change its settings." : undefined}
          aria-expanded={editing}
          onClick={() => openEdit(editing ? null : view.id)}
        >
          <Pencil aria-hidden="true" size={14} />
          Edit
        </button>
        <button
          type="button"
          aria-label={`Remove ${view.name} on ${view.deviceName}`}
          onClick={() => call("removeOnDemand", { id: view.id })}
        >
          <Trash2 aria-hidden="true" size={14} />
          Remove
        </button>
      </div>
      {asking && <TokenPrompt asking={asking} />}
      {used && <p className="used">{used}</p>}
      {editing && service && (
        <ConnectPanel service={service} existing={view} close={() => openEdit(null)} />
      )}
      <span className="sr-only" aria-live="polite">
        {copied ? "Copied" : ""}
      </span>
    </li>
  );
}
