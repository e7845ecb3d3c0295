// The broker's devices and links as the window and tray show them.
import type { DeviceRecord, LinkRecord } from "../../client/broker-client.js";
import { machineAddresses } from "../../client/on-demand/bind-address.js";
import type { DeviceView, PublicLinkView } from "../../common/desktop-api.js";
import { serviceTypeByApplication } from "../../common/service-types.js";

export function toLinkView(link: LinkRecord): PublicLinkView {
  return { url: link.url, enabled: link.enabled, hasPassword: link.password !== null };
}

export function toDeviceView(
  device: DeviceRecord,
  linkOf: Map<string, PublicLinkView>,
): DeviceView {
  return {
    id: device.id,
    name: device.name,
    online: device.state === "active",
    services: device.services.map((s) => ({
      id: s.id,
      name: s.name,
      type: s.title,
      application: s.application,
      port: s.port,
      host: s.host,
      online: s.state === "active",
      web: serviceTypeByApplication(s.application)?.web ?? false,
      link: linkOf.get(s.id) ?? null,
    })),
  };
}

/**
 * This computer's addresses a LAN peer can reach it on: loopback is this computer only, and
 * a link-local IPv6 address needs a zone no peer shares.
 */
export function lanAddresses(): string[] {
  return machineAddresses().filter(
    (address) => !address.startsWith("127.") && address !== "::1" && !address.startsWith("fe80:"),
  );
}
