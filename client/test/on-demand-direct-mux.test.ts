// Many local sockets on one direct path (common/p2p/direct-mux.ts): each is a stream on the
// path's one TLS-PSK link, byte-exact both ways and half-open, with a window per stream so
// a stalled reader holds back only its own; a service that is down closes only its socket,
// and a link that goes before the agent reached the service hands the socket to the relay.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import type { OnDemandView } from "../../common/on-demand.js";
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
import {
  closed,
  connectFrom,
  echoThrough,
  randomPayload,
  sha256,
} from "../../test-support/visitors.js";
import { BrokerClient } from "../broker-client.js";

const LOOPBACK = "127.0.0.1";
const MiB = 1024 * 1024;

/** Everything a socket receives until the far side's FIN. */
function readAll(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    socket.once("end", () => resolve(Buffer.concat(chunks)));
    socket.once("error", reject);
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, LOOPBACK, () => resolve((server.address() as { port: number }).port));
  });
}

/**
 * An echo service in a process of its own that a test can stop (SIGSTOP): while stopped
 * it accepts nothing, and once its small backlog is full the kernel answers no SYN, so
 * a connection to it waits, as to a machine that does not answer.
 */
async function startStoppableEcho(): Promise<{ child: ChildProcess; port: number }> {
  const script = `
    const s = require("node:net").createServer({ allowHalfOpen: true }, (c) => c.pipe(c));
    s.listen({ port: 0, host: "${LOOPBACK}", backlog: 1 }, () => console.log(s.address().port));`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = (await once(child.stdout as NonNullable<typeof child.stdout>, "data")) as [Buffer];
  return { child, port: Number(line.toString().trim()) };
}

