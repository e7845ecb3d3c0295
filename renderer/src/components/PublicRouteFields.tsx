// The public proxy's settings: who may use its address (the hostIP modes), or for a web
// service its public link and the service's persistent link beside it.
import type { ServiceView } from "../../../common/desktop-api.js";
import { LATCHING_HOST_IP, PUBLIC_HOST_IP } from "../../../common/host-ip.js";
import { Field } from "./Field.js";
import type { FormPartProps } from "./LocalRouteFields.js";
import { PublicLinkRow } from "./PublicLinkRow.js";
import { RadioGroup } from "./RadioGroup.js";

export function PublicRouteFields({
  service,
  form,
  problems,
  change,
}: FormPartProps & { service: ServiceView }) {
  if (service.web) {
    return (
      <div className="public-route">
        <p className="public-link">
          Public link: a random web address for this service, open to anyone who has it until it
          expires.
        </p>
        <PublicLinkRow service={service} />
      </div>
    );
  }
  return (
    <div className="public-route">
      <RadioGroup
        legend="Who may connect"
        value={form.publicMode}
        onChange={(publicMode) => change({ publicMode })}
        choices={[
          {
            value: "public",
            label: `Public (${PUBLIC_HOST_IP})`,
            help: "Anyone with the address can connect until it expires.",
          },
          {
            value: "restricted",
            label: "Restricted to one IP",
            help: "Only connections from this address get through.",
          },
          {
            value: "latching",
            label: `Latching (${LATCHING_HOST_IP})`,
            help: "The first address to connect latches it; all others are refused.",
          },
        ]}
      />
      {form.publicMode === "restricted" && (
        <Field
          label="IP address allowed"
          className="restricted-ip"
          value={form.publicIp}
          onChange={(publicIp) => change({ publicIp })}
          aria-invalid={problems.publicIp !== undefined}
          name="restrictedIp"
        >
          {problems.publicIp && <small className="invalid">{problems.publicIp}</small>}
        </Field>
      )}
    </div>
  );
}
