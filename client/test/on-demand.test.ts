// On-demand connections end to end: a real broker, agent and echo service, and the core's
// OnDemandManager listening on 127.0.0.1 like `reach up` does. P2P stays on loopback
// (both peers gather candidates on 127.0.0.1 only).
import assert from "node:assert/strict";
import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type OnDemandView, SPEC_DEFAULTS } from "../../common/on-demand.js";
import {
  eventually,
  freePort,
  startStack,
  type TestAgent,
  type TestBroker,
  type TestStack,
  type TestUser,
  tempDir,
} from "../../test-support/stack.js";
import { startTcpEcho } from "../../test-support/targets.js";
import {
  closed,
  connectFrom,
  echoThrough,
  randomPayload,
  sha256,
} from "../../test-support/visitors.js";
import { BrokerClient } from "../broker-client.js";
import { OnDemandManager } from "../on-demand/on-demand-manager.js";
import { OnDemandStore } from "../on-demand/on-demand-store.js";

const LOOPBACK = "127.0.0.1";

describe("on-demand connections", () => {
  let stack: TestStack;
  let broker: TestBroker;
  let user: TestUser;
  let agent: TestAgent;
  let client: BrokerClient;

  before(async () => {
    // WebRTC's path: on loopback the direct path would win (on-demand-direct.test.ts).
    stack = await startStack({
      users: ["od@example.com"],
      agent: { p2pBindAddress: LOOPBACK, p2pDirect: false },
    });
    ({ broker, user, agent } = stack);
    client = new BrokerClient({ apiUrl: broker.apiUrl, ...user.credentials });
  });

  after(async () => {
    client?.stop();
    await stack?.stop();
  });

  async function manager(extra: Partial<ConstructorParameters<typeof OnDemandManager>[0]> = {}) {
    const dir = await tempDir("reach-od-");
    const m = new OnDemandManager({
      store: new OnDemandStore(join(dir, "on-demand.json")),
      client: () => client,
      p2pBindAddress: LOOPBACK,
      // The tests prove which path carries the bytes, not how fast P2P opens (a loaded
      // machine may take longer than the default 3 s).
      p2pWaitMs: 15_000,
      ...extra,
    });
    await m.start(true);
    return m;
  }

  test("P2P carries the bytes; the broker relays none of them", async () => {
    const m = await manager();
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp") });
      const payload = randomPayload(8 * 1024 * 1024);
      const back = await echoThrough(added.port, "127.0.0.1", payload);
      assert.equal(sha256(back), sha256(payload));
      const view = m.list()[0] as OnDemandView;
      assert.equal(view.status, "connected");
      assert.equal(view.path, "p2p", `on the relay because: ${view.reason}`);
      assert.equal(broker.peerSessions.relayTotals().streams, 0);
      assert.ok(agent.peers.counters.received >= payload.length);
      // The peers asked the broker's STUN responder for their server-reflexive address.
      assert.ok((broker.stun?.answered ?? 0) > 0, "no STUN binding answered");
    } finally {
      await m.stop();
    }
  });

  test("many local sockets share one P2P session", async () => {
    const m = await manager();
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp") });
      const sessionsBefore = agent.peers.counters.streams;
      const payloads = Array.from({ length: 24 }, () => randomPayload(256 * 1024));
      const echoed = await Promise.all(
        payloads.map((payload) => echoThrough(added.port, "127.0.0.1", payload)),
      );
      assert.deepEqual(echoed.map(sha256), payloads.map(sha256));
      assert.equal(agent.peers.counters.streams - sessionsBefore, 24);
      assert.equal(agent.peers.sessionCount, 1);
      assert.equal(m.list()[0]?.path, "p2p");
    } finally {
      await m.stop();
    }
  });

  test("with P2P off on the client, the relay carries the same bytes", async () => {
    const m = await manager();
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp"), p2p: false });
      const payload = randomPayload(8 * 1024 * 1024);
      const back = await echoThrough(added.port, "127.0.0.1", payload);
      assert.equal(sha256(back), sha256(payload));
      const view = m.list()[0] as OnDemandView;
      assert.equal(view.path, "relay");
      assert.match(view.reason ?? "", /off for this connection/);
      const relayed = broker.peerSessions.relayTotals();
      assert.equal(relayed.streams, 1);
      assert.ok(relayed.bytes >= 2 * payload.length, `relayed ${relayed.bytes}`);
    } finally {
      await m.stop();
    }
  });

  test("an agent with --no-p2p is reached through the relay", async () => {
    const other = await startTcpEcho();
    const noP2p = await stack.startAgent(
      [{ name: "tcp2", application: 1, port: other.port, host: "127.0.0.1" }],
      { p2p: false, name: "no-p2p-device" },
    );
    const m = await manager();
    try {
      const added = await m.add({ serviceId: noP2p.serviceId("tcp2") });
      const payload = randomPayload(1024 * 1024);
      const back = await echoThrough(added.port, "127.0.0.1", payload);
      assert.equal(sha256(back), sha256(payload));
      const view = m.list()[0] as OnDemandView;
      assert.equal(view.path, "relay");
      assert.match(view.reason ?? "", /turned off on the device's agent/);
      assert.equal(noP2p.peers.sessionCount, 0);
    } finally {
      await m.stop();
      await noP2p.stop();
      await other.close();
    }
  });

  test("after the idle timeout the path closes, and the next connect reopens it", async () => {
    const m = await manager();
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp"), idleTimeout: 1 });
      const first = randomPayload(64 * 1024);
      assert.equal(sha256(await echoThrough(added.port, "127.0.0.1", first)), sha256(first));
      assert.equal(m.list()[0]?.status, "connected");
      await eventually(() => m.list()[0]?.status === "idle", 5000);
      assert.equal(agent.peers.sessionCount, 0, "the agent's side closed too");
      const second = randomPayload(64 * 1024);
      assert.equal(sha256(await echoThrough(added.port, "127.0.0.1", second)), sha256(second));
      assert.equal(m.list()[0]?.status, "connected");
      assert.equal(m.list()[0]?.path, "p2p");
    } finally {
      await m.stop();
    }
  });

  test("when P2P drops, open sockets close and new ones take the relay", async () => {
    const m = await manager();
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp") });
      const open = await connectFrom(added.port, "127.0.0.1");
      // Carried for real (its bytes came back): a socket whose channel had not opened yet
      // would be handed to the relay, not closed.
      const echoed = new Promise((resolve) => open.once("data", resolve));
      open.write("hello");
      await echoed;
      await eventually(() => m.list()[0]?.path === "p2p" && agent.peers.sessionCount === 1);
      agent.peers.closeAll();
      await closed(open);
      await eventually(() => m.list()[0]?.path === "relay", 10_000);
      assert.match(m.list()[0]?.reason ?? "", /P2P dropped/);
      const payload = randomPayload(256 * 1024);
      assert.equal(sha256(await echoThrough(added.port, "127.0.0.1", payload)), sha256(payload));
    } finally {
      await m.stop();
    }
  });

  test("a port in use is refused with its number", async () => {
    const m = await manager();
    const squatter = createServer().listen(0, "127.0.0.1");
    await once(squatter, "listening");
    const port = (squatter.address() as AddressInfo).port;
    try {
      await assert.rejects(m.add({ serviceId: agent.serviceId("tcp"), port }), {
        message: `Port ${port} on 127.0.0.1 is in use by another program: choose another port.`,
      });
      assert.equal(m.list().length, 0, "nothing was stored");
    } finally {
      squatter.close();
      await m.stop();
    }
  });

  test("an offline service closes the local socket and says why", async () => {
    const other = await startTcpEcho();
    const leaving = await stack.startAgent(
      [{ name: "tcp3", application: 1, port: other.port, host: "127.0.0.1" }],
      { name: "leaving-device", p2pBindAddress: LOOPBACK },
    );
    const m = await manager();
    try {
      const added = await m.add({ serviceId: leaving.serviceId("tcp3") });
      await leaving.stop();
      await eventually(async () => {
        const reply = await user.api<{
          login: { devices: { items: { name: string; state: string }[] } };
        }>("{ login { devices { items { name state } } } }");
        return (
          reply.data?.login.devices.items.find((d) => d.name === "leaving-device")?.state ===
          "inactive"
        );
      });
      const socket = await connectFrom(added.port, "127.0.0.1");
      await closed(socket);
      const view = m.list()[0] as OnDemandView;
      assert.equal(view.status, "failed");
      assert.match(view.reason ?? "", /offline/);
    } finally {
      await m.stop();
      await other.close();
    }
  });

  test("an unreachable broker fails the connect with the reason, and is retried next time", async () => {
    const gone = new BrokerClient({
      apiUrl: `http://127.0.0.1:${await freePort()}/graphql/v1`,
      ...user.credentials,
    });
    const dir = await tempDir("reach-od-");
    const store = new OnDemandStore(join(dir, "on-demand.json"));
    const port = await freePort();
    await store.save([
      {
        id: "c1",
        serviceId: agent.serviceId("tcp"),
        serviceName: "tcp",
        deviceName: "test-device",
        application: 1,
        port,
        name: "tcp",
        route: "adaptive",
        ...SPEC_DEFAULTS,
        idleTimeout: 900,
      },
    ]);
    let attempts = 0;
    const m = new OnDemandManager({
      store,
      client: () => gone,
      onChange: () => {
        if (m.list()[0]?.status === "connecting") attempts++;
      },
    });
    await m.start(true);
    try {
      await closed(await connectFrom(port, "127.0.0.1"));
      assert.equal(m.list()[0]?.status, "failed");
      assert.match(m.list()[0]?.reason ?? "", /Cannot reach the broker/);
      await closed(await connectFrom(port, "127.0.0.1"));
      assert.equal(attempts, 2);
    } finally {
      await m.stop();
      gone.stop();
    }
  });
});