describe("many sockets on one direct path", () => {
  let stack: TestStack;
  let broker: TestBroker;
  let user: TestUser;
  let agent: TestAgent;
  let client: BrokerClient;
  let halfClosing: Server;
  let fickle: Server;
  const heardAfterFin: Buffer[] = [];

  before(async () => {
    stack = await startStack({ users: ["mux@example.com"], agent: { p2pBindAddress: LOOPBACK } });
    ({ broker, user, agent } = stack);
    client = new BrokerClient({ apiUrl: broker.apiUrl, ...user.credentials });
  });
  after(async () => {
    client?.stop();
    halfClosing?.close();
    fickle?.close();
    await stack?.stop();
  });

  const manager = () => startTestOnDemand(() => client);

  test("carries 32 sockets at once byte-exact both ways, all on one link", async () => {
    const m = await manager();
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp") });
      const { links, streams } = agent.peers.direct;
      const payloads = Array.from({ length: 32 }, () =>
        randomPayload(MiB + Math.floor(Math.random() * 3 * MiB)),
      );
      const backs = await Promise.all(payloads.map((p) => echoThrough(added.port, LOOPBACK, p)));
      for (const [i, back] of backs.entries()) {
        assert.equal(sha256(back), sha256(payloads[i] as Buffer), `socket ${i}`);
      }
      assert.equal(agent.peers.direct.streams - streams, 32, "one stream per socket");
      assert.equal(agent.peers.direct.links - links, 1, "one TLS link for them all");
      assert.equal((m.list()[0] as OnDemandView).path, "p2p");
      assert.equal(broker.peerSessions.relayTotals().streams, 0);
    } finally {
      await m.stop();
    }
  });

  test("is half-open both ways: each side's FIN lets the other keep sending", async () => {
    // The service says hello and half-closes at once, then reads all the client sends.
    halfClosing = createServer({ allowHalfOpen: true }, (socket) => {
      socket.end("hello, and that is all from me");
      void readAll(socket).then((all) => heardAfterFin.push(all));
    });
    const halfPort = await listen(halfClosing);
    const extra = await startTestAgent(
      broker,
      user,
      [{ name: "half", application: 1, port: halfPort, host: LOOPBACK }],
      { p2pBindAddress: LOOPBACK },
    );
    const m = await manager();
    try {
      const added = await m.add({ serviceId: extra.serviceId("half") });
      // The service's FIN first; the client sends after it.
      const socket = await connectFrom(added.port, LOOPBACK);
      const greeting = await readAll(socket);
      assert.equal(greeting.toString(), "hello, and that is all from me");
      const late = randomPayload(3 * MiB);
      socket.end(late);
      await eventually(() => heardAfterFin.length === 1);
      assert.equal(sha256(heardAfterFin[0] as Buffer), sha256(late));
      // The client's FIN first, then the echo keeps coming: a second path to the echo.
      const echoing = await m.add({ serviceId: agent.serviceId("tcp") });
      const payload = randomPayload(3 * MiB);
      assert.equal(sha256(await echoThrough(echoing.port, LOOPBACK, payload)), sha256(payload));
      assert.equal(extra.peers.direct.streams, 1, "carried on the direct path");
    } finally {
      await m.stop();
      await extra.stop();
    }
  });

  test("a stalled local reader holds back only its own stream", async () => {
    const m = await manager();
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp") });
      // This socket reads nothing for now: its echo backs up to its own window.
      const stalled = await connectFrom(added.port, LOOPBACK);
      stalled.pause();
      const stalledPayload = randomPayload(32 * MiB);
      stalled.end(stalledPayload);
      await eventually(() => agent.peers.counters.sent >= 4 * MiB);
      const big = randomPayload(16 * MiB);
      assert.equal(sha256(await echoThrough(added.port, LOOPBACK, big)), sha256(big));
      const back = readAll(stalled);
      stalled.resume();
      assert.equal(sha256(await back), sha256(stalledPayload));
    } finally {
      await m.stop();
    }
  });

  test("a service that is down closes only that socket; the others and the path go on", async () => {
    fickle = createServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket));
    const ficklePort = await listen(fickle);
    const extra = await startTestAgent(
      broker,
      user,
      [{ name: "fickle", application: 1, port: ficklePort, host: LOOPBACK }],
      { p2pBindAddress: LOOPBACK },
    );
    const m = await manager();
    try {
      const added = await m.add({ serviceId: extra.serviceId("fickle") });
      const going = await connectFrom(added.port, LOOPBACK);
      const back = readAll(going);
      const first = randomPayload(2 * MiB);
      going.write(first);
      await eventually(() => extra.peers.counters.sent >= first.length);
      // The service stops listening; its open connection stays.
      fickle.close();
      await eventually(() => !fickle.listening);
      const refused = await connectFrom(added.port, LOOPBACK);
      refused.write("anyone?");
      await closed(refused);
      const rest = randomPayload(2 * MiB);
      going.end(rest);
      assert.equal(sha256(await back), sha256(Buffer.concat([first, rest])));
      assert.equal((m.list()[0] as OnDemandView).path, "p2p", "the path stayed up");
      assert.equal(extra.peers.direct.links, 1);
    } finally {
      await m.stop();
      await extra.stop();
    }
  });

  test("a link that goes before the agent reached the service hands the socket to the relay", async () => {
    const service = await startStoppableEcho();
    const fillers: Socket[] = [];
    const extra = await startTestAgent(
      broker,
      user,
      [{ name: "stoppable", application: 1, port: service.port, host: LOOPBACK }],
      { p2pBindAddress: LOOPBACK },
    );
    const m = await manager();
    try {
      const added = await m.add({ serviceId: extra.serviceId("stoppable") });
      const opened = randomPayload(64 * 1024);
      assert.equal(sha256(await echoThrough(added.port, LOOPBACK, opened)), sha256(opened));
      // The service stops answering: these fill its backlog, and the next dial waits.
      service.child.kill("SIGSTOP");
      for (let i = 0; i < 4; i++) {
        const filler = connect({ port: service.port, host: LOOPBACK });
        filler.on("error", () => {});
        fillers.push(filler);
      }
      const relayed = broker.peerSessions.relayTotals().streams;
      const payload = randomPayload(256 * 1024);
      const back = echoThrough(added.port, LOOPBACK, payload);
      await eventually(() => extra.peers.direct.dialing === 1);
      // The agent drops the direct path while that socket waits for its READY.
      extra.peers.closeAll();
      await eventually(() => broker.peerSessions.relayTotals().streams === relayed + 1, 5_000);
      service.child.kill("SIGCONT");
      assert.equal(
        sha256(await back),
        sha256(payload),
        "handed back, not reset: the relay carried it",
      );
      assert.equal(extra.peers.direct.streams, 1, "only the first socket went direct");
    } finally {
      service.child.kill("SIGCONT");
      for (const filler of fillers) filler.destroy();
      await m.stop();
      await extra.stop();
      service.child.kill();
    }
  });
});
