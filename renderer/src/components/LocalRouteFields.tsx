// A local route's settings: the port and address it listens on, who on the LAN may use
// it, and how long an unused path stays open.
import {
  bindPatch,
  bindPick,
  type ConnectionForm,
  type FormProblems,
} from "../lib/connection-form.js";
import { useStore } from "../store.js";
import { Field } from "./Field.js";
import { RadioGroup } from "./RadioGroup.js";

export interface FormPartProps {
  form: ConnectionForm;
  problems: FormProblems;
  change(patch: Partial<ConnectionForm>): void;
}

export function LocalRouteFields({ form, problems, change }: FormPartProps) {
  const lanAddresses = useStore((s) => s.desktop?.lanAddresses ?? []);
  const pick = bindPick(form, lanAddresses);
  return (
    <div className="local-route">
      <Field
        label="Local port"
        className="local-port"
        value={form.port}
        onChange={(port) => change({ port })}
        placeholder="a free one"
        inputMode="numeric"
        aria-invalid={problems.port !== undefined}
        name="localPort"
      >
        {problems.port && <small className="invalid">{problems.port}</small>}
      </Field>
      <RadioGroup
        legend="Bind address"
        value={pick}
        onChange={(value) => change(bindPatch(value, form, lanAddresses))}
        choices={[
          { value: "local", label: "This computer only (127.0.0.1)" },
          {
            value: "lan",
            label: "LAN: all addresses (0.0.0.0)",
            help: "Other machines on your network can use this port.",
          },
          ...lanAddresses.map((address) => ({
            value: `at:${address}`,
            label: `This computer's LAN address ${address}`,
          })),
          { value: "custom", label: "Another address of this computer" },
        ]}
      />
      {pick === "custom" && (
        <Field
          label="Address to listen on"
          value={form.bindAddress}
          onChange={(bindAddress) => change({ bindAddress })}
          placeholder="192.168.1.20"
          aria-invalid={problems.bindAddress !== undefined}
          name="bindAddress"
        >
          {problems.bindAddress && <small className="invalid">{problems.bindAddress}</small>}
        </Field>
      )}
      {form.bindChoice !== "local" && (
        <>
          <RadioGroup
            legend="Local network security"
            value={form.restrictChoice}
            onChange={(restrictChoice) => change({ restrictChoice })}
            choices={[
              { value: "none", label: "None", help: "Any machine that reaches the address." },
              {
                value: "latching",
                label: "IP latching",
                help: "The first machine to connect is the only one let in.",
              },
              { value: "ip", label: "Single IP", help: "Only this one address." },
              { value: "subnet", label: "Subnet", help: "Only addresses in this range." },
            ]}
          />
          {(form.restrictChoice === "ip" || form.restrictChoice === "subnet") && (
            <Field
              label={form.restrictChoice === "ip" ? "Allowed address" : "Allowed subnet (CIDR)"}
              value={form.restrictValue}
              onChange={(restrictValue) => change({ restrictValue })}
              placeholder={form.restrictChoice === "ip" ? "192.168.1.7" : "192.168.1.0/24"}
              aria-invalid={problems.restrictValue !== undefined}
              name="restrictValue"
            >
              {problems.restrictValue && (
                <small className="invalid">{problems.restrictValue}</small>
              )}
            </Field>
          )}
        </>
      )}
      <Field
        label="Idle timeout (minutes)"
        className="idle-timeout"
        value={form.idleMinutes}
        onChange={(idleMinutes) => change({ idleMinutes })}
        inputMode="numeric"
        aria-invalid={problems.idleMinutes !== undefined}
        name="idleMinutes"
      >
        <small className="hint">0 keeps the path open until you disconnect.</small>
        {problems.idleMinutes && <small className="invalid">{problems.idleMinutes}</small>}
      </Field>
    </div>
  );
}
