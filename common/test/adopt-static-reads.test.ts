// Sockets Node created itself (a server's accepted socket, an HTTP server's upgraded one)
// take the reused read buffer too, and relay every byte intact both ways, a FIN passed
// on. Should a Node release move the internals this relies on, adoption falls back to
// piping (the relay still works) and these tests say so.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { randomPayload, sha256 } from "../../test-support/visitors.js";
import { spliceStatic } from "../stream/adopt-static-reads.js";

const PAYLOAD_BYTES = 8_000_000;

async function listening<T extends Server | ReturnType<typeof createHttpServer>>(
  server: T,
): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

/** Everything `socket` receives until its FIN. */
async function readAll(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  await once(socket, "end");
  return Buffer.concat(chunks);
}

describe("static reads adopted by Node's own sockets", () => {
  let echo: Server;
  let echoPort: number;

  before(async () => {
    echo = createServer({ allowHalfOpen: true }, (socket) => socket.pipe(socket));
    echoPort = await listening(echo);
  });

  after(() => echo.close());

  /** Splices `accepted` onto a fresh echo connection; resolves whether both adopted. */
  function relayToEcho(accepted: Socket): Promise<boolean> {
    const service = connect({ host: "127.0.0.1", port: echoPort, allowHalfOpen: true });
    return new Promise((resolve) => {
      service.once("connect", () => {
        resolve(spliceStatic(accepted, service));
      });
    });
  }

  it("an accepted socket relays a large payload both ways from reused buffers", async () => {
    let adopted: Promise<boolean> = Promise.resolve(false);
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
      adopted = relayToEcho(socket);
    });
    const port = await listening(server);
    try {
      const payload = randomPayload(PAYLOAD_BYTES);
      const visitor = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
      await once(visitor, "connect");
      visitor.end(payload);
      const echoed = await readAll(visitor);
      assert.ok(await adopted, "the accepted socket fell back to piping");
      assert.equal(sha256(echoed), sha256(payload));
    } finally {
      server.close();
    }
  });

  it("an upgraded HTTP socket does too", async () => {
    let adopted: Promise<boolean> = Promise.resolve(false);
    const server = createHttpServer();
    server.on("upgrade", (_request, socket: Socket) => {
      socket.write(
        "HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: raw\r\n\r\n",
      );
      adopted = relayToEcho(socket);
    });
    const port = await listening(server);
    try {
      const client = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
      await once(client, "connect");
      client.write("GET / HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: raw\r\n\r\n");
      const head =
        "HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: raw\r\n\r\n";
      const payload = randomPayload(PAYLOAD_BYTES);
      // Sent only once the head is back: bytes sent with the request would be its `head`.
      const received = readAll(client);
      await new Promise<void>((resolve) => {
        const check = () => {
          if (client.bytesRead >= head.length) resolve();
          else setTimeout(check, 5);
        };
        check();
      });
      client.end(payload);
      const all = await received;
      assert.ok(await adopted, "the upgraded socket fell back to piping");
      assert.equal(all.subarray(0, head.length).toString(), head);
      assert.equal(sha256(all.subarray(head.length)), sha256(payload));
    } finally {
      server.close();
    }
  });
});
