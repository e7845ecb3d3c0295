// How the reverse proxy reads a service's responses (it parses their heads itself): every
// body framing HTTP/1.1 allows reaches the visitor intact and leaves the service connection
// reusable when it may be, and heads a proxy must not pass on are answered with 502. The
// service is a real TCP server writing exact bytes, so each framing can be chosen.
import assert from "node:assert/strict";
import { once } from "node:events";
import { Agent, request } from "node:http";
import {
  type AddressInfo,
  createServer,
  connect as netConnect,
  type Server,
  type Socket,
} from "node:net";
import { after, before, describe, it } from "node:test";
import { connectOrFail, startStack, type TestStack } from "../../test-support/stack.js";

/** The raw answer for each path; each request head is answered as it arrives. */
const ANSWERS: Record<string, string> = {
  "/chunked":
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, chunk\r\n0\r\nX-Trailer: t\r\n\r\n",
  "/head": "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
  "/no-content": "HTTP/1.1 204 No Content\r\n\r\n",
  "/no-reason": "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok",
  "/continue": "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nafter",
  "/to-close": "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
  "/hop": "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nKeep-Alive: timeout=30\r\nX-Kept: yes\r\n\r\nh",
  "/both-lengths":
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
  "/two-lengths": "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
  "/folded": "HTTP/1.1 200 OK\r\nX-A: a\r\n folded\r\nContent-Length: 2\r\n\r\nok",
  "/space-colon": "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok",
  "/not-http": "SSH-2.0-OpenSSH\r\n\r\n",
  "/control-char": "HTTP/1.1 200 OK\r\nX-A: a\x01b\r\nContent-Length: 2\r\n\r\nok",
  "/low-status": "HTTP/1.1 099 Low\r\nContent-Length: 2\r\n\r\nok",
  "/bare-cr": "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 2\r\n\r\nok",
  "/bad-reason": "HTTP/1.1 200 O\x01K\r\nContent-Length: 2\r\n\r\nok",
  "/close-token":
    "HTTP/1.1 200 OK\r\nConnection: Keep-Alive,  Close\r\nContent-Length: 2\r\n\r\nok",
  "/bare-lf": "HTTP/1.1 200 OK\r\nX-A: a\nContent-Length: 9\r\n\r\nok",
  "/bad-chunk": "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
  "/cut": "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part",
  "/early": "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
};

/** Bytes whose every 64 KiB block differs, so a block written from a reused buffer too late shows. */
function pattern(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 7 + (i >> 16)) & 0xff;
  return bytes;
}
const BIG = pattern(16 * 1024 * 1024);

/** BIG in chunks of 1,000–50,999 bytes: chunk boundaries fall anywhere in the reads. */
function chunkedBig(): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0, n = 0; at < BIG.length; n++) {
    const size = Math.min(BIG.length - at, 1000 + ((n * 7919) % 50_000));
    parts.push(
      Buffer.from(`${size.toString(16)}\r\n`),
      BIG.subarray(at, at + size),
      Buffer.from("\r\n"),
    );
    at += size;
  }
  parts.push(Buffer.from("0\r\n\r\n"));
  return Buffer.concat(parts);
}

interface RawService {
  server: Server;
  port: number;
  /** Connections accepted so far. */
  connections: number;
  /** Closes the server and every connection still open (one left paused, say). */
  close(): void;
}

