// A broker that cannot take its ports says which one and why, and leaves nothing behind:
// what it had opened is closed again, so the ports and the store are free for the next try.
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { freePort, startTestBroker, tempDir } from "../../test-support/stack.js";

describe("broker startup", () => {
  it("names a listener port that is in use, and starts once it is free", async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", resolve));
    await assert.rejects(
      startTestBroker({ dataDir, listenPort: port, stunPort: null }),
      new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`),
    );
    await new Promise((resolve) => squatter.close(resolve));
    const broker = await startTestBroker({ dataDir, listenPort: port, stunPort: null });
    assert.equal(broker.port, port);
    await broker.close();
  });

  it("names a STUN port that is in use, and closes the listener it had opened", async () => {
    const dataDir = await tempDir();
    const listenPort = await freePort();
    const squatter = createSocket("udp4");
    await new Promise<void>((resolve) => squatter.bind(0, "127.0.0.1", resolve));
    const stunPort = squatter.address().port;
    await assert.rejects(
      startTestBroker({ dataDir, listenPort, stunPort }),
      new RegExp(`Cannot serve STUN on UDP 127\\.0\\.0\\.1:${stunPort}: the port is in use`),
    );
    const reuse = createServer();
    await new Promise<void>((resolve, reject) => {
      reuse.once("error", reject);
      reuse.listen(listenPort, "127.0.0.1", resolve);
    });
    await new Promise((resolve) => reuse.close(resolve));
    await new Promise<void>((resolve) => squatter.close(resolve));
    const broker = await startTestBroker({ dataDir, listenPort, stunPort });
    assert.equal(broker.stun?.port, stunPort);
    await broker.close();
  });
});
