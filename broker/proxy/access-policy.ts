// Decides, per visitor address, whether a port proxy lets a client through: the hostIP
// modes. Latching is decided synchronously on the event loop, so of many clients racing
// for a fresh latching proxy exactly one wins.
import { canonicalAddress, type HostIpPolicy } from "../../common/host-ip.js";

export class AccessPolicy {
  constructor(
    private readonly policy: HostIpPolicy,
    private latchedAddress: string | null,
    private readonly onLatch: (address: string) => void,
  ) {}

  get latched(): string | null {
    return this.latchedAddress;
  }

  admits(remoteAddress: string | undefined): boolean {
    if (!remoteAddress) return false;
    const address = canonicalAddress(remoteAddress);
    switch (this.policy.mode) {
      case "public":
        return true;
      case "restricted":
        return address === this.policy.address;
      case "latching":
        if (this.latchedAddress === null) {
          // The latch is saved first: one that could not be saved (full disk) would be
          // forgotten by a restart and let another address latch, so the visitor is
          // refused and the proxy stays unlatched.
          try {
            this.onLatch(address);
          } catch {
            return false;
          }
          this.latchedAddress = address;
          return true;
        }
        return address === this.latchedAddress;
    }
  }
}
