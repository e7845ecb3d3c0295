// `reach broker` and `reach agent` as processes of their own, as users run them, and users
// made with `reach admin create-user`: for benchmarks (two event loops on two cores, not
// one shared loop) and torture runs (a process to kill -9 and start again on its store).
import { execFileSync } from "node:child_process";
import type { R3Credentials } from "../common/r3-signature.js";
import { REACH, startReachChild, type WatchedChild } from "./processes.js";

/** Extra node flags for brokers and agents, e.g. REACH_BENCH_NODE_ARGS=--cpu-prof to profile. */
const NODE_ARGS = (process.env.REACH_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);

export interface BrokerProcess extends WatchedChild {
  apiUrl: string;
  dataDir: string;
}

/** `reach broker` on `host` (127.0.0.1):`port` over `dataDir` (kept, so a restart finds its store). */
export async function startBrokerProcess(options: {
  port: number;
  /** The listener's address; default 127.0.0.1. */
  host?: string;
  dataDir: string;
  args?: string[];
  tls?: { cert: string; key: string };
  /** Set over this process's environment (a scratch HOME, say). */
  env?: NodeJS.ProcessEnv;
}): Promise<BrokerProcess> {
  const tls = options.tls ? ["--tls-cert", options.tls.cert, "--tls-key", options.tls.key] : [];
  const broker = startReachChild(
    [
      "broker",
      "--data-dir",
      options.dataDir,
      "--listen",
      `${options.host ?? "127.0.0.1"}:${options.port}`,
      "--idle-timeout",
      "0",
      ...(options.args ?? []),
      ...tls,
    ],
    { env: options.env, nodeArgs: NODE_ARGS },
  );
  const [, apiUrl] = await untilReady(broker, broker.waitForLine(/GraphQL API at (\S+)\)/));
  return Object.assign(broker, { apiUrl: apiUrl as string, dataDir: options.dataDir });
}

/**
 * A user and access key, made with `reach admin create-user` on the broker's store: the
 * SQLite store in `dataDir`, or the `store` given (postgres://…).
 */
export function createUserKeys(dataDir: string, email: string, store?: string): R3Credentials {
  const where = store ? ["--store", store] : ["--data-dir", dataDir];
  return JSON.parse(
    execFileSync(process.execPath, [REACH, "admin", "create-user", email, ...where, "--json"], {
      encoding: "utf8",
    }),
  ) as R3Credentials;
}

export interface AgentProcess extends WatchedChild {
  /** Service name → id, from the agent's "service <name> <id>" lines. */
  serviceIds: Map<string, string>;
}

/** `reach agent` offering `services` ("name=tcp:port"), ready once each is registered. */
export async function startAgentProcess(options: {
  apiUrl: string;
  credentials: R3Credentials;
  dataDir: string;
  services: string[];
  name?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  caFile?: string;
}): Promise<AgentProcess> {
  const agent = startReachChild(
    [
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
      ...(options.caFile ? ["--ca", options.caFile] : []),
    ],
    { env: options.env, nodeArgs: NODE_ARGS },
  );
  const registered = await untilReady(
    agent,
    agent.waitForLines(/^service (\S+) (\S+)$/, options.services.length),
  );
  const serviceIds = new Map(registered.map(([, name, id]) => [name as string, id as string]));
  return Object.assign(agent, { serviceIds });
}

/** What `ready` resolves to; if it fails instead, the child is stopped before the error goes on. */
async function untilReady<T>(child: WatchedChild, ready: Promise<T>): Promise<T> {
  try {
    return await ready;
  } catch (error) {
    await child.stop();
    throw error;
  }
}
