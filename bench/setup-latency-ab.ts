// Visitor setup latency of the plain tunnel next to socat's, in one run: for A/B runs of
// a relay-path change, alternated between two checkouts (each builds dist/node if stale):
// `N=3000 node --import tsx bench/setup-latency-ab.ts`. Prints added p50/p99/p99.9 over
// direct for Reach and socat, sampled in interleaved batches as the setupLatency suite does.
import { execFileSync } from "node:child_process";
import { percentile, round } from "../test-support/stats.js";
import { startTargetsProcess } from "../test-support/targets-process.js";
import { echoRoundTrip } from "../test-support/tcp-load.js";
import { connectPortProxy } from "./lib/context.js";
import { ensureFreshBuild } from "./lib/fresh-build.js";
import { startReach } from "./lib/reach-stack.js";
import { startSocat } from "./lib/socat.js";

const total = Number(process.env.N ?? 3000);
const batch = 100;
ensureFreshBuild();
const targets = await startTargetsProcess();
const socat = await startSocat(execFileSync("which", ["socat"], { encoding: "utf8" }).trim(), [
  targets.echo,
]);
const reach = await startReach({ port: 0, services: [`echo=tcp:${targets.echo}`] });
try {
  const paths: [string, number][] = [
    ["direct", targets.echo],
    ["socat", socat.ports[0] as number],
    ["reach", (await connectPortProxy(reach, "echo")).port],
  ];
  const samples = new Map<string, number[]>(paths.map(([name]) => [name, []]));
  // A warm-up batch each, not counted: the first visitors meet cold code.
  for (const [, port] of paths) for (let i = 0; i < batch; i++) await echoRoundTrip(port);
  for (let done = 0; done < total; done += batch) {
    for (const [name, port] of paths) {
      const list = samples.get(name) as number[];
      for (let i = 0; i < batch; i++) list.push(await echoRoundTrip(port));
    }
  }
  const stat = (name: string, p: number) => percentile(samples.get(name) ?? [], p);
  const line = (name: string) =>
    `${name}: added ${[50, 99, 99.9].map((p) => round(stat(name, p) - stat("direct", p), 3)).join(" / ")}`;
  process.stdout.write(
    `direct p50 ${round(stat("direct", 50), 3)} ms; ${line("reach")}; ${line("socat")} (p50/p99/p99.9 ms, ${total} samples)\n`,
  );
} finally {
  await reach.stop();
  await socat.stop();
  targets.stop();
}
