// 50 visitors from 50 source addresses (127.0.0.2 …) race to be first through a fresh
// latching proxy: exactly one address may latch, every other must be refused, and the
// winner must keep getting in, in every one of 100 rounds (20 with --quick).
import { startTargetsProcess } from "../../test-support/targets-process.js";
import { claimPortBlock } from "../lib/port-blocks.js";
import { echoOnce } from "../lib/probes.js";
import type { Recorder, Scenario, TortureContext } from "../lib/scenario.js";
import { TortureStack } from "../lib/stack.js";

const RACERS = 50;
/** The broker's listener, then its port-proxy range. */
const PORTS = claimPortBlock("latch-race", 101);
const DISCONNECT = `mutation ($c: String!) { disconnect(connectionId: $c) }`;

async function run(ctx: TortureContext, record: Recorder): Promise<void> {
  const rounds = ctx.quick ? 20 : 100;
  const targets = await startTargetsProcess();
  const stack = new TortureStack({ dir: ctx.scratchDir("stack"), ports: PORTS });
  try {
    await stack.startBroker();
    const keys = stack.createUser("latch@example.com");
    const agent = await stack.startAgent("device", keys, [`echo=tcp:${targets.echo}`]);
    const echoId = agent.serviceIds.get("echo") as string;
    const addresses = Array.from({ length: RACERS }, (_, i) => `127.0.0.${i + 2}`);
    const winners = new Map<string, number>();
    const bad: string[] = [];
    for (let round = 1; round <= rounds; round++) {
      const proxy = await stack.connect(keys, echoId, "255.255.255.255");
      const port = proxy.port ?? 0;
      // A new starting order each round, so the race is not always won by the same dialer.
      const order = [...addresses].sort(() => Math.random() - 0.5);
      const admitted = await Promise.all(
        order.map((localAddress) => echoOnce(port, { localAddress, timeoutMs: 5000 })),
      );
      const through = order.filter((_, i) => admitted[i]);
      const winner = through[0];
      let ok = through.length === 1 && winner !== undefined;
      if (ok && winner) {
        winners.set(winner, (winners.get(winner) ?? 0) + 1);
        // The latch holds: the winner again, and a loser again, are treated the same way.
        const again = await echoOnce(port, { localAddress: winner });
        const loser = addresses.find((a) => a !== winner) as string;
        const still = await echoOnce(port, { localAddress: loser });
        ok = again && !still;
      }
      if (!ok) bad.push(`round ${round}: ${through.length} admitted (${through.join(" ")})`);
      await stack.api(keys, DISCONNECT, { c: proxy.id });
    }
    record.check(
      `exactly one address latched and every other was refused, in all ${rounds} rounds`,
      bad.length === 0,
      bad.slice(0, 5).join("; ") || undefined,
    );
    record.figure("rounds × racing addresses", `${rounds} × ${RACERS}`);
    record.figure("distinct winning addresses", winners.size);
    record.figure("rounds that went wrong", bad.length);
  } finally {
    await stack.stop();
    targets.stop();
  }
}

export const scenario: Scenario = {
  name: "latch-race",
  title: "50 addresses racing for one latching proxy",
  group: "load",
  run,
};
