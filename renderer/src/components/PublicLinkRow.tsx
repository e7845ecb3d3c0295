// A web service's persistent public link (setConnectLink): one address that stays the same
// across connections, switched on or off, with an optional password. The password goes to
// the broker and never comes back; the page only learns whether there is one.
import { useState } from "react";
import type { PublicLinkView, ServiceView } from "../../../common/desktop-api.js";
import { useStore } from "../store.js";
import { Field } from "./Field.js";

export function PublicLinkRow({ service }: { service: ServiceView }) {
  const call = useStore((s) => s.call);
  const busy = useStore((s) => s.busy);
  const copy = useStore((s) => s.copy);
  const copied = useStore((s) => s.copiedId === `link-${service.id}`);
  // The answer of the last save shows until the next pushed state carries it.
  const [saved, setSaved] = useState<PublicLinkView | null>(null);
  const link = saved ?? service.link;
  const [enabled, setEnabled] = useState(link?.enabled ?? false);
  const [password, setPassword] = useState("");

  const save = async (removePassword = false) => {
    const change = removePassword ? "" : password === "" ? undefined : password;
    const result = await call("setPublicLink", {
      serviceId: service.id,
      enabled,
      ...(change === undefined ? {} : { password: change }),
    });
    if (result.ok) {
      setSaved(result.value);
      setPassword("");
    }
  };

  return (
    <div className="public-link-row">
      <label className="mode">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        <span>
          <strong>Persistent public link</strong>
          <small>The same address every time, for as long as it is on.</small>
        </span>
      </label>
      {link?.url && (
        <div className="actions">
          <code className="address link-url">{link.url}</code>
          <span className="link-state">
            {link.enabled ? "on" : "off"}
            {link.hasPassword ? " · password set" : ""}
          </span>
          <button type="button" onClick={() => copy(`link-${service.id}`, link.url)}>
            {copied ? "Copied" : "Copy link"}
          </button>
        </div>
      )}
      {enabled && (
        <Field
          label="Link password (optional)"
          type="password"
          value={password}
          onChange={setPassword}
          placeholder={link?.hasPassword ? "unchanged" : "none"}
          autoComplete="new-password"
          name="linkPassword"
        />
      )}
      <div className="actions">
        <button type="button" disabled={busy} onClick={() => void save()}>
          Save public link
        </button>
        {link?.hasPassword && (
          <button type="button" disabled={busy} onClick={() => void save(true)}>
            Remove password
          </button>
        )}
      </div>
    </div>
  );
}
