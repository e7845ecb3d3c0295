// 5. Memory: broker and agent RSS before and with 1,000 concurrent open proxied TCP
// connections (each has carried a byte both ways, so every hop is established).
import type { Socket } from "node:net";
import { connect } from "node:net";
import { rssKb } from "../../test-support/proc-stats.js";
import { round } from "../../test-support/stats.js";
import { type BenchContext, connectPortProxy, type SuiteResult } from "../lib/context.js";

function openEchoed(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => socket.write("x"));
    socket.once("data", () => resolve(socket));
    socket.once("error", reject);
  });
}

type Rss = { broker: number; agent: number };

export async function memory(ctx: BenchContext): Promise<SuiteResult> {
  const count = 1000;
  const { port } = await connectPortProxy(ctx.plain, "echo");
  const openAll = async (): Promise<Socket[]> => {
    const sockets: Socket[] = [];
    for (let i = 0; i < count; i += 100) {
      sockets.push(...(await Promise.all(Array.from({ length: 100 }, () => openEchoed(port)))));
    }
    return sockets;
  };
  const settle = () => new Promise((r) => setTimeout(r, 1500));
  const sample = (): Rss => ({
    broker: rssKb(ctx.plain.brokerPid),
    agent: rssKb(ctx.plain.agentPid),
  });
  // Warm up pools and code paths with a few connections, then measure the growth from
  // opening the full count. This suite runs first, before other suites have left garbage
  // for the collector to return in the middle of the measurement.
  for (const socket of await Promise.all(Array.from({ length: 50 }, () => openEchoed(port)))) {
    socket.destroy();
  }
  await settle();
  const before = sample();
  const sockets = await openAll();
  await settle();
  const open = sample();
  for (const socket of sockets) socket.destroy();
  const perConnection = {
    broker: round((open.broker - before.broker) / count, 1),
    agent: round((open.agent - before.agent) / count, 1),
  };
  return {
    title: `Memory with ${count} concurrent open proxied connections (RSS, KB)`,
    table: [
      ["process", "before", `with ${count} open`, "KB per connection"],
      ["broker", String(before.broker), String(open.broker), String(perConnection.broker)],
      ["agent", String(before.agent), String(open.agent), String(perConnection.agent)],
    ],
    data: { before, open, perConnection },
    targets: [
      {
        name: "broker RSS per open proxied connection (KB)",
        value: perConnection.broker,
        bound: "≤ 40",
        met: perConnection.broker <= 40,
      },
      {
        name: "agent RSS per open proxied connection (KB)",
        value: perConnection.agent,
        bound: "≤ 40",
        met: perConnection.agent <= 40,
      },
    ],
  };
}
