// 4. Control plane: connect and disconnect latency (each a signed GraphQL mutation with a
// port allocation, a listener and a SQLite write), and sustained connects per second.
import { graphqlRequest } from "../../common/graphql/request.js";
import { percentile, round } from "../../test-support/stats.js";
import type { BenchContext, SuiteResult } from "../lib/context.js";

const CONNECT = `mutation ($s: String!) { connect(serviceId: $s, hostIP: "0.0.0.0", type: PORT_PROXY) { id } }`;
const DISCONNECT = `mutation ($c: String!) { disconnect(connectionId: $c) }`;

export async function controlPlane(ctx: BenchContext): Promise<SuiteResult> {
  const stack = ctx.plain;
  const serviceId = stack.serviceIds.get("echo");
  const timed = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
    const start = process.hrtime.bigint();
    const value = await fn();
    return [Number(process.hrtime.bigint() - start) / 1e6, value];
  };
  const connectOnce = async () => {
    const reply = await graphqlRequest<{ connect: { id: string } }>(
      stack.apiUrl,
      stack.credentials,
      CONNECT,
      { s: serviceId },
    );
    if (!reply.data) throw new Error(JSON.stringify(reply.errors));
    return reply.data.connect.id;
  };
  const sequential = ctx.quick ? 100 : 500;
  const connectMs: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < sequential; i++) {
    const [ms, id] = await timed(connectOnce);
    connectMs.push(ms);
    ids.push(id);
  }
  // Sustained: 16 clients connecting back to back for a fixed time.
  const seconds = ctx.quick ? 2 : 5;
  const deadline = Date.now() + seconds * 1000;
  let sustained = 0;
  const sustainedStart = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (Date.now() < deadline) {
        ids.push(await connectOnce());
        sustained++;
      }
    }),
  );
  const connectsPerSecond = Math.round(
    sustained / (Number(process.hrtime.bigint() - sustainedStart) / 1e9),
  );
  const disconnectMs: number[] = [];
  const disconnectStart = process.hrtime.bigint();
  for (const id of ids) {
    const [ms] = await timed(() =>
      graphqlRequest(stack.apiUrl, stack.credentials, DISCONNECT, { c: id }),
    );
    disconnectMs.push(ms);
  }
  const disconnectsPerSecond = Math.round(
    ids.length / (Number(process.hrtime.bigint() - disconnectStart) / 1e9),
  );
  const p = (values: number[], q: number) => round(percentile(values, q), 2);
  return {
    title: "Control plane (signed GraphQL over HTTP, one client at a time unless noted)",
    table: [
      ["operation", "p50 ms", "p99 ms", "per second"],
      [
        "connect",
        String(p(connectMs, 50)),
        String(p(connectMs, 99)),
        `${connectsPerSecond} (16 clients)`,
      ],
      [
        "disconnect",
        String(p(disconnectMs, 50)),
        String(p(disconnectMs, 99)),
        `${disconnectsPerSecond} (1 client)`,
      ],
    ],
    data: {
      connect: { p50: p(connectMs, 50), p99: p(connectMs, 99), perSecond: connectsPerSecond },
      disconnect: {
        p50: p(disconnectMs, 50),
        p99: p(disconnectMs, 99),
        perSecond: disconnectsPerSecond,
      },
    },
    targets: [
      {
        name: "connect p50 (ms)",
        value: p(connectMs, 50),
        bound: "≤ 10",
        met: p(connectMs, 50) <= 10,
      },
      {
        name: "sustained connects/s",
        value: connectsPerSecond,
        bound: "≥ 200",
        met: connectsPerSecond >= 200,
      },
    ],
  };
}
