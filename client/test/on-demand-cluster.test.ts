// On-demand connections against a cluster: the client signs in to one node while the
// device's tunnel is on another. Its peer session is opened on the device's node (calls are
// forwarded there), P2P carries the bytes, and a relay stream landing on a third node
// reaches the device from that node through the agent's dial.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { OnDemandView } from "../../common/on-demand.js";
import { startTestCluster, type TestCluster } from "../../test-support/cluster.js";
import { startTestOnDemand } from "../../test-support/on-demand.js";
import {
  createTestUser,
  startTestAgent,
  type TestAgent,
  type TestUser,
} from "../../test-support/stack.js";
import { startTcpEcho, type TcpEcho } from "../../test-support/targets.js";
import { echoThrough, randomPayload, sha256 } from "../../test-support/visitors.js";
import { BrokerClient } from "../broker-client.js";

const LOOPBACK = "127.0.0.1";

describe("on-demand connections through a cluster's nodes", () => {
  let cluster: TestCluster;
  let user: TestUser;
  let echo: TcpEcho;
  let agent: TestAgent;
  const clients: BrokerClient[] = [];

  before(async () => {
    cluster = await startTestCluster(3);
    user = await createTestUser(cluster.nodes[0] as never, "od-cluster@example.com");
    echo = await startTcpEcho();
    agent = await startTestAgent(
      cluster.nodes[2] as never,
      user,
      [{ name: "tcp", application: 1, port: echo.port, host: LOOPBACK }],
      { p2pBindAddress: LOOPBACK },
    );
  });
  after(async () => {
    for (const client of clients) client.stop();
    await agent?.stop();
    await cluster?.stop();
    await echo?.close();
  });

  /** An on-demand manager signed in to node `n`. */
  async function managerOn(n: number) {
    const client = new BrokerClient({
      apiUrl: cluster.nodes[n - 1]?.apiUrl ?? "",
      ...user.credentials,
    });
    clients.push(client);
    return startTestOnDemand(() => client);
  }

  test("signed in to node 1, P2P to a device on node 3 carries the bytes", async () => {
    const m = await managerOn(1);
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp") });
      const payload = randomPayload(4 * 1024 * 1024);
      const back = await echoThrough(added.port, LOOPBACK, payload);
      assert.equal(sha256(back), sha256(payload));
      const view = m.list()[0] as OnDemandView;
      assert.equal(view.path, "p2p", `on the relay because: ${view.reason}`);
      // The session is node 3's: opened there, where the agent's control channel is.
      assert.equal(cluster.nodes[0]?.peerSessions.relayTotals().streams, 0);
    } finally {
      await m.stop();
    }
  });

  test("signed in to node 2, the relay stream lands on node 2 and reaches the device on node 3", async () => {
    const m = await managerOn(2);
    try {
      const added = await m.add({ serviceId: agent.serviceId("tcp"), p2p: false });
      const payload = randomPayload(4 * 1024 * 1024);
      const back = await echoThrough(added.port, LOOPBACK, payload);
      assert.equal(sha256(back), sha256(payload));
      assert.equal((m.list()[0] as OnDemandView).path, "relay");
    } finally {
      await m.stop();
    }
  });
});
