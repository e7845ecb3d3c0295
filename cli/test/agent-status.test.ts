// `reach agent status` against a real `reach broker` and a real `reach agent`: registered and
// connected (to which broker, since when), then not connected once the broker is gone, then
// not running once the agent is.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AgentStatusReport } from "../../cli/commands/agent-status.js";
import { runReach } from "../../test-support/processes.js";
import {
  createUserKeys,
  startAgentProcess,
  startBrokerProcess,
} from "../../test-support/reach-processes.js";
import { eventually, freePort, tempDir } from "../../test-support/stack.js";
import { startTcpEcho } from "../../test-support/targets.js";

async function status(dataDir: string): Promise<AgentStatusReport> {
  const result = await runReach(["agent", "status", "--data-dir", dataDir, "--json"]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as AgentStatusReport;
}

describe("reach agent status", { timeout: 120_000 }, () => {
  it("says registered and connected, then not connected after the broker stops, then not running", async () => {
    const brokerDir = await tempDir("reach-broker-");
    const agentDir = await tempDir("reach-agent-");
    const echo = await startTcpEcho();
    const broker = await startBrokerProcess({ port: await freePort(), dataDir: brokerDir });
    let brokerUp = true;
    try {
      const before = await status(agentDir);
      assert.equal(before.registered, false);
      assert.equal(before.running, false);

      const credentials = createUserKeys(brokerDir, "status@example.com");
      const startedAt = new Date();
      const agent = await startAgentProcess({
        apiUrl: broker.apiUrl,
        credentials,
        dataDir: agentDir,
        services: [`shell=ssh:${echo.port}`],
      });
      try {
        // The "service" lines come after the welcome; the status file may trail them.
        await eventually(async () => (await status(agentDir)).connected, 20_000);
        const up = await status(agentDir);
        assert.equal(up.registered, true);
        assert.match(up.deviceId ?? "", /\S/);
        assert.equal(up.running, true);
        assert.equal(up.pid, agent.pid);
        assert.equal(up.brokerUrl, broker.apiUrl);
        assert.ok(Date.parse(up.since ?? "") >= startedAt.getTime() - 1000, up.since ?? "");

        const text = await runReach(["agent", "status", "--data-dir", agentDir]);
        assert.match(text.stdout, new RegExp(`^registered: yes, as device ${up.deviceId}$`, "m"));
        assert.match(text.stdout, new RegExp(`^connected: yes, to ${broker.apiUrl} since `, "m"));

        await broker.stop();
        brokerUp = false;
        await eventually(async () => !(await status(agentDir)).connected, 20_000);
        const down = await status(agentDir);
        assert.equal(down.registered, true, "a disconnect keeps the registration");
        assert.equal(down.deviceId, up.deviceId);
        assert.equal(down.running, true);
        const downText = await runReach(["agent", "status", "--data-dir", agentDir]);
        assert.match(downText.stdout, /^connected: no, since /m);
      } finally {
        await agent.stop();
      }
      const gone = await status(agentDir);
      assert.equal(gone.running, false);
      assert.equal(gone.connected, false);
      assert.equal(gone.registered, true);
      const goneText = await runReach(["agent", "status", "--data-dir", agentDir]);
      assert.match(goneText.stdout, /^running: no /m);
    } finally {
      if (brokerUp) await broker.stop();
      await echo.close();
    }
  });
});
