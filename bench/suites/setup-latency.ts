// 2. Visitor setup latency: TCP connect + 1-byte echo round trip through a fresh
// connection, p50/p99/p99.9, on every path, next to the relays a user would pick instead.

import { percentile, round } from "../../test-support/stats.js";
import { echoRoundTrip } from "../../test-support/tcp-load.js";
import { type BenchContext, missingRow, type SuiteResult } from "../lib/context.js";

const REACH = "reach (plain tunnel)";
const TLS = "reach (TLS tunnel)";
const RELAYS = ["socat relay", "nginx stream relay", "haproxy relay"];
// ssh -R takes tens of milliseconds a connection (a channel opened through the session),
// so it gets fewer samples, or it alone would take minutes.
const SLOW = new Set(["ssh -R"]);

export async function setupLatency(ctx: BenchContext): Promise<SuiteResult> {
  // p99.9 is the 10th worst of 10,000 samples: few enough outliers to be a tail, enough
  // that one scheduling hiccup does not decide it. Quick mode's 1,000 leave one sample.
  const total = ctx.quick ? 1000 : 10000;
  const slowTotal = ctx.quick ? 200 : 2000;
  const batch = 100;
  const samples = new Map<string, number[]>(ctx.paths.map((p) => [p.name, []]));
  for (let done = 0; done < total; done += batch) {
    for (const path of ctx.paths) {
      if (SLOW.has(path.name) && done >= slowTotal) continue;
      const list = samples.get(path.name) as number[];
      for (let i = 0; i < batch; i++) list.push(await echoRoundTrip(path.echo));
    }
  }
  const stat = (name: string, p: number) => round(percentile(samples.get(name) ?? [], p), 3);
  const added = (name: string, p: number) => round(stat(name, p) - stat("direct", p), 3);
  const measured = new Set(ctx.paths.map((p) => p.name));
  const relays = RELAYS.filter((r) => measured.has(r));
  const bestRelay = relays.reduce<string | undefined>(
    (best, r) => (best === undefined || stat(r, 50) < stat(best, 50) ? r : best),
    undefined,
  );
  const count = (name: string) => samples.get(name)?.length ?? 0;
  const ratioRow = (label: string, path: string, baseline: string) => [
    label,
    ...[50, 99, 99.9].map((p) => `${round(stat(path, p) / stat(baseline, p))}×`),
    ...[50, 99, 99.9].map((p) => {
      const base = added(baseline, p);
      return base > 0 ? `${round(added(path, p) / base)}×` : "–";
    }),
    "",
  ];
  const socatAdded = measured.has("socat relay") ? added("socat relay", 50) : undefined;
  return {
    title: `Visitor setup latency, ms (connect + 1-byte echo, ${total} samples per path, ${slowTotal} for ssh -R${ctx.quick ? "; quick: p99.9 is the single worst sample or so, indicative only" : ""})`,
    table: [
      ["path", "p50", "p99", "p99.9", "added p50", "added p99", "added p99.9", "samples"],
      ...ctx.paths.map((p) => [
        p.name,
        ...[50, 99, 99.9].map((q) => String(stat(p.name, q))),
        ...[50, 99, 99.9].map((q) => String(added(p.name, q))),
        String(count(p.name)),
      ]),
      ...ctx.missing.filter((m) => m.kind === "tcp").map((m) => missingRow(m, 8)),
      ...(measured.has("socat relay") ? [ratioRow(`${REACH} ÷ socat`, REACH, "socat relay")] : []),
      ...(bestRelay ? [ratioRow(`${REACH} ÷ best relay (${bestRelay})`, REACH, bestRelay)] : []),
      ratioRow(`${TLS} ÷ ${REACH}`, TLS, REACH),
    ],
    data: Object.fromEntries(
      ctx.paths.map((p) => [
        p.name,
        {
          p50: stat(p.name, 50),
          p99: stat(p.name, 99),
          p999: stat(p.name, 99.9),
          samples: count(p.name),
        },
      ]),
    ),
    targets: [
      socatAdded === undefined
        ? {
            name: "added setup latency p50 over direct (ms), bound: socat's (missing)",
            value: added(REACH, 50),
            bound: "≤ socat's added p50 (socat missing)",
            met: false,
          }
        : {
            name: "added setup latency p50 over direct (ms) vs socat's",
            value: added(REACH, 50),
            bound: `≤ ${socatAdded} (socat's)`,
            met: added(REACH, 50) <= socatAdded,
          },
      {
        name: "added setup latency p99 over direct (ms)",
        value: added(REACH, 99),
        bound: "≤ 3",
        met: added(REACH, 99) <= 3,
      },
    ],
  };
}
