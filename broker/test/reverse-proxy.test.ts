// Reverse proxies end to end: random subdomains on the broker's listener, relayed to real
// HTTP and HTTPS services through a real agent, with keep-alive, streaming and WebSockets.
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { after, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import { makeSelfSignedCert } from "../../test-support/certs.js";
import {
  CONNECT,
  connectOrFail,
  DISCONNECT,
  startStack,
  type TestAgent,
  type TestBroker,
  type TestStack,
  type TestUser,
} from "../../test-support/stack.js";
import { type HttpTarget, patternBytes, startHttpTarget } from "../../test-support/targets.js";
import { randomPayload, sha256 } from "../../test-support/visitors.js";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** An HTTP request to the broker's listener with a given Host, as a browser would send. */
function get(
  port: number,
  host: string,
  path: string,
  options: {
    method?: string;
    body?: Buffer;
    agent?: Agent;
    localAddress?: string;
    /** Leave the response unread for a while first, so the broker's writes back up. */
    slow?: boolean;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        headers: { host },
        agent: options.agent,
        localAddress: options.localAddress,
      },
      (res) => {
        const chunks: Buffer[] = [];
        if (options.slow) {
          res.pause();
          setTimeout(() => res.resume(), 300);
        }
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("reverse proxy", () => {
  let stack: TestStack;
  let broker: TestBroker;
  let agent: TestAgent;
  let web: HttpTarget;
  let secureWeb: HttpTarget;
  let user: TestUser;

  before(async () => {
    const cert = await makeSelfSignedCert(["localhost", "127.0.0.1"]);
    secureWeb = await startHttpTarget({ cert: cert.cert, key: cert.key });
    stack = await startStack({
      users: ["web@example.com"],
      services: [
        { name: "web", application: 7, target: "web" },
        { name: "secure", application: 8, port: secureWeb.port, host: "localhost" },
      ],
    });
    ({ broker, agent, web, user } = stack);
  });

  after(async () => {
    await stack?.stop();
    await secureWeb?.close();
  });

  it("gives an http service a random public URL on the broker's listener", async () => {
    const connection = await connectOrFail(user, agent.serviceId("web"), "255.255.255.255");
    assert.equal(connection.reverseProxy, true);
    assert.equal(connection.port, null);
    assert.equal(connection.hostIP, "0.0.0.0", "reverse proxies are always public");
    assert.match(connection.host, /^[a-z0-9]{12,}\.p1\.localhost$/);
    assert.equal(connection.url, `http://${connection.host}:${broker.port}`);
    const other = await connectOrFail(user, agent.serviceId("web"));
    assert.notEqual(other.host, connection.host);
    const reply = await get(broker.port, connection.host, "/");
    assert.equal(reply.status, 200);
    assert.equal(reply.body.toString(), "hello from target");
  });

  it("is public: any visitor address gets through", async () => {
    const { host } = await connectOrFail(user, agent.serviceId("web"));
    for (const localAddress of ["127.0.0.2", "127.0.0.3"]) {
      assert.equal((await get(broker.port, host, "/", { localAddress })).status, 200);
    }
  });

  it("sets X-Forwarded-For, -Proto and -Host and passes the Host through", async () => {
    const { host } = await connectOrFail(user, agent.serviceId("web"));
    await get(broker.port, `${host}:${broker.port}`, "/", { localAddress: "127.0.0.5" });
    assert.equal(web.lastHeaders?.["x-forwarded-for"], "127.0.0.5");
    assert.equal(web.lastHeaders?.["x-forwarded-proto"], "http");
    assert.equal(web.lastHeaders?.["x-forwarded-host"], `${host}:${broker.port}`);
  });

  it("keeps connections alive on both sides", async () => {
    const { host } = await connectOrFail(user, agent.serviceId("web"));
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    const before = web.connections;
    for (let i = 0; i < 10; i++) {
      assert.equal((await get(broker.port, host, "/", { agent: keepAlive })).status, 200);
    }
    keepAlive.destroy();
    assert.equal(web.connections - before, 1, "ten requests should share one service connection");
  });

  it("streams large bodies byte-exact both ways", async () => {
    const { host } = await connectOrFail(user, agent.serviceId("web"));
    const payload = randomPayload(6 * 1024 * 1024);
    const echoed = await get(broker.port, host, "/echo", { method: "POST", body: payload });
    assert.equal(sha256(echoed.body), sha256(payload));
    const download = await get(broker.port, host, "/bytes?n=3000000");
    assert.equal(sha256(download.body), sha256(patternBytes(3_000_000)));
  });

  it("relays WebSocket upgrades", async () => {
    const { host } = await connectOrFail(user, agent.serviceId("web"));
    const ws = new WebSocket(`ws://127.0.0.1:${broker.port}/socket`, { headers: { host } });
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const message = randomPayload(200_000);
    const echoed = new Promise<Buffer>((resolve) =>
      ws.once("message", (data) => resolve(data as Buffer)),
    );
    ws.send(message);
    assert.equal(sha256(await echoed), sha256(message));
    assert.equal(web.lastHeaders?.["x-forwarded-proto"], "http");
    ws.close();
  });

  it("reaches https services (self-signed on the device) through TLS to the service", async () => {
    const connection = await connectOrFail(user, agent.serviceId("secure"));
    assert.equal(connection.reverseProxy, true);
    const reply = await get(broker.port, connection.host, "/");
    assert.equal(reply.body.toString(), "hello from target");
    const ws = new WebSocket(`ws://127.0.0.1:${broker.port}/`, {
      headers: { host: connection.host },
    });
    const echoed = await new Promise<string>((resolve, reject) => {
      ws.once("open", () => ws.send("over tls"));
      ws.once("message", (data) => resolve(String(data)));
      ws.once("error", reject);
    });
    assert.equal(echoed, "over tls");
    ws.close();
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const n = 16 * 1024 * 1024;
      const big = await get(broker.port, connection.host, `/bytes?n=${n}`, {
        agent: keepAlive,
        slow: true,
      });
      assert.equal(sha256(big.body), sha256(patternBytes(n)), "a large body to a slow visitor");
      const next = await get(broker.port, connection.host, "/", { agent: keepAlive });
      assert.equal(next.body.toString(), "hello from target", "and the next request after it");
    } finally {
      keepAlive.destroy();
    }
  });

  it("answers unknown and ended hosts with 404 and no detail", async () => {
    const unknown = await get(broker.port, "abcdefghijkl0123.p1.localhost", "/");
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.length, 0);
    const connection = await connectOrFail(user, agent.serviceId("web"));
    await user.api(DISCONNECT, { connectionId: connection.id });
    const ended = await get(broker.port, connection.host, "/");
    assert.equal(ended.status, 404);
    assert.equal(ended.body.length, 0);
    assert.deepEqual(Object.keys(ended.headers).sort(), Object.keys(unknown.headers).sort());
  });

  it("can be asked for a port proxy to a web service instead", async () => {
    const reply = await user.api<{ connect: { url: string; port: number; reverseProxy: boolean } }>(
      CONNECT,
      {
        serviceId: agent.serviceId("web"),
        hostIP: "0.0.0.0",
        type: "PORT_PROXY",
      },
    );
    const connection = reply.data?.connect;
    assert.equal(connection?.reverseProxy, false);
    assert.equal(connection?.url, `http://127.0.0.1:${connection?.port}`);
    const direct = await get(connection?.port as number, "anything", "/");
    assert.equal(direct.body.toString(), "hello from target");
  });

  it("refuses a request with two Host headers", async () => {
    const { host } = await connectOrFail(user, agent.serviceId("web"));
    const { connect } = await import("node:net");
    const socket = connect(broker.port, "127.0.0.1");
    socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nHost: other.example\r\n\r\n`);
    const answer = await new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (c) => {
        text += c;
      });
      socket.on("close", () => resolve(text));
      socket.on("error", () => resolve(text));
    });
    assert.match(answer, /^HTTP\/1\.1 400/);
  });
});
