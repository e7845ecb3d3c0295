// Local network security of an on-demand listener shared on the LAN: who on the network may
// use it. "none" lets anyone who reaches the address in, "latching" the first client address
// until the setting changes, an address only that client, a CIDR only its subnet. Parsed
// strictly, as common/host-ip.ts parses hostIP, and browser-safe (the renderer checks with
// it for comfort; the manager's check is the real one).
import ipaddr from "ipaddr.js";
import { canonicalAddress, ipVersion } from "./host-ip.js";
import { unhandled } from "./unhandled.js";

export type LocalRestriction =
  | { kind: "none" }
  | { kind: "latching" }
  | { kind: "address"; address: string }
  | { kind: "subnet"; network: ipaddr.IPv4 | ipaddr.IPv6; bits: number };

export type RestrictionParse =
  | { ok: true; restriction: LocalRestriction; canonical: string }
  | { ok: false; reason: string };

const USE =
  'use "none", "latching", one IP address such as 192.168.1.20, or a subnet such as 192.168.1.0/24';

export function parseRestriction(input: string): RestrictionParse {
  const value = input.trim();
  const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  const lower = value.toLowerCase();
  if (lower === "none") return { ok: true, restriction: { kind: "none" }, canonical: "none" };
  if (lower === "latching") {
    return { ok: true, restriction: { kind: "latching" }, canonical: "latching" };
  }
  const slash = value.indexOf("/");
  if (slash < 0) {
    if (ipVersion(value) === 0) {
      return { ok: false, reason: `Local network security "${shown}" is not valid: ${USE}.` };
    }
    const address = canonicalAddress(value);
    const range = ipaddr.parse(address).range();
    // No client ever connects from these: a listener restricted to one would admit nobody.
    if (range === "unspecified" || range === "multicast" || range === "broadcast") {
      return {
        ok: false,
        reason: `Local network security "${shown}" is the ${range} address, which no client connects from: ${USE}.`,
      };
    }
    return { ok: true, restriction: { kind: "address", address }, canonical: address };
  }
  const base = value.slice(0, slash);
  const bitsText = value.slice(slash + 1);
  const version = ipVersion(base);
  const maxBits = version === 6 ? 128 : 32;
  const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
  if (version === 0 || !(bits >= 0 && bits <= maxBits)) {
    return {
      ok: false,
      reason: `Local network security "${shown}" is not a valid subnet: write an address, a slash and a prefix length (0-32 for IPv4, 0-128 for IPv6), such as 192.168.1.0/24.`,
    };
  }
  const address = canonicalAddress(base);
  // An IPv4-mapped IPv6 network reads as plain IPv4, like client addresses do; its prefix
  // then counts from the IPv4 part.
  const mapped = version === 6 && ipVersion(address) === 4;
  const networkBits = mapped ? bits - 96 : bits;
  if (networkBits < 0) {
    return { ok: false, reason: `Local network security "${shown}" is wider than IPv4: ${USE}.` };
  }
  const network = ipaddr.parse(address);
  return {
    ok: true,
    restriction: { kind: "subnet", network, bits: networkBits },
    canonical: `${address}/${networkBits}`,
  };
}

/** The sentence for a value that does not parse, or null when it does. */
export function restrictionProblem(value: string): string | null {
  const parsed = parseRestriction(value);
  return parsed.ok ? null : parsed.reason;
}

/**
 * Whether a client may use the listener. `latchedIp` is the address a latching restriction
 * holds (null: nobody yet, so this client would latch it; the caller records that).
 * `client` is the socket's remoteAddress, in any spelling (::ffff:1.2.3.4 included).
 */
export function admits(
  restriction: LocalRestriction,
  latchedIp: string | null,
  client: string,
): boolean {
  const address = canonicalAddress(client);
  switch (restriction.kind) {
    case "none":
      return true;
    case "latching":
      return latchedIp === null || canonicalAddress(latchedIp) === address;
    case "address":
      return restriction.address === address;
    case "subnet": {
      if (ipVersion(address) === 0) return false;
      const parsed = ipaddr.parse(address);
      if (parsed.kind() !== restriction.network.kind()) return false;
      return (parsed as ipaddr.IPv4).match(restriction.network as ipaddr.IPv4, restriction.bits);
    }
    default:
      return unhandled(restriction);
  }
}
