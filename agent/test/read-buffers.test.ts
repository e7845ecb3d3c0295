// The agent's relay reads into 64 KiB buffers from a free list. A buffer may go back to the
// list only when its socket has closed and no write still points into it; these tests run
// many streams, one after another and at once, through a real broker and agent and check
// that buffers are reused and that no stream ever receives another stream's bytes.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { freeReadBuffers } from "../../common/stream/static-reader.js";
import {
  connectOrFail,
  startStack,
  type TestAgent,
  type TestStack,
  type TestUser,
} from "../../test-support/stack.js";
import { echoThrough, randomPayload } from "../../test-support/visitors.js";

describe("agent read buffers", () => {
  let stack: TestStack;
  let agent: TestAgent;
  let user: TestUser;
  let port: number;

  before(async () => {
    stack = await startStack({
      users: ["buffers@example.com"],
      services: [{ name: "echo", application: 1, target: "echo" }],
    });
    ({ agent, user } = stack);
    const connection = await connectOrFail(user, agent.serviceId("echo"), "0.0.0.0");
    port = connection.port as number;
  });

  after(() => stack?.stop());

  it("go back to the free list once their streams have closed", async () => {
    for (let i = 0; i < 10; i++) {
      const payload = randomPayload(200_000);
      assert.ok((await echoThrough(port, "127.0.0.1", payload)).equals(payload));
    }
    // Each stream's two sockets (tunnel side and service side) close soon after the echo;
    // on a busy machine that can take a moment, so wait for it rather than guess.
    const deadline = Date.now() + 5000;
    while (freeReadBuffers() < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(freeReadBuffers() >= 2, `free buffers: ${freeReadBuffers()}`);
  });

  it("are never shared by two live streams, even while their writes wait", async () => {
    // Visitors that stop reading for a while back the relay up until the agent's writes
    // to the tunnel stay pending: a buffer handed to another stream then would be
    // overwritten under them.
    const payloads = Array.from({ length: 12 }, () => randomPayload(8 * 1024 * 1024));
    const echoed = await Promise.all(payloads.map((p) => echoReadingLate(port, p, 500)));
    echoed.forEach((got, i) => {
      assert.ok(got.equals(payloads[i] as Buffer), `stream ${i}: ${got.length} bytes, not its own`);
    });
  });
});

/** Sends `payload` through the echo, reads nothing for `pauseMs`, then collects it all. */
function echoReadingLate(port: number, payload: Buffer, pauseMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.pause();
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => {
      socket.end();
      resolve(Buffer.concat(chunks));
    });
    socket.on("error", reject);
    socket.once("connect", () => {
      socket.end(payload);
      setTimeout(() => socket.resume(), pauseMs);
    });
  });
}
