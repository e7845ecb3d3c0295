// On-demand connections shared on the LAN: a real broker, agent and echo service, and an
// OnDemandManager listening like `reach up` does. Linux routes all of 127/8 to loopback,
// so 127.0.0.2, 127.0.0.3 … connecting with that local address are distinct LAN machines.
import assert from "node:assert/strict";
import { once } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { OnDemandView } from "../../common/on-demand.js";
import { startTestOnDemand } from "../../test-support/on-demand.js";
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
import { connectFrom, echoThrough, randomPayload, sha256 } from "../../test-support/visitors.js";
import { BrokerClient } from "../broker-client.js";
import { machineAddresses } from "../on-demand/bind-address.js";
import type { OnDemandManager } from "../on-demand/on-demand-manager.js";
import { OnDemandStore } from "../on-demand/on-demand-store.js";

const LOOPBACK = "127.0.0.1";

/**
 * Connects from `localAddress`, says hello, and resolves once the listener has closed the
 * socket, with how many bytes came back (a refused client must get none).
 */
async function refusedBytes(port: number, localAddress: string, host = LOOPBACK) {
  const socket = await connectFrom(port, localAddress, host);
  let received = 0;
  socket.on("data", (chunk: Buffer) => {
    received += chunk.length;
  });
  socket.on("error", () => {});
  // connectFrom allows half-open sockets: finish our side once the listener has closed its.
  socket.on("end", () => socket.end());
  socket.write("hello");
  await once(socket, "close");
  return received;
}

/** One byte-exact echo from `localAddress`, proving the client was let in. */
async function echoes(port: number, localAddress: string): Promise<boolean> {
  const payload = randomPayload(64 * 1024);
  return sha256(await echoThrough(port, localAddress, payload)) === sha256(payload);
}

