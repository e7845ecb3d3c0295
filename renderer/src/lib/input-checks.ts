// What the forms accept before they send anything: the core checks again, but a field
// that says at once what is wrong beats a round trip.
import { parseHostIp } from "../../../common/host-ip.js";

/** A port typed as 1 to 5 digits, from 1 to 65535. */
export function isPort(value: string): boolean {
  const port = Number(value);
  return /^\d{1,5}$/.test(value) && port >= 1 && port <= 65535;
}

/** One IPv4 or IPv6 address a restricted connection can admit (not 0.0.0.0 or 255.255.255.255). */
export function isSingleAddress(value: string): boolean {
  const parsed = parseHostIp(value.trim());
  return parsed.ok && parsed.policy.mode === "restricted";
}
