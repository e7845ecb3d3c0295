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
  if (child.exitCode !== null) return Promise.resolve();
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
  const brokerArgs = [
    ...NODE_ARGS,
    REACH,
    "broker",
    "--data-dir",
    join(dir, "broker"),
    "--listen",
    `127.0.0.1:${options.port}`,
    "--idle-timeout",
    "0",
    ...(options.brokerArgs ?? []),
  ];
  if (options.tls) brokerArgs.push("--tls-cert", options.tls.cert, "--tls-key", options.tls.key);
  const broker = await spawnUntil(process.execPath, brokerArgs, /GraphQL API at (\S+)\)/);
  const apiUrl = broker.match[1] as string;
  const keys = JSON.parse(
    execFileSync(
      process.execPath,
      [
        REACH,
        "admin",
        "create-user",
        "bench@example.com",
        "--data-dir",
        join(dir, "broker"),
        "--json",
      ],
      { encoding: "utf8" },
    ),
  ) as { accessKeyId: string; secretAccessKey: string };
  const agentArgs = [
    ...NODE_ARGS,
    REACH,
    "agent",
    "--api",
    apiUrl,
    "--key",
    keys.accessKeyId,
    "--secret",
    keys.secretAccessKey,
    "--name",
    "bench",
    "--data-dir",
    join(dir, "agent"),
    ...options.services.flatMap((s) => ["--service", s]),
    ...(options.agentArgs ?? []),
  ];
  if (options.tls) agentArgs.push("--ca", options.tls.certFile);
  const lines = new RegExp(Array(options.services.length).fill("service \\S+ \\S+\\n").join(""));
  const agent = await spawnUntil(process.execPath, agentArgs, lines, options.agentEnv);
  const serviceIds = new Map<string, string>();
  for (const line of (agent.match[0] ?? "").trim().split("\n")) {
    const [, name, id] = line.split(" ");
    if (name && id) serviceIds.set(name, id);
  }
  return {
    apiUrl,
    credentials: keys,
    serviceIds,
    brokerPid: broker.child.pid ?? 0,
    agentPid: agent.child.pid ?? 0,
    agentStderr: agent.stderr,
    async stop() {
      await agent.stop();
      await broker.stop();
    },
  };
}
