// What the template fields show when blank: the service type's default template, so the
// user sees what Copy and Launch will do before changing them.
import { defaultTemplates } from "../../../common/launch-templates.js";
import type { TemplateDefaults } from "../components/TemplateFields.js";

export function templatePlaceholders(application: number): TemplateDefaults {
  const defaults = defaultTemplates(application);
  return { copy: defaults.copy, launch: defaults.launch ?? "none: type a URL or a command" };
}