async function startRawService(): Promise<RawService> {
  const open = new Set<Socket>();
  const server = createServer();
  const service: RawService = {
    server,
    port: 0,
    connections: 0,
    close() {
      server.close();
      for (const socket of open) socket.destroy();
    },
  };
  service.server.on("connection", (socket: Socket) => {
    service.connections++;
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    let buffered = "";
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("latin1");
      for (let end = buffered.indexOf("\r\n\r\n"); end !== -1; end = buffered.indexOf("\r\n\r\n")) {
        const path = buffered.split(" ")[1] ?? "";
        buffered = buffered.slice(end + 4);
        const answer = ANSWERS[path] ?? "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        if (path === "/big") {
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${BIG.length}\r\n\r\n`);
          socket.write(BIG);
          continue;
        }
        if (path === "/big-chunked") {
          socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
          socket.write(chunkedBig());
          continue;
        }
        if (path === "/split-head") {
          // The head arrives in two reads: the first part must survive the second.
          socket.write("HTTP/1.1 200 OK\r\nX-Split: yes\r\nContent-Le");
          setTimeout(() => socket.write("ngth: 5\r\n\r\nhello"), 100);
          continue;
        }
        if (path === "/early") {
          // Reads none of the body, so the broker's writes back up, then refuses it.
          socket.pause();
          setTimeout(() => socket.end(answer), 500);
          return;
        }
        socket.write(answer);
        if (path === "/to-close" || path === "/cut") socket.end();
      }
    });
  });
  service.server.listen(0, "127.0.0.1");
  await once(service.server, "listening");
  service.port = (service.server.address() as AddressInfo).port;
  return service;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** True when the response ended early or never came (the connection was cut). */
  cut: boolean;
}

function fetchVia(
  port: number,
  host: string,
  path: string,
  agent: Agent,
  method = "GET",
  body?: Buffer,
) {
  return new Promise<Reply>((resolve) => {
    const req = request(
      { host: "127.0.0.1", port, path, method, headers: { host }, agent },
      (res) => {
        let body = "";
        res.setEncoding("latin1");
        res.on("data", (c: string) => {
          body += c;
        });
        const done = (cut: boolean) =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, cut });
        res.on("end", () => done(false));
        res.on("aborted", () => done(true));
        res.on("error", () => done(true));
      },
    );
    // Cut before a byte of the response came (its head not yet flushed).
    req.on("error", () => resolve({ status: 0, headers: {}, body: "", cut: true }));
    req.end(body);
  });
}

/** GETs `path`, leaving the response unread for a while so the broker's writes back up. */
function slowRead(port: number, host: string, path: string, agent: Agent): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers: { host }, agent }, (res) => {
      const parts: Buffer[] = [];
      res.pause();
      setTimeout(() => res.resume(), 300);
      res.on("data", (chunk: Buffer) => parts.push(chunk));
      res.on("end", () => resolve(Buffer.concat(parts)));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("reverse proxy response framing", () => {
  let stack: TestStack;
  let raw: RawService;
  let host: string;
  let agent: Agent;
  const get = (path: string, method = "GET", body?: Buffer) =>
    fetchVia(stack.broker.port, host, path, agent, method, body);

  before(async () => {
    raw = await startRawService();
    stack = await startStack({
      services: [{ name: "raw", application: 7, port: raw.port }],
    });
    ({ host } = await connectOrFail(stack.user, stack.agent.serviceId("raw")));
  });

  after(async () => {
    agent?.destroy();
    await stack?.stop();
    raw?.close();
  });

  it("decodes a chunked body (extensions and trailers too) and reuses the connection", async () => {
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const before = raw.connections;
    const first = await get("/chunked");
    assert.equal(first.status, 200);
    assert.equal(first.body, "hello, chunk");
    assert.equal((await get("/chunked")).body, "hello, chunk");
    assert.equal(raw.connections - before, 1, "both requests should share one connection");
  });

  it("reads no body after HEAD, 204 or a 1xx, and reuses the connection", async () => {
    const before = raw.connections;
    const head = await get("/head", "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.headers["content-length"], "100");
    assert.equal(head.body, "");
    assert.equal((await get("/no-content")).status, 204);
    const continued = await get("/continue");
    assert.deepEqual([continued.status, continued.body], [200, "after"]);
    const bare = await get("/no-reason");
    assert.deepEqual([bare.status, bare.body], [200, "ok"]);
    assert.equal(raw.connections - before, 0, "all should reuse the kept-alive connection");
  });

  it("drops hop-by-hop response headers and keeps the rest", async () => {
    const reply = await get("/hop");
    assert.equal(reply.headers["x-kept"], "yes");
    assert.notEqual(reply.headers["keep-alive"], "timeout=30");
  });

  it("reads a body without length to the service's close, then uses a new connection", async () => {
    const before = raw.connections;
    const reply = await get("/to-close");
    assert.deepEqual([reply.status, reply.body, reply.cut], [200, "until the end", false]);
    assert.equal((await get("/chunked")).body, "hello, chunk");
    assert.equal(raw.connections - before, 1, "the closed connection is not reused");
  });

  it("does not reuse a connection whose answer said close among other tokens", async () => {
    const before = raw.connections;
    const reply = await get("/close-token");
    assert.deepEqual([reply.status, reply.body], [200, "ok"]);
    assert.equal((await get("/chunked")).body, "hello, chunk");
    assert.equal(raw.connections - before, 1, "the next request needs a new connection");
  });

  it("answers 502 to heads that two parsers could read differently", async () => {
    for (const path of [
      "/both-lengths",
      "/two-lengths",
      "/folded",
      "/space-colon",
      "/not-http",
      "/control-char",
      "/low-status",
      "/bare-lf",
      "/bare-cr",
      "/bad-reason",
      "/bad-chunk",
    ]) {
      const reply = await get(path);
      // A broken chunk is found after the head went out: the visitor's response is cut.
      if (path === "/bad-chunk") assert.equal(reply.cut || reply.status === 502, true, path);
      else assert.equal(reply.status, 502, path);
    }
    assert.equal((await get("/chunked")).body, "hello, chunk", "and goes on serving");
  });

  it("serves the visitor's next request after an answer that did not wait for the body", async () => {
    const early = await get("/early", "POST", Buffer.alloc(32 * 1024 * 1024, 0x78));
    assert.equal(early.status, 413);
    assert.equal((await get("/chunked")).body, "hello, chunk");
  });

  it("keeps a head that arrives in two reads whole", async () => {
    const reply = await get("/split-head");
    assert.deepEqual([reply.status, reply.headers["x-split"], reply.body], [200, "yes", "hello"]);
  });

  it("relays large bodies byte-exact to a visitor that reads slowly, then reuses the connection", async () => {
    const slow = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = raw.connections;
      for (const path of ["/big", "/big-chunked", "/big"]) {
        const body = await slowRead(stack.broker.port, host, path, slow);
        assert.equal(body.length, BIG.length, path);
        assert.equal(body.equals(BIG), true, `${path} arrived changed`);
      }
      assert.ok(raw.connections - before <= 1, "all three should share one connection");
    } finally {
      slow.destroy();
    }
  });

  it("relays pipelined large responses byte-exact, in order", async () => {
    // The second response waits inside Node until the first is done, holding the bytes
    // read for it: they must not be overwritten by the next read before they go out.
    const visitor = netConnect(stack.broker.port, "127.0.0.1");
    const request = `GET /big HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
    visitor.write(request + request);
    const parts: Buffer[] = [];
    let received = 0;
    const expected = 2 * BIG.length;
    const bodies = await new Promise<Buffer[]>((resolve, reject) => {
      visitor.on("error", reject);
      visitor.on("data", (chunk: Buffer) => {
        parts.push(chunk);
        received += chunk.length;
        if (received < expected) return;
        const all = Buffer.concat(parts);
        const found: Buffer[] = [];
        let at = 0;
        while (found.length < 2) {
          const end = all.indexOf("\r\n\r\n", at);
          if (end === -1) return;
          const length = Number(
            /content-length: (\d+)/i.exec(all.toString("latin1", at, end))?.[1],
          );
          if (all.length < end + 4 + length) return;
          found.push(all.subarray(end + 4, end + 4 + length));
          at = end + 4 + length;
        }
        resolve(found);
      });
    });
    visitor.destroy();
    for (const body of bodies)
      assert.equal(body.equals(BIG), true, "a pipelined body arrived changed");
  });

  it("cuts the visitor's response when the service closes mid-body", async () => {
    const reply = await get("/cut");
    assert.equal(reply.cut, true);
    assert.equal((await get("/chunked")).body, "hello, chunk");
  });
});

