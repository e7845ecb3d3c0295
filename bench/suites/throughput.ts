// 1. Port-proxy throughput: one TCP stream and four, each way, on every path.

import { median, round } from "../../test-support/stats.js";
import { download, upload } from "../../test-support/tcp-load.js";
import type { BenchContext, SuiteResult } from "../lib/context.js";

async function parallel(
  streams: number,
  port: number,
  bytes: number,
  direction: "up" | "down",
): Promise<number> {
  const start = process.hrtime.bigint();
  const each = Math.floor(bytes / streams);
  await Promise.all(
    Array.from({ length: streams }, () =>
      direction === "up" ? upload(port, each) : download(port, each),
    ),
  );
  return (each * streams) / 1048576 / (Number(process.hrtime.bigint() - start) / 1e9);
}

export async function throughput(ctx: BenchContext): Promise<SuiteResult> {
  const bytes = (ctx.quick ? 128 : 1024) * 1048576;
  const rounds = ctx.quick ? 1 : 3;
  const samples = new Map<string, number[]>();
  const add = (key: string, value: number) =>
    samples.set(key, [...(samples.get(key) ?? []), value]);
  // Rounds interleave the paths so a slow moment of the machine hits all of them alike.
  for (let round = 0; round < rounds; round++) {
    for (const path of ctx.paths) {
      for (const streams of [1, 4]) {
        add(`${path.name}|${streams}|up`, await parallel(streams, path.bulk, bytes, "up"));
        add(`${path.name}|${streams}|down`, await parallel(streams, path.bulk, bytes, "down"));
      }
    }
  }
  const get = (path: string, streams: number, direction: string) =>
    Math.round(median(samples.get(`${path}|${streams}|${direction}`) ?? []));
  const rows = ctx.paths.map((p) => [
    p.name,
    ...[1, 4].flatMap((n) => [get(p.name, n, "up"), get(p.name, n, "down")]).map(String),
  ]);
  // Each direction on its own: Reach's rate over the baseline's, and the worse of the two.
  const reach = "reach (plain tunnel)";
  const ratio = (baseline: string) =>
    round(
      Math.min(
        get(reach, 1, "up") / get(baseline, 1, "up"),
        get(reach, 1, "down") / get(baseline, 1, "down"),
      ),
    );
  const vsSsh = ratio("ssh -R");
  const vsDirect = ratio("direct");
  return {
    title: `Port-proxy throughput, MiB/s (${bytes / 1048576} MiB each way, median of ${rounds})`,
    table: [["path", "1 stream up", "1 stream down", "4 streams up", "4 streams down"], ...rows],
    data: Object.fromEntries([...samples].map(([k, v]) => [k, v.map((x) => Math.round(x))])),
    targets: [
      {
        name: "single-stream throughput vs ssh -R (worse of up/down ratios)",
        value: vsSsh,
        bound: "≥ 1.0×",
        met: vsSsh >= 1,
      },
      {
        name: "single-stream throughput vs direct (worse of up/down ratios)",
        value: vsDirect,
        bound: "≥ 0.35×",
        met: vsDirect >= 0.35,
      },
    ],
  };
}
