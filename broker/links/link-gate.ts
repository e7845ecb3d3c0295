// Who may use a public link, decided before a request is proxied: the visitor's address
// against deny (wins) and allow (empty = everyone), then HTTP Basic auth when the link has
// a password. Basic auth rather than a sign-in page: it works for browsers, curl and API
// clients alike, and needs no cookie of the broker's on the service's origin.
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import ipaddr from "ipaddr.js";
import type { LinkRow } from "../store/store.js";
import { verifyLinkPassword } from "./link-password.js";
import { type AddressRange, parseRange } from "./link-settings.js";

export type GateVerdict = "pass" | "forbidden" | "unauthorized" | "busy";

/** Verified Authorization headers kept per link (by digest), so scrypt runs once each. */
const MAX_REMEMBERED = 64;
/**
 * scrypt checks one link runs at once. Each costs about 16 MiB and tens of milliseconds
 * on libuv's small thread pool, so a flood of guesses is answered "busy" instead of
 * queueing behind, and slowing, every other link and the store.
 */
const MAX_CHECKS_IN_FLIGHT = 2;

export class LinkGate {
  private readonly allow: AddressRange[];
  private readonly deny: AddressRange[];
  private readonly verified = new Set<string>();
  private checksInFlight = 0;

  constructor(private readonly link: LinkRow) {
    this.allow = link.allow.map(parseRange).filter((r): r is AddressRange => r !== null);
    this.deny = link.deny.map(parseRange).filter((r): r is AddressRange => r !== null);
  }

  get hasPassword(): boolean {
    return this.link.passwordHash !== null;
  }

  async check(request: IncomingMessage): Promise<GateVerdict> {
    if (!this.admitsAddress(request.socket.remoteAddress)) return "forbidden";
    if (this.link.passwordHash === null) return "pass";
    const header = request.headers.authorization ?? "";
    const digest = createHash("sha256").update(header).digest("base64");
    if (this.verified.has(digest)) return "pass";
    const password = basicPassword(header);
    if (password === null) return "unauthorized";
    if (this.checksInFlight >= MAX_CHECKS_IN_FLIGHT) return "busy";
    this.checksInFlight++;
    let matches: boolean;
    try {
      matches = await verifyLinkPassword(password, this.link.passwordHash);
    } finally {
      this.checksInFlight--;
    }
    if (!matches) return "unauthorized";
    if (this.verified.size >= MAX_REMEMBERED) this.verified.clear();
    this.verified.add(digest);
    return "pass";
  }

  private admitsAddress(remoteAddress: string | undefined): boolean {
    if (!remoteAddress || !ipaddr.isValid(remoteAddress)) return false;
    // IPv4-mapped IPv6 (::ffff:1.2.3.4) is matched as the IPv4 address it is.
    const address = ipaddr.process(remoteAddress);
    const within = (ranges: AddressRange[]) =>
      ranges.some(([base, bits]) => base.kind() === address.kind() && address.match(base, bits));
    if (within(this.deny)) return false;
    return this.allow.length === 0 || within(this.allow);
  }
}

/** The password of a `Basic base64(user:password)` header (any user name); null otherwise. */
function basicPassword(header: string): string | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon === -1 ? null : decoded.slice(colon + 1);
}
