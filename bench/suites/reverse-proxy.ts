// 3. Reverse proxy: HTTP/1.1 keep-alive GETs of a small and a 1 MiB body from 64
// concurrent clients (autocannon), through Reach, through nginx (the reverse proxy a user
// would put in front of an `ssh -R` instead) and straight to the web server.
import autocannon from "autocannon";
import { graphqlRequest } from "../../common/graphql/request.js";
import { cpuSeconds } from "../../test-support/proc-stats.js";
import { round } from "../../test-support/stats.js";
import { type BenchContext, missingRow, type SuiteResult, type Target } from "../lib/context.js";

interface LoadResult {
  rps: number;
  p99: number;
  errors: number;
  /** CPU microseconds per request spent by each process, to show where the time goes. */
  cpuPerRequestUs: { broker: number; agent: number; nginx: number; web: number };
}

interface Pids {
  broker: number;
  agent: number;
  /** nginx's worker(s), when nginx is installed. */
  nginx: number[];
  web: number;
}

const sumCpu = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

async function load(
  url: string,
  host: string | null,
  seconds: number,
  pids: Pids,
): Promise<LoadResult> {
  const before = {
    broker: cpuSeconds(pids.broker),
    agent: cpuSeconds(pids.agent),
    nginx: sumCpu(pids.nginx),
    web: cpuSeconds(pids.web),
  };
  const result = await autocannon({
    url,
    connections: 64,
    pipelining: 1,
    duration: seconds,
    ...(host ? { headers: { host } } : {}),
  });
  const perRequest = (pid: number | number[], was: number) =>
    round(
      (((Array.isArray(pid) ? sumCpu(pid) : cpuSeconds(pid)) - was) * 1e6) /
        Math.max(1, result.requests.total),
      1,
    );
  return {
    rps: Math.round(result.requests.average),
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    cpuPerRequestUs: {
      broker: perRequest(pids.broker, before.broker),
      agent: perRequest(pids.agent, before.agent),
      nginx: perRequest(pids.nginx, before.nginx),
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
  const pids: Pids = {
    broker: ctx.plain.brokerPid,
    agent: ctx.plain.agentPid,
    nginx: ctx.nginx?.workerPids ?? [],
    web: ctx.targets.pid,
  };
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
    if (ctx.nginx) {
      results[`nginx ${body}`] = await load(
        `http://127.0.0.1:${ctx.nginx.httpPort}${path}`,
        null,
        seconds,
        pids,
      );
    }
    results[`reach ${body}`] = await load(
      `http://127.0.0.1:${broker.port}${path}`,
      host,
      seconds,
      pids,
    );
  }
  const rps = (key: string) => results[key]?.rps ?? 0;
  const vsDirect = round(rps("reach small") / Math.max(1, rps("direct small")));
  const vsNginx = ctx.nginx
    ? round(rps("reach small") / Math.max(1, rps("nginx small")))
    : undefined;
  const reachSmall = results["reach small"]?.cpuPerRequestUs;
  const reachLarge = results["reach 1 MiB"]?.cpuPerRequestUs;
  const brokerSmallUs = reachSmall?.broker ?? 0;
  // The web server's own CPU for a 1 MiB response, in the same load as the broker's.
  const brokerVsWebLarge = round((reachLarge?.broker ?? 0) / Math.max(0.1, reachLarge?.web ?? 0));
  const nginxLarge = results["nginx 1 MiB"]?.cpuPerRequestUs;
  const cpuCell = (key: string, v: LoadResult) =>
    key.startsWith("direct")
      ? `– / – / ${v.cpuPerRequestUs.web}`
      : key.startsWith("nginx")
        ? `nginx ${v.cpuPerRequestUs.nginx} / – / ${v.cpuPerRequestUs.web}`
        : `${v.cpuPerRequestUs.broker} / ${v.cpuPerRequestUs.agent} / ${v.cpuPerRequestUs.web}`;
  const targets: Target[] = [];
  if (vsNginx !== undefined) {
    targets.push({
      name: "reverse proxy small-body requests/s vs nginx",
      value: vsNginx,
      bound: "≥ 0.7× (moonshot 1.0×)",
      met: vsNginx >= 0.7,
    });
  }
  targets.push(
    {
      name: "reverse proxy small-body requests/s vs direct",
      value: vsDirect,
      bound: "≥ 0.5×",
      met: vsDirect >= 0.5,
    },
    {
      name: "broker CPU per small request (µs)",
      value: brokerSmallUs,
      bound: "≤ 50",
      met: brokerSmallUs <= 50,
    },
    {
      name: "broker CPU per 1 MiB response vs the web server's own",
      value: brokerVsWebLarge,
      bound: "≤ 1.5×",
      met: brokerVsWebLarge <= 1.5,
    },
  );
  return {
    title: `Reverse proxy, 64 keep-alive clients, ${seconds} s each (autocannon)`,
    table: [
      [
        "path",
        "requests/s",
        "p99 ms",
        "errors",
        "CPU µs per request: broker (or nginx) / agent / web server",
      ],
      ...Object.entries(results).map(([k, v]) => [
        k,
        String(v.rps),
        String(v.p99),
        String(v.errors),
        cpuCell(k, v),
      ]),
      ...ctx.missing.filter((m) => m.kind === "http").map((m) => missingRow(m, 5)),
      ...(vsNginx === undefined ? [] : [["reach ÷ nginx, small", `${vsNginx}×`, "", "", ""]]),
      ["reach ÷ direct, small", `${vsDirect}×`, "", "", ""],
      [
        "1 MiB: broker CPU ÷ web server's",
        "",
        "",
        "",
        `${brokerVsWebLarge}× (${reachLarge?.broker ?? 0} vs ${reachLarge?.web ?? 0} µs)${nginxLarge ? `; nginx ${round(nginxLarge.nginx / Math.max(0.1, nginxLarge.web))}× (${nginxLarge.nginx} vs ${nginxLarge.web} µs)` : ""}`,
      ],
    ],
    data: results,
    targets,
  };
}
