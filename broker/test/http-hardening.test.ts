// The broker's listener against hostile request shapes, byte for byte on raw sockets: what
// the client gets back, whether the connection then ends, and (from a service that counts
// every request head it parses) that nothing refused, or hidden behind a refused upgrade,
// reached the device's service.
import assert from "node:assert/strict";
import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  connectOrFail,
  startStack,
  type TestBroker,
  type TestStack,
} from "../../test-support/stack.js";

interface CountingService {
  port: number;
  /** Request lines ("GET /path HTTP/1.1") of every request head the service parsed. */
  readonly requests: string[];
  /** Every byte that reached the service, over all its connections, as latin1. */
  readonly received: string;
  close(): Promise<void>;
}

/**
 * A raw HTTP/1.1 service that answers every request head on a connection with 200 (keep-
 * alive, never 101). Unlike node:http, which stops parsing after a request that asks for an
 * upgrade, it parses whatever follows, so bytes smuggled past the broker are counted.
 */
async function startCountingService(): Promise<CountingService> {
  const requests: string[] = [];
  let received = "";
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let buffered = "";
    socket.on("data", (chunk: Buffer) => {
      const text = chunk.toString("latin1");
      received += text;
      buffered += text;
      for (let end = buffered.indexOf("\r\n\r\n"); end !== -1; end = buffered.indexOf("\r\n\r\n")) {
        requests.push(buffered.slice(0, buffered.indexOf("\r\n")));
        buffered = buffered.slice(end + 4);
        socket.write(
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\nserved\n",
        );
      }
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    get received() {
      return received;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface RawReply {
  /** What came back, as latin1. */
  text: string;
  /** The status line of every response in `text`. */
  statusLines: string[];
  /** True when the broker closed (or reset) the connection within the time allowed. */
  closedByServer: boolean;
}

/**
 * Writes `bytes` to the broker on a fresh connection and collects the answer until the
 * broker closes it or `timeoutMs` pass. `afterFirstData` is written once the first bytes of
 * an answer arrive (errors ignored: the broker may already be closing).
 */
function rawExchange(
  port: number,
  bytes: string,
  options: { afterFirstData?: string; timeoutMs?: number } = {},
): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    let text = "";
    let wroteLate = false;
    const finish = (closedByServer: boolean) => {
      clearTimeout(deadline);
      socket.destroy();
      const statusLines = [...text.matchAll(/HTTP\/1\.[01] \d{3}[^\r\n]*/g)].map((m) => m[0]);
      resolve({ text, statusLines, closedByServer });
    };
    const deadline = setTimeout(() => finish(false), options.timeoutMs ?? 1500);
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (options.afterFirstData !== undefined && !wroteLate) {
        wroteLate = true;
        socket.write(options.afterFirstData);
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => finish(true));
  });
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe("broker listener hardening (raw sockets)", () => {
  let stack: TestStack;
  let broker: TestBroker;
  let service: CountingService;
  /** The reverse-proxy host names of two connections to the service. */
  let host: string;
  let otherHost: string;

  before(async () => {
    service = await startCountingService();
    stack = await startStack({
      users: ["hardening@example.com"],
      services: [{ name: "web", application: 7, port: service.port }],
    });
    const { user, agent } = stack;
    broker = stack.broker;
    host = (await connectOrFail(user, agent.serviceId("web"))).host;
    otherHost = (await connectOrFail(user, agent.serviceId("web"))).host;
  });

  after(async () => {
    await stack?.stop();
    await service?.close();
  });

  /** Runs `exchange` and returns its reply with what reached the service meanwhile. */
  async function observed(exchange: () => Promise<RawReply>) {
    const requestsBefore = service.requests.length;
    const bytesBefore = service.received.length;
    const reply = await exchange();
    await settle();
    return {
      reply,
      requests: service.requests.slice(requestsBefore),
      received: service.received.slice(bytesBefore),
    };
  }

  it("serves a well-formed request on the same route (the premise of the refusals)", async () => {
    const { reply, requests } = await observed(() =>
      rawExchange(broker.port, `GET /fine HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
    );
    assert.deepEqual(reply.statusLines, ["HTTP/1.1 200 OK"]);
    assert.match(reply.text, /\r\n\r\nserved\n$/);
    assert.deepEqual(requests, ["GET /fine HTTP/1.1"]);
  });

  it("refuses an absolute-form target naming another host with 400", async () => {
    const { reply, received } = await observed(() =>
      rawExchange(
        broker.port,
        `GET http://${otherHost}/absolute HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
      ),
    );
    assert.match(reply.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal(reply.statusLines.length, 1);
    assert.ok(reply.closedByServer, "the broker closes the connection after refusing");
    assert.equal(received, "", "the service received nothing");
  });

  it("refuses a request with two Host headers with 400", async () => {
    const { reply, received } = await observed(() =>
      rawExchange(
        broker.port,
        `GET /two-hosts HTTP/1.1\r\nHost: ${host}\r\nHost: ${otherHost}\r\n\r\n`,
      ),
    );
    assert.match(reply.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal(reply.statusLines.length, 1);
    assert.ok(reply.closedByServer);
    assert.equal(received, "");
  });

  it("refuses a request head over 16 KiB with 431", async () => {
    const line = `X-Big: ${"b".repeat(1000)}\r\n`;
    const head = `GET /big HTTP/1.1\r\nHost: ${host}\r\n${line.repeat(18)}\r\n`;
    assert.ok(head.length > 16 * 1024);
    const { reply, received } = await observed(() => rawExchange(broker.port, head));
    assert.match(reply.text, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    assert.equal(reply.statusLines.length, 1);
    assert.ok(reply.closedByServer);
    assert.equal(received, "");
  });

  it("answers CONNECT with 405 and tunnels nothing", async () => {
    const hidden = `GET /after-connect HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
    const { reply, received } = await observed(() =>
      rawExchange(broker.port, `CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n${hidden}`),
    );
    assert.match(reply.text, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    assert.equal(reply.statusLines.length, 1);
    assert.ok(reply.closedByServer);
    assert.equal(received, "");
  });

  it("refuses Content-Length together with Transfer-Encoding with 400", async () => {
    const hidden = `GET /smuggled HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
    const chunkedEnd = `0\r\n\r\n${hidden}`;
    const { reply, received } = await observed(() =>
      rawExchange(
        broker.port,
        `POST /cl-te HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${chunkedEnd.length}\r\nTransfer-Encoding: chunked\r\n\r\n${chunkedEnd}`,
      ),
    );
    assert.match(reply.text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal(reply.statusLines.length, 1);
    assert.ok(reply.closedByServer);
    assert.equal(received, "");
  });

  it("passes on a non-101 answer to an upgrade, then closes: later bytes never reach the service", async () => {
    const upgrade = `GET /ws HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;
    const early = `GET /smuggled-early HTTP/1.1\r\nHost: ${otherHost}\r\n\r\n`;
    const late = `GET /smuggled-late HTTP/1.1\r\nHost: ${otherHost}\r\n\r\n`;
    const { reply, requests, received } = await observed(() =>
      rawExchange(broker.port, upgrade + early, { afterFirstData: late }),
    );
    assert.match(reply.text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(reply.text, /\r\n\r\nserved\n$/, "the service's whole answer is passed on");
    assert.deepEqual(reply.statusLines, ["HTTP/1.1 200 OK"]);
    assert.ok(reply.closedByServer, "the connection closes after the non-101 answer");
    assert.deepEqual(requests, ["GET /ws HTTP/1.1"], "the service's request count stays 1");
    assert.ok(!received.includes("smuggled"), "no byte sent after the request reached it");
  });
});
