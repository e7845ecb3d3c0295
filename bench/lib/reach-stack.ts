// The stack a benchmark measures: the real broker and agent as separate processes (as
// users run them), so the benchmark sees two event loops on two cores, not one shared
// loop, and one user whose key the suites sign with.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { R3Credentials } from "../../common/r3-signature.js";
import {
  createUserKeys,
  startAgentProcess,
  startBrokerProcess,
} from "../../test-support/reach-processes.js";

export interface ReachStack {
  apiUrl: string;
  credentials: R3Credentials;
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
  const broker = await startBrokerProcess({
    port: options.port,
    dataDir: join(dir, "broker"),
    args: options.brokerArgs,
    tls: options.tls,
  });
  const keys = createUserKeys(broker.dataDir, "bench@example.com");
  const agent = await startAgentProcess({
    apiUrl: broker.apiUrl,
    credentials: keys,
    dataDir: join(dir, "agent"),
    services: options.services,
    args: options.agentArgs,
    env: options.agentEnv,
    caFile: options.tls?.certFile,
  }).catch(async (error: unknown) => {
    await broker.stop();
    throw error;
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
