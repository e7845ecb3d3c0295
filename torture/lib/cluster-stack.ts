// A broker cluster for torture scenarios: a real PostgreSQL server of its own, three
// `reach broker` node processes on it (node N on 127.0.0.1N, a process to kill -9 and start
// again), and `reach agent` processes that each prefer one node and fall back to the others.
import { join } from "node:path";
import pg from "pg";
import { type GraphqlResponse, graphqlRequest } from "../../common/graphql/request.js";
import { nodeAddress, startNodeProcess } from "../../test-support/cluster.js";
import { startTestPostgres, type TestPostgres } from "../../test-support/postgres.js";
import { killHard } from "../../test-support/processes.js";
import {
  type AgentProcess,
  type BrokerProcess,
  createUserKeys,
  startAgentProcess,
} from "../../test-support/reach-processes.js";
import type { PortBlock } from "./port-blocks.js";
import { waitUntil } from "./probes.js";
import type { Recorder } from "./scenario.js";
import type { Keys } from "./stack.js";

export const NODES = [1, 2, 3] as const;

export interface ClusterConnection {
  id: string;
  host: string;
  port: number | null;
  url: string;
}

export interface ClusterStackOptions {
  dir: string;
  /**
   * The scenario's ports: the first three are nodes 1-3's listeners, the rest split evenly
   * into the nodes' port-proxy ranges (each node has its own address, but distinct ports
   * make a misrouted visitor visible).
   */
  ports: PortBlock;
  nodeArgs?: string[];
}

export class ClusterStack {
  postgres!: TestPostgres;
  storeUrl = "";
  readonly nodes = new Map<number, BrokerProcess>();
  private readonly agents = new Set<AgentProcess>();

  constructor(readonly options: ClusterStackOptions) {}

  listenerPort(n: number): number {
    return this.options.ports.port(n - 1);
  }

  apiUrl(n: number): string {
    return `http://${nodeAddress(n)}:${this.listenerPort(n)}/graphql/v1`;
  }

  private proxyRange(n: number): string {
    const per = Math.floor((this.options.ports.size - NODES.length) / NODES.length);
    return this.options.ports.range(NODES.length + (n - 1) * per, per);
  }

  /** PostgreSQL, a fresh database, and the three nodes started together (their migrations race). */
  async start(): Promise<void> {
    this.postgres = await startTestPostgres();
    this.storeUrl = await this.postgres.createDatabase();
    await Promise.all(NODES.map((n) => this.startNode(n)));
  }

  async startNode(n: number): Promise<BrokerProcess> {
    const node = await startNodeProcess(
      n,
      this.storeUrl,
      this.listenerPort(n),
      join(this.options.dir, `node${n}`),
      [
        "--proxy-ports",
        this.proxyRange(n),
        "--stun-port",
        "off",
        "--idle-timeout",
        "0",
        ...(this.options.nodeArgs ?? []),
      ],
    );
    this.nodes.set(n, node);
    return node;
  }

  /** SIGKILL, as a machine's loss would be; resolves once the process is gone. */
  async killNode(n: number): Promise<void> {
    const node = this.nodes.get(n);
    this.nodes.delete(n);
    if (node) await killHard(node.child);
  }

  createUser(email: string): Keys {
    return createUserKeys("", email, this.storeUrl);
  }

  /** An agent that tries the nodes in `order` (the first one it attaches to, if up). */
  async startAgent(
    name: string,
    keys: Keys,
    services: string[],
    order: readonly number[],
  ): Promise<AgentProcess> {
    const agent = await startAgentProcess({
      apiUrl: order.map((n) => this.apiUrl(n)).join(","),
      credentials: keys,
      dataDir: join(this.options.dir, `agent-${name}`),
      services,
      name,
      args: ["--no-p2p"],
    });
    this.agents.add(agent);
    agent.child.once("exit", () => this.agents.delete(agent));
    return agent;
  }