describe("reverse proxy requests", () => {
  let stack: TestStack;

  before(async () => {
    stack = await startStack({ services: [{ name: "web", application: 7, target: "web" }] });
  });

  after(async () => {
    await stack?.stop();
  });

  it("streams a chunked upload to the service, re-chunked", async () => {
    const { host } = await connectOrFail(stack.user, stack.agent.serviceId("web"));
    const parts = ["first part, ", "second part, ", "last"];
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: stack.broker.port,
          path: "/echo",
          method: "POST",
          headers: { host },
        },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            body += c;
          });
          res.on("end", () => resolve(body));
        },
      );
      req.on("error", reject);
      // No length: node:http sends the body chunked.
      for (const part of parts) req.write(part);
      req.end();
    });
    assert.equal(echoed, parts.join(""));
    assert.equal(stack.web.lastHeaders?.["transfer-encoding"], "chunked");
  });

  it("passes header bytes beyond ASCII through unchanged", async () => {
    const { host } = await connectOrFail(stack.user, stack.agent.serviceId("web"));
    const socket = netConnect(stack.broker.port, "127.0.0.1");
    socket.write(
      `GET / HTTP/1.1\r\nHost: ${host}\r\nX-Name: caf\xe9\r\nConnection: close\r\n\r\n`,
      "latin1",
    );
    socket.resume();
    await once(socket, "close");
    assert.equal(stack.web.lastHeaders?.["x-name"], "caf\xe9");
  });
});
