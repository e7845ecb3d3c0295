// `reach agent --tag NAME`: the tags reach the broker in the hello and come back as
// remote.it's `tags { name }`; a tag the hello could not carry is refused before connecting.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runReach } from "../../test-support/processes.js";
import { startAgentProcess } from "../../test-support/reach-processes.js";
import { createTestUser, startTestBroker, tempDir } from "../../test-support/stack.js";
import { startTcpEcho } from "../../test-support/targets.js";

describe("reach agent --tag", { timeout: 60_000 }, () => {
  it("the agent's tags are the device's tags { name }", async () => {
    const broker = await startTestBroker();
    const echo = await startTcpEcho();
    try {
      const user = await createTestUser(broker, "tags@example.com");
      const agent = await startAgentProcess({
        apiUrl: broker.apiUrl,
        credentials: user.credentials,
        dataDir: await tempDir("reach-agent-"),
        services: [`shell=ssh:${echo.port}`],
        name: "tagged",
        args: ["--tag", "rack 2", "--tag", "home"],
      });
      try {
        const reply = await user.api<{
          login: { devices: { items: { name: string; tags: { name: string }[] }[] } };
        }>("{ login { devices (size: 1000, from: 0) { items { name tags { name } } } } }");
        assert.deepEqual(reply.data?.login.devices.items, [
          { name: "tagged", tags: [{ name: "home" }, { name: "rack 2" }] },
        ]);
      } finally {
        await agent.stop();
      }
    } finally {
      await echo.close();
      await broker.close();
      await broker.removeData();
    }
  });

  it("a tag the hello cannot carry is refused, naming --tag", async () => {
    const result = await runReach(
      [
        "agent",
        "--api",
        "http://127.0.0.1:9/graphql/v1",
        "--key",
        "K",
        "--secret",
        "S",
        "--tag",
        "bad\ttag",
      ],
      { waitMs: 30_000 },
    );
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /--tag "bad\\ttag"/);
  });
});
