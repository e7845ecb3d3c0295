// Broker nodes for the cluster benchmark, as processes (as operators run them): one SQLite
// broker, or N nodes on one PostgreSQL database, node N on 127.0.0.1N; agents as processes
// too, each offering the targets' echo. One user, whose key every call signs with.
import { connect } from "node:net";
import { graphqlRequest } from "../../common/graphql/request.js";
import type { R3Credentials } from "../../common/r3-signature.js";
import { nodeAddress, startNodeProcess } from "../../test-support/cluster.js";
import type { TestPostgres } from "../../test-support/postgres.js";
import {
  type AgentProcess,
  type BrokerProcess,
  createUserKeys,
  startAgentProcess,
  startBrokerProcess,
} from "../../test-support/reach-processes.js";
import { freePort, tempDir } from "../../test-support/stack.js";

/** Room for 10,000 proxies a node (and some), each node on its own address. */
const NODE_ARGS = ["--proxy-ports", "40000-52999", "--max-connections-per-user", "40000"];

export interface Connection {
  id: string;
  host: string;
  port: number;
}

export interface ClusterStack {
  /** nodes[0] is node 1; undefined once stopped (killed). */
  nodes: (BrokerProcess | undefined)[];
  /** The GraphQL API of node n (1-based). */
  apiOf(n: number): string;
  /** The PostgreSQL database; undefined for SQLite. */
  storeUrl?: string;
  credentials: R3Credentials;
  /** Starts an agent offering echo on `apis` (tried in turn), data in `dataDir`. */
  startAgent(name: string, apis: number[], dataDir?: string): Promise<AgentProcess>;
  /** A port proxy made through node `n`'s API. */
  connectVia(n: number, serviceId: string): Promise<Connection>;
  stop(): Promise<void>;
}

const CONNECT = `mutation ($s: String!) { connect(serviceId: $s, hostIP: "0.0.0.0", type: PORT_PROXY) { id host port } }`;

/**
 * `count` nodes on a fresh database of `postgres`, or (without it) one plain SQLite
 * broker in a data dir, listening on node 1's address so both run the same way.
 */
export async function startClusterStack(
  count: number,
  echoPort: number,
  postgres?: TestPostgres,
): Promise<ClusterStack> {
  const storeUrl = postgres ? await postgres.createDatabase() : undefined;
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const dataDirs = await Promise.all(ports.map((_, i) => tempDir(`reach-bench-node${i + 1}-`)));
  const started = await Promise.allSettled(
    ports.map((port, i) =>
      storeUrl
        ? startNodeProcess(i + 1, storeUrl, port, dataDirs[i] as string, NODE_ARGS)
        : startBrokerProcess({
            host: nodeAddress(1),
            port,
            dataDir: dataDirs[i] as string,
            args: ["--proxy-bind", nodeAddress(1), ...NODE_ARGS],
          }),
    ),
  );
  const nodes: (BrokerProcess | undefined)[] = started.map((s) =>
    s.status === "fulfilled" ? s.value : undefined,
  );
  const agents: AgentProcess[] = [];
  const stop = async () => {
    for (const agent of agents) await agent.stop();
    await Promise.all(nodes.map((node) => node?.stop()));
  };
  const failed = started.find((s) => s.status === "rejected");
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const apiOf = (n: number) =>
    nodes[n - 1]?.apiUrl ?? `http://${nodeAddress(n)}:${ports[n - 1]}/graphql/v1`;
  const credentials = createUserKeys(dataDirs[0] as string, "bench@example.com", storeUrl);
  return {
    nodes,
    apiOf,
    storeUrl,
    credentials,
    async startAgent(name, apis, dataDir) {
      const agent = await startAgentProcess({
        apiUrl: apis.map(apiOf).join(","),
        credentials,
        dataDir: dataDir ?? (await tempDir(`reach-bench-agent-${name}-`)),
        services: [`echo=tcp:${echoPort}`],
        name,
      });
      agents.push(agent);
      return agent;
    },
    async connectVia(n, serviceId) {
      const reply = await graphqlRequest<{ connect: Connection }>(apiOf(n), credentials, CONNECT, {
        s: serviceId,
      });
      if (!reply.data?.connect) {
        throw new Error(`connect via node ${n}: ${JSON.stringify(reply.errors)}`);
      }
      return reply.data.connect;
    },
    stop,
  };
}

/**
 * A fresh TCP visitor to host:port: connect, one byte, its echo back; milliseconds from
 * the connect to the first byte back. Rejects after `timeoutMs` (a proxy that never answers).
 */
export function firstByte(host: string, port: number, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const socket = connect({ port, host });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no echo from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setNoDelay(true);
    socket.once("connect", () => socket.write("x"));
    socket.once("data", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Number(process.hrtime.bigint() - start) / 1e6);
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once("end", () => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`${host}:${port} closed before echoing`));
    });
  });
}
