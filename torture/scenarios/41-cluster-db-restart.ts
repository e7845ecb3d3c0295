// Three broker nodes on one PostgreSQL store, a device attached to each, paced transfers
// running through all three nodes while PostgreSQL is stopped for 3 s and started again.
// The transfers must end whole (the nodes carry bytes without the store); connects during
// the outage must be refused with SERVICE_UNAVAILABLE, not half-made; connects afterwards
// must work through every node; and every connection acknowledged before the outage must
// still be listed and carry bytes.
import { nodeAddress } from "../../test-support/cluster.js";
import { startTargetsProcess } from "../../test-support/targets-process.js";
import { type ClusterConnection, ClusterStack, NODES } from "../lib/cluster-stack.js";
import { pacedDownload } from "../lib/paced-download.js";
import { claimPortBlock } from "../lib/port-blocks.js";
import { echoOnce, waitUntil } from "../lib/probes.js";
import type { Recorder, Scenario, TortureContext } from "../lib/scenario.js";

/** Nodes 1-3's listeners, then 100 proxy ports for each node. */
const PORTS = claimPortBlock("cluster-db-restart", 303);
const DOWN_MS = 3000;

async function run(ctx: TortureContext, record: Recorder): Promise<void> {
  const targets = await startTargetsProcess();
  const cluster = new ClusterStack({ dir: ctx.scratchDir("cluster"), ports: PORTS });
  try {
    await cluster.start();
    const keys = cluster.createUser("cluster-db@example.com");
    const services = [`echo=tcp:${targets.echo}`, `bulk=tcp:${targets.bulk}`];
    const agents = await cluster.startDeviceOnEachNode(keys, services);
    if (!record.check("every node shows the three devices online", agents !== null) || !agents) {
      return;
    }
    const echoOf = (n: number) => agents[n - 1]?.serviceIds.get("echo") as string;
    const bulkOf = (n: number) => agents[n - 1]?.serviceIds.get("bulk") as string;

    const before: ClusterConnection[] = [];
    for (const n of NODES) {
      for (let i = 0; i < 4; i++) before.push(await cluster.connect((n % 3) + 1, keys, echoOf(n)));
    }
    const bytes = (ctx.quick ? 32 : 48) * 1024 * 1024;
    const transferConnections = await Promise.all(
      NODES.map((n) => cluster.connect(n, keys, bulkOf(n))),
    );
    before.push(...transferConnections);
    let transfersEnded = 0;
    const transfers = transferConnections.map((c) =>
      pacedDownload(c.host, c.port ?? 0, bytes).finally(() => transfersEnded++),
    );
    await new Promise((r) => setTimeout(r, 1000));

    // The outage: connects keep coming through every node until PostgreSQL is back.
    let restarting = true;
    const restarted = cluster.postgres.restart(DOWN_MS).finally(() => {
      restarting = false;
    });
    const codes = new Map<string, number>();
    const madeDuringOutage: ClusterConnection[] = [];
    let attempt = 0;
    while (restarting) {
      const via = (attempt % 3) + 1;
      try {
        madeDuringOutage.push(await cluster.connect(via, keys, echoOf(((attempt + 1) % 3) + 1)));
      } catch (error) {
        const code = String((error as { code?: unknown }).code ?? "no code");
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
      attempt++;
      await new Promise((r) => setTimeout(r, 50));
    }
    await restarted;
    // The check below means something only if the transfers spanned the whole outage.
    record.check(
      "all three transfers were still running when PostgreSQL was back",
      transfersEnded === 0,
    );
    const unavailable = codes.get("SERVICE_UNAVAILABLE") ?? 0;
    const otherCodes = [...codes].filter(([code]) => code !== "SERVICE_UNAVAILABLE");
    record.figure("connects refused with SERVICE_UNAVAILABLE during the outage", unavailable);
    record.figure(
      "connects acknowledged while PostgreSQL was stopping or starting",
      madeDuringOutage.length,
    );
    record.check(
      "connects during the outage were refused with SERVICE_UNAVAILABLE (and nothing else)",
      unavailable > 0 && otherCodes.length === 0,
      `${attempt} tried: ${[...codes].map(([c, k]) => `${k} × ${c}`).join(", ")}; ${madeDuringOutage.length} acknowledged`,
    );

    // After: a connect through every node, for every device, carries bytes.
    const recoveredMs = await waitUntil(async () => {
      const made = await Promise.all(
        NODES.map((via) => cluster.connect(via, keys, echoOf(via)).catch(() => null)),
      );
      const echoed = await Promise.all(
        made.map((c) => (c ? echoOnce(c.port ?? 0, { host: c.host, timeoutMs: 2000 }) : false)),
      );
      return echoed.every(Boolean);
    }, 30_000);
    record.check("connects after the outage work through every node", recoveredMs !== null);
    if (recoveredMs !== null) {
      record.figure(
        "PostgreSQL back to a connect working through every node, s",
        recoveredMs / 1000,
      );
    }

    const ends = await Promise.all(transfers);
    record.check(
      "transfers through all three nodes completed byte-exact across the outage",
      ends.every((e) => e === "complete"),
      ends.map((e, i) => `node ${i + 1}: ${e}`).join("; "),
    );

    const kept = [...before, ...madeDuringOutage];
    const listed = await Promise.all(NODES.map((n) => cluster.activeIds(n, keys)));
    const lost = kept.filter((c) => !listed.every((ids) => ids.has(c.id)));
    const echoes = await Promise.all(
      kept
        .filter((c) => !transferConnections.includes(c))
        .map((c) => echoOnce(c.port ?? 0, { host: c.host, timeoutMs: 3000 })),
    );
    record.check(
      `all ${kept.length} connections acknowledged before and during the outage still listed from every node and carry bytes`,
      lost.length === 0 && echoes.every(Boolean),
      `${lost.length} missing${lost.length ? ` (${lost.map((c) => `${c.host}:${c.port}`).join(" ")})` : ""}; ${echoes.filter(Boolean).length}/${echoes.length} echo`,
    );
    record.figure(
      "acknowledged connections per node",
      NODES.map((n) => kept.filter((c) => c.host === nodeAddress(n)).length).join(", "),
    );

    await cluster.checkConsistent(record);
  } finally {
    await cluster.stop();
    targets.stop();
  }
}

export const scenario: Scenario = {
  name: "cluster-db-restart",
  title: "restart PostgreSQL under three broker nodes during transfers",
  group: "faults",
  run,
};
