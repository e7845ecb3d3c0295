// A real Reach stack for tests: a broker in a temporary data directory, users with real
// keys, and agents in front of real target services. Everything listens on loopback.
// startStack()/withStack() put the usual set together and take it down again; the parts
// stay exported for tests that need another shape (a restart on the same store, say).
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AgentBrokers,
  type AgentOptions,
  type RunningAgent,
  startAgent,
} from "../agent/agent.js";
import { type RunningBroker, startBroker } from "../broker/broker.js";
import type { BrokerConfig } from "../broker/config.js";
import { silentLogger } from "../broker/log.js";
import { type GraphqlResponse, graphqlRequest } from "../common/graphql/request.js";
import type { ConnectionView } from "../common/graphql/schema.js";
import type { R3Credentials } from "../common/r3-signature.js";
import type { ServiceSpec } from "../common/tunnel/protocol.js";
import { type HttpTarget, startHttpTarget, startTcpEcho, type TcpEcho } from "./targets.js";

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
  const { apiUrl, apiUrls, ...settings } = extra;
  const brokers: AgentBrokers = apiUrls ? { apiUrls } : { apiUrl: apiUrl ?? broker.apiUrl };
  const agent = await startAgent({
    credentials: user.credentials,
    name: "test-device",
    services,
    log: () => {},
    ...settings,
    ...brokers,
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

export type TestBroker = Awaited<ReturnType<typeof startTestBroker>>;
export type TestAgent = Awaited<ReturnType<typeof startTestAgent>>;

/** A service of a stack's agent: on the stack's echo or web target, or on a port of the test's. */
export type StackService = Omit<ServiceSpec, "port" | "host"> & {
  /** Default 127.0.0.1. */
  host?: string;
} & ({ target: "echo" | "web" } | { port: number });

export interface StackOptions {
  /** Broker settings over startTestBroker's (timeouts, TLS, caps …). */
  settings?: Partial<BrokerConfig>;
  /** The users to create, by email; the first owns the agent. */
  users?: string[];
  /** What the agent offers; by default the echo target as "tcp" (application 1). */
  services?: StackService[];
  /** More of the agent's options (p2pBindAddress, ca, name …). */
  agent?: Partial<AgentOptions>;
}

/** What a test runs against; stop() ends every part of it, extra agents included. */
export interface TestStack {
  broker: TestBroker;
  /** The first of `users`: the agent's owner. */
  user: TestUser;
  users: TestUser[];
  agent: TestAgent;
  echo: TcpEcho;
  web: HttpTarget;
  /** One more agent, for `owner` (default the first user), stopped with the stack. */
  startAgent(
    services: ServiceSpec[],
    extra?: Partial<AgentOptions>,
    owner?: TestUser,
  ): Promise<TestAgent>;
  stop(): Promise<void>;
}

const DEFAULT_SERVICES: StackService[] = [{ name: "tcp", application: 1, target: "echo" }];

/**
 * A broker with the given settings, its users, an agent offering `services`, and the echo
 * and web targets those can point at. If any part fails to start, what did start is stopped.
 */
export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopPart of stops.splice(0).reverse()) await stopPart();
  };
  try {
    const echo = await startTcpEcho();
    stops.push(() => echo.close());
    const web = await startHttpTarget();
    stops.push(() => web.close());
    const broker = await startTestBroker(options.settings);
    stops.push(async () => {
      await broker.close();
      await broker.removeData();
    });
    const users: TestUser[] = [];
    for (const email of options.users ?? ["stack@example.com"]) {
      // Awaited, so that user creation may become asynchronous without touching this.
      users.push(await createTestUser(broker, email));
    }
    const user = users[0];
    if (!user) throw new Error("startStack needs at least one user to own the agent");
    const startAgent = async (
      services: ServiceSpec[],
      extra: Partial<AgentOptions> = {},
      owner = user,
    ) => {
      const agent = await startTestAgent(broker, owner, services, extra);
      stops.push(async () => {
        await agent.stop();
        await rm(agent.dataDir, { recursive: true, force: true });
      });
      return agent;
    };
    const ports = { echo: echo.port, web: web.port };
    const services = (options.services ?? DEFAULT_SERVICES).map(
      ({ host = "127.0.0.1", ...service }): ServiceSpec => ({
        name: service.name,
        application: service.application,
        host,
        port: "target" in service ? ports[service.target] : service.port,
      }),
    );
    const agent = await startAgent(services, options.agent);
    return { broker, user, users, agent, echo, web, startAgent, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs `run` against a stack (see startStack) and stops it afterwards, passed or failed. */
export async function withStack(
  options: StackOptions,
  run: (stack: TestStack) => Promise<void>,
): Promise<void> {
  const stack = await startStack(options);
  try {
    await run(stack);
  } finally {
    await stack.stop();
  }
}
