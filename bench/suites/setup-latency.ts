// 2. Visitor setup latency: TCP connect + 1-byte echo round trip through a fresh
// connection, p50/p99, on every path.

import { percentile, round } from "../../test-support/stats.js";
import { echoRoundTrip } from "../../test-support/tcp-load.js";
import type { BenchContext, SuiteResult } from "../lib/context.js";

export async function setupLatency(ctx: BenchContext): Promise<SuiteResult> {
  const total = ctx.quick ? 400 : 2000;
  const batch = 100;
  const samples = new Map<string, number[]>(ctx.paths.map((p) => [p.name, []]));
  for (let done = 0; done < total; done += batch) {
    for (const path of ctx.paths) {
      const list = samples.get(path.name) as number[];
      for (let i = 0; i < batch; i++) list.push(await echoRoundTrip(path.echo));
    }
  }
  const stat = (name: string, p: number) => round(percentile(samples.get(name) ?? [], p), 3);
  const added = (p: number) => round(stat("reach (plain tunnel)", p) - stat("direct", p), 3);
  return {
    title: `Visitor setup latency, ms (connect + 1-byte echo, ${total} samples per path)`,
    table: [
      ["path", "p50", "p99", "added p50", "added p99"],
      ...ctx.paths.map((p) => [
        p.name,
        String(stat(p.name, 50)),
        String(stat(p.name, 99)),
        String(round(stat(p.name, 50) - stat("direct", 50), 3)),
        String(round(stat(p.name, 99) - stat("direct", 99), 3)),
      ]),
    ],
    data: Object.fromEntries(
      ctx.paths.map((p) => [p.name, { p50: stat(p.name, 50), p99: stat(p.name, 99) }]),
    ),
    targets: [
      {
        name: "added setup latency p50 over direct (ms)",
        value: added(50),
        bound: "≤ 0.5",
        met: added(50) <= 0.5,
      },
      {
        name: "added setup latency p99 over direct (ms)",
        value: added(99),
        bound: "≤ 3",
        met: added(99) <= 3,
      },
    ],
  };
}
