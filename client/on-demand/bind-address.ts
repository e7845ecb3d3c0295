// Where an on-demand listener may listen: an address this machine has (as its network
// interfaces report it now), or 0.0.0.0 / :: for all of them. Checked before anything is
// saved, so a typo or an address from another network (a laptop that moved) gets a
// sentence instead of a listener that fails at the next start.
import { networkInterfaces } from "node:os";
import { canonicalAddress, ipVersion } from "../../common/host-ip.js";

/** Listening on every IPv4 address, or every IPv4 and IPv6 one. */
export const ALL_ADDRESSES = ["0.0.0.0", "::"] as const;

/** This machine's own addresses, loopback first, then each interface's in the OS's order. */
export function machineAddresses(): string[] {
  const addresses: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) addresses.push(canonicalAddress(entry.address));
  }
  const loopback = (a: string) => a === "127.0.0.1" || a === "::1";
  return [...new Set([...addresses.filter(loopback), ...addresses.filter((a) => !loopback(a))])];
}

/**
 * The address to listen on in its one spelling, or a sentence saying why it cannot be:
 * not an address, or not one of this machine's.
 */
export function checkBindAddress(
  value: string,
): { ok: true; address: string } | { ok: false; reason: string } {
  const trimmed = value.trim();
  const shown = trimmed.length > 64 ? `${trimmed.slice(0, 64)}…` : trimmed;
  if (ipVersion(trimmed) === 0) {
    return {
      ok: false,
      reason: `Bind address "${shown}" is not an IP address: use 127.0.0.1 (this computer only), 0.0.0.0 (all addresses) or one of this computer's addresses.`,
    };
  }
  const address = canonicalAddress(trimmed);
  if ((ALL_ADDRESSES as readonly string[]).includes(address)) return { ok: true, address };
  const own = machineAddresses();
  if (own.includes(address)) return { ok: true, address };
  return {
    ok: false,
    reason: `Bind address ${address} is not an address of this computer: use 0.0.0.0 (all addresses) or one of ${own.join(", ")}.`,
  };
}

/** host:port as programs write it, with IPv6 in brackets. */
export function listenAddress(bind: string, port: number): string {
  return bind.includes(":") ? `[${bind}]:${port}` : `${bind}:${port}`;
}
