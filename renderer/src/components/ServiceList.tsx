// Services grouped by device, with a filter; each opens its connect panel.
import { useDeferredValue } from "react";
import { servicesMatching } from "../lib/service-filter.js";
import { useStore } from "../store.js";
import { ConnectPanel } from "./ConnectPanel.js";

export function ServiceList() {
  const devices = useStore((s) => s.desktop?.devices ?? []);
  const filter = useStore((s) => s.filter);
  const setFilter = useStore((s) => s.setFilter);
  const connecting = useStore((s) => s.connecting);
  const openConnect = useStore((s) => s.openConnect);
  // Typing stays responsive with thousands of services: the list catches up a beat later.
  const text = useDeferredValue(filter.trim().toLowerCase());

  return (
    <section className="services" aria-labelledby="services-title">
      <h2 id="services-title">Devices and services</h2>
      <input
        className="filter"
        type="search"
        placeholder="Filter services"
        aria-label="Filter services"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
      />
      {devices.length === 0 && (
        <p className="empty">No devices yet: start an agent on a machine.</p>
      )}
      {devices.map((device) => {
        const services = servicesMatching(device, text);
        if (services.length === 0) return null;
        return (
          <div className="device" key={device.id}>
            <h3>
              {device.name}{" "}
              <span className={device.online ? "online" : "offline"}>
                {device.online ? "online" : "offline"}
              </span>
            </h3>
            <ul>
              {services.map((service) => (
                <li key={service.id} className="service">
                  <div className="service-row">
                    <span className="service-name">{service.name}</span>
                    <span className="service-type">{service.type}</span>
                    <span className="service-port">{service.port}</span>
                    <span className={service.online ? "online" : "offline"}>
                      {service.online ? "online" : "offline"}
                    </span>
                    <button
                      type="button"
                      disabled={!service.online}
                      aria-expanded={connecting === service.id}
                      aria-label={`Connect to ${service.name} on ${device.name}`}
                      onClick={() => openConnect(connecting === service.id ? null : service.id)}
                    >
                      Connect…
                    </button>
                  </div>
                  {connecting === service.id && (
                    <ConnectPanel service={service} close={() => openConnect(null)} />
                  )}
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </section>
  );
}
