// What the broker's DNS says about its own zone, as a pure function of one snapshot: the
// live nodes and their public addresses, and the ACME challenges published for the name
// asked. No I/O here, so every rule of the zone is one place to read (and to test).
import { isIP } from "node:net";
import type { Answer, SoaAnswer } from "dns-packet";

/** A/AAAA/NS: short, so a node that leaves the cluster drops out of answers quickly. */
export const ADDRESS_TTL = 60;
/** ACME challenges change within an order; a CA must not see yesterday's value. */
export const CHALLENGE_TTL = 5;
/** The SOA's own TTL and its minimum: how long resolvers cache "no such name". */
export const NEGATIVE_TTL = 60;

export interface ZoneNode {
  node: number;
  /** Its public IPv4 and IPv6 addresses, as its heartbeat last wrote them. */
  ips: readonly string[];
}

export interface ZoneSnapshot {
  /** The zone apex, lower case, no trailing dot (config.domain). */
  zone: string;
  /** The node answering: the SOA names it as the primary server. */
  self: number;
  /** The live nodes, by number. */
  nodes: readonly ZoneNode[];
  /** SOA serial: changes when the set of nodes does. */
  serial: number;
  /** TXT values published under names asked about (lower case, no trailing dot). */
  challenges: ReadonlyMap<string, readonly string[]>;
}

export interface ZoneQuestion {
  name: string;
  type: string;
  class?: string;
}

export type ZoneRcode = "NOERROR" | "NXDOMAIN" | "REFUSED";

export interface ZoneAnswer {
  rcode: ZoneRcode;
  /** Whether the reply is authoritative: everything inside the zone is. */
  authoritative: boolean;
  answers: Answer[];
  authorities: Answer[];
}

const REFUSED: ZoneAnswer = {
  rcode: "REFUSED",
  authoritative: false,
  answers: [],
  authorities: [],
};

/** One record at a name, before it is put in an answer under the name as asked. */
type RecordSet = { type: string; ttl: number; data: unknown };

export function answerQuestion(snapshot: ZoneSnapshot, question: ZoneQuestion): ZoneAnswer {
  const name = question.name.toLowerCase().replace(/\.$/, "");
  const { zone } = snapshot;
  // Not our zone, or not the Internet class: we are no one's resolver, so say no.
  if (question.class !== undefined && question.class !== "IN") return REFUSED;
  if (name !== zone && !name.endsWith(`.${zone}`)) return REFUSED;
  // No zone transfers: every node reads the zone from the store, none is a secondary.
  if (question.type === "AXFR" || question.type === "IXFR") return REFUSED;

  const records = recordsAt(snapshot, name);
  const soa = [soaRecord(snapshot)];
  if (records === undefined) {
    return { rcode: "NXDOMAIN", authoritative: true, answers: [], authorities: soa };
  }
  if (question.type === "ANY") {
    // RFC 8482: ANY gets one small synthesised HINFO, never every record (no amplifier).
    return {
      rcode: "NOERROR",
      authoritative: true,
      answers: [
        {
          type: "HINFO",
          name: question.name,
          ttl: ADDRESS_TTL,
          data: { cpu: "RFC8482", os: "" },
        },
      ],
      authorities: [],
    };
  }
  const matching = records.filter((r) => r.type === question.type);
  if (matching.length === 0) {
    // NODATA: the name exists, not with this type.
    return { rcode: "NOERROR", authoritative: true, answers: [], authorities: soa };
  }
  return {
    rcode: "NOERROR",
    authoritative: true,
    answers: matching.map(
      (r) => ({ type: r.type, name: question.name, ttl: r.ttl, data: r.data }) as Answer,
    ),
    authorities: [],
  };
}

/** The records at `name` (inside the zone), or undefined when the zone has no such name. */
function recordsAt(snapshot: ZoneSnapshot, name: string): RecordSet[] | undefined {
  const { zone } = snapshot;
  const challenge = (snapshot.challenges.get(name) ?? []).map(
    (value): RecordSet => ({ type: "TXT", ttl: CHALLENGE_TTL, data: value }),
  );
  if (name === zone) {
    return [
      ...addresses(snapshot.nodes.flatMap((n) => n.ips)),
      // A node with no public address could not answer as a name server: left out.
      ...snapshot.nodes
        .filter((n) => n.ips.length > 0)
        .map((n): RecordSet => ({ type: "NS", ttl: ADDRESS_TTL, data: nsName(snapshot, n.node) })),
      { type: "SOA", ttl: NEGATIVE_TTL, data: soaRecord(snapshot).data },
    ];
  }
  const labels = name.slice(0, -(zone.length + 1)).split(".");
  const last = labels[labels.length - 1] ?? "";
  const ns = /^ns(\d+)$/.exec(last);
  const node = ns && labels.length === 1 ? liveNode(snapshot, ns[1]) : undefined;
  if (node) return addresses(node.ips);
  // p<N>.<zone> and every name under it (a reverse-proxy host is <label>.p<N>.<zone>).
  const p = /^p(\d+)$/.exec(last);
  const proxyNode = p ? liveNode(snapshot, p[1]) : undefined;
  if (proxyNode) return [...addresses(proxyNode.ips), ...challenge];
  // _acme-challenge.<zone> exists only while an order publishes a value there.
  return challenge.length > 0 ? challenge : undefined;
}

function liveNode(snapshot: ZoneSnapshot, digits: string | undefined): ZoneNode | undefined {
  // "p01" is not node 1: one spelling per name, so caches never hold two for one node.
  if (digits === undefined || String(Number(digits)) !== digits) return undefined;
  return snapshot.nodes.find((n) => n.node === Number(digits));
}

function addresses(ips: readonly string[]): RecordSet[] {
  return [...new Set(ips)].map((ip) => ({
    type: isIP(ip) === 6 ? "AAAA" : "A",
    ttl: ADDRESS_TTL,
    data: ip,
  }));
}

function nsName(snapshot: ZoneSnapshot, node: number): string {
  return `ns${node}.${snapshot.zone}`;
}

function soaRecord(snapshot: ZoneSnapshot): SoaAnswer {
  return {
    type: "SOA",
    name: snapshot.zone,
    ttl: NEGATIVE_TTL,
    data: {
      mname: nsName(snapshot, snapshot.self),
      rname: `hostmaster.${snapshot.zone}`,
      serial: snapshot.serial,
      // No secondaries transfer this zone (every node answers from the store); the timers
      // are RFC 1912's usual values for whoever reads them.
      refresh: 3600,
      retry: 600,
      expire: 604800,
      minimum: NEGATIVE_TTL,
    },
  };
}
