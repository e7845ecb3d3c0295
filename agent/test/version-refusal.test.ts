// The agent's side of the versioned hello: it announces its tunnel protocol version, and
// when the broker refuses that version it prints the broker's sentence (which names both
// versions and the side to upgrade) and keeps retrying, so an upgraded broker is picked up.
// A real broker and a real agent that announces the version after this build's.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startAgent } from "../../agent/agent.js";
import { TUNNEL_PROTOCOL_VERSION } from "../../common/tunnel/version.js";
import { createTestUser, eventually, startTestBroker, tempDir } from "../../test-support/stack.js";

describe("an agent refused for its protocol version", () => {
  it("announces its version, prints why it was refused, and retries", async () => {
    const broker = await startTestBroker();
    const user = await createTestUser(broker, "old-device@example.com");
    const logged: string[] = [];
    const newer = TUNNEL_PROTOCOL_VERSION + 1;
    const agent = await startAgent({
      apiUrl: broker.apiUrl,
      credentials: user.credentials,
      name: "newer-device",
      dataDir: await tempDir("reach-agent-"),
      services: [],
      p2p: false,
      protocol: newer,
      log: (line) => logged.push(line),
    });
    const refusal = `agent: the broker refused this agent: The agent speaks tunnel protocol ${newer}, the broker 1 or 2: upgrade the broker.`;
    try {
      // Refused twice: the agent did not give up after the first refusal.
      await eventually(() => logged.filter((line) => line === refusal).length >= 2, 10_000);
      assert.equal(agent.session, null);
      const devices = await user.api<{ login: { devices: { items: unknown[] } } }>(
        "{ login { devices { items { id } } } }",
      );
      assert.deepEqual(devices.data?.login.devices.items, [], "a refused agent registers nothing");
    } finally {
      await agent.stop();
      await broker.close();
    }
  });
});
