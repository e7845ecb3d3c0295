// A cluster of real broker nodes for tests: one PostgreSQL database (a real server from
// postgres.ts), and node N listening on 127.0.0.1N with its port proxies on that address
// and that address as its public host, as separate machines would each have their own.
import type { BrokerConfig } from "../broker/config.js";
import { startTestPostgres, type TestPostgres } from "./postgres.js";
import { type BrokerProcess, startBrokerProcess } from "./reach-processes.js";
import { eventually, startTestBroker, type TestBroker } from "./stack.js";

export const CLUSTER_DOMAIN = "reach.test";

/** The loopback address node `n` listens on: 127.0.0.11, 127.0.0.12 … */
export function nodeAddress(n: number): string {
  return `127.0.0.${10 + n}`;
}

export interface TestCluster {
  postgres: TestPostgres;
  /** The database every node shares. */
  storeUrl: string;
  /** nodes[0] is node 1. */
  nodes: TestBroker[];
  /** Starts node `n` (again) on the shared database. */
  startNode(n: number, settings?: Partial<BrokerConfig>): Promise<TestBroker>;
  stop(): Promise<void>;
}

/** Settings for every node, or for node `n` (each its own DNS address, say). */
export type ClusterSettings = Partial<BrokerConfig> | ((n: number) => Partial<BrokerConfig>);

export async function startTestCluster(
  count: number,
  settings: ClusterSettings = {},
): Promise<TestCluster> {
  const postgres = await startTestPostgres();
  const storeUrl = await postgres.createDatabase();
  const startNode = (n: number, extra: Partial<BrokerConfig> = {}) =>
    startTestBroker({
      store: { kind: "postgres", url: storeUrl },
      node: n,
      listenHost: nodeAddress(n),
      publicHost: nodeAddress(n),
      proxyBind: nodeAddress(n),
      domain: CLUSTER_DOMAIN,
      ...(typeof settings === "function" ? settings(n) : settings),
      ...extra,
    });
  // Together, as an operator's nodes would start: their migrations race (and run once).
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => startNode(i + 1)),
  );
  const nodes = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await Promise.all(nodes.map((node) => node.close()));
    await postgres.stop();
    throw failed.reason;
  }
  // Each node learns of the others at its next heartbeat; a test starts once all have.
  await eventually(
    () => nodes.every((node) => node.cluster.presence.liveNodes().length === count),
    10_000,
  );
  return {
    postgres,
    storeUrl,
    nodes,
    startNode,
    async stop() {
      await Promise.all(nodes.map((node) => node.close().catch(() => {})));
      await Promise.all(nodes.map((node) => node.removeData()));
      await postgres.stop();
    },
  };
}

/**
 * Node `n` as a `reach broker` process of its own (one to kill -9), on `port` of its own
 * address, over the shared database `storeUrl`.
 */
export function startNodeProcess(
  n: number,
  storeUrl: string,
  port: number,
  dataDir: string,
  args: string[] = [],
): Promise<BrokerProcess> {
  const address = nodeAddress(n);
  return startBrokerProcess({
    host: address,
    port,
    dataDir,
    args: [
      "--store",
      storeUrl,
      "--node",
      String(n),
      "--public-host",
      address,
      "--proxy-bind",
      address,
      "--domain",
      CLUSTER_DOMAIN,
      ...args,
    ],
  });
}
