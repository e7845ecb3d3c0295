// A real Reach stack for tests: a broker in a temporary data directory, users with real
// keys, and agents in front of real target services. Everything listens on loopback.
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AgentOptions, type RunningAgent, startAgent } from "../agent/agent.js";
import { type RunningBroker, startBroker } from "../broker/broker.js";
import type { BrokerConfig } from "../broker/config.js";
import { silentLogger } from "../broker/log.js";
import { type GraphqlResponse, graphqlRequest } from "../common/graphql/request.js";
import type { ConnectionView } from "../common/graphql/schema.js";
import type { R3Credentials } from "../common/r3-signature.js";
import type { ServiceSpec } from "../common/tunnel-protocol.js";
import { startTcpEcho, type TcpEcho } from "./targets.js";

export interface TestUser {
  userId: string;
  credentials: R3Credentials;
  /** Runs a signed GraphQL operation as this user. */
  api<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphqlResponse<T>>;
}

/** A port nothing listens on right now (the OS picks it), for processes given a fixed port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Every directory tempDir() has made in this process. They are all removed when the process
 * exits (node --test runs each test file in a process of its own), so the data directories
 * of agents, certificates and tests' own scratch directories leave nothing behind in /tmp,
 * even when a test fails half-way or, like an agent restarted from the same data directory,
 * needs its directory after stopping. "exit" listeners cannot wait, hence rmSync.
 */
const madeDirs = new Set<string>();
let removeOnExit = false;

export async function tempDir(prefix = "reach-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  madeDirs.add(dir);
  if (!removeOnExit) {
    removeOnExit = true;
    process.once("exit", () => {
      for (const made of madeDirs) {
        try {
          rmSync(made, { recursive: true, force: true });
        } catch {
          // Best effort: a leftover directory must not turn a passing run into a failure.
        }
      }
    });
  }
  return dir;
}

/** A broker on an ephemeral port with a random slice of the proxy port range. */
export async function startTestBroker(
  settings: Partial<BrokerConfig> = {},
): Promise<RunningBroker & { dataDir: string; removeData(): Promise<void> }> {
  const dataDir = settings.dataDir ?? (await tempDir());
  const low = 40000 + Math.floor(Math.random() * 200) * 100;
  const broker = await startBroker(
    {
      listenHost: "127.0.0.1",
      listenPort: 0,
      proxyPortLow: low,
      proxyPortHigh: low + 99,
      agentPoolSize: 4,
      ...settings,
      dataDir,
    },
    silentLogger,
  );
  return Object.assign(broker, {
    dataDir,
    removeData: () => rm(dataDir, { recursive: true, force: true }),
  });
}

export async function createTestUser(broker: RunningBroker, email: string): Promise<TestUser> {
  const keys = await broker.users.createUserWithKey(email);
  const credentials = { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey };
  return {
    userId: keys.userId,
    credentials,
    api: (query, variables) => graphqlRequest(broker.apiUrl, credentials, query, variables),
  };
}

export async function startTestAgent(
  broker: { apiUrl: string },
  user: TestUser,
  services: ServiceSpec[],
  extra: Partial<AgentOptions> = {},
): Promise<RunningAgent & { serviceId(name: string): string; dataDir: string }> {
  const dataDir = extra.dataDir ?? (await tempDir("reach-agent-"));
  const agent = await startAgent({
    apiUrl: broker.apiUrl,
    credentials: user.credentials,
    name: "test-device",
    services,
    log: () => {},
    ...extra,
    dataDir,
  });
  const welcome = await agent.ready;
  return Object.assign(agent, {
    dataDir,
    serviceId(name: string) {
      const found = welcome.services.find((s) => s.name === name);
      if (!found) throw new Error(`no service ${name}`);
      return found.id;
    },
  });
}

export const CONNECT = `mutation ($serviceId: String!, $hostIP: String!, $type: ProxyType) {
  connect(serviceId: $serviceId, hostIP: $hostIP, type: $type) {
    id created host port reverseProxy timeout url serviceId hostIP
  }
}`;

export const DISCONNECT = `mutation ($serviceId: String, $connectionId: String!) {
  disconnect(serviceId: $serviceId, connectionId: $connectionId)
}`;

/** A connection as the API returns it. */
export type ConnectionResult = ConnectionView;

/** Connects and fails the test with the API's error if it did not work. */
export async function connectOrFail(
  user: TestUser,
  serviceId: string,
  hostIP = "0.0.0.0",
  type?: string,
): Promise<ConnectionResult> {
  const reply = await user.api<{ connect: ConnectionResult }>(CONNECT, { serviceId, hostIP, type });
  if (!reply.data?.connect) throw new Error(`connect failed: ${JSON.stringify(reply.errors)}`);
  return reply.data.connect;
}

export function errorCode(reply: GraphqlResponse<unknown>): string | undefined {
  return reply.errors?.[0]?.extensions?.code;
}

/** Polls until check() is true (for effects of timers that are not observable as events). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface EchoStack {
  broker: Awaited<ReturnType<typeof startTestBroker>>;
  user: TestUser;
  agent: Awaited<ReturnType<typeof startTestAgent>>;
  echo: TcpEcho;
}

/**
 * The common shape of a lifetime test: a broker with the given settings, one user, and an
 * agent offering a TCP echo service named "tcp"; everything is stopped afterwards.
 */
export async function withEchoStack(
  settings: Partial<BrokerConfig>,
  email: string,
  run: (stack: EchoStack) => Promise<void>,
): Promise<void> {
  const echo = await startTcpEcho();
  const broker = await startTestBroker(settings);
  const user = await createTestUser(broker, email);
  const agent = await startTestAgent(broker, user, [
    { name: "tcp", application: 1, port: echo.port, host: "127.0.0.1" },
  ]);
  try {
    await run({ broker, user, agent, echo });
  } finally {
    await agent.stop();
    await broker.close();
    await echo.close();
    await broker.removeData();
  }
}
