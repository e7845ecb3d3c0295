// The service list's filter: a service matches when its device name, name, type or port
// contains the typed text.
import type { DeviceView, ServiceView } from "../../../common/desktop-api.js";

/** The device's services that match `text` (already trimmed and lower-cased); all for "". */
export function servicesMatching(device: DeviceView, text: string): ServiceView[] {
  return device.services.filter(
    (s) => !text || `${device.name} ${s.name} ${s.type} ${s.port}`.toLowerCase().includes(text),
  );
}
