// The direct path of on-demand connections (common/p2p/direct-link.ts): where the client
// reaches the agent's own address (here, loopback), each local socket is one stream on a
// TLS-PSK connection straight to the agent, keyed by the session token; where the agent offers
// none, WebRTC carries the bytes as before. A key that is not the session's opens nothing.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect as tlsConnect } from "node:tls";
import type { OnDemandView } from "../../common/on-demand.js";
import {
  DIRECT_READY,
  DIRECT_START,
  DIRECT_TLS,
  DIRECT_WATCH,
  directKey,
} from "../../common/p2p/direct-link.js";
import { startTestOnDemand } from "../../test-support/on-demand.js";
import {
  eventually,
  startStack,
  startTestAgent,
  type TestAgent,
  type TestBroker,
  type TestStack,
  type TestUser,
} from "../../test-support/stack.js";
import { echoThrough, randomPayload, sha256 } from "../../test-support/visitors.js";
import { BrokerClient } from "../broker-client.js";

const LOOPBACK = "127.0.0.1";

describe("the direct path of on-demand connections", () => {
  let stack: TestStack;
  let broker: TestBroker;
  let user: TestUser;
  let agent: TestAgent;
  let client: BrokerClient;

  before(async () => {
    stack = await startStack({
      users: ["direct@example.com"],
      agent: { p2pBindAddress: LOOPBACK },
    });
    ({ broker, user, agent } = stack);
    client = new BrokerClient({ apiUrl: broker.apiUrl, ...user.credentials });
  });
  after(async () => {
    client?.stop();
    await stack?.stop();
  });

  const manager = () => startTestOnDemand(() => client);

  /** Opens the connection's path with one echo; its peer session and the agent's endpoint. */
  const openedSession = async (port: number) => {
    await echoThrough(port, LOOPBACK, Buffer.from("open the session"));
    const [session] = broker.peerSessions.sessionsOf(user.userId);
    const endpoint = session?.direct[0];
    assert.ok(session && endpoint, "the agent offered a direct endpoint");
    return { session, endpoint };
  };

  test("carries the bytes over TLS-PSK straight to the agent; the broker relays none", async () => {
    const m = await manager();
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp") });
      const before = agent.peers.direct.streams;
      const payload = randomPayload(8 * 1024 * 1024);
      const back = await echoThrough(added.port, LOOPBACK, payload);
      assert.equal(sha256(back), sha256(payload));
      assert.equal((m.list()[0] as OnDemandView).path, "p2p");
      assert.equal(agent.peers.direct.streams - before, 1, "one direct stream per socket");
      assert.equal(broker.peerSessions.relayTotals().streams, 0);
      await eventually(() => agent.peers.counters.received >= payload.length);
    } finally {
      await m.stop();
    }
  });

  test("refuses a handshake whose key is not the session's: the service sees nothing", async () => {
    const m = await manager();
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp") });
      const { session, endpoint } = await openedSession(added.port);
      const accepted = stack.echo.accepted;
      const attempt = (identity: string, psk: Buffer) =>
        new Promise<string>((resolve) => {
          const socket = tlsConnect({
            host: endpoint.host,
            port: endpoint.port,
            ...DIRECT_TLS,
            pskCallback: () => ({ identity, psk }),
            checkServerIdentity: () => undefined,
          });
          socket.once("secureConnect", () => {
            socket.destroy();
            resolve("connected");
          });
          socket.once("error", () => resolve("refused"));
        });
      assert.equal(await attempt(session.id, Buffer.alloc(32, 1)), "refused", "wrong key");
      assert.equal(await attempt("n1-no-such-session", Buffer.alloc(32, 1)), "refused");
      assert.equal(stack.echo.accepted, accepted, "no connection reached the service");
    } finally {
      await m.stop();
    }
  });

  test("still serves older clients: a connection per socket (DIRECT_START) and DIRECT_WATCH", async () => {
    const m = await manager();
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp") });
      const { session, endpoint } = await openedSession(added.port);
      const psk = directKey(session.id, session.token);
      const exchange = (first: number, body: Buffer, expected: number) =>
        new Promise<Buffer>((resolve, reject) => {
          const socket = tlsConnect({
            host: endpoint.host,
            port: endpoint.port,
            ...DIRECT_TLS,
            pskCallback: () => ({ identity: session.id, psk }),
            checkServerIdentity: () => undefined,
          });
          const chunks: Buffer[] = [];
          let length = 0;
          socket.on("data", (chunk: Buffer) => {
            chunks.push(chunk);
            length += chunk.length;
            if (length >= expected) {
              socket.destroy();
              resolve(Buffer.concat(chunks));
            }
          });
          socket.once("error", reject);
          socket.once("secureConnect", () => socket.write(Buffer.concat([Buffer.of(first), body])));
        });
      const body = randomPayload(64 * 1024);
      const started = await exchange(DIRECT_START, body, 1 + body.length);
      assert.equal(started[0], DIRECT_READY);
      assert.equal(sha256(started.subarray(1)), sha256(body), "echoed by the service");
      const echoed = await exchange(DIRECT_WATCH, Buffer.from("ping"), 4);
      assert.equal(echoed.toString(), "ping", "the agent itself echoes the keepalive");
    } finally {
      await m.stop();
    }
  });

  test("an agent that offers no direct path is reached over WebRTC, as before", async () => {
    const webrtcOnly = await startTestAgent(
      broker,
      user,
      [{ name: "tcp2", application: 1, port: stack.echo.port, host: LOOPBACK }],
      { p2pBindAddress: LOOPBACK, p2pDirect: false },
    );
    const m = await manager();
    try {
      const added = await m.add({ serviceId: webrtcOnly.serviceId("tcp2") });
      const payload = randomPayload(2 * 1024 * 1024);
      const back = await echoThrough(added.port, LOOPBACK, payload);
      assert.equal(sha256(back), sha256(payload));
      assert.equal((m.list()[0] as OnDemandView).path, "p2p");
      assert.equal(webrtcOnly.peers.direct.streams, 0);
      assert.ok(webrtcOnly.peers.counters.received >= payload.length, "carried over WebRTC");
    } finally {
      await m.stop();
      await webrtcOnly.stop();
    }
  });

  test("a direct path whose agent drops it is noticed at once; new sockets take the relay", async () => {
    const m = await manager();
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp") });
      const first = randomPayload(64 * 1024);
      assert.equal(sha256(await echoThrough(added.port, LOOPBACK, first)), sha256(first));
      assert.equal((m.list()[0] as OnDemandView).path, "p2p");
      const relayed = broker.peerSessions.relayTotals().streams;
      // The agent drops its sessions (and so the keepalive connection) but stays online.
      agent.peers.closeAll();
      await eventually(() => (m.list()[0] as OnDemandView).path === "relay", 3_000);
      const next = randomPayload(64 * 1024);
      assert.equal(sha256(await echoThrough(added.port, LOOPBACK, next)), sha256(next));
      assert.equal(broker.peerSessions.relayTotals().streams, relayed + 1);
    } finally {
      await m.stop();
    }
  });
});
