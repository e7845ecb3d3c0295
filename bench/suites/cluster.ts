// 9. Cluster: broker nodes on one PostgreSQL database, as processes on this machine, each
// config started here and torn down after. Connect rate and live port proxies for SQLite
// 1 node and PostgreSQL 1, 2, 3 nodes; cross-node first-byte latency against same-node;
// the node protocol's round trip against LISTEN/NOTIFY's; and what losing a node costs.
import { nodeAddress } from "../../test-support/cluster.js";
import { startTestPostgres, type TestPostgres } from "../../test-support/postgres.js";
import { rssKb } from "../../test-support/proc-stats.js";
import { eventually, tempDir } from "../../test-support/stack.js";
import { percentile, round } from "../../test-support/stats.js";
import {
  type ClusterStack,
  type Connection,
  firstByte,
  startClusterStack,
} from "../lib/cluster-stack.js";
import type { BenchContext, SuiteResult } from "../lib/context.js";
import {
  clusterSecret,
  nodeProtocolRoundTrips,
  notifyRate,
  notifyRoundTrips,
} from "../lib/signalling.js";

const LANES = 32;
const SAMPLE = 50;

interface ScaleFigures {
  config: string;
  nodes: number;
  live: number;
  seconds: number;
  perSecond: number;
  rssKb: number[];
  samplePassed: number;
}

/** The service id of `name`'s echo: every agent here offers exactly that one service. */
const echoOf = (agent: { serviceIds: Map<string, string> }) => agent.serviceIds.get("echo") ?? "";

async function withStack<T>(
  count: number,
  echo: number,
  postgres: TestPostgres | undefined,
  run: (stack: ClusterStack) => Promise<T>,
): Promise<T> {
  const stack = await startClusterStack(count, echo, postgres);
  try {
    return await run(stack);
  } finally {
    await stack.stop();
  }
}

/** `perNode` proxies on each node, 32 lanes round robin over the nodes, each to its own device. */
async function scaleFigures(
  config: string,
  stack: ClusterStack,
  count: number,
  perNode: number,
): Promise<ScaleFigures> {
  const services: string[] = [];
  for (let n = 1; n <= count; n++) services.push(echoOf(await stack.startAgent(`node${n}`, [n])));
  // Each node may need a heartbeat to count its own device online: wait for one connect each.
  const made: Connection[][] = services.map(() => []);
  for (let n = 1; n <= count; n++) {
    let first: Connection | undefined;
    await eventually(async () => {
      first = await stack.connectVia(n, services[n - 1] as string).catch(() => undefined);
      return first !== undefined;
    }, 15_000);
    made[n - 1]?.push(first as Connection);
  }
  const started = made.map((m) => m.length);
  const next = [...started];
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      const n = (lane % count) + 1;
      while ((next[n - 1] as number) < perNode) {
        next[n - 1] = (next[n - 1] as number) + 1;
        made[n - 1]?.push(await stack.connectVia(n, services[n - 1] as string));
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const timedConnects = made.reduce((sum, m, i) => sum + m.length - (started[i] as number), 0);
  const all = made.flat();
  const rss = stack.nodes.map((node) => (node ? rssKb(node.pid) : 0));
  let samplePassed = 0;
  for (let i = 0; i < SAMPLE; i++) {
    const proxy = all[Math.floor(Math.random() * all.length)] as Connection;
    if (
      await firstByte(proxy.host, proxy.port).then(
        () => true,
        () => false,
      )
    )
      samplePassed++;
  }
  return {
    config,
    nodes: count,
    live: all.length,
    seconds: round(seconds, 1),
    perSecond: Math.round(timedConnects / seconds),
    rssKb: rss,
    samplePassed,
  };
}

/** First-byte samples through a proxy, `count` fresh visitors one after another. */
async function firstBytes(proxy: Connection, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) samples.push(await firstByte(proxy.host, proxy.port));
  return samples;
}

const p50p99 = (samples: number[]) => ({
  p50: round(percentile(samples, 50)),
  p99: round(percentile(samples, 99)),
});

