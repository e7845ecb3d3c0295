// The hello's protocol version at a real broker: an agent announcing a version the broker
// does not speak is refused with a close code and a sentence naming both versions and the
// side to upgrade; a hello without a version (older agents) is read as version 1, and a
// hello announcing version 1 is welcomed too: the broker speaks 1 and 2.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { DEVICES_QUERY } from "../../common/graphql/operations.js";
import { controlRequestHeaders } from "../../common/tunnel/control-request.js";
import { CONTROL_PATH, type ServiceSpec } from "../../common/tunnel/protocol.js";
import {
  TUNNEL_PROTOCOL_VERSION,
  VERSION_REFUSED_CLOSE_CODE,
  versionRefusal,
} from "../../common/tunnel/version.js";
import { createTestUser, startTestBroker, type TestUser } from "../../test-support/stack.js";

type Ending = { closed: number; reason: string } | { message: Record<string, unknown> };

describe("tunnel protocol version", () => {
  let broker: Awaited<ReturnType<typeof startTestBroker>>;
  let alice: TestUser;
  const services: ServiceSpec[] = [{ name: "tcp", application: 1, port: 9, host: "127.0.0.1" }];

  before(async () => {
    broker = await startTestBroker();
    alice = await createTestUser(broker, "alice@example.com");
  });

  after(async () => {
    await broker.close();
    await broker.removeData();
  });

  /** Opens a signed control channel, sends `hello`, and reads the broker's first answer. */
  function helloAnswer(hello: Record<string, unknown>): Promise<Ending> {
    const url = new URL(CONTROL_PATH, broker.apiUrl);
    url.protocol = "ws:";
    const ws = new WebSocket(url, { headers: controlRequestHeaders(alice.credentials, url.host) });
    return new Promise((resolve, reject) => {
      ws.on("open", () => ws.send(JSON.stringify(hello)));
      ws.on("error", reject);
      ws.on("message", (data) => {
        resolve({ message: JSON.parse(String(data)) });
        ws.close();
      });
      ws.on("close", (code, reason) => resolve({ closed: code, reason: String(reason) }));
    });
  }

  it("refuses an agent whose version it does not speak, saying what to upgrade", async () => {
    const newer = TUNNEL_PROTOCOL_VERSION + 1;
    const answer = await helloAnswer({
      type: "hello",
      protocol: newer,
      hardwareId: "hardware-from-the-future",
      name: "future-device",
      services,
    });
    assert.deepEqual(answer, {
      closed: VERSION_REFUSED_CLOSE_CODE,
      reason: `The agent speaks tunnel protocol ${newer}, the broker 1 or 2: upgrade the broker.`,
    });
    const listed = await alice.api<{ login: { devices: { items: { name: string }[] } } }>(
      DEVICES_QUERY,
    );
    const names = listed.data?.login.devices.items.map((d) => d.name);
    assert.deepEqual(names, [], "the refused device was not registered");
  });

  it("reads a hello without a version as version 1 and welcomes it", async () => {
    assert.equal(versionRefusal(1), null, "this broker speaks version 1");
    const answer = await helloAnswer({
      type: "hello",
      hardwareId: "hardware-of-an-older-agent",
      name: "older-device",
      services,
    });
    assert.ok("message" in answer, JSON.stringify(answer));
    assert.equal(answer.message.type, "welcome");
    assert.deepEqual(
      (answer.message.services as { name: string }[]).map((s) => s.name),
      ["tcp"],
    );
  });

  it("welcomes an agent announcing version 1, as well as this build's", async () => {
    for (const protocol of [1, TUNNEL_PROTOCOL_VERSION]) {
      const answer = await helloAnswer({
        type: "hello",
        protocol,
        hardwareId: `hardware-speaking-${protocol}`,
        name: `device-speaking-${protocol}`,
        services,
      });
      assert.ok("message" in answer, JSON.stringify(answer));
      assert.equal(answer.message.type, "welcome", `version ${protocol} is welcomed`);
    }
  });
});
