// 6. Scale: many live port proxies on one broker: how long they take to create, the
// broker's RSS with them open, and that a random sample of them still passes bytes.
import { rssKb } from "../../test-support/proc-stats.js";
import { round } from "../../test-support/stats.js";
import { echoRoundTrip } from "../../test-support/tcp-load.js";
import { type BenchContext, connectPortProxy, type SuiteResult } from "../lib/context.js";

export async function scale(ctx: BenchContext): Promise<SuiteResult> {
  const target = ctx.quick ? 1000 : 10_000;
  const rssBefore = rssKb(ctx.plain.brokerPid);
  const ports: number[] = [];
  const start = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < target) {
        next++;
        ports.push((await connectPortProxy(ctx.plain, "echo")).port);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rssWith = rssKb(ctx.plain.brokerPid);
  const sample = Array.from(
    { length: 50 },
    () => ports[Math.floor(Math.random() * ports.length)] as number,
  );
  let passed = 0;
  for (const port of sample) {
    try {
      await echoRoundTrip(port);
      passed++;
    } catch {
      // counted as a failure below
    }
  }
  return {
    title: `Scale: ${ports.length} live port proxies on one broker`,
    table: [
      [
        "live proxies",
        "create time s",
        "per second",
        "broker RSS before KB",
        "with them KB",
        "KB per proxy",
        "sample passing bytes",
      ],
      [
        String(ports.length),
        String(round(seconds, 1)),
        String(Math.round(ports.length / seconds)),
        String(rssBefore),
        String(rssWith),
        String(round((rssWith - rssBefore) / ports.length, 1)),
        `${passed}/${sample.length}`,
      ],
    ],
    data: {
      live: ports.length,
      seconds: round(seconds, 2),
      rssBefore,
      rssWith,
      samplePassed: passed,
      sampleSize: sample.length,
    },
    targets: [
      {
        name: "live port proxies on one broker",
        value: ports.length,
        bound: `= ${target}`,
        met: ports.length === target && passed === sample.length,
      },
    ],
  };
}
