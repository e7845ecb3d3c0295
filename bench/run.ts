// `npm run bench`: port-proxy throughput through Reach beside direct, socat and ssh -R,
// all measured in this run (shared machines are noisy; only same-run ratios mean much).
// `--quick` moves fewer bytes. Writes bench/results/latest.json and latest.md.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { setGlobalDispatcher, Agent as UndiciAgent } from "undici";
import { graphqlRequest } from "../common/graphql/request.js";
import { makeSelfSignedCert } from "../test-support/certs.js";
import { startReach, stopChild } from "./lib/processes.js";
import { startSshReverseTunnel } from "./lib/ssh-tunnel.js";
import { download, startBulkService, upload, waitForPort } from "./lib/tcp.js";

const quick = process.argv.includes("--quick");
const BYTES = (quick ? 128 : 1024) * 1024 * 1024;
const SAMPLES = quick ? 3 : 5;

interface PathResult {
  path: string;
  uploadMiBs: number;
  downloadMiBs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function portProxy(stack: Awaited<ReturnType<typeof startReach>>): Promise<number> {
  const reply = await graphqlRequest<{ connect: { port: number } }>(
    stack.apiUrl,
    stack.credentials,
    `mutation ($s: String!) { connect(serviceId: $s, hostIP: "0.0.0.0") { port } }`,
    { s: stack.serviceIds.get("bulk") },
  );
  if (!reply.data) throw new Error(JSON.stringify(reply.errors));
  return reply.data.connect.port;
}

// Every path is set up first and then measured in interleaved rounds, so a slow moment
// of the shared machine lands on all paths alike instead of on whichever ran then.
const bulk = await startBulkService();
const socat = spawn(
  "socat",
  ["TCP-LISTEN:29393,bind=127.0.0.1,fork,reuseaddr", `TCP:127.0.0.1:${bulk.port}`],
  { stdio: "ignore" },
);
await waitForPort(29393);
const ssh = await startSshReverseTunnel(29394, 29395, bulk.port);
const plain = await startReach({
  port: 29391,
  services: [`bulk=tcp:${bulk.port}`],
  brokerArgs: ["--proxy-ports", "29400-29499"],
});
const cert = await makeSelfSignedCert(["127.0.0.1"]);
// The bench's own API calls must trust the TLS broker's certificate too.
setGlobalDispatcher(new UndiciAgent({ connect: { ca: cert.cert } }));
const tls = await startReach({
  port: 29392,
  services: [`bulk=tcp:${bulk.port}`],
  brokerArgs: ["--proxy-ports", "29500-29599"],
  tls: { cert: cert.certFile, key: cert.keyFile, certPem: cert.cert, certFile: cert.certFile },
});
const paths: [string, number][] = [
  ["direct", bulk.port],
  ["socat relay", 29393],
  ["ssh -R", 29395],
  ["reach port proxy (plain tunnel)", await portProxy(plain)],
  ["reach port proxy (TLS tunnel)", await portProxy(tls)],
];
const samples = new Map<string, { up: number[]; down: number[] }>(
  paths.map(([name]) => [name, { up: [], down: [] }]),
);
try {
  for (let round = 0; round < SAMPLES; round++) {
    for (const [name, port] of paths) {
      const sample = samples.get(name) as { up: number[]; down: number[] };
      sample.up.push(await upload(port, BYTES));
      sample.down.push(await download(port, BYTES));
      process.stderr.write(
        `round ${round + 1} ${name}: up ${Math.round(sample.up.at(-1) ?? 0)}, down ${Math.round(sample.down.at(-1) ?? 0)} MiB/s\n`,
      );
    }
  }
} finally {
  await Promise.all([plain.stop(), tls.stop(), ssh.stop(), stopChild(socat)]);
  bulk.server.close();
}
const results: PathResult[] = paths.map(([name]) => {
  const sample = samples.get(name) as { up: number[]; down: number[] };
  return {
    path: name,
    uploadMiBs: Math.round(median(sample.up)),
    downloadMiBs: Math.round(median(sample.down)),
  };
});

const by = (name: string) => results.find((r) => r.path === name) as PathResult;
const ratio = (a: PathResult, b: PathResult) => ({
  upload: +(a.uploadMiBs / b.uploadMiBs).toFixed(2),
  download: +(a.downloadMiBs / b.downloadMiBs).toFixed(2),
});
const reach = by("reach port proxy (plain tunnel)");
const summary = {
  when: new Date().toISOString(),
  quick,
  bytesPerTransfer: BYTES,
  samples: SAMPLES,
  results,
  ratios: {
    reachVsSshR: ratio(reach, by("ssh -R")),
    reachVsDirect: ratio(reach, by("direct")),
    reachTlsVsSshR: ratio(by("reach port proxy (TLS tunnel)"), by("ssh -R")),
  },
};
mkdirSync(new URL("results/", import.meta.url), { recursive: true });
writeFileSync(
  new URL("results/latest.json", import.meta.url),
  `${JSON.stringify(summary, null, 2)}\n`,
);
const table = [
  `# Port-proxy throughput, one TCP stream, ${BYTES / 1048576} MiB each way (median of ${SAMPLES})`,
  "",
  "| path | upload MiB/s | download MiB/s |",
  "| --- | ---: | ---: |",
  ...results.map((r) => `| ${r.path} | ${r.uploadMiBs} | ${r.downloadMiBs} |`),
  "",
  `Reach (plain) vs ssh -R: ${summary.ratios.reachVsSshR.upload}× up, ${summary.ratios.reachVsSshR.download}× down.`,
  `Reach (plain) vs direct: ${summary.ratios.reachVsDirect.upload}× up, ${summary.ratios.reachVsDirect.download}× down.`,
  `Reach (TLS) vs ssh -R: ${summary.ratios.reachTlsVsSshR.upload}× up, ${summary.ratios.reachTlsVsSshR.download}× down.`,
  "",
];
writeFileSync(new URL("results/latest.md", import.meta.url), table.join("\n"));
process.stdout.write(table.join("\n"));
