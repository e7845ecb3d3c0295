// Services grouped by device, with a filter that matches device names too; each service
// opens its connect panel.
import { Search } from "lucide-react";
import { useDeferredValue } from "react";
import { servicesMatching } from "../lib/service-filter.js";
import { useStore } from "../store.js";
import { DeviceHeading } from "./DeviceHeading.js";
import { NoDevices } from "./NoDevices.js";
import { ServiceRow } from "./ServiceRow.js";

export function ServiceList() {
  const devices = useStore((s) => s.desktop?.devices ?? []);
  const filter = useStore((s) => s.filter);
  const setFilter = useStore((s) => s.setFilter);
  // Typing stays responsive with thousands of services: the list catches up a beat later.
  const text = useDeferredValue(filter.trim().toLowerCase());

  return (
    <section className="services" aria-labelledby="services-title">
      <h2 id="services-title">Devices and services</h2>
      <div className="filter-box">
        <Search aria-hidden="true" size={14} />
        <input
          className="filter"
          type="search"
          placeholder="Filter devices and services"
          aria-label="Filter services"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
      </div>
      {devices.length === 0 && <NoDevices />}
      {devices.map((device) => {
        const services = servicesMatching(device, text);
        if (services.length === 0) return null;
        return (
          <div className="device" key={device.id}>
            <DeviceHeading device={device} />
            <ul aria-label={`Services of ${device.name}`}>
              {services.map((service) => (
                <ServiceRow key={service.id} device={device} service={service} />
              ))}
            </ul>
          </div>
        );
      })}
    </section>
  );
}
