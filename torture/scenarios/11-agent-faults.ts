// The device side fails: kill -9 the agent mid-transfer, then cut its tunnel (the kernel
// drops every agent↔broker socket, as a network cut would). Visitors must get a prompt,
// clean close rather than a hang, and new visitors must get through once it reconnects.
import { connect } from "node:net";
import { killHard } from "../../test-support/processes.js";
import { startTargetsProcess } from "../../test-support/targets-process.js";
import { download } from "../../test-support/tcp-load.js";
import { claimPortBlock } from "../lib/port-blocks.js";
import { dropConnectionsTo, echoOnce, waitUntil } from "../lib/probes.js";
import type { Recorder, Scenario, TortureContext } from "../lib/scenario.js";
import { TortureStack } from "../lib/stack.js";

/** The broker's listener, then its port-proxy range. */
const PORTS = claimPortBlock("agent-faults", 51);
const TRANSFERS = 4;

/** Starts 2 GiB downloads through each port; each resolves how it ended and when. */
function startTransfers(ports: number[]): Promise<{ end: string; at: number }[]> {
  return Promise.all(
    ports.map((port) =>
      download(port, 2 * 1024 ** 3).then(
        () => ({ end: "finished", at: performance.now() }),
        () => ({ end: "closed", at: performance.now() }),
      ),
    ),
  );
}

/** How a visitor that arrives while the device is away is treated: ms until it is closed. */
function visitorWhileAway(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ port, host: "127.0.0.1" });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, 10_000);
    socket.on("error", () => {});
    socket.once("connect", () => socket.write("x"));
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
  });
}

async function run(ctx: TortureContext, record: Recorder): Promise<void> {
  const targets = await startTargetsProcess();
  const stack = new TortureStack({ dir: ctx.scratchDir("stack"), ports: PORTS });
  try {
    await stack.startBroker();
    const keys = stack.createUser("agent-faults@example.com");
    const services = [`echo=tcp:${targets.echo}`, `bulk=tcp:${targets.bulk}`];
    let agent = await stack.startAgent("device", keys, services);
    const echo = await stack.connect(keys, agent.serviceIds.get("echo") as string);
    const bulk = [];
    for (let i = 0; i < TRANSFERS; i++) {
      bulk.push(await stack.connect(keys, agent.serviceIds.get("bulk") as string));
    }
    const bulkPorts = bulk.map((b) => b.port ?? 0);

    const faults: [string, () => Promise<void>][] = [
      ["agent killed", () => killHard(agent.child)],
      ["tunnel cut", async () => dropConnectionsTo(stack.port)],
    ];
    for (const [fault, inflict] of faults) {
      const transfers = startTransfers(bulkPorts);
      await new Promise((r) => setTimeout(r, 300));
      const faultAt = performance.now();
      await inflict();
      const ends = await Promise.race([
        transfers,
        new Promise<null>((r) => setTimeout(() => r(null), 10_000)),
      ]);
      const worst = ends ? Math.max(...ends.map((e) => e.at - faultAt)) : null;
      record.check(
        `${fault}: every visitor mid-transfer is closed (none hangs, none told it completed)`,
        ends?.every((e) => e.end === "closed") ?? false,
        ends ? `${ends.map((e) => e.end).join(", ")}` : "still open after 10 s",
      );
      if (worst !== null) record.figure(`${fault}: visitors closed within, ms`, worst);

      if (fault === "agent killed") {
        const closedIn = await visitorWhileAway(echo.port ?? 0);
        record.check(
          "agent away: a new visitor is closed promptly, not left waiting",
          closedIn !== null && closedIn < 3000,
          closedIn === null ? "still open after 10 s" : `closed after ${closedIn.toFixed(0)} ms`,
        );
        const restartedAt = performance.now();
        agent = await stack.startAgent("device", keys, services);
        const firstByte = await waitUntil(
          () => echoOnce(echo.port ?? 0, { timeoutMs: 500 }),
          20_000,
        );
        record.check("agent restarted: new visitors get through", firstByte !== null);
        if (firstByte !== null) {
          record.figure(
            "agent start to first byte through the old proxy, ms",
            performance.now() - restartedAt,
          );
        }
      } else {
        const firstByte = await waitUntil(
          () => echoOnce(echo.port ?? 0, { timeoutMs: 500 }),
          20_000,
        );
        record.check(
          "tunnel cut: the agent reconnects by itself and new visitors get through",
          firstByte !== null,
        );
        if (firstByte !== null) {
          record.figure(
            "tunnel cut to first byte through the same proxy, ms",
            performance.now() - faultAt,
          );
        }
      }
      const whole = await download(bulkPorts[0] ?? 0, 64 * 1024 ** 2).then(
        () => true,
        () => false,
      );
      record.check(`${fault}: afterwards a 64 MiB transfer arrives whole`, whole);
    }
  } finally {
    await stack.stop();
    targets.stop();
  }
}

export const scenario: Scenario = {
  name: "agent-faults",
  title: "kill -9 the agent, and cut its tunnel, mid-transfer",
  group: "faults",
  run,
};
