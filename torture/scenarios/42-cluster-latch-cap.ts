// Exactly once across three broker nodes. A latching port proxy must latch one address
// when visitors from 127.0.0.2/.3/.4 race for it: each round's proxy is made through the
// next node, for the device on another, so it lives on a node other than the one that
// took the connect. (Reverse proxies take no hostIP policy, so they have no latch to race.)
// Then the per-user cap (--max-connections-per-user 10 on every node): 60 connects racing
// over the three nodes, one device on each, and exactly 10 may succeed.
import { nodeAddress } from "../../test-support/cluster.js";
import { startTargetsProcess } from "../../test-support/targets-process.js";
import { type ClusterConnection, ClusterStack, NODES } from "../lib/cluster-stack.js";
import { claimPortBlock } from "../lib/port-blocks.js";
import { echoOnce } from "../lib/probes.js";
import type { Recorder, Scenario, TortureContext } from "../lib/scenario.js";

/** Nodes 1-3's listeners, then 30 proxy ports for each node. */
const PORTS = claimPortBlock("cluster-latch-cap", 93);
const CAP = 10;
const CAP_RACERS = 60;
const ADDRESSES = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];
/** Visitors per address in a round: the winner's others get in too, the rest are refused. */
const PER_ADDRESS = 4;
const DISCONNECT = `mutation ($c: String!) { disconnect(connectionId: $c) }`;

/** Visitors from every address, shuffled and all at once: the addresses let through. */
async function race(visit: (address: string) => Promise<boolean>): Promise<string[]> {
  const visitors = ADDRESSES.flatMap((a) => Array.from({ length: PER_ADDRESS }, () => a)).sort(
    () => Math.random() - 0.5,
  );
  const admitted = await Promise.all(visitors.map((a) => visit(a)));
  return [...new Set(visitors.filter((_, k) => admitted[k]))];
}

async function run(ctx: TortureContext, record: Recorder): Promise<void> {
  const targets = await startTargetsProcess();
  const cluster = new ClusterStack({
    dir: ctx.scratchDir("cluster"),
    ports: PORTS,
    nodeArgs: ["--max-connections-per-user", String(CAP)],
  });
  try {
    await cluster.start();
    const keys = cluster.createUser("cluster-latch@example.com");
    const services = [`echo=tcp:${targets.echo}`];
    const agents = await cluster.startDeviceOnEachNode(keys, services);
    if (!record.check("every node shows the three devices online", agents !== null) || !agents) {
      return;
    }
    const serviceOf = (n: number, name: string) => agents[n - 1]?.serviceIds.get(name) as string;

    // The cap: 60 connects at once, through every node, for every device.
    const results = await Promise.all(
      Array.from({ length: CAP_RACERS }, (_, i) =>
        cluster.connect((i % 3) + 1, keys, serviceOf(((i + 1) % 3) + 1, "echo")).then(
          (c) => c,
          (error: { code?: string }) => error.code ?? "no code",
        ),
      ),
    );
    const made = results.filter((r): r is ClusterConnection => typeof r !== "string");
    const refusals = results.filter((r): r is string => typeof r === "string");
    const rows = await cluster.sql<{ count: number }>(
      "SELECT count(*)::int AS count FROM connections WHERE state = 'active'",
    );
    record.figure("cap race: connects made / refused", `${made.length} / ${refusals.length}`);
    record.check(
      `cap ${CAP} across nodes: exactly ${CAP} of ${CAP_RACERS} racing connects succeeded, the rest refused with RESOURCE_EXHAUSTED`,
      made.length === CAP &&
        rows[0]?.count === CAP &&
        refusals.every((code) => code === "RESOURCE_EXHAUSTED"),
      `${made.length} made (${NODES.map((n) => made.filter((c) => c.host === nodeAddress(n)).length).join("/")} on nodes 1/2/3), ${rows[0]?.count} active in the store, refusals: ${[...new Set(refusals)].join(", ")}`,
    );
    const echoed = await Promise.all(
      made.map((c) => echoOnce(c.port ?? 0, { host: c.host, timeoutMs: 3000 })),
    );
    record.check("the capped connections carry bytes", echoed.every(Boolean));
    for (const c of made) await cluster.api(1, keys, DISCONNECT, { c: c.id });

    // The latch races, on proxies made through a rotating node for the device on another.
    const rounds = ctx.quick ? 20 : 100;
    const bad: string[] = [];
    const winners = new Map<string, number>();
    const placedOn = new Map<string, number>();
    for (let round = 1; round <= rounds; round++) {
      const via = (round % 3) + 1;
      const device = ((round + 1) % 3) + 1;
      const proxy = await cluster.connect(via, keys, serviceOf(device, "echo"), "255.255.255.255");
      placedOn.set(proxy.host, (placedOn.get(proxy.host) ?? 0) + 1);
      const visit = (address: string) =>
        echoOnce(proxy.port ?? 0, { host: proxy.host, localAddress: address, timeoutMs: 5000 });
      const through = await race(visit);
      const winner = through[0];
      let ok = through.length === 1 && winner !== undefined;
      if (ok && winner) {
        winners.set(winner, (winners.get(winner) ?? 0) + 1);
        // The latch holds: the winner again, and every loser again, are treated the same way.
        const again = await visit(winner);
        const still = await Promise.all(ADDRESSES.filter((a) => a !== winner).map(visit));
        ok = again && !still.some(Boolean);
      }
      if (!ok) {
        bad.push(
          `round ${round} (proxy on ${proxy.host}): ${through.length} admitted (${through.join(" ")})`,
        );
      }
      await cluster.api(via, keys, DISCONNECT, { c: proxy.id });
    }
    record.check(
      `exactly one address latched and every other was refused, in all ${rounds} rounds across the nodes`,
      bad.length === 0,
      bad.slice(0, 5).join("; ") || undefined,
    );
    record.figure(
      "latch rounds × racing visitors",
      `${rounds} × ${ADDRESSES.length * PER_ADDRESS} (${ADDRESSES.length} addresses)`,
    );
    record.figure(
      "wins per address",
      ADDRESSES.map((a) => `${a}: ${winners.get(a) ?? 0}`).join(", "),
    );
    record.figure("rounds that went wrong", bad.length);
    record.figure(
      "latching proxies per node",
      NODES.map((n) => placedOn.get(nodeAddress(n)) ?? 0).join(", "),
    );
    await cluster.checkConsistent(record);
  } finally {
    await cluster.stop();
    targets.stop();
  }
}

export const scenario: Scenario = {
  name: "cluster-latch-cap",
  title: "latch races and the per-user cap across three broker nodes",
  group: "faults",
  run,
};
