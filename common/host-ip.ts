// The hostIP modes of a port proxy, as remote.it defines them: 0.0.0.0 lets anyone in,
// 255.255.255.255 latches onto the first visitor, any other single address restricts
// the proxy to that address. Parsing is strict: anything else is refused, not guessed at.
import { isIP } from "node:net";

export const PUBLIC_HOST_IP = "0.0.0.0";
export const LATCHING_HOST_IP = "255.255.255.255";

export type HostIpPolicy =
  | { mode: "public" }
  | { mode: "latching" }
  | { mode: "restricted"; address: string };

export type HostIpParse = { ok: true; policy: HostIpPolicy } | { ok: false; reason: string };

export function parseHostIp(value: string): HostIpParse {
  if (value === PUBLIC_HOST_IP) return { ok: true, policy: { mode: "public" } };
  if (value === LATCHING_HOST_IP) return { ok: true, policy: { mode: "latching" } };
  const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  // net.isIP is strict (no "1.2.3", no octal, no spaces) but accepts IPv6 zone ids,
  // which name an interface on the broker's side and mean nothing to a visitor.
  if (value.includes("%") || isIP(value) === 0) {
    return {
      ok: false,
      reason: `hostIP "${shown}" is not valid: use 0.0.0.0 (public), 255.255.255.255 (latching) or one IPv4 or IPv6 address.`,
    };
  }
  const address = canonicalAddress(value);
  if (address === PUBLIC_HOST_IP || address === LATCHING_HOST_IP) {
    return parseHostIp(address);
  }
  return { ok: true, policy: { mode: "restricted", address } };
}

/**
 * One spelling per address: IPv4-mapped IPv6 (::ffff:1.2.3.4) becomes plain IPv4 and
 * IPv6 is written in its compressed lower-case form, so a socket's remoteAddress can
 * be compared with a stored address by string equality.
 */
export function canonicalAddress(address: string): string {
  const kind = isIP(address);
  if (kind === 4) return address;
  if (kind !== 6) return address;
  const url = new URL(`http://[${address}]/`);
  const host = url.hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped?.[1] && mapped[2]) {
    const hi = Number.parseInt(mapped[1], 16);
    const lo = Number.parseInt(mapped[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return host;
}
