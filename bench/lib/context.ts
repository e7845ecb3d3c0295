// What every suite measures against: the targets and the paths to them, all set up once
// per run and measured in the same run (shared machines drift; only ratios travel).
import { graphqlRequest } from "../../common/graphql/request.js";
import type { TargetPorts } from "../../test-support/targets-process.js";
import type { ReachStack } from "./reach-stack.js";

export interface TcpPath {
  name: string;
  /** Port reaching the bulk sink/source through this path. */
  bulk: number;
  /** Port reaching the 1-byte echo through this path. */
  echo: number;
}

/** A peer's path that could not be measured: its program is not installed here. */
export interface MissingPath {
  name: string;
  /** A TCP path (throughput, setup latency) or an HTTP reverse proxy. */
  kind: "tcp" | "http";
  /** How to get it, e.g. "apt-get install socat". */
  install: string;
}

export interface BenchContext {
  quick: boolean;
  targets: TargetPorts & { pid: number };
  /** Paths measured, in the order reported. */
  paths: TcpPath[];
  /** Peers' paths not measured here; suites report them as "missing" rows. */
  missing: MissingPath[];
  /** nginx reverse-proxying to the same web server as Reach, when nginx is installed. */
  nginx?: { httpPort: number; workerPids: number[] };
  plain: ReachStack;
  tls: ReachStack;
}

export interface Target {
  name: string;
  value: number;
  bound: string;
  met: boolean;
}

export interface SuiteResult {
  title: string;
  /** Markdown table: header then rows. */
  table: string[][];
  data: unknown;
  targets: Target[];
}

export async function connectPortProxy(
  stack: ReachStack,
  service: string,
  hostIP = "0.0.0.0",
): Promise<{ id: string; port: number }> {
  const reply = await graphqlRequest<{ connect: { id: string; port: number } }>(
    stack.apiUrl,
    stack.credentials,
    `mutation ($s: String!, $h: String!) { connect(serviceId: $s, hostIP: $h, type: PORT_PROXY) { id port } }`,
    { s: stack.serviceIds.get(service), h: hostIP },
  );
  if (!reply.data) throw new Error(`connect ${service}: ${JSON.stringify(reply.errors)}`);
  return reply.data.connect;
}

/** A table row for a missing path: its name, "missing (how to get it)", then blanks. */
export function missingRow(path: MissingPath, columns: number): string[] {
  return [path.name, `missing (${path.install})`, ...Array(Math.max(0, columns - 2)).fill("")];
}
