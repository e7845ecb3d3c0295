// 5. Memory: broker and agent RSS before and with 1,000 concurrent open proxied TCP
// connections (each has carried a byte both ways, so every hop is established).
import type { Socket } from "node:net";
import { connect } from "node:net";
import { type BenchContext, connectPortProxy, rssKb, type SuiteResult } from "../lib/context.js";
import { round } from "../lib/stats.js";

function openEchoed(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => socket.write("x"));
    socket.once("data", () => resolve(socket));
    socket.once("error", reject);
  });
}

export async function memory(ctx: BenchContext): Promise<SuiteResult> {
  const count = 1000;
  const { port } = await connectPortProxy(ctx.plain, "echo");
  // Warm up, so one-time allocations (code, pools) are not counted per connection.
  for (const s of await Promise.all(Array.from({ length: 50 }, () => openEchoed(port))))
    s.destroy();
  await new Promise((r) => setTimeout(r, 1000));
  const before = { broker: rssKb(ctx.plain.brokerPid), agent: rssKb(ctx.plain.agentPid) };
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 100) {
    sockets.push(...(await Promise.all(Array.from({ length: 100 }, () => openEchoed(port)))));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const withOpen = { broker: rssKb(ctx.plain.brokerPid), agent: rssKb(ctx.plain.agentPid) };
  for (const socket of sockets) socket.destroy();
  const perConnection = {
    broker: round((withOpen.broker - before.broker) / count, 1),
    agent: round((withOpen.agent - before.agent) / count, 1),
  };
  return {
    title: `Memory with ${count} concurrent open proxied connections (RSS, KB)`,
    table: [
      ["process", "before", `with ${count} open`, "KB per connection"],
      ["broker", String(before.broker), String(withOpen.broker), String(perConnection.broker)],
      ["agent", String(before.agent), String(withOpen.agent), String(perConnection.agent)],
    ],
    data: { before, withOpen, perConnection },
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
