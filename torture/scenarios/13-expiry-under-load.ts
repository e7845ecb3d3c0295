// Connections expiring while visitors stream through them: every visitor must be closed
// within a second of its connection's expiry (none outlives its timeout, none is cut
// early), and the port must refuse newcomers afterwards.
import { startTargetsProcess } from "../../test-support/targets-process.js";
import { startEchoVisitor } from "../lib/echo-visitor.js";
import { claimPortBlock } from "../lib/port-blocks.js";
import { portRefuses } from "../lib/probes.js";
import type { Recorder, Scenario, TortureContext } from "../lib/scenario.js";
import { TortureStack } from "../lib/stack.js";

const TIMEOUT_S = 6;
/** The broker's listener, then its port-proxy range. */
const PORTS = claimPortBlock("expiry-under-load", 51);
const PROXIES = 20;
const VISITORS_PER_PROXY = 10;

async function run(ctx: TortureContext, record: Recorder): Promise<void> {
  const targets = await startTargetsProcess();
  const stack = new TortureStack({
    dir: ctx.scratchDir("stack"),
    ports: PORTS,
    brokerArgs: ["--timeout", String(TIMEOUT_S)],
  });
  try {
    await stack.startBroker();
    const keys = stack.createUser("expiry@example.com");
    const agent = await stack.startAgent("device", keys, [`echo=tcp:${targets.echo}`]);
    const echoId = agent.serviceIds.get("echo") as string;
    // performance.now() of each connection's expiry, taken from the broker's own `created`.
    const toMonotonic = performance.now() - Date.now();
    const proxies = [];
    for (let i = 0; i < PROXIES; i++) {
      const made = await stack.api<{ connect: { port: number; created: string; timeout: number } }>(
        keys,
        `mutation ($s: String!) { connect(serviceId: $s, hostIP: "0.0.0.0", type: PORT_PROXY) { port created timeout } }`,
        { s: echoId },
      );
      const c = made.data?.connect;
      if (!c) throw new Error(`connect: ${JSON.stringify(made.errors)}`);
      proxies.push({
        port: c.port,
        expiresAt: Date.parse(c.created) + c.timeout * 1000 + toMonotonic,
      });
    }
    const visitors = proxies.flatMap((p, i) =>
      Array.from({ length: VISITORS_PER_PROXY }, (_, k) => ({
        proxy: p,
        visitor: startEchoVisitor(p.port, { seed: i * VISITORS_PER_PROXY + k }),
      })),
    );
    const ended = await Promise.race([
      Promise.all(visitors.map((v) => v.visitor.done)),
      new Promise<null>((r) => setTimeout(() => r(null), (TIMEOUT_S + 10) * 1000)),
    ]);
    if (
      !record.check(
        "every visitor was closed",
        ended !== null,
        ended === null ? "some still open 10 s after expiry" : undefined,
      )
    ) {
      return;
    }
    const lateness = visitors.map((v) => v.visitor.stats.closedAt - v.proxy.expiresAt);
    const early = lateness.filter((l) => l < -250);
    const late = lateness.filter((l) => l > 1000);
    record.check(
      `all ${visitors.length} visitors closed within 1 s after expiry`,
      late.length === 0,
      `worst ${Math.max(...lateness).toFixed(0)} ms after`,
    );
    record.check(
      "no visitor was cut before its connection expired",
      early.length === 0,
      `earliest ${Math.min(...lateness).toFixed(0)} ms after`,
    );
    record.check(
      "no corrupted bytes while streaming",
      visitors.every((v) => v.visitor.stats.corrupted === 0),
    );
    const refusing = await Promise.all(proxies.map((p) => portRefuses(p.port)));
    record.check(
      "expired ports refuse newcomers",
      refusing.every(Boolean),
      `${refusing.filter(Boolean).length}/${refusing.length}`,
    );
    const sorted = [...lateness].sort((a, b) => a - b);
    record.figure("visitors streaming at expiry", visitors.length);
    record.figure(
      "close after expiry, median ms",
      sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
    );
    record.figure("close after expiry, worst ms", sorted[sorted.length - 1] ?? Number.NaN);
    record.figure(
      "MiB echoed before expiry",
      visitors.reduce((n, v) => n + v.visitor.stats.bytes, 0) / 1048576,
    );
  } finally {
    await stack.stop();
    targets.stop();
  }
}

export const scenario: Scenario = {
  name: "expiry-under-load",
  title: "connections expiring while visitors stream through them",
  group: "faults",
  run,
};
