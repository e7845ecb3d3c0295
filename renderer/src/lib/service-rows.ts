// The service list as flat rows (each device's heading, then its matching services), so a
// long list can be virtualised: only the rows on screen are in the page.
import type { DeviceView, ServiceView } from "../../../common/desktop-api.js";
import { servicesMatching } from "./service-filter.js";

export type ServiceListRow =
  | { kind: "device"; key: string; device: DeviceView }
  | { kind: "service"; key: string; device: DeviceView; service: ServiceView };

/** From this many rows the list renders only what is on screen. */
export const VIRTUALISE_FROM = 150;

/** Rows for the devices with a service matching `text` (trimmed, lower-cased; "" = all). */
export function serviceListRows(devices: DeviceView[], text: string): ServiceListRow[] {
  const rows: ServiceListRow[] = [];
  for (const device of devices) {
    const services = servicesMatching(device, text);
    if (services.length === 0) continue;
    rows.push({ kind: "device", key: `device:${device.id}`, device });
    for (const service of services) {
      rows.push({ kind: "service", key: `service:${service.id}`, device, service });
    }
  }
  return rows;
}

/** "3 services", "1 of 1,000 services": how many the filter shows, for everyone to hear. */
export function matchWords(rows: ServiceListRow[], devices: DeviceView[]): string {
  const shown = rows.filter((row) => row.kind === "service").length;
  const total = devices.reduce((sum, device) => sum + device.services.length, 0);
  const noun = total === 1 ? "service" : "services";
  if (shown === total) return `${total.toLocaleString("en")} ${noun}`;
  return `${shown.toLocaleString("en")} of ${total.toLocaleString("en")} ${noun}`;
}

/** The rows back in groups: each device with its matching services, in order. */
export function groupByDevice(
  rows: ServiceListRow[],
): { device: DeviceView; services: ServiceView[] }[] {
  const groups: { device: DeviceView; services: ServiceView[] }[] = [];
  for (const row of rows) {
    if (row.kind === "device") groups.push({ device: row.device, services: [] });
    else groups.at(-1)?.services.push(row.service);
  }
  return groups;
}
