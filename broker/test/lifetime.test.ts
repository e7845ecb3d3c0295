// A connection's lifetime: expiry, idleness and disconnect close live sockets; a broker
// restart brings active connections back where they were; agents come and go.
import assert from "node:assert/strict";
import { request } from "node:http";
import { describe, it } from "node:test";
import {
  CONNECT,
  connectOrFail,
  createTestUser,
  DISCONNECT,
  errorCode,
  eventually,
  startStack,
  startTestAgent,
  startTestBroker,
  withStack,
} from "../../test-support/stack.js";
import { startHttpTarget, startTcpEcho } from "../../test-support/targets.js";
import { closed, connectFrom, probe } from "../../test-support/visitors.js";

const LIST = "{ login { connections { id host port url hostIP } } }";
type ListReply = {
  login: { connections: { id: string; host: string; port: number | null; hostIP: string }[] };
};

function status(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, headers: { host }, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on("error", reject)
      .end();
  });
}

describe("connection lifetime", () => {
  it("expires at created + timeout, closing open sockets within a second", async () => {
    const expiring = { settings: { timeout: 2 }, users: ["expiry@example.com"] };
    await withStack(expiring, async ({ user, agent }) => {
      const connection = await connectOrFail(user, agent.serviceId("tcp"));
      assert.equal(connection.timeout, 2);
      const visitor = await connectFrom(connection.port as number, "127.0.0.2");
      visitor.write("x");
      const closedAt = await closed(visitor).then(() => Date.now());
      const expiresAt = Date.parse(connection.created) + 2000;
      assert.ok(closedAt >= expiresAt - 50, "closed before its time");
      assert.ok(closedAt - expiresAt < 1000, `closed ${closedAt - expiresAt} ms after expiry`);
      assert.equal(await probe(connection.port as number, "127.0.0.2"), "closed");
      const list = await user.api<ListReply>(LIST);
      assert.equal(list.data?.login.connections.length, 0);
    });
  });

  it("closes after --idle-timeout without traffic, but not while traffic flows", async () => {
    const idling = { settings: { idleTimeout: 1 }, users: ["idle@example.com"] };
    await withStack(idling, async ({ user, agent }) => {
      const busy = await connectOrFail(user, agent.serviceId("tcp"));
      const quiet = await connectOrFail(user, agent.serviceId("tcp"));
      const visitor = await connectFrom(busy.port as number, "127.0.0.2");
      visitor.on("data", () => {});
      const ticker = setInterval(() => visitor.write("."), 200);
      await new Promise((r) => setTimeout(r, 2500));
      clearInterval(ticker);
      const ids = (await user.api<ListReply>(LIST)).data?.login.connections.map((c) => c.id);
      assert.deepEqual(
        ids,
        [busy.id],
        "the quiet connection should have gone idle, the busy one not",
      );
      assert.equal(await probe(quiet.port as number, "127.0.0.2"), "closed");
      await closed(visitor);
      await eventually(
        async () => (await user.api<ListReply>(LIST)).data?.login.connections.length === 0,
      );
    });
  });

  it("disconnect closes the listener, the reverse host and every open socket", async () => {
    const { broker, user, agent, stop } = await startStack({
      users: ["disconnect@example.com"],
      services: [
        { name: "tcp", application: 1, target: "echo" },
        { name: "web", application: 7, target: "web" },
      ],
    });
    try {
      const portProxy = await connectOrFail(user, agent.serviceId("tcp"));
      const reverse = await connectOrFail(user, agent.serviceId("web"));
      assert.equal(await status(broker.port, reverse.host), 200);
      const visitor = await connectFrom(portProxy.port as number, "127.0.0.2");
      const ws = await connectFrom(broker.port, "127.0.0.3");
      ws.write(`GET / HTTP/1.1\r\nHost: ${reverse.host}\r\nConnection: keep-alive\r\n\r\n`);
      await new Promise((r) => ws.once("data", r));
      const reply = await user.api<{ disconnect: boolean }>(DISCONNECT, {
        serviceId: agent.serviceId("tcp"),
        connectionId: portProxy.id,
      });
      assert.equal(reply.data?.disconnect, true);
      assert.ok((await closed(visitor)) < 1000);
      assert.equal(await probe(portProxy.port as number, "127.0.0.2"), "closed");
      assert.equal(
        (await user.api<{ disconnect: boolean }>(DISCONNECT, { connectionId: reverse.id })).data
          ?.disconnect,
        true,
      );
      assert.ok((await closed(ws)) < 1000, "the keep-alive socket of the reverse proxy stays open");
      assert.equal(await status(broker.port, reverse.host), 404);
      const again = await user.api<{ disconnect: boolean }>(DISCONNECT, {
        connectionId: portProxy.id,
      });
      assert.equal(again.data?.disconnect, false, "a second disconnect reports nothing was open");
      const wrongService = await user.api(DISCONNECT, {
        serviceId: agent.serviceId("web"),
        connectionId: portProxy.id,
      });
      assert.equal(errorCode(wrongService), "NOT_FOUND");
    } finally {
      await stop();
    }
  });

  it("comes back after a broker restart on the same port and subdomain, latch included", async () => {
    const echo = await startTcpEcho();
    const web = await startHttpTarget();
    const first = await startTestBroker();
    const user = await createTestUser(first, "restart@example.com");
    const services = [
      { name: "tcp", application: 1, port: echo.port, host: "127.0.0.1" },
      { name: "web", application: 7, port: web.port, host: "127.0.0.1" },
    ];
    const agent = await startTestAgent(first, user, services);
    const tcpId = agent.serviceId("tcp");
    const latching = await connectOrFail(user, tcpId, "255.255.255.255");
    const ended = await connectOrFail(user, tcpId, "0.0.0.0");
    const reverse = await connectOrFail(user, agent.serviceId("web"));
    assert.equal(await probe(latching.port as number, "127.0.0.7"), "echoed");
    await user.api(DISCONNECT, { connectionId: ended.id });
    await first.close();
    await agent.stop();

    const second = await startTestBroker({
      dataDir: first.dataDir,
      listenPort: first.port,
      proxyPortLow: first.config.proxyPortLow,
      proxyPortHigh: first.config.proxyPortHigh,
    });
    const agentAgain = await startTestAgent(second, user, services, { dataDir: agent.dataDir });
    try {
      assert.equal(agentAgain.serviceId("tcp"), tcpId, "the agent keeps its service ids");
      const list = (await user.api<ListReply>(LIST)).data?.login.connections ?? [];
      assert.deepEqual(list.map((c) => c.id).sort(), [latching.id, reverse.id].sort());
      assert.equal(await probe(latching.port as number, "127.0.0.7"), "echoed");
      assert.equal(
        await probe(latching.port as number, "127.0.0.8"),
        "closed",
        "the latch survives",
      );
      assert.equal(await status(second.port, reverse.host), 200);
      assert.equal(await probe(ended.port as number, "127.0.0.7"), "closed");
    } finally {
      await agentAgain.stop();
      await second.close();
      await echo.close();
      await web.close();
      await second.removeData();
    }
  });

  it("an agent offline means SERVICE_OFFLINE; it reconnects by itself after a cut", async () => {
    await withStack({ users: ["offline@example.com"] }, async ({ user, agent }) => {
      const serviceId = agent.serviceId("tcp");
      const states = async () =>
        (
          await user.api<{
            login: { devices: { items: { state: string; services: { state: string }[] }[] } };
          }>("{ login { devices { items { state services { state } } } } }")
        ).data?.login.devices.items[0];
      const connection = await connectOrFail(user, serviceId);
      const open = await connectFrom(connection.port as number, "127.0.0.2");
      agent.cutTunnel();
      await closed(open);
      await eventually(
        async () => (await states())?.state === "inactive" || agent.session !== null,
      );
      // The agent reconnects on its own within its backoff; the proxy serves again.
      await eventually(async () => (await states())?.state === "active" && agent.session !== null);
      assert.equal((await states())?.services[0]?.state, "active");
      assert.equal(await probe(connection.port as number, "127.0.0.2"), "echoed");
      await agent.stop();
      await eventually(async () => (await states())?.state === "inactive");
      assert.equal((await states())?.services[0]?.state, "inactive");
      const reply = await user.api(CONNECT, { serviceId, hostIP: "0.0.0.0" });
      assert.equal(errorCode(reply), "SERVICE_OFFLINE");
      assert.equal(await probe(connection.port as number, "127.0.0.2"), "closed");
    });
  });

  it("caps a user's open connections with RESOURCE_EXHAUSTED", async () => {
    await withStack(
      { settings: { maxConnectionsPerUser: 3 }, users: ["cap@example.com"] },
      async ({ user, agent }) => {
        // A burst of ten at once: exactly three get through.
        const burst = await Promise.all(
          Array.from({ length: 10 }, () =>
            user.api(CONNECT, { serviceId: agent.serviceId("tcp"), hostIP: "0.0.0.0" }),
          ),
        );
        assert.equal(burst.filter((r) => r.data).length, 3);
        assert.ok(burst.filter((r) => !r.data).every((r) => errorCode(r) === "RESOURCE_EXHAUSTED"));
        const reply = await user.api(CONNECT, {
          serviceId: agent.serviceId("tcp"),
          hostIP: "0.0.0.0",
        });
        assert.equal(errorCode(reply), "RESOURCE_EXHAUSTED");
        assert.match(reply.errors?.[0]?.message ?? "", /3 open connections/);
      },
    );
  });
});
