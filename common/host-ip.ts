// The hostIP modes of a port proxy, as remote.it defines them: 0.0.0.0 lets anyone in,
// 255.255.255.255 latches onto the first visitor, any other single address restricts
// the proxy to that address. Parsing is strict: anything else is refused, not guessed at.
import ipaddr from "ipaddr.js";

export const PUBLIC_HOST_IP = "0.0.0.0";
export const LATCHING_HOST_IP = "255.255.255.255";

export type HostIpPolicy =
  | { mode: "public" }
  | { mode: "latching" }
  | { mode: "restricted"; address: string };

/** What a port proxy's hostIP asks for: anyone, one address, or the first visitor. */
export type HostIpMode = HostIpPolicy["mode"];

/** The hostIP value that asks for `mode`; only a restricted one names its address. */
export function hostIpFor(mode: HostIpMode, address: string): string {
  if (mode === "public") return PUBLIC_HOST_IP;
  if (mode === "latching") return LATCHING_HOST_IP;
  return address;
}

/**
 * The mode a hostIP value asks for. Any value but the two special ones reads as restricted:
 * whether it is a valid address is parseHostIp's question, not this one's.
 */
export function modeOf(hostIP: string): HostIpMode {
  if (hostIP === PUBLIC_HOST_IP) return "public";
  if (hostIP === LATCHING_HOST_IP) return "latching";
  return "restricted";
}

export type HostIpParse = { ok: true; policy: HostIpPolicy } | { ok: false; reason: string };

export function parseHostIp(value: string): HostIpParse {
  if (value === PUBLIC_HOST_IP) return { ok: true, policy: { mode: "public" } };
  if (value === LATCHING_HOST_IP) return { ok: true, policy: { mode: "latching" } };
  const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  // Strict forms only: four-part decimal IPv4 (no "1.2.3", no octal or hex parts, no
  // spaces) and IPv6 without a zone id, which would name an interface on the broker's
  // side and mean nothing to a visitor. Runs in the renderer too, so no node:net.
  if (ipVersion(value) === 0) {
    return {
      ok: false,
      reason: `hostIP "${shown}" is not valid: use 0.0.0.0 (public), 255.255.255.255 (latching) or one IPv4 or IPv6 address.`,
    };
  }
  const address = canonicalAddress(value);
  if (address === PUBLIC_HOST_IP || address === LATCHING_HOST_IP) {
    return parseHostIp(address);
  }
  // No visitor ever comes from the unspecified or a multicast address: a proxy restricted
  // to one would admit nobody. Saying so beats creating it.
  const range = ipaddr.parse(address).range();
  if (range === "unspecified" || range === "multicast") {
    return {
      ok: false,
      reason: `hostIP "${shown}" is the ${range} address, which no visitor connects from: use 0.0.0.0 for a public proxy.`,
    };
  }
  return { ok: true, policy: { mode: "restricted", address } };
}

/** 4 or 6 for a strictly written address, else 0. */
export function ipVersion(value: string): 0 | 4 | 6 {
  if (ipaddr.IPv4.isValidFourPartDecimal(value) && !/(^|\.)0\d/.test(value)) return 4;
  if (value.includes(":") && !value.includes("%") && ipaddr.IPv6.isValid(value)) {
    // An embedded IPv4 tail (::ffff:1.2.3.4) is held to the same strict form: ipaddr.js
    // also takes hex and octal parts there (::ffff:0x7f.0.0.1).
    const tail = value.slice(value.lastIndexOf(":") + 1);
    return !tail.includes(".") || ipVersion(tail) === 4 ? 6 : 0;
  }
  return 0;
}

/**
 * One spelling per address: IPv4-mapped IPv6 (::ffff:1.2.3.4) becomes plain IPv4 and
 * IPv6 is written in its compressed lower-case form (RFC 5952), so a socket's
 * remoteAddress can be compared with a stored address by string equality.
 */
export function canonicalAddress(address: string): string {
  const version = ipVersion(address);
  if (version === 4) return address;
  if (version !== 6) return address;
  const parsed = ipaddr.IPv6.parse(address);
  return parsed.isIPv4MappedAddress()
    ? parsed.toIPv4Address().toString()
    : parsed.toRFC5952String();
}
