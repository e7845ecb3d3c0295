// CPU cost of the relay: moves 1 GiB up and down (twice) through a Reach port proxy and
// prints the broker's and the agent's CPU-seconds per GiB, read from /proc. For A/B runs
// of a data-path change: `node --import tsx bench/relay-cpu.ts`.
import { cpuSeconds } from "../test-support/proc-stats.js";
import { startTargetsProcess } from "../test-support/targets-process.js";
import { download, upload } from "../test-support/tcp-load.js";
import { connectPortProxy } from "./lib/context.js";
import { startReach } from "./lib/reach-stack.js";

const GIB = 1024 * 1024 * 1024;
const targets = await startTargetsProcess();
const stack = await startReach({
  port: 29391,
  services: [`bulk=tcp:${targets.bulk}`],
  brokerArgs: ["--proxy-ports", "29400-29499"],
});
try {
  const { port } = await connectPortProxy(stack, "bulk");
  for (const direction of ["up", "down", "up", "down"] as const) {
    const broker = cpuSeconds(stack.brokerPid);
    const agent = cpuSeconds(stack.agentPid);
    const rate = direction === "up" ? await upload(port, GIB) : await download(port, GIB);
    process.stdout.write(
      `${direction.padEnd(4)} ${Math.round(rate)} MiB/s  broker ${(cpuSeconds(stack.brokerPid) - broker).toFixed(2)}  agent ${(cpuSeconds(stack.agentPid) - agent).toFixed(2)} CPU-s/GiB\n`,
    );
  }
} finally {
  await stack.stop();
  targets.stop();
}
