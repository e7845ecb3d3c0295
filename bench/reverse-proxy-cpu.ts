// CPU cost of the reverse proxy: 64 keep-alive clients GET a small and a 1 MiB body
// through Reach's reverse proxy (autocannon), and the broker's, the agent's and the web
// server's CPU microseconds per request are printed, read from /proc. CPU per request is
// steadier than requests/s on a shared machine; for A/B runs of a data-path change:
// `node --import tsx bench/reverse-proxy-cpu.ts [seconds] [rounds] [/small,/1m]`. To profile the broker,
// set REACH_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". `reach` runs dist/node
// when it is newer than the sources (else tsx): build it first to measure the compiled code.

import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { graphqlRequest } from "../common/graphql/request.js";
import { cpuSeconds } from "../test-support/proc-stats.js";
import { freePort } from "../test-support/stack.js";
import { startTargetsProcess } from "../test-support/targets-process.js";
import { startReach } from "./lib/reach-stack.js";

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 2);
const paths = (process.argv[4] ?? "/small,/1m").split(",");
/** The broker's user and system CPU seconds: system time is mostly loopback TCP sends. */
function userAndSystem(pid: number): [number, number] {
  const fields = (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
  return [Number(fields[11]) / 100, Number(fields[12]) / 100];
}

const targets = await startTargetsProcess();
const stack = await startReach({ port: await freePort(), services: [`web=http:${targets.http}`] });
try {
  const reply = await graphqlRequest<{ connect: { host: string } }>(
    stack.apiUrl,
    stack.credentials,
    `mutation ($s: String!) { connect(serviceId: $s) { host } }`,
    { s: stack.serviceIds.get("web") },
  );
  if (!reply.data) throw new Error(JSON.stringify(reply.errors));
  const host = reply.data.connect.host;
  const port = new URL(stack.apiUrl).port;
  for (let round = 0; round < rounds; round++) {
    for (const path of paths) {
      const [userBefore, systemBefore] = userAndSystem(stack.brokerPid);
      const before = [stack.brokerPid, stack.agentPid, targets.pid].map(cpuSeconds);
      const result = await autocannon({
        url: `http://127.0.0.1:${port}${path}`,
        connections: 64,
        duration: seconds,
        headers: { host },
      });
      const requests = Math.max(1, result.requests.total);
      const [broker, agent, web] = [stack.brokerPid, stack.agentPid, targets.pid].map((pid, i) =>
        (((cpuSeconds(pid) - (before[i] ?? 0)) * 1e6) / requests).toFixed(1),
      );
      const [user, system] = userAndSystem(stack.brokerPid);
      const split = [user - userBefore, system - systemBefore].map((s) =>
        ((s * 1e6) / requests).toFixed(0),
      );
      process.stdout.write(
        `${path.padEnd(6)} ${Math.round(result.requests.average)} req/s  errors ${result.errors + result.non2xx}  CPU µs/request: broker ${broker} (user ${split[0]} sys ${split[1]})  agent ${agent}  web ${web}\n`,
      );
    }
  }
} finally {
  await stack.stop();
  targets.stop();
}
