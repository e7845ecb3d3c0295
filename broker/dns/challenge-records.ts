// The TXT records ACME's DNS-01 challenge asks for (_acme-challenge.<name>): written by the
// certificate manager while an order is pending, answered by the broker's own DNS server.
// An interface because a cluster's nodes must all answer alike (the CA may ask any of them,
// the apex being in every node's certificate): they share them through the store; one
// broker alone keeps them in memory.
import type { AcmeStore } from "../store/store.js";

export interface ChallengeRecords {
  /** The values published under a fully qualified name (lower case, no trailing dot). */
  txt(fqdn: string): Promise<string[]>;
  add(fqdn: string, value: string): Promise<void>;
  remove(fqdn: string, value: string): Promise<void>;
}

/** One broker's challenges: they live as long as the order that made them. */
export class MemoryChallengeRecords implements ChallengeRecords {
  private readonly records = new Map<string, Set<string>>();

  async txt(fqdn: string): Promise<string[]> {
    return [...(this.records.get(normalise(fqdn)) ?? [])];
  }

  async add(fqdn: string, value: string): Promise<void> {
    const name = normalise(fqdn);
    const values = this.records.get(name) ?? new Set<string>();
    values.add(value);
    this.records.set(name, values);
  }

  async remove(fqdn: string, value: string): Promise<void> {
    const name = normalise(fqdn);
    const values = this.records.get(name);
    values?.delete(value);
    if (values?.size === 0) this.records.delete(name);
  }
}

/**
 * How long a value stays published: an order's checks take seconds to minutes; a node that
 * dies before removing its values leaves them for no longer than this.
 */
export const CHALLENGE_TTL_MS = 60 * 60 * 1000;

/** A cluster's challenges, in the store every node reads: any node's DNS answers them. */
export class StoreChallengeRecords implements ChallengeRecords {
  constructor(private readonly store: AcmeStore) {}

  txt(fqdn: string): Promise<string[]> {
    return this.store.challengeValues(normalise(fqdn));
  }

  add(fqdn: string, value: string): Promise<void> {
    return this.store.addChallenge(normalise(fqdn), value, CHALLENGE_TTL_MS);
  }

  remove(fqdn: string, value: string): Promise<void> {
    return this.store.removeChallenge(normalise(fqdn), value);
  }
}

function normalise(fqdn: string): string {
  return fqdn.toLowerCase().replace(/\.$/, "");
}
