// Choosing who may use a new connection: the hostIP modes, each explained in one line.
// Web services get a reverse proxy, which is always public, so they get no choice.
// The other way in is on demand: a listener on this computer that opens a P2P path.
import { type FormEvent, type KeyboardEvent, useState } from "react";
import type { ServiceView } from "../../../common/desktop-api.js";
import {
  type HostIpMode,
  hostIpFor,
  LATCHING_HOST_IP,
  PUBLIC_HOST_IP,
} from "../../../common/host-ip.js";
import { isPort, isSingleAddress } from "../lib/input-checks.js";
import { useStore } from "../store.js";
import { Field } from "./Field.js";

const MODES: { mode: HostIpMode; label: string; help: string }[] = [
  {
    mode: "public",
    label: `Public (${PUBLIC_HOST_IP})`,
    help: "Anyone with the address can connect until it expires.",
  },
  {
    mode: "restricted",
    label: "Restricted to one IP",
    help: "Only connections from this address get through.",
  },
  {
    mode: "latching",
    label: `Latching (${LATCHING_HOST_IP})`,
    help: "The first address to connect latches it; all others are refused.",
  },
];

export function ConnectPanel({ service }: { service: ServiceView }) {
  const myIp = useStore((s) => s.desktop?.myIp ?? "");
  const call = useStore((s) => s.call);
  const busy = useStore((s) => s.busy);
  const openConnect = useStore((s) => s.openConnect);
  const [mode, setMode] = useState<HostIpMode>("latching");
  const [address, setAddress] = useState(myIp);
  const [localPort, setLocalPort] = useState("");
  const restrictedInvalid = mode === "restricted" && !isSingleAddress(address);
  const portInvalid = localPort.trim() !== "" && !isPort(localPort.trim());

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (restrictedInvalid) return;
    const hostIP = service.web ? PUBLIC_HOST_IP : hostIpFor(mode, address.trim());
    const result = await call("connect", { serviceId: service.id, hostIP });
    if (result.ok) openConnect(null);
  };

  const addOnDemand = async () => {
    if (portInvalid) return;
    const port = localPort.trim();
    const result = await call("addOnDemand", {
      serviceId: service.id,
      port: port ? Number(port) : undefined,
    });
    if (result.ok) openConnect(null);
  };

  // Enter in the port field means on demand, not the form's public connect.
  const portKey = (event: KeyboardEvent) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    void addOnDemand();
  };

  return (
    <form className="connect-panel" onSubmit={submit} aria-label={`Connect to ${service.name}`}>
      {service.web ? (
        <p className="public-link">Public link — reverse proxies are always public.</p>
      ) : (
        <fieldset>
          <legend>Who may connect</legend>
          {MODES.map((m) => (
            <label key={m.mode} className="mode">
              <input
                type="radio"
                name={`mode-${service.id}`}
                value={m.mode}
                checked={mode === m.mode}
                onChange={() => setMode(m.mode)}
              />
              <span>
                <strong>{m.label}</strong> <small>{m.help}</small>
              </span>
            </label>
          ))}
          {mode === "restricted" && (
            <Field
              label="IP address allowed"
              className="restricted-ip"
              value={address}
              onChange={setAddress}
              aria-invalid={restrictedInvalid}
              name="restrictedIp"
            >
              {restrictedInvalid && (
                <small className="invalid">Enter one IPv4 or IPv6 address.</small>
              )}
            </Field>
          )}
        </fieldset>
      )}
      <div className="connect-actions">
        <button type="submit" disabled={busy || restrictedInvalid}>
          {service.web ? "Create public link" : "Connect"}
        </button>
        <span className="or">or</span>
        <button
          type="button"
          disabled={busy || portInvalid}
          aria-describedby={`on-demand-help-${service.id}`}
          onClick={() => void addOnDemand()}
        >
          On demand (P2P)
        </button>
        <Field
          label="Local port"
          className="local-port"
          value={localPort}
          onChange={setLocalPort}
          onKeyDown={portKey}
          placeholder="any"
          inputMode="numeric"
          aria-invalid={portInvalid}
          name="onDemandPort"
        />
      </div>
      <small className="on-demand-help" id={`on-demand-help-${service.id}`}>
        On demand listens on 127.0.0.1 here and opens a peer-to-peer path when a program connects
        (the broker's relay if P2P fails).
      </small>
      {portInvalid && <small className="invalid">Enter a port from 1 to 65535, or none.</small>}
    </form>
  );
}
