// A direct-path stream's first bytes go out before READY (common/p2p/direct-mux.ts): the
// agent holds them, and its FIN, until the service is reached; a client whose stream is
// refused, or whose link dies, before READY gets the bytes back in its socket, unread.
// Both ends are MuxLinks on a real loopback TCP connection; the local sockets are real too.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { EARLY_BYTES } from "../p2p/direct-mux.js";
import { MuxLink } from "../p2p/direct-mux-link.js";

/** Two connected loopback sockets, half-open allowed on both. */
async function socketPair(server: Server): Promise<[Socket, Socket]> {
  const accepted = once(server, "connection") as Promise<[Socket]>;
  const { port } = server.address() as AddressInfo;
  const near = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  await once(near, "connect");
  const [far] = await accepted;
  return [near, far];
}

/** Everything `socket` reads until its FIN. */
async function readAll(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  await once(socket, "end");
  return Buffer.concat(chunks);
}

describe("a direct-path stream's early bytes", () => {
  let server: Server;
  before(async () => {
    server = createServer({ allowHalfOpen: true });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
  });
  after(() => server.close());

  test("reach the service, FIN included, once the agent has reached it, past EARLY_BYTES too", {
    timeout: 20_000,
  }, async () => {
    const [clientEnd, agentEnd] = await socketPair(server);
    const [program, localSocket] = await socketPair(server);
    const [service, agentsService] = await socketPair(server);
    let openedId = 0;
    const agent = new MuxLink(agentEnd, "agent", {
      opened: (id) => {
        openedId = id;
      },
      closed: () => {},
    });
    const client = new MuxLink(clientEnd, "client", { ready: () => {}, closed: () => {} });
    try {
      localSocket.pause();
      const id = client.open();
      client.attach(id, localSocket, true);
      localSocket.resume();
      // More than EARLY_BYTES at once: the read that crosses it goes whole, and the rest
      // waits for READY; the link must not take that for a broken peer.
      const hello = Buffer.from("hello before ready");
      const bulk = randomBytes(1024 * 1024);
      const sent = Buffer.concat([hello, bulk]);
      program.write(hello);
      await new Promise((r) => setTimeout(r, 30)); // read on its own, so a later read crosses
      program.end(bulk);
      // The agent "dials" only once the bytes and the FIN have reached it.
      while (openedId === 0) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 50));
      const heard = readAll(service);
      agent.ready(openedId, agentsService);
      agentsService.resume();
      assert.deepEqual(await heard, sent);
    } finally {
      client.close();
      agent.close();
      for (const s of [program, localSocket, service, agentsService]) s.destroy();
    }
  });

  test("go back into the client's socket, unread, when the stream is refused", async () => {
    const [clientEnd, agentEnd] = await socketPair(server);
    const [program, localSocket] = await socketPair(server);
    let refused = false;
    const agent = new MuxLink(agentEnd, "agent", {
      opened: (id) => setTimeout(() => agent.refuse(id, "no service here"), 50),
      closed: () => {},
    });
    const client = new MuxLink(clientEnd, "client", {
      refused: () => {
        refused = true;
      },
      closed: () => {},
    });
    try {
      localSocket.pause();
      client.attach(client.open(), localSocket, true);
      localSocket.resume();
      program.write("first bytes");
      while (!refused) await new Promise((r) => setTimeout(r, 5));
      assert.equal(localSocket.isPaused(), true, "handed back paused");
      assert.equal(localSocket.read()?.toString(), "first bytes");
    } finally {
      client.close();
      agent.close();
      program.destroy();
      localSocket.destroy();
    }
  });

  test("go back into the client's socket when the link dies, and stop at EARLY_BYTES", async () => {
    const [clientEnd, agentEnd] = await socketPair(server);
    const [program, localSocket] = await socketPair(server);
    let opened = false;
    const agent = new MuxLink(agentEnd, "agent", {
      opened: () => {
        opened = true;
      },
      closed: () => {},
    });
    let closed = false;
    const client = new MuxLink(clientEnd, "client", {
      closed: () => {
        closed = true;
      },
    });
    try {
      localSocket.pause();
      client.attach(client.open(), localSocket, true);
      localSocket.resume();
      const sent = Buffer.alloc(EARLY_BYTES * 2, 7);
      program.write(sent);
      while (!opened) await new Promise((r) => setTimeout(r, 5));
      // Past EARLY_BYTES the client stops reading until READY, which never comes.
      await new Promise((r) => setTimeout(r, 100));
      agent.close();
      while (!closed) await new Promise((r) => setTimeout(r, 5));
      const back: Buffer[] = [];
      localSocket.on("data", (chunk: Buffer) => back.push(chunk));
      localSocket.resume();
      let total = 0;
      while (total < sent.length) {
        await new Promise((r) => setTimeout(r, 10));
        total = back.reduce((sum, chunk) => sum + chunk.length, 0);
      }
      assert.deepEqual(Buffer.concat(back), sent, "every byte, in order, readable again");
    } finally {
      client.close();
      program.destroy();
      localSocket.destroy();
    }
  });
});
