// The API's doors: R3 signatures, per-user isolation, and hostile or oversized requests.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GRAPHQL_PATH } from "../../common/graphql/schema.js";
import {
  R3_NONCE_HEADER,
  R3_SIGNED_HEADERS,
  requestNonce,
  signRequest,
} from "../../common/r3-signature.js";
import {
  CONNECT,
  connectOrFail,
  DISCONNECT,
  errorCode,
  startStack,
  type TestAgent,
  type TestBroker,
  type TestStack,
  type TestUser,
} from "../../test-support/stack.js";

interface RawReply {
  status: number;
  body: {
    data?: unknown;
    errors?: { message: string; extensions?: { code?: string; reason?: string } }[];
  };
}

describe("API authentication and isolation", () => {
  let stack: TestStack;
  let broker: TestBroker;
  let agent: TestAgent;
  let alice: TestUser;
  let bob: TestUser;

  /** Sends a request signed (or not) exactly as the test says, to probe the verifier. */
  async function send(
    body: string,
    sign: {
      user?: TestUser;
      secret?: string;
      date?: Date;
      headers?: string[];
      authorization?: string;
    } = {},
  ): Promise<RawReply> {
    const url = new URL(broker.apiUrl);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (sign.authorization !== undefined) {
      headers.authorization = sign.authorization;
      headers.date = new Date().toUTCString();
    } else if (sign.user) {
      // A nonce, as Reach's clients sign, unless the test names the headers: the broker
      // accepts a signature once, and this file sends identical requests within a second.
      const nonce = sign.headers ? undefined : requestNonce();
      if (nonce) headers[R3_NONCE_HEADER] = nonce;
      const signed = signRequest(
        {
          accessKeyId: sign.user.credentials.accessKeyId,
          secretAccessKey: sign.secret ?? sign.user.credentials.secretAccessKey,
        },
        {
          method: "POST",
          path: GRAPHQL_PATH,
          headers: {
            host: url.host,
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(body)),
            [R3_NONCE_HEADER]: nonce,
          },
        },
        sign.date ?? new Date(),
        sign.headers ?? [...R3_SIGNED_HEADERS, R3_NONCE_HEADER],
      );
      headers.date = signed.date;
      headers.authorization = signed.authorization;
    }
    const response = await fetch(url, { method: "POST", headers, body });
    return { status: response.status, body: (await response.json()) as RawReply["body"] };
  }

  const LOGIN = JSON.stringify({ query: "{ login { email } }" });

  before(async () => {
    stack = await startStack({
      users: ["alice@example.com", "bob@example.com"],
      services: [{ name: "ssh", application: 28, target: "echo" }],
    });
    ({ broker, agent } = stack);
    [alice, bob] = stack.users as [TestUser, TestUser];
  });

  after(() => stack?.stop());

  it("accepts a correctly signed request", async () => {
    const reply = await send(LOGIN, { user: alice });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body.data, { login: { email: "alice@example.com" } });
  });

  it("refuses unsigned, garbled, wrongly keyed and stale requests with UNAUTHENTICATED", async () => {
    const cases: [string, Parameters<typeof send>[1]][] = [
      ["no Authorization", {}],
      ["garbled Authorization", { authorization: "Signature !!!" }],
      ["Basic auth", { authorization: "Basic YWxpY2U6c2VjcmV0" }],
      [
        "unknown key",
        {
          authorization:
            'Signature keyId="NOPE",algorithm="hmac-sha256",headers="(request-target) host date",signature="AAAA"',
        },
      ],
      ["wrong secret", { user: alice, secret: Buffer.alloc(32, 7).toString("base64") }],
      ["Date 6 minutes old (replay)", { user: alice, date: new Date(Date.now() - 6 * 60 * 1000) }],
      ["Date 6 minutes ahead", { user: alice, date: new Date(Date.now() + 6 * 60 * 1000) }],
      [
        "headers list without host",
        { user: alice, headers: ["(request-target)", "date", "content-type"] },
      ],
      ["headers list without (request-target)", { user: alice, headers: ["host", "date"] }],
      ["headers list without date", { user: alice, headers: ["(request-target)", "host"] }],
    ];
    for (const [name, sign] of cases) {
      const reply = await send(LOGIN, sign);
      assert.equal(reply.status, 401, name);
      assert.equal(reply.body.errors?.[0]?.extensions?.code, "UNAUTHENTICATED", name);
      assert.ok(
        (reply.body.errors?.[0]?.message.length ?? 0) > 10,
        `${name}: a sentence, not a bare code`,
      );
      assert.equal(reply.body.data, undefined, name);
    }
  });

  it("says the clock is off when the Date is too far out", async () => {
    const reply = await send(LOGIN, { user: alice, date: new Date(Date.now() - 10 * 60 * 1000) });
    assert.match(reply.body.errors?.[0]?.message ?? "", /5 minutes/);
    assert.equal(reply.body.errors?.[0]?.extensions?.reason, "CLOCK_SKEW");
  });

  it("says why each signature was refused as a reason code beside UNAUTHENTICATED", async () => {
    const cases: [string, Parameters<typeof send>[1], string][] = [
      ["no Authorization", {}, "UNSIGNED"],
      ["garbled Authorization", { authorization: "Signature !!!" }, "UNSIGNED"],
      [
        "another algorithm",
        {
          authorization:
            'Signature keyId="NOPE",algorithm="rsa-sha256",headers="(request-target) host date",signature="AAAA"',
        },
        "UNSUPPORTED_ALGORITHM",
      ],
      [
        "headers list without date",
        { user: alice, headers: ["(request-target)", "host"] },
        "UNSIGNED_HEADERS",
      ],
      // An unknown key and a wrong secret are one reason, so keys cannot be probed.
      [
        "unknown key",
        {
          authorization:
            'Signature keyId="NOPE",algorithm="hmac-sha256",headers="(request-target) host date",signature="AAAA"',
        },
        "BAD_SIGNATURE",
      ],
      [
        "wrong secret",
        { user: alice, secret: Buffer.alloc(32, 7).toString("base64") },
        "BAD_SIGNATURE",
      ],
      [
        "Date 6 minutes ahead",
        { user: alice, date: new Date(Date.now() + 6 * 60 * 1000) },
        "CLOCK_SKEW",
      ],
    ];
    for (const [name, sign, reason] of cases) {
      const reply = await send(LOGIN, sign);
      assert.equal(reply.body.errors?.[0]?.extensions?.code, "UNAUTHENTICATED", name);
      assert.equal(reply.body.errors?.[0]?.extensions?.reason, reason, name);
    }
  });

  it("keeps each user to their own devices, services and connections", async () => {
    const serviceId = agent.serviceId("ssh");
    const devices = await bob.api<{ login: { devices: { total: number } } }>(
      "{ login { devices { total } } }",
    );
    assert.equal(devices.data?.login.devices.total, 0);
    const theirs = await bob.api(CONNECT, { serviceId, hostIP: "0.0.0.0" });
    const absent = await bob.api(CONNECT, {
      serviceId: "80:00:00:00:00:00:00:01",
      hostIP: "0.0.0.0",
    });
    assert.equal(errorCode(theirs), "NOT_FOUND");
    assert.equal(errorCode(absent), "NOT_FOUND");
    assert.equal(
      theirs.errors?.[0]?.message.replace(serviceId, "ID"),
      absent.errors?.[0]?.message.replace("80:00:00:00:00:00:00:01", "ID"),
      "another user's service must look exactly like a missing one",
    );
    const connection = await connectOrFail(alice, serviceId);
    const disconnect = await bob.api(DISCONNECT, { connectionId: connection.id });
    const missing = await bob.api(DISCONNECT, {
      connectionId: "00000000-0000-4000-8000-000000000000",
    });
    assert.equal(errorCode(disconnect), "NOT_FOUND");
    assert.equal(
      disconnect.errors?.[0]?.message.replace(connection.id, "ID"),
      missing.errors?.[0]?.message.replace("00000000-0000-4000-8000-000000000000", "ID"),
    );
    const bobs = await bob.api<{ login: { connections: unknown[] } }>(
      "{ login { connections { id } } }",
    );
    assert.deepEqual(bobs.data?.login.connections, []);
    const alices = await alice.api<{ login: { connections: { id: string }[] } }>(
      "{ login { connections { id } } }",
    );
    assert.ok(
      alices.data?.login.connections.some((c) => c.id === connection.id),
      "bob's disconnect must not end it",
    );
  });

  it("tells a client its own address (Reach's myIP extension)", async () => {
    const reply = await alice.api<{ myIP: string }>("{ myIP }");
    assert.equal(reply.data?.myIP, "127.0.0.1");
  });

  it("pages devices with size and from", async () => {
    const reply = await alice.api<{
      login: { devices: { total: number; hasMore: boolean; items: unknown[] } };
    }>("{ login { devices(size: 1, from: 0) { total hasMore items { id } } } }");
    assert.deepEqual(reply.data?.login.devices, {
      total: 1,
      hasMore: false,
      items: [{ id: agent.session?.deviceId }],
    });
    const bad = await alice.api("{ login { devices(size: 0) { total } } }");
    assert.equal(errorCode(bad), "BAD_USER_INPUT");
  });

  it("refuses bodies over 1 MiB without reading them", async () => {
    const big = JSON.stringify({ query: `{ login { email } } #${"x".repeat(1024 * 1024)}` });
    const reply = await send(big, { user: alice });
    assert.equal(reply.status, 413);
    assert.equal(reply.body.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
  });

  it("refuses malformed JSON, wrong types, deep, aliased and batched queries, and keeps serving", async () => {
    const malformed = await send("{ not json", { user: alice });
    assert.equal(malformed.status, 400);
    const wrongType = await send(
      JSON.stringify({ query: CONNECT, variables: { serviceId: 42, hostIP: ["0.0.0.0"] } }),
      { user: alice },
    );
    assert.ok(wrongType.body.errors?.length);
    const ofTypes = `${"ofType { ".repeat(12)}name${" }".repeat(12)}`;
    const deep = await send(
      JSON.stringify({ query: `{ __type(name: "User") { fields { type { ${ofTypes} } } } }` }),
      { user: alice },
    );
    assert.ok(deep.body.errors?.length, "a query nested past the depth limit is refused");
    const aliases = Array.from({ length: 50 }, (_, i) => `a${i}: login { email }`).join(" ");
    const aliased = await send(JSON.stringify({ query: `{ ${aliases} }` }), { user: alice });
    assert.ok(aliased.body.errors?.length, "50 aliases must be refused");
    assert.equal(aliased.body.data ?? undefined, undefined);
    const batched = await send(
      JSON.stringify([{ query: "{ login { email } }" }, { query: "{ login { email } }" }]),
      { user: alice },
    );
    assert.ok(batched.status >= 400, "batches are not accepted");
    const flood = Array.from(
      { length: 12 },
      (_, i) => `c${i}: connect(serviceId: "${agent.serviceId("ssh")}", hostIP: "0.0.0.0") { id }`,
    ).join(" ");
    const before = (
      await alice.api<{ login: { connections: unknown[] } }>("{ login { connections { id } } }")
    ).data?.login.connections.length;
    const floodReply = await send(JSON.stringify({ query: `mutation { ${flood} }` }), {
      user: alice,
    });
    assert.ok(floodReply.body.errors?.length, "an aliased flood of connects is refused");
    const afterFlood = (
      await alice.api<{ login: { connections: unknown[] } }>("{ login { connections { id } } }")
    ).data?.login.connections.length;
    assert.equal(afterFlood, before, "nothing created by a refused flood");
    assert.equal((await send(LOGIN, { user: alice })).status, 200, "still serving");
  });
});
