// Services grouped by device, with a filter that matches device names too; each service
// opens its connect panel. A long list (a thousand services) renders only what is on screen.
import { Search } from "lucide-react";
import { useDeferredValue, useMemo } from "react";
import {
  groupByDevice,
  matchWords,
  type ServiceListRow,
  serviceListRows,
  VIRTUALISE_FROM,
} from "../lib/service-rows.js";
import { useStore } from "../store.js";
import { DeviceHeading } from "./DeviceHeading.js";
import { NoDevices } from "./NoDevices.js";
import { ServiceRow } from "./ServiceRow.js";
import { VirtualServiceRows } from "./VirtualServiceRows.js";

export function ServiceList() {
  const devices = useStore((s) => s.desktop?.devices);
  const filter = useStore((s) => s.filter);
  const setFilter = useStore((s) => s.setFilter);
  // Typing stays responsive with thousands of services: the list catches up a beat later.
  const text = useDeferredValue(filter.trim().toLowerCase());
  const rows = useMemo(() => serviceListRows(devices ?? [], text), [devices, text]);
  const list = devices ?? [];

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
      {list.length === 0 ? (
        <NoDevices />
      ) : (
        <p className="match-count" role="status">
          {matchWords(rows, list)}
        </p>
      )}
      {rows.length >= VIRTUALISE_FROM ? (
        <VirtualServiceRows rows={rows} />
      ) : (
        <GroupedRows rows={rows} />
      )}
    </section>
  );
}

/** A short list as it reads best: each device's heading over its own list of services. */
function GroupedRows({ rows }: { rows: ServiceListRow[] }) {
  return groupByDevice(rows).map(({ device, services }) => (
    <div className="device" key={device.id}>
      <DeviceHeading device={device} />
      <ul aria-label={`Services of ${device.name}`}>
        {services.map((service) => (
          <ServiceRow key={service.id} device={device} service={service} />
        ))}
      </ul>
    </div>
  ));
}
