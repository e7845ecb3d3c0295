// On-demand connections end to end: a real broker, agent and echo service, and the core's
// OnDemandManager listening on 127.0.0.1 like `reach up` does. P2P stays on loopback
// (both peers gather candidates on 127.0.0.1 only).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { OnDemandView } from "../../common/on-demand.js";
import {
  createTestUser,
  startTestAgent,
  startTestBroker,
  type TestUser,
  tempDir,
} from "../../test-support/stack.js";
import { startTcpEcho, type TcpEcho } from "../../test-support/targets.js";
import { echoThrough, randomPayload, sha256 } from "../../test-support/visitors.js";
import { BrokerClient } from "../core/broker-client.js";
import { OnDemandManager } from "../core/on-demand/on-demand-manager.js";
import { OnDemandStore } from "../core/on-demand/on-demand-store.js";

const LOOPBACK = "127.0.0.1";

describe("on-demand connections", () => {
  let broker: Awaited<ReturnType<typeof startTestBroker>>;
  let user: TestUser;
  let echo: TcpEcho;
  let agent: Awaited<ReturnType<typeof startTestAgent>>;
  let client: BrokerClient;

  before(async () => {
    broker = await startTestBroker();
    user = createTestUser(broker, "od@example.com");
    echo = await startTcpEcho();
    agent = await startTestAgent(
      broker,
      user,
      [{ name: "tcp", application: 1, port: echo.port, host: "127.0.0.1" }],
      { p2pBindAddress: LOOPBACK },
    );
    client = new BrokerClient({ apiUrl: broker.apiUrl, ...user.credentials });
  });

  after(async () => {
    client.stop();
    await agent.stop();
    await echo.close();
    await broker.close();
    await broker.removeData();
  });

  async function manager(extra: Partial<ConstructorParameters<typeof OnDemandManager>[0]> = {}) {
    const dir = await tempDir("reach-od-");
    const m = new OnDemandManager({
      store: new OnDemandStore(join(dir, "on-demand.json")),
      client: () => client,
      p2pBindAddress: LOOPBACK,
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
      assert.equal(view.path, "p2p");
      assert.equal(broker.peerSessions.relayTotals().streams, 0);
      assert.ok(agent.peers.counters.received >= payload.length);
    } finally {
      await m.stop();
    }
  });
});
