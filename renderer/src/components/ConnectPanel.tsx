// One Connect per service: the routing choice and, for it, the local port and LAN sharing
// or the public proxy's hostIP mode; the same panel edits a saved connection. The checks
// here are for comfort: the core checks every field again and its sentence is shown.
import { type FormEvent, useState } from "react";
import type { ServiceView } from "../../../common/desktop-api.js";
import { DEFAULT_SETTINGS } from "../../../common/desktop-settings.js";
import type { OnDemandView } from "../../../common/on-demand.js";
import type { ErrorDetail } from "../../../common/result.js";
import {
  type ConnectionForm,
  formFields,
  formOf,
  formProblems,
  newForm,
} from "../lib/connection-form.js";
import { templatePlaceholders } from "../lib/template-placeholders.js";
import { useStore } from "../store.js";
import { Field } from "./Field.js";
import { LocalRouteFields } from "./LocalRouteFields.js";
import { PublicRouteFields } from "./PublicRouteFields.js";
import { RouteChoice } from "./RouteChoice.js";
import { TemplateFields } from "./TemplateFields.js";

export interface ConnectPanelProps {
  service: ServiceView;
  /** The saved connection being edited; none = a new one. */
  existing?: OnDemandView;
  close(): void;
}

export function ConnectPanel({ service, existing, close }: ConnectPanelProps) {
  const desktop = useStore((s) => s.desktop);
  const call = useStore((s) => s.call);
  const busy = useStore((s) => s.busy);
  const dismissError = useStore((s) => s.dismissError);
  const myIp = desktop?.myIp ?? null;
  const [form, setForm] = useState<ConnectionForm>(() =>
    existing
      ? formOf(existing, myIp)
      : newForm(service, desktop?.settings ?? DEFAULT_SETTINGS, myIp),
  );
  const [refusal, setRefusal] = useState<ErrorDetail | null>(null);
  const problems = formProblems(form);
  const invalid = Object.keys(problems).length > 0;
  const change = (patch: Partial<ConnectionForm>) => setForm({ ...form, ...patch });

  // The core's refusal is said here, beside the fields, rather than in the status bar too.
  const refuse = (error: ErrorDetail) => {
    setRefusal(error);
    dismissError();
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (invalid) return;
    const fields = formFields(form);
    const saved = existing
      ? await call("updateOnDemand", { id: existing.id, ...fields })
      : await call("addOnDemand", { serviceId: service.id, ...fields });
    if (!saved.ok) return refuse(saved.error);
    // A public route opens its proxy at once; a local one is listening already.
    if (!existing && saved.value.route === "public") {
      const started = await call("startOnDemand", { id: saved.value.id });
      if (!started.ok) return refuse(started.error);
    }
    close();
  };

  const title = existing ? `Edit ${existing.name}` : `Connect to ${service.name}`;
  return (
    <form className="connect-panel" onSubmit={submit} aria-label={title}>
      <RouteChoice value={form.route} onChange={(route) => change({ route })} />
      {form.route === "public" ? (
        <PublicRouteFields service={service} form={form} problems={problems} change={change} />
      ) : (
        <LocalRouteFields form={form} problems={problems} change={change} />
      )}
      <Field
        label="Connection name"
        value={form.name}
        onChange={(name) => change({ name })}
        aria-invalid={problems.name !== undefined}
        name="connectionName"
      >
        {problems.name && <small className="invalid">{problems.name}</small>}
      </Field>
      <TemplateFields
        form={form}
        change={change}
        defaults={templatePlaceholders(service.application)}
      />
      {refusal && (
        <p className="invalid refusal" role="alert">
          {refusal.message}
        </p>
      )}
      <div className="connect-actions">
        <button type="submit" disabled={busy || invalid}>
          {existing ? "Save" : form.route === "public" ? "Connect" : "Add connection"}
        </button>
        <button type="button" onClick={close}>
          Cancel
        </button>
      </div>
    </form>
  );
}
