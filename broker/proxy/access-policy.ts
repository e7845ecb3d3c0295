// Decides, per visitor address, whether a port proxy lets a client through: the hostIP
// modes. A latch is decided synchronously on the event loop, so of many clients racing
// for a fresh latching proxy exactly one wins; it then holds only once it is saved. The
// store keeps the first latch it records, so if another node's view of the proxy latched
// first, the store's winner is the one that holds here too.
import { canonicalAddress, type HostIpPolicy } from "../../common/host-ip.js";

export class AccessPolicy {
  /** The address that won the latch while its save is under way, and how the save went. */
  private pendingLatch: { address: string; saved: Promise<boolean> } | null = null;

  constructor(
    private readonly policy: HostIpPolicy,
    private latchedAddress: string | null,
    /** Saves a latch; resolves with the address that holds (another may have won first). */
    private readonly onLatch: (address: string) => string | Promise<string>,
  ) {}

  get latched(): string | null {
    return this.latchedAddress;
  }

  async admits(remoteAddress: string | undefined): Promise<boolean> {
    if (!remoteAddress) return false;
    // A public proxy asks nothing of the address: parsing it was a visitor's allocation.
    if (this.policy.mode === "public") return true;
    const address = canonicalAddress(remoteAddress);
    switch (this.policy.mode) {
      case "restricted":
        return address === this.policy.address;
      case "latching":
        if (this.latchedAddress !== null) return address === this.latchedAddress;
        // Everything up to here ran without yielding: the first address to get here wins,
        // and later visitors (from it, or refused) wait for its save.
        if (this.pendingLatch) {
          return address === this.pendingLatch.address && (await this.pendingLatch.saved);
        }
        return this.latch(address);
    }
  }

  /**
   * The latch is saved first: one that could not be saved (full disk) would be forgotten
   * by a restart and let another address latch, so the visitor is refused and the proxy
   * stays unlatched, free for the next visitor.
   */
  private latch(address: string): Promise<boolean> {
    const saved = this.save(address);
    const pending = { address, saved };
    this.pendingLatch = pending;
    void saved.then(() => {
      if (this.pendingLatch === pending) this.pendingLatch = null;
    });
    return saved;
  }

  private async save(address: string): Promise<boolean> {
    let holds: string;
    try {
      holds = await this.onLatch(address);
    } catch {
      return false;
    }
    this.latchedAddress = holds;
    return holds === address;
  }
}
