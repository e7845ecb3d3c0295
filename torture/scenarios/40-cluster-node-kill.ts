// Three broker nodes on one PostgreSQL store, a device attached to each. kill -9 node 3
// while paced bulk transfers run through port proxies on all three nodes and a burst of
// connects is in flight through every node. Transfers on nodes 1 and 2 must end whole;
// every acknowledged connect must still be listed from nodes 1 and 2; node 3's agent must
// attach elsewhere within 15 s and new connects to it carry bytes; node 3 restarted must
// bring its port proxies back on the same host:port, reaching the device through the
// agent's dial; and the store must agree with itself.
import { nodeAddress } from "../../test-support/cluster.js";
import { startTargetsProcess } from "../../test-support/targets-process.js";
import { type ClusterConnection, ClusterStack, NODES } from "../lib/cluster-stack.js";
import { pacedDownload } from "../lib/paced-download.js";
import { claimPortBlock } from "../lib/port-blocks.js";
import { echoOnce, waitUntil } from "../lib/probes.js";
import type { Recorder, Scenario, TortureContext } from "../lib/scenario.js";

/** Nodes 1-3's listeners, then 100 proxy ports for each node. */
const PORTS = claimPortBlock("cluster-node-kill", 303);
const BURST = 60;
const REATTACH_LIMIT_S = 15;

async function run(ctx: TortureContext, record: Recorder): Promise<void> {
  const targets = await startTargetsProcess();
  const cluster = new ClusterStack({ dir: ctx.scratchDir("cluster"), ports: PORTS });
  try {
    await cluster.start();
    const keys = cluster.createUser("cluster-kill@example.com");
    const services = [`echo=tcp:${targets.echo}`, `bulk=tcp:${targets.bulk}`];
    // Device N prefers node N, then the next ones round the ring.
    const agents = await cluster.startDeviceOnEachNode(keys, services);
    if (!record.check("every node shows the three devices online", agents !== null) || !agents) {
      return;
    }
    const echoOf = (n: number) => agents[n - 1]?.serviceIds.get("echo") as string;
    const bulkOf = (n: number) => agents[n - 1]?.serviceIds.get("bulk") as string;

    // Proxies on each node (made through the next node: the API answers for any device).
    const kept: ClusterConnection[] = [];
    for (const n of NODES) {
      for (let i = 0; i < 3; i++) kept.push(await cluster.connect((n % 3) + 1, keys, echoOf(n)));
    }
    const placed = NODES.map((n) => kept.filter((c) => c.host === nodeAddress(n)).length);
    record.check(
      "port proxies placed on the node holding the device's tunnel (3 on each)",
      placed.every((count) => count === 3),
      `per node: ${placed.join(", ")}`,
    );

    const bytes = (ctx.quick ? 24 : 48) * 1024 * 1024;
    const transferConnections = await Promise.all(
      NODES.map((n) => cluster.connect(n, keys, bulkOf(n))),
    );
    const transfers = transferConnections.map((c) => pacedDownload(c.host, c.port ?? 0, bytes));
    await new Promise((r) => setTimeout(r, 1000));

    // The burst: lanes through every node in turn, for every device; node 3 dies a third in.
    const acked: ClusterConnection[] = [];
    let failed = 0;
    let next = 0;
    let killedAt = 0;
    let killing: Promise<void> | null = null;
    const lane = async () => {
      while (next < BURST) {
        const i = next++;
        try {
          acked.push(await cluster.connect((i % 3) + 1, keys, echoOf(((i + 1) % 3) + 1)));
          if (acked.length >= BURST / 3 && !killing) {
            killedAt = performance.now();
            killing = cluster.killNode(3);
          }
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, lane));
    if (!killing) {
      killedAt = performance.now();
      killing = cluster.killNode(3);
    }
    await killing;
    record.figure("burst connects acknowledged / failed", `${acked.length} / ${failed}`);

    const reattachMs = await waitUntil(async () => {
      const rows = await cluster.sql<{ node: number | null }>(
        "SELECT attached_node AS node FROM devices WHERE name = 'dev3'",
      );
      const node = rows[0]?.node;
      return node === 1 || node === 2;
    }, 30_000);
    const reattachS = reattachMs === null ? null : (performance.now() - killedAt) / 1000;
    record.figure("node 3's agent attached elsewhere after the kill, s", reattachS ?? "never");
    record.check(
      `node 3's agent attached to another node within ${REATTACH_LIMIT_S} s`,
      reattachS !== null && reattachS <= REATTACH_LIMIT_S,
      reattachS === null ? "not within 30 s" : `${reattachS.toFixed(1)} s`,
    );

    const ends = await Promise.all(transfers);
    record.check(
      "transfers through nodes 1 and 2 completed byte-exact",
      ends[0] === "complete" && ends[1] === "complete",
      `node 1: ${ends[0]}; node 2: ${ends[1]}`,
    );
    record.figure("transfer through node 3 (killed)", ends[2] ?? "");

    const listed = await Promise.all([1, 2].map((n) => cluster.activeIds(n, keys)));
    const lost = [...kept, ...acked, ...transferConnections.slice(0, 2)].filter(
      (c) => !listed.every((ids) => ids.has(c.id)),
    );
    record.check(
      `all ${kept.length + acked.length + 2} acknowledged connections still listed active from nodes 1 and 2`,
      lost.length === 0,
      lost.length ? `missing: ${lost.map((c) => `${c.host}:${c.port}`).join(" ")}` : undefined,
    );

    // Connects after the kill, through the live nodes, for every device.
    const after: ClusterConnection[] = [];
    const afterErrors: string[] = [];
    for (const via of [1, 2]) {
      for (const n of NODES) {
        try {
          after.push(await cluster.connect(via, keys, echoOf(n)));
        } catch (error) {
          afterErrors.push(String(error));
        }
      }
    }
    const afterEcho = await Promise.all(
      after.map((c) => echoOnce(c.port ?? 0, { host: c.host, timeoutMs: 3000 })),
    );
    record.check(
      "connects made after the kill succeed, avoid node 3 and carry bytes",
      afterErrors.length === 0 &&
        afterEcho.every(Boolean) &&
        after.every((c) => c.host !== nodeAddress(3)),
      `${afterEcho.filter(Boolean).length}/${after.length} echo; hosts ${[...new Set(after.map((c) => c.host))].join(",")}${afterErrors.length ? `; ${afterErrors[0]}` : ""}`,
    );

    // Node 3 returns: its proxies on the same host:port, reaching dev3 through its dial.
    const restartedAt = performance.now();
    await cluster.startNode(3);
    const onNode3 = [...kept, ...acked].filter((c) => c.host === nodeAddress(3));
    const back = await waitUntil(async () => {
      const echoed = await Promise.all(
        onNode3.map((c) => echoOnce(c.port ?? 0, { host: c.host, timeoutMs: 1000 })),
      );
      return echoed.every(Boolean);
    }, 20_000);
    record.check(
      `node 3 restarted: its ${onNode3.length} port proxies carry bytes again on the same host:port`,
      onNode3.length > 0 && back !== null,
    );
    if (back !== null) {
      record.figure(
        "node 3 restart to bytes through all its proxies, s",
        (performance.now() - restartedAt) / 1000,
      );
    }

    await cluster.checkConsistent(record);
  } finally {
    await cluster.stop();
    targets.stop();
  }
}

export const scenario: Scenario = {
  name: "cluster-node-kill",
  title: "kill -9 one of three broker nodes during transfers and a connect burst",
  group: "faults",
  run,
};
