// CPU cost of the relay: moves data up and down (twice) through a Reach port proxy and
// prints the broker's and the agent's CPU-seconds per GiB, read from /proc. For A/B runs
// of a data-path change: `node --import tsx bench/relay-cpu.ts [--tls] [--socat] [--gib N]`.
// --tls runs the tunnel over TLS (a self-signed broker certificate); --socat measures a
// socat relay to the same target first, the single-stream bar the port proxy is held to.
import { setGlobalDispatcher, Agent as UndiciAgent } from "undici";
import { makeSelfSignedCert } from "../test-support/certs.js";
import { cpuSeconds } from "../test-support/proc-stats.js";
import { startTargetsProcess } from "../test-support/targets-process.js";
import { download, upload } from "../test-support/tcp-load.js";
import { connectPortProxy } from "./lib/context.js";
import { startReach } from "./lib/reach-stack.js";
import { startSocat } from "./lib/socat.js";

const args = process.argv.slice(2);
const gibIndex = args.indexOf("--gib");
const GIB = 1024 * 1024 * 1024 * (gibIndex >= 0 ? Number(args[gibIndex + 1]) : 1);
const DIRECTIONS = ["up", "down", "up", "down"] as const;
const targets = await startTargetsProcess();

if (args.includes("--socat")) {
  const socat = await startSocat("socat", [targets.bulk]);
  try {
    for (const direction of DIRECTIONS) {
      const [port] = socat.ports as [number];
      const rate = direction === "up" ? await upload(port, GIB) : await download(port, GIB);
      process.stdout.write(`socat ${direction.padEnd(4)} ${Math.round(rate)} MiB/s\n`);
    }
  } finally {
    await socat.stop();
  }
}

const cert = args.includes("--tls") ? await makeSelfSignedCert(["127.0.0.1"]) : null;
// The bench's own API calls must trust the TLS broker's certificate.
if (cert) setGlobalDispatcher(new UndiciAgent({ connect: { ca: cert.cert } }));
const stack = await startReach({
  port: 29391,
  services: [`bulk=tcp:${targets.bulk}`],
  brokerArgs: ["--proxy-ports", "29400-29499"],
  tls: cert
    ? { cert: cert.certFile, key: cert.keyFile, certPem: cert.cert, certFile: cert.certFile }
    : undefined,
});
try {
  const { port } = await connectPortProxy(stack, "bulk");
  for (const direction of DIRECTIONS) {
    const pids = [stack.brokerPid, stack.agentPid, targets.pid, process.pid];
    const before = pids.map(cpuSeconds);
    const rate = direction === "up" ? await upload(port, GIB) : await download(port, GIB);
    const [broker, agent, service, visitor] = pids.map(
      (pid, i) => (cpuSeconds(pid) - (before[i] as number)) / (GIB / 1024 ** 3),
    ) as [number, number, number, number];
    // On two cores the four processes share the CPU, so the total per GiB bounds the rate.
    const all = broker + agent + service + visitor;
    process.stdout.write(
      `${cert ? "tls " : ""}${direction.padEnd(4)} ${Math.round(rate)} MiB/s  broker ${broker.toFixed(2)}  agent ${agent.toFixed(2)} CPU-s/GiB  (service ${service.toFixed(2)}, visitor ${visitor.toFixed(2)}, all four ${all.toFixed(2)})\n`,
    );
  }
} finally {
  await stack.stop();
  targets.stop();
}
