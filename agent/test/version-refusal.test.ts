// The agent's side of the versioned hello: it announces its tunnel protocol version, and
// when a broker refuses that version it prints the broker's sentence (which names both
// versions and the side to upgrade) and keeps retrying, so an upgraded broker is picked up.
// The broker here is a stand-in that speaks only a newer version than this agent.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { WebSocketServer } from "ws";
import { startAgent } from "../../agent/agent.js";
import { CONTROL_PATH } from "../../common/tunnel-protocol.js";
import {
  TUNNEL_PROTOCOL_VERSION,
  VERSION_REFUSED_CLOSE_CODE,
  versionRefusal,
} from "../../common/tunnel-version.js";
import { eventually, tempDir } from "../../test-support/stack.js";

describe("an agent refused for its protocol version", () => {
  const newerBroker = [TUNNEL_PROTOCOL_VERSION + 1];
  const hellos: Record<string, unknown>[] = [];
  let server: WebSocketServer;
  let apiUrl: string;

  before(async () => {
    server = new WebSocketServer({ host: "127.0.0.1", port: 0, path: CONTROL_PATH });
    await new Promise<void>((resolve) => server.once("listening", resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql/v1`;
    server.on("connection", (ws) => {
      ws.once("message", (data) => {
        const hello = JSON.parse(String(data)) as Record<string, unknown>;
        hellos.push(hello);
        ws.close(
          VERSION_REFUSED_CLOSE_CODE,
          versionRefusal(Number(hello.protocol), newerBroker) ?? "",
        );
      });
    });
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("announces its version, prints why it was refused, and retries", async () => {
    const logged: string[] = [];
    const agent = await startAgent({
      apiUrl,
      credentials: { accessKeyId: "AKIDVERSIONTEST", secretAccessKey: "secret" },
      name: "old-device",
      dataDir: await tempDir("reach-agent-"),
      services: [],
      p2p: false,
      log: (line) => logged.push(line),
    });
    try {
      await eventually(() => hellos.length >= 2, 10_000);
      assert.equal(hellos[0]?.protocol, TUNNEL_PROTOCOL_VERSION);
      const expected = `agent: the broker refused this agent: The agent speaks tunnel protocol ${TUNNEL_PROTOCOL_VERSION}, the broker ${TUNNEL_PROTOCOL_VERSION + 1}: upgrade the agent.`;
      assert.ok(logged.includes(expected), logged.join("\n"));
      assert.equal(agent.session, null);
    } finally {
      await agent.stop();
    }
  });
});
