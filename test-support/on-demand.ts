// On-demand managers for tests: the client's own OnDemandManager (as `reach up` and the
// desktop core run it) over a fresh store in a temp dir, gathering P2P candidates on
// loopback only, with a P2P wait long enough for a loaded machine.
import { join } from "node:path";
import type { BrokerClient } from "../client/broker-client.js";
import { OnDemandManager } from "../client/on-demand/on-demand-manager.js";
import { OnDemandStore } from "../client/on-demand/on-demand-store.js";
import { tempDir } from "./stack.js";

export type TestOnDemand = OnDemandManager & { storePath: string };

export async function startTestOnDemand(
  client: () => BrokerClient | null,
  extra: Partial<ConstructorParameters<typeof OnDemandManager>[0]> & { storePath?: string } = {},
): Promise<TestOnDemand> {
  const { storePath, ...options } = extra;
  const path = storePath ?? join(await tempDir("reach-od-"), "on-demand.json");
  const manager = new OnDemandManager({
    store: new OnDemandStore(path),
    client,
    p2pBindAddress: "127.0.0.1",
    // The tests prove which path carries the bytes, not how fast P2P opens (a loaded
    // machine may take longer than the default 3 s).
    p2pWaitMs: 15_000,
    ...options,
  });
  await manager.start(true);
  return Object.assign(manager, { storePath: path });
}
