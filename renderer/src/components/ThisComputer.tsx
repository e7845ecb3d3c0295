// Offer a service of this computer (a port on 127.0.0.1) through the app's own agent; it
// then appears under this machine's name in the list below, ready to connect.
import { Plus, Trash2 } from "lucide-react";
import { type FormEvent, useState } from "react";
import { SERVICE_TYPES, serviceTypeByApplication } from "../../../common/service-types.js";
import { useStore } from "../store.js";
import { Field } from "./Field.js";

export function ThisComputer() {
  const services = useStore((s) => s.desktop?.thisComputer ?? []);
  const call = useStore((s) => s.call);
  const busy = useStore((s) => s.busy);
  const [name, setName] = useState("");
  const [type, setType] = useState("ssh");
  const [port, setPort] = useState("22");

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const result = await call("addLocalService", { name, type, port: Number(port) });
    if (result.ok) setName("");
  };

  return (
    <section className="this-computer" aria-labelledby="this-computer-title">
      <h2 id="this-computer-title">This computer</h2>
      <ul>
        {services.map((s) => (
          <li key={s.name} className="local-service">
            <span className="service-name">{s.name}</span>
            <span className="service-type">
              {serviceTypeByApplication(s.application)?.name ?? "TCP"}
            </span>
            <span className="service-port">127.0.0.1:{s.port}</span>
            <button
              type="button"
              aria-label={`Remove ${s.name}`}
              title={`Stop offering ${s.name}`}
              onClick={() => call("removeLocalService", { name: s.name })}
            >
              <Trash2 aria-hidden="true" size={14} />
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form className="add-local" onSubmit={add}>
        <Field
          label="Name"
          value={name}
          onChange={setName}
          required
          pattern="[A-Za-z0-9._\-]+"
          name="localName"
        />
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.target.value)} name="localType">
            {SERVICE_TYPES.map((t) => (
              <option key={t.scheme} value={t.scheme}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <Field
          label="Port"
          value={port}
          onChange={setPort}
          required
          inputMode="numeric"
          pattern="[0-9]{1,5}"
          name="localPort"
        />
        <button type="submit" disabled={busy}>
          <Plus aria-hidden="true" size={14} />
          Add service
        </button>
      </form>
    </section>
  );
}
