// 1,000 concurrent visitors streaming through 100 port proxies for 60 s (10 s with
// --quick): every byte that comes back is compared with what was sent, and every close
// the visitor did not ask for is counted as an unexpected reset.
import { cpuSeconds, rssKb } from "../../test-support/proc-stats.js";
import { percentile } from "../../test-support/stats.js";
import { startTargetsProcess } from "../../test-support/targets-process.js";
import { startEchoVisitor } from "../lib/echo-visitor.js";
import { claimPortBlock } from "../lib/port-blocks.js";
import type { Recorder, Scenario, TortureContext } from "../lib/scenario.js";
import { TortureStack } from "../lib/stack.js";

const PROXIES = 100;
/** The broker's listener, then its port-proxy range. */
const PORTS = claimPortBlock("load-visitors", 201);
const VISITORS = 1000;

async function run(ctx: TortureContext, record: Recorder): Promise<void> {
  const seconds = ctx.quick ? 10 : 60;
  const targets = await startTargetsProcess();
  const stack = new TortureStack({ dir: ctx.scratchDir("stack"), ports: PORTS });
  try {
    await stack.startBroker();
    const keys = stack.createUser("load@example.com");
    const agent = await stack.startAgent("device", keys, [`echo=tcp:${targets.echo}`]);
    const echoId = agent.serviceIds.get("echo") as string;
    const ports: number[] = [];
    for (let i = 0; i < PROXIES; i++) ports.push((await stack.connect(keys, echoId)).port ?? 0);

    const cpuBefore = { broker: cpuSeconds(stack.broker.pid), agent: cpuSeconds(agent.pid) };
    const started = performance.now();
    // 4 KiB rounds: many small exchanges stress framing and scheduling more than bulk does.
    const visitors = Array.from({ length: VISITORS }, (_, i) =>
      startEchoVisitor(ports[i % PROXIES] as number, { seed: i, block: 4096 }),
    );
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const rss = { broker: rssKb(stack.broker.pid), agent: rssKb(agent.pid) };
    for (const v of visitors) v.stop();
    const stats = await Promise.race([
      Promise.all(visitors.map((v) => v.done)),
      new Promise<null>((r) => setTimeout(() => r(null), 10_000)),
    ]);
    const elapsed = (performance.now() - started) / 1000;
    if (!record.check("every visitor finished when asked", stats !== null) || !stats) return;

    const corrupted = stats.reduce((n, s) => n + s.corrupted, 0);
    const unexpected = stats.filter((s) => s.end !== "stopped");
    const latencies = stats.flatMap((s) => s.latencies);
    const idle = stats.filter((s) => s.rounds === 0).length;
    record.check("zero corrupted bytes", corrupted === 0, `${corrupted} mismatched chunks`);
    record.check(
      "zero unexpected resets or closes",
      unexpected.length === 0,
      unexpected.length ? [...new Set(unexpected.map((s) => s.end))].join(", ") : undefined,
    );
    record.check("every visitor made progress", idle === 0, `${idle} visitors completed no round`);

    const bytes = stats.reduce((n, s) => n + s.bytes, 0);
    record.figure("visitors / proxies", `${VISITORS} / ${PROXIES}`);
    record.figure("duration, s", elapsed);
    record.figure("4 KiB round trips", latencies.length);
    record.figure("echoed MiB/s (all visitors)", bytes / 1048576 / elapsed);
    record.figure("round-trip p50, ms", percentile(latencies, 50));
    record.figure("round-trip p99, ms", percentile(latencies, 99));
    record.figure(
      "broker CPU, % of one core",
      ((cpuSeconds(stack.broker.pid) - cpuBefore.broker) / elapsed) * 100,
    );
    record.figure(
      "agent CPU, % of one core",
      ((cpuSeconds(agent.pid) - cpuBefore.agent) / elapsed) * 100,
    );
    record.figure("broker RSS under load, MB", rss.broker / 1024);
    record.figure("agent RSS under load, MB", rss.agent / 1024);
  } finally {
    await stack.stop();
    targets.stop();
  }
}

export const scenario: Scenario = {
  name: "load-visitors",
  title: "1,000 visitors streaming through 100 port proxies",
  group: "load",
  run,
};
