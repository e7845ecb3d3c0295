// Three `reach broker` processes on one PostgreSQL database, agents as processes too:
// a node killed with SIGKILL mid-transfer, and the database restarted mid-transfer. What
// is open elsewhere keeps flowing, agents move to a live node, nothing acknowledged is
// lost, and the store stays consistent.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { graphqlRequest } from "../../common/graphql/request.js";
import type { R3Credentials } from "../../common/r3-signature.js";
import { nodeAddress, startNodeProcess } from "../../test-support/cluster.js";
import { startTestPostgres, type TestPostgres } from "../../test-support/postgres.js";
import { runReach } from "../../test-support/processes.js";
import {
  type AgentProcess,
  type BrokerProcess,
  createUserKeys,
  startAgentProcess,
} from "../../test-support/reach-processes.js";
import {
  CONNECT,
  type ConnectionResult,
  eventually,
  freePort,
  tempDir,
} from "../../test-support/stack.js";
import { startTcpEcho, startTrickleSource, type TcpEcho } from "../../test-support/targets.js";
import { connectFrom, echoThrough, randomPayload, sha256 } from "../../test-support/visitors.js";

/**
 * Reads what a port proxy's service sends until it ends, pausing 50 ms every 256 KiB so
 * that 40 MiB take about 8 s: long enough to be mid-transfer when a node or the database
 * goes. The byte count, or the error.
 */
function readAll(port: number, host: string): Promise<number> {
  return connectFrom(port, "127.0.0.2", host).then(
    (socket) =>
      new Promise((resolve, reject) => {
        let received = 0;
        socket.on("data", (chunk: Buffer) => {
          received += chunk.length;
          if (received % (256 * 1024) < chunk.length) {
            socket.pause();
            setTimeout(() => socket.resume(), 50);
          }
        });
        socket.on("end", () => resolve(received));
        socket.on("error", reject);
      }),
  );
}

const STATES = "{ login { devices { items { state } } } }";

