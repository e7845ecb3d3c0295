// What the template fields show when blank: the service type's default template.
import { serviceTypeByApplication } from "../../../common/service-types.js";
import type { TemplateDefaults } from "../components/TemplateFields.js";

export function templatePlaceholders(application: number): TemplateDefaults {
  const name = serviceTypeByApplication(application)?.name ?? "TCP";
  return { copy: `the ${name} default`, launch: `the ${name} default` };
}
