// What every suite measures against: the targets and the paths to them, all set up once
// per run and measured in the same run (shared machines drift; only ratios travel).
import { readFileSync } from "node:fs";
import { graphqlRequest } from "../../common/graphql/request.js";
import type { ReachStack } from "./processes.js";
import type { TargetPorts } from "./targets-process.js";

export interface TcpPath {
  name: string;
  /** Port reaching the bulk sink/source through this path. */
  bulk: number;
  /** Port reaching the 1-byte echo through this path. */
  echo: number;
}

export interface BenchContext {
  quick: boolean;
  targets: TargetPorts & { pid: number };
  paths: TcpPath[];
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

/** User + system CPU seconds of a process, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1] ?? "").split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident memory of a process, from /proc (Linux). */
export function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
}