describe("broker nodes as processes: SIGKILL a node, restart the database", () => {
  let postgres: TestPostgres;
  let storeUrl: string;
  let keys: R3Credentials;
  let echo: TcpEcho;
  let trickle: { port: number; close(): void };
  const ports = new Map<number, number>();
  const dataDirs = new Map<number, string>();
  const nodes = new Map<number, BrokerProcess>();
  const agents: AgentProcess[] = [];
  const TRICKLE_BYTES = 40 * 1024 * 1024;

  const apiOf = (n: number) => `http://${nodeAddress(n)}:${ports.get(n)}/graphql/v1`;
  const api = <T>(n: number, query: string, variables?: Record<string, unknown>) =>
    graphqlRequest<T>(apiOf(n), keys, query, variables);
  const connect = async (n: number, serviceId: string) => {
    const reply = await api<{ connect: ConnectionResult }>(n, CONNECT, {
      serviceId,
      hostIP: "0.0.0.0",
    });
    if (!reply.data?.connect) throw new Error(`connect failed: ${JSON.stringify(reply.errors)}`);
    return reply.data.connect;
  };
  const startNode = async (n: number) => {
    nodes.set(
      n,
      await startNodeProcess(n, storeUrl, ports.get(n) ?? 0, dataDirs.get(n) ?? "", [
        "--idle-timeout",
        "0",
      ]),
    );
  };
  const echoes = async (connection: ConnectionResult) => {
    const payload = randomPayload(256 * 1024);
    const back = await echoThrough(connection.port ?? 0, "127.0.0.2", payload, connection.host);
    return sha256(back) === sha256(payload);
  };
  const sql = async <R extends pg.QueryResultRow>(text: string) => {
    const client = new pg.Client({ connectionString: storeUrl });
    await client.connect();
    try {
      return (await client.query<R>(text)).rows;
    } finally {
      await client.end();
    }
  };

  before(async () => {
    postgres = await startTestPostgres();
    storeUrl = await postgres.createDatabase();
    for (const n of [1, 2, 3]) {
      ports.set(n, await freePort());
      dataDirs.set(n, await tempDir(`reach-node${n}-`));
    }
    await Promise.all([1, 2, 3].map(startNode));
    keys = createUserKeys("", "nodes@example.com", storeUrl);
    echo = await startTcpEcho();
    trickle = await startTrickleSource(TRICKLE_BYTES);
    // Device "moving" prefers node 3, then 1, then 2; device "steady" stays on node 2.
    const services = [`echo=tcp:${echo.port}`, `trickle=tcp:${trickle.port}`];
    agents.push(
      await startAgentProcess({
        apiUrl: [3, 1, 2].map(apiOf).join(","),
        credentials: keys,
        dataDir: await tempDir("reach-agent-moving-"),
        services,
        name: "moving",
      }),
      await startAgentProcess({
        apiUrl: apiOf(2),
        credentials: keys,
        dataDir: await tempDir("reach-agent-steady-"),
        services,
        name: "steady",
      }),
    );
    // Every node learns of the others with its next heartbeat: wait until each sees both
    // devices online.
    await eventually(async () => {
      const replies = await Promise.all([1, 2, 3].map((n) => api(n, STATES)));
      return replies.every((reply) => JSON.stringify(reply.data).match(/"active"/g)?.length === 2);
    }, 10_000);
  });
  after(async () => {
    for (const agent of agents) await agent.stop();
    for (const node of nodes.values()) await node.stop();
    await postgres?.stop();
    await echo?.close();
    trickle?.close();
  });

  const serviceOf = (agent: number, name: string) => agents[agent]?.serviceIds.get(name) ?? "";

  it("survives SIGKILL of a node mid-transfer: transfers elsewhere go on, agents move, proxies return", async () => {
    const onNode3 = await connect(1, serviceOf(0, "echo"));
    assert.equal(onNode3.host, nodeAddress(3), "placed where the device is attached");
    assert.ok(await echoes(onNode3));
    const steady = await connect(3, serviceOf(1, "trickle"));
    assert.equal(steady.host, nodeAddress(2));
    const transfer = readAll(steady.port ?? 0, steady.host);

    nodes.get(3)?.child.kill("SIGKILL");
    await nodes.get(3)?.stop();
    nodes.delete(3);

    // The agent moves to node 1 and new connections to it work, from any node.
    await eventually(async () => {
      const made = await connect(2, serviceOf(0, "echo")).catch(() => null);
      return made !== null && made.host === nodeAddress(1) && (await echoes(made));
    }, 15_000);
    assert.equal(await transfer, TRICKLE_BYTES, "the transfer through node 2 went on to its end");
    // The operator sees node 3 gone (it stopped heartbeating) and where the devices are.
    await eventually(async () => {
      const listed = JSON.parse(
        (await runReach(["admin", "nodes", "--store", storeUrl, "--json"])).stdout,
      ) as { node: number; live: boolean; devices: number }[];
      return (
        JSON.stringify(listed.map((n) => [n.node, n.live, n.devices])) ===
        JSON.stringify([
          [1, true, 1],
          [2, true, 1],
          [3, false, 0],
        ])
      );
    }, 10_000);

    // Node 3 comes back with its port proxy on the same host and port, reaching the device
    // on node 1 (the agent dials node 3 for each visitor).
    await startNode(3);
    await eventually(() => echoes(onNode3).catch(() => false), 15_000);

    // Nothing acknowledged was lost; the store agrees with itself.
    const listed = await api<{ login: { connections: { id: string }[] } }>(
      3,
      "{ login { connections { id } } }",
    );
    const ids = listed.data?.login.connections.map((c) => c.id) ?? [];
    assert.ok(ids.includes(onNode3.id) && ids.includes(steady.id));
    const duplicates = await sql(
      `SELECT node, port FROM connections WHERE state = 'active' AND port IS NOT NULL
       GROUP BY node, port HAVING count(*) > 1`,
    );
    assert.deepEqual(duplicates, []);
    const attached = await sql<{ name: string; node: number }>(
      "SELECT name, attached_node AS node FROM devices ORDER BY name",
    );
    assert.deepEqual(attached, [
      { name: "moving", node: 1 },
      { name: "steady", node: 2 },
    ]);
  });

  it("carries open transfers while the database restarts; refuses changes, then takes them again", async () => {
    const open = await connect(1, serviceOf(1, "trickle"));
    const transfer = readAll(open.port ?? 0, open.host);
    const restarted = postgres.restart(3_000);
    await eventually(async () => {
      const reply = await api(1, CONNECT, { serviceId: serviceOf(1, "echo"), hostIP: "0.0.0.0" });
      return reply.errors?.[0]?.extensions?.code === "SERVICE_UNAVAILABLE";
    }, 5_000);
    await restarted;
    await eventually(async () => {
      const made = await connect(1, serviceOf(1, "echo")).catch(() => null);
      return made !== null && (await echoes(made));
    }, 15_000);
    assert.equal(await transfer, TRICKLE_BYTES);
    const listed = await api<{ login: { connections: { id: string }[] } }>(
      2,
      "{ login { connections { id } } }",
    );
    assert.ok(
      listed.data?.login.connections.some((c) => c.id === open.id),
      "still listed",
    );
  });
});
