// The arguments of setConnectLink / enableConnectLink, checked before anything changes:
// a password of at most 128 characters, allow and deny lists of CIDRs (or single
// addresses). Each refusal is a BAD_USER_INPUT naming the argument.
import ipaddr from "ipaddr.js";
import { apiError } from "../api/api-error.js";

export const MAX_LINK_PASSWORD = 128;
/** More rules than this is a mistake, not a policy; it also bounds the work per visitor. */
const MAX_RULES = 100;

export interface LinkArgs {
  serviceId: string;
  enabled?: boolean | null;
  password?: string | null;
  allow?: string[] | null;
  deny?: string[] | null;
}

export type AddressRange = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** A CIDR ("10.0.0.0/8", "2001:db8::/32") or one address; null when neither. */
export function parseRange(text: string): AddressRange | null {
  const trimmed = text.trim();
  try {
    if (trimmed.includes("/")) return ipaddr.parseCIDR(trimmed);
    const address = ipaddr.parse(trimmed);
    return [address, address.kind() === "ipv4" ? 32 : 128];
  } catch {
    return null;
  }
}

export function checkRanges(name: "allow" | "deny", list: string[] | null | undefined): void {
  if (!list) return;
  if (list.length > MAX_RULES) {
    throw apiError("BAD_USER_INPUT", `${name} may list at most ${MAX_RULES} address ranges.`);
  }
  for (const entry of list) {
    if (!parseRange(entry)) {
      throw apiError(
        "BAD_USER_INPUT",
        `${name} has ${JSON.stringify(entry.slice(0, 60))}, which is not a CIDR such as 203.0.113.0/24 or an IP address.`,
      );
    }
  }
}

export function checkLinkArgs(args: LinkArgs): void {
  if (args.password && args.password.length > MAX_LINK_PASSWORD) {
    throw apiError(
      "BAD_USER_INPUT",
      `password is ${args.password.length} characters long; a link password may have at most ${MAX_LINK_PASSWORD}.`,
    );
  }
  checkRanges("allow", args.allow);
  checkRanges("deny", args.deny);
}
