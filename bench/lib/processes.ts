// Starts the real broker and agent as separate processes (as users run them), so the
// benchmark sees two event loops on two cores, not one shared loop.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REACH = fileURLToPath(new URL("../../bin/reach.js", import.meta.url));
/** Extra node flags for the broker and agent, e.g. REACH_BENCH_NODE_ARGS=--cpu-prof to profile. */
const NODE_ARGS = (process.env.REACH_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);

export interface Spawned {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns a process and resolves once a line of its stdout matches `ready`. */
export function spawnUntil(
  command: string,
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = {},
): Promise<Spawned & { match: RegExpMatchArray; stderr(): string }> {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr?.on("data", (c) => {
      err += c;
    });
    child.stdout?.on("data", (c) => {
      out += c;
      const match = out.match(ready);
      if (match) resolve({ child, match, stop: () => stopChild(child), stderr: () => err });
    });
    child.once("exit", (code) =>
      reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${err}`)),
    );
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 3000).unref();
  });
}

export interface ReachStack {
  apiUrl: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  serviceIds: Map<string, string>;
  brokerPid: number;
  agentPid: number;
  /** Everything the agent has written to stderr so far. */
  agentStderr(): string;
  stop(): Promise<void>;
}

export interface BrokerProcess extends Spawned {
  apiUrl: string;
  dataDir: string;
  pid: number;
  stderr(): string;
}

/** `reach broker` on 127.0.0.1:`port` over `dataDir` (kept, so a restart finds its store). */
export async function startBrokerProcess(options: {
  port: number;
  dataDir: string;
  args?: string[];
  tls?: { cert: string; key: string };
}): Promise<BrokerProcess> {
  const args = [
    ...NODE_ARGS,
    REACH,
    "broker",
    "--data-dir",
    options.dataDir,
    "--listen",
    `127.0.0.1:${options.port}`,
    "--idle-timeout",
    "0",
    ...(options.args ?? []),
  ];
  if (options.tls) args.push("--tls-cert", options.tls.cert, "--tls-key", options.tls.key);
  const broker = await spawnUntil(process.execPath, args, /GraphQL API at (\S+)\)/);
  return {
    ...broker,
    apiUrl: broker.match[1] as string,
    dataDir: options.dataDir,
    pid: broker.child.pid ?? 0,
  };
}

/** A user and access key, made with `reach admin create-user` on the broker's store. */
export function createUserKeys(
  dataDir: string,
  email: string,
): { accessKeyId: string; secretAccessKey: string } {
  return JSON.parse(
    execFileSync(
      process.execPath,
      [REACH, "admin", "create-user", email, "--data-dir", dataDir, "--json"],
      { encoding: "utf8" },
    ),
  ) as { accessKeyId: string; secretAccessKey: string };
}

export interface AgentProcess extends Spawned {
  /** Service name → id, from the agent's "service <name> <id>" lines. */
  serviceIds: Map<string, string>;
  pid: number;
  stderr(): string;
}

/** `reach agent` offering `services` ("name=tcp:port"), ready once each is registered. */
export async function startAgentProcess(options: {
  apiUrl: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  dataDir: string;
  services: string[];
  name?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  caFile?: string;
}): Promise<AgentProcess> {
  const args = [
    ...NODE_ARGS,
    REACH,
    "agent",
    "--api",
    options.apiUrl,
    "--key",
    options.credentials.accessKeyId,
    "--secret",
    options.credentials.secretAccessKey,
    "--name",
    options.name ?? "bench",
    "--data-dir",
    options.dataDir,
    ...options.services.flatMap((s) => ["--service", s]),
    ...(options.args ?? []),
  ];
  if (options.caFile) args.push("--ca", options.caFile);
  const lines = new RegExp(Array(options.services.length).fill("service \\S+ \\S+\\n").join(""));
  const agent = await spawnUntil(process.execPath, args, lines, options.env);
  const serviceIds = new Map<string, string>();
  for (const line of (agent.match[0] ?? "").trim().split("\n")) {
    const [, name, id] = line.split(" ");
    if (name && id) serviceIds.set(name, id);
  }
  return { ...agent, serviceIds, pid: agent.child.pid ?? 0 };
}

export async function startReach(options: {
  port: number;
  services: string[];
  tls?: { cert: string; key: string; certPem: string; certFile: string };
  brokerArgs?: string[];
  /** Extra `reach agent` flags, e.g. ["--p2p-bind", "127.0.0.1"]. */
  agentArgs?: string[];
  /** Extra environment for the agent, e.g. { REACH_P2P_LOG: "Warning" }. */
  agentEnv?: NodeJS.ProcessEnv;
}): Promise<ReachStack> {
  const dir = mkdtempSync(join(tmpdir(), "reach-bench-"));
  const broker = await startBrokerProcess({
    port: options.port,
    dataDir: join(dir, "broker"),
    ...(options.brokerArgs ? { args: options.brokerArgs } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
  });
  const keys = createUserKeys(broker.dataDir, "bench@example.com");
  const agent = await startAgentProcess({
    apiUrl: broker.apiUrl,
    credentials: keys,
    dataDir: join(dir, "agent"),
    services: options.services,
    ...(options.agentArgs ? { args: options.agentArgs } : {}),
    ...(options.agentEnv ? { env: options.agentEnv } : {}),
    ...(options.tls ? { caFile: options.tls.certFile } : {}),
  });
  return {
    apiUrl: broker.apiUrl,
    credentials: keys,
    serviceIds: agent.serviceIds,
    brokerPid: broker.pid,
    agentPid: agent.pid,
    agentStderr: agent.stderr,
    async stop() {
      await agent.stop();
      await broker.stop();
    },
  };
}