describe("on-demand connections shared on the LAN", { timeout: 60_000 }, () => {
  let stack: TestStack;
  let broker: TestBroker;
  let user: TestUser;
  let agent: TestAgent;
  let client: BrokerClient;
  /** Peer sessions the client asked the broker for: a refused socket must ask for none. */
  let sessionsAsked = 0;

  before(async () => {
    stack = await startStack({ users: ["lan@example.com"], agent: { p2pBindAddress: LOOPBACK } });
    ({ broker, user, agent } = stack);
    client = new BrokerClient({ apiUrl: broker.apiUrl, ...user.credentials });
    const open = client.openPeerSession.bind(client);
    client.openPeerSession = (serviceId, offer) => {
      sessionsAsked++;
      return open(serviceId, offer);
    };
  });

  after(async () => {
    client?.stop();
    await stack?.stop();
  });

  const manager = (storePath?: string) => startTestOnDemand(() => client, { storePath });

  const only = (m: OnDemandManager) => m.list()[0] as OnDemandView;

  test("one IP: 127.0.0.2 is let in, 127.0.0.3 closed with no byte and no peer session", async () => {
    const m = await manager();
    try {
      const added = await m.add({
        serviceId: agent.serviceId("tcp"),
        bind: "0.0.0.0",
        restrict: "127.0.0.2",
      });
      assert.equal(added.address, `0.0.0.0:${added.port}`);
      const askedBefore = sessionsAsked;
      assert.equal(await refusedBytes(added.port, "127.0.0.3"), 0);
      assert.equal(only(m).refused, 1);
      assert.equal(sessionsAsked, askedBefore, "no peer session was asked for");
      assert.equal(agent.peers.sessionCount, 0, "the agent saw no session");
      assert.equal(only(m).status, "idle", "no path was opened");
      // Loopback itself is a client like any other on an all-addresses listener.
      assert.equal(await refusedBytes(added.port, LOOPBACK), 0);
      assert.equal(only(m).refused, 2);

      assert.equal(await echoes(added.port, "127.0.0.2"), true);
      assert.equal(sessionsAsked, askedBefore + 1);
      assert.equal(only(m).status, "connected");
      assert.equal(only(m).refused, 2);
    } finally {
      await m.stop();
    }
  });

  test("a subnet: 127.0.0.3 is inside 127.0.0.0/30, 127.0.0.9 is not", async () => {
    const m = await manager();
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp"), restrict: "127.0.0.0/30" });
      assert.equal(added.bind, LOOPBACK);
      assert.equal(await refusedBytes(added.port, "127.0.0.9"), 0);
      assert.equal(await echoes(added.port, "127.0.0.3"), true);
      assert.equal(only(m).refused, 1);
    } finally {
      await m.stop();
    }
  });

  test("latching: the first of two clients arriving together wins, and stays after a restart", async () => {
    const first = await manager();
    const added = await first.add({
      serviceId: agent.serviceId("tcp"),
      bind: "0.0.0.0",
      restrict: "latching",
    });
    let winner: string;
    let loser: string;
    try {
      const sockets = await Promise.all(
        ["127.0.0.2", "127.0.0.3"].map((from) => connectFrom(added.port, from)),
      );
      await eventually(() => only(first).refused === 1);
      winner = only(first).latchedIp ?? "";
      assert.ok(["127.0.0.2", "127.0.0.3"].includes(winner), `latched ${winner}`);
      loser = winner === "127.0.0.2" ? "127.0.0.3" : "127.0.0.2";
      const [kept, gone] = winner === "127.0.0.2" ? sockets : [sockets[1], sockets[0]];
      assert.equal((kept as Socket).destroyed, false);
      for (const socket of sockets) socket.destroy();
      assert.ok(gone);
      assert.equal(await echoes(added.port, winner), true);
      assert.equal(await refusedBytes(added.port, loser), 0);
    } finally {
      await first.stop();
    }
    const saved = JSON.parse(await readFile(first.storePath, "utf8"));
    assert.equal(saved.connections[0].latchedIp, winner);

    const second = await manager(first.storePath);
    try {
      assert.equal(only(second).latchedIp, winner);
      assert.equal(await refusedBytes(added.port, loser), 0, "the latch survived the restart");
      assert.equal(await echoes(added.port, winner), true);
      // Giving the restriction again forgets the latch: now the other machine latches.
      const reset = await second.update({ id: added.id, restrict: "latching" });
      assert.equal(reset.latchedIp, null);
      assert.equal(await echoes(added.port, loser), true);
      assert.equal(only(second).latchedIp, loser);
      assert.equal(await refusedBytes(added.port, winner), 0);
    } finally {
      await second.stop();
    }
  });

  test("a new restriction applies to a running listener at once, open sockets included", async () => {
    const m = await manager();
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp"), bind: "0.0.0.0" });
      const outsider = await connectFrom(added.port, "127.0.0.3");
      outsider.on("error", () => {});
      outsider.on("data", () => {});
      outsider.on("end", () => outsider.end());
      outsider.write("x");
      await eventually(() => only(m).openSockets === 1 && only(m).status === "connected");
      const closedNow = once(outsider, "close");
      await m.update({ id: added.id, restrict: "127.0.0.2" });
      await closedNow;
      assert.equal(await refusedBytes(added.port, "127.0.0.3"), 0);
      assert.equal(await echoes(added.port, "127.0.0.2"), true);
    } finally {
      await m.stop();
    }
  });

  test("bad bind addresses and restrictions are refused with a sentence, nothing saved", async () => {
    const m = await manager();
    try {
      const serviceId = agent.serviceId("tcp");
      await assert.rejects(m.add({ serviceId, bind: "192.0.2.1" }), {
        message:
          /^Bind address 192\.0\.2\.1 is not an address of this computer: use 0\.0\.0\.0 \(all addresses\) or one of 127\.0\.0\.1/,
      });
      await assert.rejects(m.add({ serviceId, bind: "localhost" }), {
        message: /^Bind address "localhost" is not an IP address/,
      });
      await assert.rejects(m.add({ serviceId, restrict: "192.168.1.0/33" }), {
        message: /"192\.168\.1\.0\/33" is not a valid subnet/,
      });
      await assert.rejects(m.add({ serviceId, port: 70000 }), {
        message: "Port 70000 is not a TCP port: use 1-65535.",
      });
      assert.equal(m.list().length, 0);
      await assert.rejects(readFile(m.storePath), { code: "ENOENT" }, "no file was written");

      const added = await m.add({ serviceId, restrict: "127.0.0.2" });
      const before = await readFile(m.storePath, "utf8");
      await assert.rejects(m.update({ id: added.id, restrict: "10.0.0.0/8/8" }), {
        message: /is not a valid subnet/,
      });
      await assert.rejects(m.update({ id: added.id, bind: "192.0.2.1", name: "renamed" }), {
        message: /is not an address of this computer/,
      });
      assert.equal(await readFile(m.storePath, "utf8"), before, "the file is unchanged");
      assert.equal(only(m).name, "tcp");
      assert.equal(await echoes(added.port, "127.0.0.2"), true, "the listener still works");
    } finally {
      await m.stop();
    }
  });

  test("a moved port listens anew; a port held elsewhere leaves the old one working", async () => {
    const m = await manager();
    const squatter = createServer().listen(0, LOOPBACK);
    await once(squatter, "listening");
    const held = (squatter.address() as AddressInfo).port;
    try {
      const serviceId = agent.serviceId("tcp");
      const added = await m.add({ serviceId });
      const other = await m.add({ serviceId });
      await assert.rejects(m.update({ id: added.id, port: other.port }), {
        message: `Port ${other.port} already belongs to another on-demand connection.`,
      });
      await assert.rejects(m.update({ id: added.id, port: held }), {
        message: `Port ${held} on 127.0.0.1 is in use by another program: choose another port.`,
      });
      assert.equal(await echoes(added.port, LOOPBACK), true, "the old listener is back");
      assert.equal(m.list()[0]?.port, added.port);

      const moved = await freePort();
      const view = await m.update({ id: added.id, port: moved });
      assert.equal(view.address, `127.0.0.1:${moved}`);
      assert.equal(await echoes(moved, LOOPBACK), true);
      await assert.rejects(connectFrom(added.port, LOOPBACK), { code: "ECONNREFUSED" });
    } finally {
      squatter.close();
      await m.stop();
    }
  });

  test("switched off there is no listener; switched on it listens", async () => {
    const m = await manager();
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp"), enabled: false });
      assert.equal(added.status, "off");
      await assert.rejects(connectFrom(added.port, LOOPBACK), { code: "ECONNREFUSED" });
      const on = await m.update({ id: added.id, enabled: true });
      assert.equal(on.status, "idle");
      assert.equal(await echoes(added.port, LOOPBACK), true);
      await m.update({ id: added.id, enabled: false });
      await assert.rejects(connectFrom(added.port, LOOPBACK), { code: "ECONNREFUSED" });
    } finally {
      await m.stop();
    }
  });

  test("while a program uses it, a move is refused; switching off disconnects it", async () => {
    const m = await manager();
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp") });
      const user = await connectFrom(added.port, LOOPBACK);
      user.on("data", () => {});
      user.on("error", () => {});
      user.on("end", () => user.end());
      user.write("x");
      await eventually(() => only(m).openSockets === 1 && only(m).status === "connected");
      await assert.rejects(m.update({ id: added.id, port: await freePort() }), {
        message: "tcp is connected: disconnect it before changing how it listens.",
      });
      assert.equal(only(m).port, added.port);
      const closedNow = once(user, "close");
      const off = await m.update({ id: added.id, enabled: false });
      assert.equal(off.status, "off");
      await closedNow;
      await eventually(() => agent.peers.sessionCount === 0);
    } finally {
      await m.stop();
    }
  });

  test("IPv6: a listener on ::1 carries bytes and applies its restriction", async (t) => {
    if (!machineAddresses().includes("::1")) {
      t.skip("this machine has no ::1");
      return;
    }
    const m = await manager();
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp"), bind: "::1" });
      assert.equal(added.address, `[::1]:${added.port}`);
      const payload = randomPayload(4096);
      const socket = await connectFrom(added.port, "::1", "::1");
      const chunks: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.end(payload);
      await once(socket, "end");
      assert.equal(sha256(Buffer.concat(chunks)), sha256(payload));
      await m.update({ id: added.id, restrict: "fd00::/8" });
      assert.equal(await refusedBytes(added.port, "::1", "::1"), 0);
    } finally {
      await m.stop();
    }
  });

  test("a version 1 file is read as version 2 and written as version 2", async () => {
    const path = join(await tempDir("reach-od-v1-"), "on-demand.json");
    const port = await freePort();
    const old = (id: string, p2p: boolean, failover: boolean, portOf: number) => ({
      id,
      serviceId: agent.serviceId("tcp"),
      serviceName: "tcp",
      deviceName: "test-device",
      application: 1,
      port: portOf,
      p2p,
      failover,
      idleTimeout: 60,
    });
    await writeFile(
      path,
      JSON.stringify({
        version: 1,
        connections: [old("a", true, true, port), old("b", false, true, port + 1)],
      }),
    );
    const m = await manager(path);
    try {
      const [a, b] = m.list();
      assert.deepEqual(
        { ...a, status: undefined },
        {
          id: "a",
          serviceId: agent.serviceId("tcp"),
          serviceName: "tcp",
          deviceName: "test-device",
          name: "tcp",
          application: 1,
          route: "adaptive",
          enabled: true,
          port,
          bind: "127.0.0.1",
          restrict: "none",
          latchedIp: null,
          idleTimeout: 60,
          publicMode: "latching",
          publicIp: null,
          copyTemplate: null,
          launchTemplate: null,
          username: null,
          address: `127.0.0.1:${port}`,
          status: undefined,
          path: null,
          pathSince: null,
          lastFailure: null,
          reason: null,
          bytesIn: 0,
          bytesOut: 0,
          openSockets: 0,
          refused: 0,
          connectionId: null,
        },
      );
      assert.equal(b?.route, "proxy");
      assert.equal(await echoes(port, LOOPBACK), true, "the migrated one listens");
      await m.update({ id: "b", name: "second" });
      const saved = JSON.parse(await readFile(path, "utf8"));
      assert.equal(saved.version, 2);
      assert.equal(saved.connections[0].route, "adaptive");
      assert.equal(saved.connections[1].name, "second");
      assert.equal("p2p" in saved.connections[0], false);
    } finally {
      await m.stop();
    }
  });

  test("a damaged file is an error naming the file", async () => {
    const path = join(await tempDir("reach-od-bad-"), "on-demand.json");
    await writeFile(path, JSON.stringify({ version: 2, connections: [{ id: "x" }] }));
    await assert.rejects(new OnDemandStore(path).load(), {
      message: new RegExp(`^${path.replace(/[.]/g, "\\.")} is not an on-demand connection list`),
    });
    await writeFile(path, "{ not json");
    await assert.rejects(new OnDemandStore(path).load(), {
      message: `${path} is not valid JSON; fix or remove it.`,
    });
  });
});