export async function cluster(ctx: BenchContext): Promise<SuiteResult> {
  const perNode = ctx.quick ? 1000 : 10_000;
  const visitors = 200;
  const signals = 2000;
  const echo = ctx.targets.echo;
  const postgres = await startTestPostgres();
  try {
    // 1. Connect rate and live proxies, each config in turn.
    const scales: ScaleFigures[] = [];
    scales.push(
      await withStack(1, echo, undefined, (s) => scaleFigures("SQLite, 1 node", s, 1, perNode)),
    );
    for (const count of [1, 2, 3]) {
      scales.push(
        await withStack(count, echo, postgres, (s) =>
          scaleFigures(`PostgreSQL, ${count} node${count > 1 ? "s" : ""}`, s, count, perNode),
        ),
      );
      process.stderr.write(`cluster: ${count} PostgreSQL node(s) done\n`);
    }

    // 2 and 3. Two nodes: a proxy on node 1 reaching the device through a dial once its
    // agent moved to node 2, against a proxy on node 2; then the two signalling channels.
    const { latency, signalling } = await withStack(2, echo, postgres, async (stack) => {
      const agentDir = await tempDir("reach-bench-agent-moving-");
      const first = await stack.startAgent("moving", [1], agentDir);
      const service = echoOf(first);
      let cross: Connection | undefined;
      await eventually(async () => {
        cross = await stack.connectVia(1, service).catch(() => undefined);
        return cross !== undefined;
      }, 15_000);
      if (!cross || cross.host !== nodeAddress(1)) {
        throw new Error(`the first proxy was placed on ${cross?.host}, not node 1`);
      }
      await first.stop();
      await stack.startAgent("moving", [2], agentDir);
      const crossProxy = cross;
      await eventually(
        () =>
          firstByte(crossProxy.host, crossProxy.port, 2000).then(
            () => true,
            () => false,
          ),
        20_000,
      );
      const same = await stack.connectVia(2, service);
      if (same.host !== nodeAddress(2)) throw new Error(`the same-node proxy is on ${same.host}`);
      const latency = {
        sameNode: p50p99(await firstBytes(same, visitors)),
        crossNode: p50p99(await firstBytes(crossProxy, visitors)),
      };
      const storeUrl = stack.storeUrl as string;
      const secret = await clusterSecret(storeUrl);
      const signalling = {
        nodeProtocol: p50p99(await nodeProtocolRoundTrips(stack.apiOf(2), secret, signals)),
        notify: p50p99(await notifyRoundTrips(storeUrl, signals)),
        notifiesPerSecond: Math.round(await notifyRate(storeUrl, ctx.quick ? 5000 : 20_000)),
      };
      return { latency, signalling };
    });
    process.stderr.write("cluster: latency and signalling done\n");

    // 4. Losing a node: the device on node 3 is reachable again through node 2 after …
    const loss = await withStack(3, echo, postgres, async (stack) => {
      const service = echoOf(await stack.startAgent("moving", [3, 1, 2]));
      const reachable = async () => {
        const made = await stack.connectVia(2, service).catch(() => undefined);
        if (!made) return undefined;
        return (await firstByte(made.host, made.port, 2000).then(
          () => true,
          () => false,
        ))
          ? made
          : undefined;
      };
      let before: Connection | undefined;
      await eventually(async () => {
        before = await reachable();
        return before?.host === nodeAddress(3);
      }, 15_000);
      const node3 = stack.nodes[2];
      node3?.child.kill("SIGKILL");
      const killed = process.hrtime.bigint();
      await node3?.stop();
      stack.nodes[2] = undefined;
      let after: Connection | undefined;
      await eventually(async () => {
        after = await reachable();
        return after !== undefined;
      }, 60_000);
      return {
        seconds: round(Number(process.hrtime.bigint() - killed) / 1e9, 1),
        nowOn: after?.host ?? "",
      };
    });

    const oneNodePg = scales.find((s) => s.config === "PostgreSQL, 1 node");
    const threeNodes = scales.find((s) => s.nodes === 3);
    const ratio = round((threeNodes?.perSecond ?? 0) / (oneNodePg?.perSecond || 1), 2);
    const table: string[][] = [
      ["measure", "figure", "detail"],
      ...scales.map((s) => [
        `${s.config}: connects/s`,
        String(s.perSecond),
        `${s.live} live proxies in ${s.seconds} s; RSS per node ${s.rssKb.map((kb) => `${Math.round(kb / 1024)} MB`).join(" / ")}; sample ${s.samplePassed}/${SAMPLE} echo`,
      ]),
      ["3 nodes / 1 node connect rate (PostgreSQL)", `${ratio}×`, ""],
      [
        "first byte, same node (p50 / p99 ms)",
        `${latency.sameNode.p50} / ${latency.sameNode.p99}`,
        `${visitors} fresh visitors, proxy on the node holding the tunnel`,
      ],
      [
        "first byte, cross node (p50 / p99 ms)",
        `${latency.crossNode.p50} / ${latency.crossNode.p99}`,
        `${visitors} fresh visitors, proxy on node 1, device on node 2 (a dial each)`,
      ],
      [
        "node protocol round trip (p50 / p99 ms)",
        `${signalling.nodeProtocol.p50} / ${signalling.nodeProtocol.p99}`,
        `${signals} POST /cluster/v1/dial, keep-alive`,
      ],
      [
        "LISTEN/NOTIFY round trip (p50 / p99 ms)",
        `${signalling.notify.p50} / ${signalling.notify.p99}`,
        `${signals} NOTIFY → listener NOTIFYs back`,
      ],
      ["NOTIFYs per second", String(signalling.notifiesPerSecond), "pool of 8 clients"],
      [
        "node 3 killed: its device reachable again after (s)",
        String(loss.seconds),
        `a connect through node 2 echoes, proxy on ${loss.nowOn}`,
      ],
    ];
    return {
      title: "Cluster: broker nodes on PostgreSQL, on this machine",
      table,
      data: { perNode, scales, ratio, latency, signalling, loss },
      targets: [
        {
          name: "live port proxies on 3 nodes, sample passing",
          value: threeNodes?.live ?? 0,
          bound: `= ${3 * perNode}`,
          met: threeNodes?.live === 3 * perNode && threeNodes.samplePassed === SAMPLE,
        },
        {
          name: "3-node connect rate / 1-node (PostgreSQL)",
          value: ratio,
          bound: "≥ 1.5",
          met: ratio >= 1.5,
        },
      ],
    };
  } finally {
    await postgres.stop();
  }
}
