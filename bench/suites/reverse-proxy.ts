// 3. Reverse proxy: HTTP/1.1 keep-alive GETs of a small and a 1 MiB body from 64
// concurrent clients (autocannon), through Reach and straight to the web server.
import autocannon from "autocannon";
import { graphqlRequest } from "../../common/graphql/request.js";
import { cpuSeconds } from "../../test-support/proc-stats.js";
import { round } from "../../test-support/stats.js";
import type { BenchContext, SuiteResult } from "../lib/context.js";

interface LoadResult {
  rps: number;
  p99: number;
  errors: number;
  /** CPU microseconds per request spent by each process, to show where the time goes. */
  cpuPerRequestUs: { broker: number; agent: number; web: number };
}

async function load(
  url: string,
  host: string | null,
  seconds: number,
  pids: { broker: number; agent: number; web: number },
): Promise<LoadResult> {
  const before = {
    broker: cpuSeconds(pids.broker),
    agent: cpuSeconds(pids.agent),
    web: cpuSeconds(pids.web),
  };
  const result = await autocannon({
    url,
    connections: 64,
    pipelining: 1,
    duration: seconds,
    ...(host ? { headers: { host } } : {}),
  });
  const perRequest = (pid: number, was: number) =>
    round(((cpuSeconds(pid) - was) * 1e6) / Math.max(1, result.requests.total), 1);
  return {
    rps: Math.round(result.requests.average),
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    cpuPerRequestUs: {
      broker: perRequest(pids.broker, before.broker),
      agent: perRequest(pids.agent, before.agent),
      web: perRequest(pids.web, before.web),
    },
  };
}

export async function reverseProxy(ctx: BenchContext): Promise<SuiteResult> {
  const reply = await graphqlRequest<{ connect: { host: string } }>(
    ctx.plain.apiUrl,
    ctx.plain.credentials,
    `mutation ($s: String!) { connect(serviceId: $s) { host } }`,
    { s: ctx.plain.serviceIds.get("web") },
  );
  if (!reply.data) throw new Error(JSON.stringify(reply.errors));
  const host = reply.data.connect.host;
  const broker = new URL(ctx.plain.apiUrl);
  const seconds = ctx.quick ? 3 : 10;
  const results: Record<string, LoadResult> = {};
  const pids = { broker: ctx.plain.brokerPid, agent: ctx.plain.agentPid, web: ctx.targets.pid };
  for (const [body, path] of [
    ["small", "/small"],
    ["1 MiB", "/1m"],
  ] as const) {
    results[`direct ${body}`] = await load(
      `http://127.0.0.1:${ctx.targets.http}${path}`,
      null,
      seconds,
      pids,
    );
    results[`reach ${body}`] = await load(
      `http://127.0.0.1:${broker.port}${path}`,
      host,
      seconds,
      pids,
    );
  }
  const ratio = round((results["reach small"]?.rps ?? 0) / (results["direct small"]?.rps ?? 1));
  return {
    title: `Reverse proxy, 64 keep-alive clients, ${seconds} s each (autocannon)`,
    table: [
      ["path", "requests/s", "p99 ms", "errors", "CPU µs per request: broker / agent / web server"],
      ...Object.entries(results).map(([k, v]) => [
        k,
        String(v.rps),
        String(v.p99),
        String(v.errors),
        k.startsWith("direct")
          ? `– / – / ${v.cpuPerRequestUs.web}`
          : `${v.cpuPerRequestUs.broker} / ${v.cpuPerRequestUs.agent} / ${v.cpuPerRequestUs.web}`,
      ]),
    ],
    data: results,
    targets: [
      {
        name: "reverse proxy small-body requests/s vs direct",
        value: ratio,
        bound: "≥ 0.5×",
        met: ratio >= 0.5,
      },
    ],
  };
}
