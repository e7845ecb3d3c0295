// A broker serving https: its API, its reverse-proxy URLs, and the agents' tunnel all go
// over TLS, with the agent trusting the broker's private certificate via --ca.
import assert from "node:assert/strict";
import { request } from "node:https";
import { after, before, describe, it } from "node:test";
import { setGlobalDispatcher, Agent as UndiciAgent } from "undici";
import { makeSelfSignedCert, type TestCertificate } from "../../test-support/certs.js";
import {
  connectOrFail,
  startStack,
  type TestAgent,
  type TestBroker,
  type TestStack,
  type TestUser,
} from "../../test-support/stack.js";
import { type HttpTarget, startTrickleSource } from "../../test-support/targets.js";
import { echoThrough, randomPayload, readSlowly, sha256 } from "../../test-support/visitors.js";

describe("broker with TLS", () => {
  const TRICKLE_BYTES = 24_000_000;
  let trickle: Awaited<ReturnType<typeof startTrickleSource>>;
  let cert: TestCertificate;
  let stack: TestStack;
  let broker: TestBroker;
  let agent: TestAgent;
  let web: HttpTarget;
  let user: TestUser;

  before(async () => {
    trickle = await startTrickleSource(TRICKLE_BYTES);
    cert = await makeSelfSignedCert(["localhost", "*.p1.localhost", "127.0.0.1"]);
    // The test's own API client (fetch) must trust the certificate too.
    setGlobalDispatcher(new UndiciAgent({ connect: { ca: cert.cert } }));
    stack = await startStack({
      settings: { tls: { cert: cert.certFile, key: cert.keyFile } },
      users: ["tls@example.com"],
      services: [
        { name: "web", application: 7, target: "web" },
        { name: "tcp", application: 1, target: "echo" },
        { name: "trickle", application: 1, port: trickle.port },
      ],
      agent: { ca: cert.cert },
    });
    ({ broker, agent, web, user } = stack);
  });

  after(async () => {
    trickle.close();
    await stack?.stop();
  });

  it("makes https reverse-proxy URLs that serve over TLS", async () => {
    const connection = await connectOrFail(user, agent.serviceId("web"));
    assert.equal(connection.url, `https://${connection.host}:${broker.port}`);
    const body = await new Promise<string>((resolve, reject) => {
      request(
        {
          host: "127.0.0.1",
          port: broker.port,
          servername: connection.host,
          headers: { host: connection.host },
          ca: cert.cert,
        },
        (res) => {
          let text = "";
          res.on("data", (c) => {
            text += c;
          });
          res.on("end", () => resolve(text));
        },
      )
        .on("error", reject)
        .end();
    });
    assert.equal(body, "hello from target");
    assert.equal(web.lastHeaders?.["x-forwarded-proto"], "https");
  });

  it("carries port-proxy bytes through the TLS tunnel byte-exact", async () => {
    const connection = await connectOrFail(user, agent.serviceId("tcp"));
    const payload = randomPayload(4 * 1024 * 1024);
    const back = await echoThrough(connection.port as number, "127.0.0.2", payload);
    assert.equal(sha256(back), sha256(payload));
  });

  it("delivers every byte to a slow reader when the service writes in small pieces", {
    timeout: 60_000,
  }, async () => {
    const connection = await connectOrFail(user, agent.serviceId("trickle"));
    assert.equal(await readSlowly(connection.port as number, "127.0.0.2"), TRICKLE_BYTES);
  });
});
