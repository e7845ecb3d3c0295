// remote.it's clients, each signing as its public description says (remoteit-clients.ts),
// send the docs' query to a real broker and get the account's devices back; and the
// refusals that matter: a host with another port, an expired signature, a required
// component left out, a body that does not match its Content-Digest, a replayed request.
// Reach's own clients (r3-fetch, the agent's control request) never look like replays.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import WebSocket from "ws";
import { createSignedFetch } from "../../common/r3-fetch.js";
import { controlRequestHeaders } from "../../common/tunnel/control-request.js";
import { CONTROL_PATH } from "../../common/tunnel/protocol.js";
import { startStack, type TestStack } from "../../test-support/stack.js";
import {
  DOCS_QUERY,
  docsBash,
  insomniaV10,
  insomniaV11,
  postman,
  pythonV01,
  pythonV07,
  type Reply,
  type SignedPost,
  sendRaw,
} from "./remoteit-clients.js";

interface LoginDevices {
  login: {
    email: string;
    devices: { items: { id: string; name: string; services: { id: string; name: string }[] }[] };
  };
}

describe("remote.it's clients, signed as they sign, against a Reach broker", () => {
  let stack: TestStack;
  let url: URL;
  const body = JSON.stringify({ query: DOCS_QUERY });

  before(async () => {
    stack = await startStack({
      users: ["alice@example.com"],
      services: [{ name: "ssh", application: 28, target: "echo" }],
    });
    url = new URL(stack.broker.apiUrl);
    assert.notEqual(url.port, "", "the broker listens on a non-default port, so Host has one");
  });

  after(() => stack.stop());

  function assertDevices(reply: Reply, client: string): void {
    assert.equal(reply.status, 200, `${client}: ${JSON.stringify(reply.body)}`);
    const login = (reply.body.data as LoginDevices).login;
    assert.equal(login.email, "alice@example.com", client);
    const sshId = stack.agent.serviceId("ssh");
    const device = login.devices.items.find((item) => item.services.some((s) => s.id === sshId));
    assert.ok(device, `${client}: the agent's device is listed`);
    assert.deepEqual(
      device.services.map((service) => service.name),
      ["ssh"],
      client,
    );
  }

  function assertRefused(reply: Reply, reason: string, sentence: RegExp, what: string): void {
    assert.equal(reply.status, 401, what);
    const error = reply.body.errors?.[0];
    assert.equal(error?.extensions?.code, "UNAUTHENTICATED", what);
    assert.equal(error?.extensions?.reason, reason, what);
    assert.match(error?.message ?? "", sentence, what);
  }

  const keys = () => stack.user.credentials;
  /**
   * A different second for every request a test signs: the broker accepts a signature
   * once, and these clients sign nothing random, so one query signed twice in the same
   * second is a replay (which the replay test shows on purpose).
   */
  let secondsBack = 0;
  const distinctNow = () => new Date(Date.now() - 1000 * secondsBack++);

  it("docs bash/curl: cavage, 5 headers, a UTC date, content-length as a character count", async () => {
    const post = docsBash(keys(), url, distinctNow());
    assert.match(post.headers.date ?? "", / UTC$/);
    assertDevices(await sendRaw(post), "docs bash");
  });

  it("Postman collection: cavage, 4 headers, the host signed without its port", async () => {
    assertDevices(await sendRaw(postman(keys(), url, body, distinctNow())), "Postman");
  });

  it("Insomnia plugin v1.0: cavage, 5 headers, the URL's hostname", async () => {
    assertDevices(await sendRaw(insomniaV10(keys(), url, body, distinctNow())), "Insomnia v1.0");
  });

  it("Insomnia plugin v1.1.x: RFC 9421 as label remoteit, with an empty Authorization", async () => {
    const post = insomniaV11(keys(), url, body, distinctNow());
    assert.equal(post.headers.authorization, "");
    assert.match(
      post.headers["signature-input"] ?? "",
      /^remoteit=\("@method" "@authority" "@target-uri" "date"\);keyid="[^"]+";alg="hmac-sha256";created=\d+;expires=\d+$/,
    );
    assertDevices(await sendRaw(post), "Insomnia v1.1");
  });

  it("docs Python, requests-http-signature 0.7: RFC 9421 with Content-Digest", async () => {
    const post = pythonV07(keys(), url, body, distinctNow());
    assert.match(post.headers["content-digest"] ?? "", /^sha-256=:[A-Za-z0-9+/=]+:$/);
    assertDevices(await sendRaw(post), "requests-http-signature 0.7");
  });

  it("old docs Python, requests-http-signature 0.1.x: cavage with digest, hostname", async () => {
    assertDevices(
      await sendRaw(pythonV01(keys(), url, body, distinctNow())),
      "requests-http-signature 0.1",
    );
  });

  it("refuses a host signed with another port, in either scheme", async () => {
    const wrongPort = new URL(url);
    wrongPort.port = String(Number(url.port) === 1 ? 2 : 1);
    // Signed as Postman signs, but over host:port (as the docs' Node example signs Host).
    const cavage = postman(keys(), url, body, distinctNow(), wrongPort.host);
    assertRefused(
      await sendRaw(cavage),
      "BAD_SIGNATURE",
      /signature does not match/,
      "cavage host with another port",
    );
    const message = insomniaV11(keys(), wrongPort, body, distinctNow());
    assertRefused(
      await sendRaw({ ...message, url }),
      "BAD_SIGNATURE",
      /signature does not match/,
      "@authority with another port",
    );
  });

  it("refuses an RFC 9421 signature past its expires", async () => {
    const post = insomniaV11(keys(), url, body, new Date(Date.now() - 10_000), 5);
    assertRefused(await sendRaw(post), "EXPIRED", /expired/, "expires passed");
  });

  it("refuses a signature that leaves out a required component, naming it", async () => {
    const noMethod = pythonV07(keys(), url, body, distinctNow(), [
      "@authority",
      "@target-uri",
      "content-digest",
      "date",
    ]);
    assertRefused(await sendRaw(noMethod), "UNSIGNED_HEADERS", /"@method"/, "no @method");
    const noHost = pythonV07(keys(), url, body, distinctNow(), ["@method", "date"]);
    assertRefused(await sendRaw(noHost), "UNSIGNED_HEADERS", /"@authority"/, "no @authority");
  });

  it("refuses a body that does not match its Content-Digest, signed or not", async () => {
    const other = JSON.stringify({ query: "{ login { email } }" });
    const signed = pythonV07(keys(), url, body, distinctNow());
    assertRefused(
      await sendRaw({ ...signed, body: other }),
      "DIGEST_MISMATCH",
      /Content-Digest/,
      "covered Content-Digest, other body",
    );
    const unsigned = insomniaV11(keys(), url, other, distinctNow());
    assertRefused(
      await sendRaw({
        ...unsigned,
        headers: {
          ...unsigned.headers,
          "content-digest":
            pythonV07(keys(), url, body, distinctNow()).headers["content-digest"] ?? "",
        },
      }),
      "DIGEST_MISMATCH",
      /Content-Digest/,
      "uncovered Content-Digest, other body",
    );
  });

  it("accepts a captured request once and refuses it replayed, in either scheme", async () => {
    for (const [name, post] of [
      ["cavage", postman(keys(), url, body, distinctNow())],
      ["RFC 9421", insomniaV11(keys(), url, body, distinctNow())],
    ] as [string, SignedPost][]) {
      assertDevices(await sendRaw(post), name);
      assertRefused(await sendRaw(post), "REPLAYED", /already used/, `${name} replayed`);
    }
  });

  it("Reach's signed fetch: two identical requests in one second both succeed; a captured one replayed is refused", async () => {
    const sameSecond = new Date();
    const captured: SignedPost[] = [];
    const recording: typeof fetch = async (input, init) => {
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((value, name) => {
        headers[name] = value;
      });
      captured.push({ url: new URL(String(input)), headers, body: String(init?.body) });
      return fetch(input, init);
    };
    const signedFetch = createSignedFetch(keys(), recording, () => sameSecond);
    for (const attempt of [1, 2]) {
      const response = await signedFetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      assertDevices(
        { status: response.status, body: (await response.json()) as Reply["body"] },
        `identical request ${attempt}`,
      );
    }
    assert.equal(captured[0]?.headers.date, captured[1]?.headers.date, "both in one second");
    const first = captured[0];
    assert.ok(first);
    assertRefused(await sendRaw(first), "REPLAYED", /already used/, "captured and replayed");
  });

  it("an agent's control request: a reconnect in the same second opens; a captured one replayed is refused", async () => {
    const control = new URL(CONTROL_PATH, url);
    control.protocol = "ws:";
    const sameSecond = new Date();
    const first = controlRequestHeaders(keys(), control.host, sameSecond);
    const second = controlRequestHeaders(keys(), control.host, sameSecond);
    assert.notEqual(first.authorization, second.authorization);
    assert.equal(await upgradeStatus(control, first), 101);
    assert.equal(await upgradeStatus(control, second), 101);
    assert.equal(await upgradeStatus(control, first), 401, "the captured request replayed");
  });
});

/** The status the broker answers a control-channel upgrade with (101 when it opens). */
function upgradeStatus(url: URL, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on("open", () => {
      ws.terminate();
      resolve(101);
    });
    ws.on("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("error", reject);
  });
}
