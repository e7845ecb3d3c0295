// The snapshot a query is answered from: the zone's cached nodes, and, for an
// _acme-challenge name only, the values ACME publishes there now (read afresh: a CA asks
// right after the certificate manager writes one).
import type { ChallengeRecords } from "./challenge-records.js";
import type { SnapshotFor } from "./dns-exchange.js";
import type { ZoneNodes } from "./zone-nodes.js";

export function zoneSource(
  zone: string,
  self: number,
  nodes: ZoneNodes,
  challenges: ChallengeRecords,
): SnapshotFor {
  return async (asked) => {
    const name = asked.toLowerCase().replace(/\.$/, "");
    const view = await nodes.current();
    const values =
      name.startsWith("_acme-challenge.") && name.endsWith(`.${zone}`)
        ? await challenges.txt(name)
        : [];
    return {
      zone,
      self,
      nodes: view.nodes,
      serial: view.serial,
      challenges: new Map(values.length > 0 ? [[name, values]] : []),
    };
  };
}