  api<T = Record<string, unknown>>(
    n: number,
    keys: Keys,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<GraphqlResponse<T>> {
    return graphqlRequest<T>(this.apiUrl(n), keys, query, variables);
  }

  /** A port proxy (or `type`) made through node `n`; throws an error carrying the API's code. */
  async connect(
    n: number,
    keys: Keys,
    serviceId: string,
    hostIP = "0.0.0.0",
    type = "PORT_PROXY",
  ): Promise<ClusterConnection> {
    const reply = await this.api<{ connect: ClusterConnection }>(
      n,
      keys,
      `mutation ($s: String!, $h: String!, $t: ProxyType) { connect(serviceId: $s, hostIP: $h, type: $t) { id host port url } }`,
      { s: serviceId, h: hostIP, t: type },
    );
    if (!reply.data?.connect) {
      throw Object.assign(new Error(`connect via node ${n}: ${JSON.stringify(reply.errors)}`), {
        code: reply.errors?.[0]?.extensions?.code,
      });
    }
    return reply.data.connect;
  }

  /** The user's active connections as node `n` lists them. */
  async activeIds(n: number, keys: Keys): Promise<Set<string>> {
    const reply = await this.api<{ login: { connections: { id: string }[] } }>(
      n,
      keys,
      "{ login { connections { id } } }",
    );
    if (!reply.data) throw new Error(`connections via node ${n}: ${JSON.stringify(reply.errors)}`);
    return new Set(reply.data.login.connections.map((c) => c.id));
  }

  /**
   * One device on each node (dev1 prefers node 1, then the next ones round the ring), once
   * every node shows all three online; null when they did not within 15 s.
   */
  async startDeviceOnEachNode(keys: Keys, services: string[]): Promise<AgentProcess[] | null> {
    const agents = await Promise.all(
      NODES.map((n) =>
        this.startAgent(`dev${n}`, keys, services, [n, (n % 3) + 1, ((n + 1) % 3) + 1]),
      ),
    );
    const allActive = await waitUntil(async () => {
      const views = await Promise.all(NODES.map((n) => this.deviceStates(n, keys)));
      return views.every((v) => [...v.values()].filter((s) => s === "active").length === 3);
    }, 15_000);
    return allActive === null ? null : agents;
  }

  /** Records the store's consistency as the scenario's check (see inconsistencies()). */
  async checkConsistent(record: Recorder): Promise<void> {
    const wrong = await this.inconsistencies();
    record.check(
      "store consistent: no port or host held twice, every attached node live",
      wrong.length === 0,
      wrong.join("; ") || undefined,
    );
  }

  /** Device name → state ("active"/"inactive") as node `n` shows them. */
  async deviceStates(n: number, keys: Keys): Promise<Map<string, string>> {
    const reply = await this.api<{
      login: { devices: { items: { name: string; state: string }[] } };
    }>(n, keys, "{ login { devices { items { name state } } } }");
    return new Map((reply.data?.login.devices.items ?? []).map((d) => [d.name, d.state]));
  }

  async sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: this.storeUrl });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  /**
   * The store's own view of its consistency: no two active connections on one node's port
   * or one host, and no device attached to a node that is not live. Empty when it holds.
   */
  async inconsistencies(): Promise<string[]> {
    const ports = await this.sql<{ node: number; port: number }>(
      `SELECT node, port FROM connections WHERE state = 'active' AND port IS NOT NULL
       GROUP BY node, port HAVING count(*) > 1`,
    );
    const hosts = await this.sql<{ host: string }>(
      `SELECT host FROM connections WHERE state = 'active' AND reverse_proxy
       GROUP BY host HAVING count(*) > 1`,
    );
    const stray = await this.sql<{ name: string; node: number }>(
      `SELECT d.name, d.attached_node AS node FROM devices d
       WHERE d.attached_node IS NOT NULL AND NOT EXISTS (SELECT 1 FROM nodes n
         WHERE n.node = d.attached_node AND n.heartbeat >= now() - interval '10 seconds')`,
    );
    return [
      ...ports.map((p) => `two active connections on node ${p.node} port ${p.port}`),
      ...hosts.map((h) => `two active connections on host ${h.host}`),
      ...stray.map((d) => `device ${d.name} attached to node ${d.node}, which is not live`),
    ];
  }

  async stop(): Promise<void> {
    await Promise.all([...this.agents].map((a) => a.stop()));
    await Promise.all([...this.nodes.values()].map((n) => n.stop()));
    await this.postgres?.stop();
  }
}
