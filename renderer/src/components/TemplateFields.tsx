// The copy and launch templates of a connection: blank means the service type's default,
// which the placeholder shows, so the user sees what Copy and Launch will do.
import { Field } from "./Field.js";
import type { FormPartProps } from "./LocalRouteFields.js";

export interface TemplateDefaults {
  copy: string;
  launch: string;
}

export function TemplateFields({
  form,
  change,
  defaults,
}: Omit<FormPartProps, "problems"> & { defaults: TemplateDefaults }) {
  return (
    <details className="templates">
      <summary>Copy and launch</summary>
      <Field
        label="Copy template"
        value={form.copyTemplate}
        onChange={(copyTemplate) => change({ copyTemplate })}
        placeholder={defaults.copy}
        name="copyTemplate"
      />
      <Field
        label="Launch template"
        value={form.launchTemplate}
        onChange={(launchTemplate) => change({ launchTemplate })}
        placeholder={defaults.launch}
        name="launchTemplate"
      />
      <small className="hint">Tokens: [host] [port] [username] [id]. Blank: the default.</small>
    </details>
  );
}
