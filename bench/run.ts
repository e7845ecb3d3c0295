// `npm run bench`: everything on loopback, started here, measured in one run, written to
// bench/results/latest.{json,md,svg}. `--quick` (under a minute) uses fewer samples.
// `--only=name,name` re-runs some suites and keeps the others' latest results. Never part
// of `npm test`.
import { setGlobalDispatcher, Agent as UndiciAgent } from "undici";
import { makeSelfSignedCert } from "../test-support/certs.js";
import { startTargetsProcess } from "../test-support/targets-process.js";
import { type BenchContext, connectPortProxy, type SuiteResult } from "./lib/context.js";
import { ensureFreshBuild } from "./lib/fresh-build.js";
import { startPeers } from "./lib/peer-paths.js";
import { startReach } from "./lib/reach-stack.js";
import { writeReport } from "./lib/report.js";
import { cluster } from "./suites/cluster.js";
import { controlPlane } from "./suites/control-plane.js";
import { memory } from "./suites/memory.js";
import { onDemand } from "./suites/on-demand.js";
import { reverseProxy } from "./suites/reverse-proxy.js";
import { scale } from "./suites/scale.js";
import { setupLatency } from "./suites/setup-latency.js";
import { startup } from "./suites/startup.js";
import { throughput } from "./suites/throughput.js";

const quick = process.argv.includes("--quick");
const only = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
// Memory first: it measures RSS growth, best done before other suites leave garbage.
const SUITES: [string, (ctx: BenchContext) => Promise<SuiteResult>][] = [
  ["memory", memory],
  ["throughput", throughput],
  ["setupLatency", setupLatency],
  ["onDemand", onDemand],
  ["reverseProxy", reverseProxy],
  ["controlPlane", controlPlane],
  ["scale", scale],
  ["startup", startup],
  ["cluster", cluster],
];

// Preflight: the broker and agent must run dist/node, as users' `reach` does, not tsx.
ensureFreshBuild();
const targets = await startTargetsProcess();
const services = [
  `bulk=tcp:${targets.bulk}`,
  `echo=tcp:${targets.echo}`,
  `web=http:${targets.http}`,
];
// Preflight: the peers a user would pick instead, each started only if installed.
const peers = await startPeers(targets).catch((error: unknown) => {
  targets.stop();
  throw error;
});
const plain = await startReach({
  port: 29391,
  services,
  brokerArgs: ["--proxy-ports", "40000-52999", "--max-connections-per-user", "20000"],
  // On-demand P2P (the onDemand suite) gathers candidates on loopback only, and the suite
  // reports what libdatachannel warns about.
  agentArgs: ["--p2p-bind", "127.0.0.1"],
  agentEnv: { REACH_P2P_LOG: "Warning" },
});
const cert = await makeSelfSignedCert(["127.0.0.1"]);
// The bench's own API calls must trust the TLS broker's certificate.
setGlobalDispatcher(new UndiciAgent({ connect: { ca: cert.cert } }));
const tls = await startReach({
  port: 29392,
  services,
  brokerArgs: ["--proxy-ports", "29500-29599"],
  agentArgs: ["--p2p-bind", "127.0.0.1"],
  tls: { cert: cert.certFile, key: cert.keyFile, certPem: cert.cert, certFile: cert.certFile },
});

const results: Record<string, SuiteResult> = {};
try {
  const ctx: BenchContext = {
    quick,
    targets,
    plain,
    tls,
    paths: [
      { name: "direct", bulk: targets.bulk, echo: targets.echo },
      ...peers.paths,
      {
        name: "reach (plain tunnel)",
        bulk: (await connectPortProxy(plain, "bulk")).port,
        echo: (await connectPortProxy(plain, "echo")).port,
      },
      {
        name: "reach (TLS tunnel)",
        bulk: (await connectPortProxy(tls, "bulk")).port,
        echo: (await connectPortProxy(tls, "echo")).port,
      },
    ],
    missing: peers.missing,
    nginx: peers.nginx,
  };
  for (const [name, suite] of SUITES) {
    if (only && !only.includes(name)) continue;
    const started = Date.now();
    results[name] = await suite(ctx);
    process.stderr.write(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
} finally {
  await Promise.all([plain.stop(), tls.stop(), peers.stop()]);
  targets.stop();
}
process.stdout.write(writeReport(quick, results, only !== undefined));
