// CPU cost of a connect: N port-proxy connects (32 at a time) against one broker node, on
// PostgreSQL (default) or SQLite (--sqlite), and the broker's and PostgreSQL's CPU-seconds
// for them, read from /proc. For A/B runs of a store change:
// `N=6000 node --import tsx bench/connect-cpu.ts [--sqlite]`.
import { execFileSync } from "node:child_process";
import { startTestPostgres } from "../test-support/postgres.js";
import { cpuSeconds } from "../test-support/proc-stats.js";
import { startTargetsProcess } from "../test-support/targets-process.js";
import { startClusterStack } from "./lib/cluster-stack.js";

const postgres = process.argv.includes("--sqlite") ? undefined : await startTestPostgres();
const targets = await startTargetsProcess();
const stack = await startClusterStack(1, targets.echo, postgres);
const agent = await stack.startAgent("connect-cpu", [1]);
const serviceId = agent.serviceIds.get("echo") as string;
/** Every PostgreSQL process's CPU (the server runs as the postgres user). */
const postgresCpu = () => {
  if (!postgres) return 0;
  const pids = execFileSync("pgrep", ["-u", "postgres"], { encoding: "utf8" }).split("\n");
  return pids.filter(Boolean).reduce((sum, pid) => {
    try {
      return sum + cpuSeconds(Number(pid));
    } catch {
      return sum; // exited meanwhile
    }
  }, 0);
};
const brokerPid = stack.nodes[0]?.pid ?? 0;
const count = Number(process.env.N ?? 3000);
try {
  const broker0 = cpuSeconds(brokerPid);
  const postgres0 = postgresCpu();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < count) {
        next++;
        await stack.connectVia(1, serviceId);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const perConnectMs = (cpu: number) => ((cpu / count) * 1000).toFixed(2);
  process.stdout.write(
    `${postgres ? "PostgreSQL" : "SQLite"}: ${count} connects, ${Math.round(count / seconds)}/s; ` +
      `broker ${perConnectMs(cpuSeconds(brokerPid) - broker0)} ms CPU each, ` +
      `PostgreSQL ${perConnectMs(postgresCpu() - postgres0)} ms\n`,
  );
} finally {
  await stack.stop();
  targets.stop();
  await postgres?.stop();
}
