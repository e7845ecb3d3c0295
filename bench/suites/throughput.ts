// 1. Port-proxy throughput: one TCP stream and four, each way, on every path, next to the
// relays a user would pick instead (socat, nginx stream, HAProxy).

import { median, round } from "../../test-support/stats.js";
import { download, upload } from "../../test-support/tcp-load.js";
import { type BenchContext, missingRow, type SuiteResult, type Target } from "../lib/context.js";

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

const REACH = "reach (plain tunnel)";
const TLS = "reach (TLS tunnel)";
const RELAYS = ["socat relay", "nginx stream relay", "haproxy relay"];
const COLUMNS: [number, "up" | "down"][] = [
  [1, "up"],
  [1, "down"],
  [4, "up"],
  [4, "down"],
];

export async function throughput(ctx: BenchContext): Promise<SuiteResult> {
  const bytes = (ctx.quick ? 128 : 1024) * 1048576;
  const rounds = ctx.quick ? 1 : 3;
  const samples = new Map<string, number[]>();
  const add = (key: string, value: number) =>
    samples.set(key, [...(samples.get(key) ?? []), value]);
  // Rounds interleave the paths so a slow moment of the machine hits all of them alike.
  for (let round = 0; round < rounds; round++) {
    for (const path of ctx.paths) {
      for (const [streams, direction] of COLUMNS) {
        add(
          `${path.name}|${streams}|${direction}`,
          await parallel(streams, path.bulk, bytes, direction),
        );
      }
    }
  }
  const get = (path: string, streams: number, direction: string) =>
    Math.round(median(samples.get(`${path}|${streams}|${direction}`) ?? []));
  const measured = new Set(ctx.paths.map((p) => p.name));
  const relays = RELAYS.filter((r) => measured.has(r));
  // The best relay is taken per column: the fastest at each, which may differ by column.
  const best = (streams: number, direction: string) =>
    Math.max(0, ...relays.map((r) => get(r, streams, direction)));
  const over = (path: string, baseline: (streams: number, direction: string) => number) =>
    COLUMNS.map(([n, d]) => round(get(path, n, d) / Math.max(1, baseline(n, d))));
  const ratioRows: [string, number[]][] = [];
  if (measured.has("socat relay")) {
    ratioRows.push([`${REACH} ÷ socat`, over(REACH, (n, d) => get("socat relay", n, d))]);
  }
  if (relays.length > 0) ratioRows.push([`${REACH} ÷ best relay`, over(REACH, best)]);
  ratioRows.push([`${TLS} ÷ ${REACH}`, over(TLS, (n, d) => get(REACH, n, d))]);
  // Each target takes the worse of the single-stream up and down ratios.
  const worse = (ratios: number[]) => Math.min(ratios[0] ?? 0, ratios[1] ?? 0);
  const targets: Target[] = [];
  const target = (name: string, value: number, bound: number) =>
    targets.push({ name, value, bound: `≥ ${bound}×`, met: value >= bound });
  if (measured.has("socat relay")) {
    target(
      "single-stream throughput vs socat (worse of up/down ratios)",
      worse(over(REACH, (n, d) => get("socat relay", n, d))),
      0.9,
    );
  }
  target(
    "TLS tunnel single-stream throughput vs plain tunnel (worse of up/down ratios)",
    worse(over(TLS, (n, d) => get(REACH, n, d))),
    0.85,
  );
  if (measured.has("ssh -R")) {
    target(
      "single-stream throughput vs ssh -R (worse of up/down ratios)",
      worse(over(REACH, (n, d) => get("ssh -R", n, d))),
      1,
    );
  }
  target(
    "single-stream throughput vs direct (worse of up/down ratios)",
    worse(over(REACH, (n, d) => get("direct", n, d))),
    0.35,
  );
  return {
    title: `Port-proxy throughput, MiB/s (${bytes / 1048576} MiB each way, median of ${rounds})`,
    table: [
      ["path", "1 stream up", "1 stream down", "4 streams up", "4 streams down"],
      ...ctx.paths.map((p) => [p.name, ...COLUMNS.map(([n, d]) => String(get(p.name, n, d)))]),
      ...ctx.missing.filter((m) => m.kind === "tcp").map((m) => missingRow(m, 5)),
      ...ratioRows.map(([name, ratios]) => [name, ...ratios.map((r) => `${r}×`)]),
    ],
    data: Object.fromEntries([...samples].map(([k, v]) => [k, v.map((x) => Math.round(x))])),
    targets,
  };
}
