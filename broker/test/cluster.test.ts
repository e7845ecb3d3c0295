// Three broker nodes on one PostgreSQL database (a real server), real agents and services:
// every node answers the API alike, a connection made on one node reaches a device
// attached to another with the bytes intact, and the cap, latches and expiry hold once
// across nodes. (Killing a node's process outright is in cli/test/cluster-nodes.test.ts.)
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { graphqlRequest } from "../../common/graphql/request.js";
import {
  CLUSTER_DOMAIN,
  nodeAddress,
  startTestCluster,
  type TestCluster,
} from "../../test-support/cluster.js";
import { signedEventClient, subscribe } from "../../test-support/event-client.js";
import {
  CONNECT,
  type ConnectionResult,
  createTestUser,
  DISCONNECT,
  eventually,
  startTestAgent,
  type TestAgent,
  type TestUser,
} from "../../test-support/stack.js";
import {
  type HttpTarget,
  startHttpTarget,
  startTcpEcho,
  type TcpEcho,
} from "../../test-support/targets.js";
import { echoThrough, probe, randomPayload, sha256 } from "../../test-support/visitors.js";

const DEVICES = `{ login { devices(size: 100) { total items { id name state online
  services { id name state } } } } }`;

/** A GET to `node` with a reverse proxy's Host, as a browser behind a load balancer sends it. */
function getThrough(
  node: { port: number; config: { listenHost: string } },
  url: string,
  path = "/bytes?n=300000",
): Promise<{ status: number; body: Buffer }> {
  const host = new URL(url).host;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: node.config.listenHost, port: node.port, path, headers: { host }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("a cluster of three broker nodes on PostgreSQL", () => {
  let cluster: TestCluster;
  let user: TestUser;
  let echo: TcpEcho;
  let web: HttpTarget;
  let agent: TestAgent;
  /** The user's API through node `n`. */
  const api = <T>(n: number, query: string, variables?: Record<string, unknown>) =>
    graphqlRequest<T>(cluster.nodes[n - 1]?.apiUrl ?? "", user.credentials, query, variables);
  const connect = async (n: number, serviceId: string, hostIP = "0.0.0.0", type?: string) => {
    const reply = await api<{ connect: ConnectionResult }>(n, CONNECT, { serviceId, hostIP, type });
    if (!reply.data?.connect) throw new Error(`connect failed: ${JSON.stringify(reply.errors)}`);
    return reply.data.connect;
  };

  before(async () => {
    cluster = await startTestCluster(3, { maxConnectionsPerUser: 1000 });
    user = await createTestUser(cluster.nodes[0] as never, "cluster@example.com");
    echo = await startTcpEcho();
    web = await startHttpTarget();
    // The device attaches to node 3.
    agent = await startTestAgent(cluster.nodes[2] as never, user, [
      { name: "echo", application: 1, port: echo.port, host: "127.0.0.1" },
      { name: "web", application: 7, port: web.port, host: "127.0.0.1" },
    ]);
  });
  after(async () => {
    await agent?.stop();
    await cluster?.stop();
    await echo?.close();
    await web?.close();
  });

  it("answers the API alike from every node", async () => {
    const replies = await Promise.all([1, 2, 3].map((n) => api(n, DEVICES)));
    for (const reply of replies) assert.equal(reply.errors, undefined);
    assert.deepEqual(replies[1], replies[0]);
    assert.deepEqual(replies[2], replies[0]);
    const data = replies[0]?.data as { login: { devices: { items: { state: string }[] } } };
    const devices = data.login.devices.items;
    assert.equal(devices.length, 1);
    assert.equal(devices[0]?.state, "active");
  });

  it("places a port proxy made through node 1 on node 3, which holds the device, bytes exact", async () => {
    const connection = await connect(1, agent.serviceId("echo"));
    assert.equal(connection.host, nodeAddress(3));
    const payload = randomPayload(2 * 1024 * 1024);
    const back = await echoThrough(connection.port ?? 0, "127.0.0.2", payload, nodeAddress(3));
    assert.equal(sha256(back), sha256(payload));
    // Any node lists it and can end it.
    const listed = await api<{ login: { connections: { id: string }[] } }>(
      2,
      "{ login { connections { id } } }",
    );
    assert.ok(listed.data?.login.connections.some((c) => c.id === connection.id));
    assert.equal(await probeAt(connection.port ?? 0, "127.0.0.2"), "echoed");
    const ended = await api(2, DISCONNECT, { connectionId: connection.id });
    assert.equal(ended.errors, undefined);
    await eventually(async () => (await probeAt(connection.port ?? 0, "127.0.0.2")) === "closed");
  });

  it("serves node 3's reverse proxy from node 2 too: the agent dials node 2, bytes exact", async () => {
    const connection = await connect(1, agent.serviceId("web"), "0.0.0.0", "REVERSE_PROXY");
    assert.match(new URL(connection.url).hostname, new RegExp(`\\.p3\\.${CLUSTER_DOMAIN}$`));
    const direct = await getThrough(cluster.nodes[2] as never, connection.url);
    const viaNode2 = await getThrough(cluster.nodes[1] as never, connection.url);
    assert.equal(direct.status, 200);
    assert.equal(viaNode2.status, 200);
    assert.equal(viaNode2.body.length, 300_000);
    assert.equal(sha256(viaNode2.body), sha256(direct.body));
    // Ended through node 1, it is gone from node 2 as well.
    await api(1, DISCONNECT, { connectionId: connection.id });
    await eventually(
      async () => (await getThrough(cluster.nodes[1] as never, connection.url)).status === 404,
    );
  });

  it("serves a public link made on node 1 from every node, until node 3 disables it", async () => {
    const set = await api<{ setConnectLink: { url: string } }>(
      1,
      `mutation ($serviceId: String!) { setConnectLink(serviceId: $serviceId) { url } }`,
      { serviceId: agent.serviceId("web") },
    );
    const url = set.data?.setConnectLink.url ?? "";
    assert.ok(url, JSON.stringify(set.errors));
    for (const node of cluster.nodes) {
      await eventually(async () => (await getThrough(node, url, "/")).status === 200);
      assert.equal((await getThrough(node, url, "/")).body.toString(), "hello from target");
    }
    await api(3, `mutation ($serviceId: String!) { disableConnectLink(serviceId: $serviceId) }`, {
      serviceId: agent.serviceId("web"),
    });
    for (const node of cluster.nodes) {
      await eventually(async () => (await getThrough(node, url, "/")).status === 404);
    }
  });

  it("tells a subscriber on node 1 of a connection node 3 made and ended", async () => {
    const client = signedEventClient(cluster.nodes[0]?.apiUrl ?? "", user.credentials);
    try {
      const feed = subscribe<{ event: { type: string; action: string; connectionId?: string } }>(
        client,
        "subscription { event { type action ... on DeviceConnectEvent { connectionId } } }",
      );
      // The subscription reaches node 1's bus before anything happens.
      await new Promise((r) => setTimeout(r, 300));
      const connection = await connect(3, agent.serviceId("echo"));
      const heard = (action: string) =>
        feed.next(
          (p) =>
            p.event.type === "DEVICE_CONNECT" &&
            p.event.action === action &&
            p.event.connectionId === connection.id,
        );
      await heard("connected");
      await api(2, DISCONNECT, { connectionId: connection.id });
      await heard("disconnected");
      feed.stop();
    } finally {
      await client.dispose();
    }
  });

  it("latches one address per latching proxy when visitors race, 100 rounds through every node", async () => {
    for (let round = 0; round < 100; round++) {
      const connection = await connect((round % 3) + 1, agent.serviceId("echo"), "255.255.255.255");
      const port = connection.port ?? 0;
      const results = await Promise.all(
        ["127.0.0.2", "127.0.0.3", "127.0.0.4"].map((from) => probeAt(port, from)),
      );
      assert.equal(results.filter((r) => r === "echoed").length, 1, `round ${round}: ${results}`);
      await api(1, DISCONNECT, { connectionId: connection.id });
    }
  });
});

/** probe() against a node's own address rather than 127.0.0.1. */
function probeAt(port: number, from: string): Promise<"echoed" | "closed"> {
  return probe(port, from, nodeAddress(3));
}

describe("a cluster's limits hold across its nodes", () => {
  let cluster: TestCluster;
  let user: TestUser;
  let echo: TcpEcho;
  const agents: TestAgent[] = [];
  const CAP = 6;

  before(async () => {
    cluster = await startTestCluster(3, { maxConnectionsPerUser: CAP, timeout: 3 });
    user = await createTestUser(cluster.nodes[0] as never, "limits@example.com");
    echo = await startTcpEcho();
    // One device on each node, so each node serves connects of its own.
    for (const node of cluster.nodes) {
      agents.push(
        await startTestAgent(node as never, user, [
          { name: "echo", application: 1, port: echo.port, host: "127.0.0.1" },
        ]),
      );
    }
  });
  after(async () => {
    for (const agent of agents) await agent.stop();
    await cluster?.stop();
    await echo?.close();
  });

  it("holds the per-user cap when connects race on three nodes", async () => {
    const attempts = Array.from({ length: 18 }, (_, i) => {
      const n = (i % 3) + 1;
      return graphqlRequest<{ connect: ConnectionResult }>(
        cluster.nodes[n - 1]?.apiUrl ?? "",
        user.credentials,
        CONNECT,
        { serviceId: agents[n - 1]?.serviceId("echo"), hostIP: "0.0.0.0" },
      );
    });
    const replies = await Promise.all(attempts);
    const made = replies.filter((r) => r.data?.connect);
    const refused = replies.filter((r) => r.errors?.[0]?.extensions?.code === "RESOURCE_EXHAUSTED");
    assert.equal(made.length, CAP);
    assert.equal(refused.length, 18 - CAP);
  });

  it("expires each connection once, on the node that owns it, and every node agrees", async () => {
    // The connections of the test before expire 3 s after they were made.
    await eventually(async () => {
      const reply = await graphqlRequest<{ login: { connections: unknown[] } }>(
        cluster.nodes[1]?.apiUrl ?? "",
        user.credentials,
        "{ login { connections { id } } }",
      );
      return reply.data?.login.connections.length === 0;
    }, 10_000);
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: cluster.storeUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ state: string; n: number }>(
        "SELECT state, count(*)::int AS n FROM connections GROUP BY state",
      );
      assert.deepEqual(rows, [{ state: "expired", n: CAP }]);
    } finally {
      await client.end();
    }
  });
});
