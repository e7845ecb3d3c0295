// A Reach stack for torture scenarios: a real broker process and real agent processes
// over data directories that survive restarts, so a scenario can kill -9 either side
// and start it again on the same store.
import { join } from "node:path";
import { type GraphqlResponse, graphqlRequest } from "../../common/graphql/request.js";
import { killHard } from "../../test-support/processes.js";
import {
  type AgentProcess,
  type BrokerProcess,
  createUserKeys,
  startAgentProcess,
  startBrokerProcess,
} from "../../test-support/reach-processes.js";
import type { PortBlock } from "./port-blocks.js";

export interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface TortureStackOptions {
  /** Where the broker's and agents' data directories live (ctx.scratchDir). */
  dir: string;
  /**
   * The scenario's ports (claimPortBlock): the first is the broker's API/tunnel/reverse-proxy
   * listener on 127.0.0.1, the rest its port-proxy range.
   */
  ports: PortBlock;
  brokerArgs?: string[];
}

export class TortureStack {
  broker!: BrokerProcess;
  private readonly agents = new Set<AgentProcess>();

  constructor(readonly options: TortureStackOptions) {}

  get brokerDataDir(): string {
    return join(this.options.dir, "broker");
  }

  /** The broker's listener, the same across restarts. */
  get port(): number {
    return this.options.ports.port(0);
  }

  get apiUrl(): string {
    return this.broker.apiUrl;
  }

  /** Starts (or restarts, on the same store and port) the broker. */
  async startBroker(): Promise<BrokerProcess> {
    this.broker = await startBrokerProcess({
      port: this.port,
      dataDir: this.brokerDataDir,
      args: [
        "--proxy-ports",
        this.options.ports.range(1, this.options.ports.size - 1),
        "--stun-port",
        "off",
        ...(this.options.brokerArgs ?? []),
      ],
    });
    return this.broker;
  }

  createUser(email: string): Keys {
    return createUserKeys(this.brokerDataDir, email);
  }

  /** An agent named `name` for `keys`, offering services like "echo=tcp:4000". */
  async startAgent(
    name: string,
    keys: Keys,
    services: string[],
    args: string[] = [],
  ): Promise<AgentProcess> {
    const agent = await startAgentProcess({
      apiUrl: this.apiUrl,
      credentials: keys,
      dataDir: join(this.options.dir, `agent-${name}`),
      services,
      name,
      args: ["--no-p2p", ...args],
    });
    this.agents.add(agent);
    agent.child.once("exit", () => this.agents.delete(agent));
    return agent;
  }

  /** Runs a signed GraphQL operation as `keys`. */
  api<T = Record<string, unknown>>(
    keys: Keys,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<GraphqlResponse<T>> {
    return graphqlRequest<T>(this.apiUrl, keys, query, variables);
  }

  /** A port proxy (or reverse proxy for web services); throws with the broker's errors. */
  async connect(
    keys: Keys,
    serviceId: string,
    hostIP = "0.0.0.0",
    type = "PORT_PROXY",
  ): Promise<{ id: string; host: string; port: number | null; url: string }> {
    const reply = await this.api<{
      connect: { id: string; host: string; port: number | null; url: string };
    }>(
      keys,
      `mutation ($s: String!, $h: String!, $t: ProxyType) { connect(serviceId: $s, hostIP: $h, type: $t) { id host port url } }`,
      { s: serviceId, h: hostIP, t: type },
    );
    if (!reply.data) throw new Error(`connect: ${JSON.stringify(reply.errors)}`);
    return reply.data.connect;
  }

  /** Sends SIGKILL to the broker and waits until it is gone. */
  async killBroker(): Promise<void> {
    await killHard(this.broker.child);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.agents].map((a) => a.stop()));
    await this.broker?.stop();
  }
}
