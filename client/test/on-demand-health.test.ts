// Path health with real parts: a broker in this process, `reach agent` as a process of its
// own (so it can be killed with SIGKILL, as a user's `kill -9` does, leaving no SCTP
// goodbye), and OnDemandManager listening like `reach up`. P2P stays on loopback.
import assert from "node:assert/strict";
import { once } from "node:events";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { OnDemandView } from "../../common/on-demand.js";
import { type AgentProcess, startAgentProcess } from "../../test-support/reach-processes.js";
import {
  createTestUser,
  eventually,
  startTestAgent,
  startTestBroker,
  type TestBroker,
  type TestUser,
  tempDir,
} from "../../test-support/stack.js";
import { startTcpEcho, type TcpEcho } from "../../test-support/targets.js";
import { connectFrom, echoThrough, randomPayload, sha256 } from "../../test-support/visitors.js";
import { BrokerClient } from "../broker-client.js";
import { OnDemandManager } from "../on-demand/on-demand-manager.js";
import { OnDemandStore } from "../on-demand/on-demand-store.js";

const LOOPBACK = "127.0.0.1";
/** What the keepalive promises (a dead path noticed within 3 s), plus room for a loaded machine. */
const NOTICED_WITHIN_MS = 3_000 + 1_500;

describe("on-demand path health", { timeout: 180_000 }, () => {
  let broker: TestBroker;
  let user: TestUser;
  let client: BrokerClient;
  let echo: TcpEcho;
  let agentDir: string;
  let agent: AgentProcess | undefined;
  let manager: OnDemandManager;
  let serviceId = "";
  let port = 0;

  const startAgent = async () => {
    agent = await startAgentProcess({
      apiUrl: broker.apiUrl,
      credentials: user.credentials,
      dataDir: agentDir,
      name: "health-box",
      services: [`echo=tcp:${echo.port}`],
      // WebRTC's keepalive: on loopback the direct path would win (its own is tested in
      // on-demand-direct.test.ts).
      args: ["--p2p-bind", LOOPBACK, "--no-p2p-direct"],
    });
    return agent.serviceIds.get("echo") ?? "";
  };
  const view = () => manager.list()[0] as OnDemandView;

  before(async () => {
    broker = await startTestBroker();
    user = await createTestUser(broker, "health@example.com");
    client = new BrokerClient({ apiUrl: broker.apiUrl, ...user.credentials });
    echo = await startTcpEcho();
    agentDir = await tempDir("reach-health-agent-");
    serviceId = await startAgent();
    manager = new OnDemandManager({
      store: new OnDemandStore(join(await tempDir("reach-health-"), "on-demand.json")),
      client: () => client,
      p2pBindAddress: LOOPBACK,
      // Which path carries the bytes is proven here, not how fast P2P opens.
      p2pWaitMs: 15_000,
      // A restarted `reach agent` on a loaded machine may take longer than 10 s to register.
      deviceWaitMs: 60_000,
    });
    await manager.start(true);
    port = (await manager.add({ serviceId })).port;
  });

  after(async () => {
    await manager?.stop();
    client?.stop();
    await agent?.stop();
    await echo?.close();
    await broker?.close();
    await broker?.removeData();
  });

  test("a killed agent: its path is noticed dead, and a socket opened meanwhile waits for it, no reset", async () => {
    const first = randomPayload(256 * 1024);
    assert.equal(sha256(await echoThrough(port, LOOPBACK, first)), sha256(first));
    assert.equal(view().path, "p2p", `on the relay because: ${view().reason}`);

    const killed = agent as AgentProcess;
    killed.child.kill("SIGKILL");
    await once(killed.child, "exit");
    // Opened before the client knows: its channel never opens on the dead path.
    const payload = randomPayload(512 * 1024);
    const echoed = echoThrough(port, LOOPBACK, payload);
    await eventually(
      () => view().path !== "p2p" || view().status !== "connected",
      NOTICED_WITHIN_MS,
    );
    assert.match(view().lastFailure?.reason ?? "", /P2P dropped/);

    assert.equal(await startAgent(), serviceId, "the restarted agent offers the same service");
    assert.equal(sha256(await echoed), sha256(payload), "the waiting socket got every byte back");
  });

  test("after the failover P2P is retried in the background, and new sockets take it", async () => {
    await eventually(() => view().path === "p2p" && view().status === "connected", 60_000);
    const relayed = broker.peerSessions.relayTotals().streams;
    const payload = randomPayload(256 * 1024);
    assert.equal(sha256(await echoThrough(port, LOOPBACK, payload)), sha256(payload));
    assert.equal(broker.peerSessions.relayTotals().streams, relayed, "the new socket took P2P");
    assert.ok((view().pathSince ?? 0) > (view().lastFailure?.at ?? Number.POSITIVE_INFINITY));
  });

  test("a socket on the relay stays there when P2P comes back; new sockets take P2P", async () => {
    // An agent in this process, whose P2P sessions the test can drop while it stays online.
    const inProcess = await startTestAgent(
      broker,
      user,
      [{ name: "tcp", application: 1, host: LOOPBACK, port: echo.port }],
      { name: "in-process-box", p2pBindAddress: LOOPBACK, p2pDirect: false },
    );
    const added = await manager.add({ serviceId: inProcess.serviceId("tcp") });
    const live = () => manager.list().find((v) => v.id === added.id) as OnDemandView;
    try {
      const first = randomPayload(64 * 1024);
      assert.equal(sha256(await echoThrough(added.port, LOOPBACK, first)), sha256(first));
      assert.equal(live().path, "p2p");
      inProcess.peers.closeAll();
      await eventually(() => live().path === "relay", NOTICED_WITHIN_MS);
      // The first retry is 2 s away: this socket is carried by the relay.
      const relayed = broker.peerSessions.relayTotals().streams;
      const held = await connectFrom(added.port, LOOPBACK);
      const received: Buffer[] = [];
      held.on("data", (chunk: Buffer) => received.push(chunk));
      const echoedSoFar = (n: number) =>
        eventually(() => Buffer.concat(received).length >= n, 15_000);
      held.write("before");
      await echoedSoFar(6);
      assert.equal(
        broker.peerSessions.relayTotals().streams,
        relayed + 1,
        "the held socket is on the relay",
      );

      await eventually(() => live().path === "p2p", 30_000);
      const payload = randomPayload(128 * 1024);
      assert.equal(sha256(await echoThrough(added.port, LOOPBACK, payload)), sha256(payload));
      assert.equal(
        broker.peerSessions.relayTotals().streams,
        relayed + 1,
        "the new socket took P2P",
      );
      held.write("after");
      await echoedSoFar(11);
      assert.equal(
        Buffer.concat(received).toString(),
        "beforeafter",
        "the relay socket still works",
      );
      held.destroy();
    } finally {
      await manager.remove(added.id);
      await inProcess.stop();
    }
  });
});
