// What the API answers to requests it will not run: a body that does not match its signed
// Digest, content that is not JSON, methods other than POST, requests GraphQL refuses
// before running them (400) as against resolver errors (200, data null), and introspection
// held to the same limits as every other query.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { getIntrospectionQuery } from "graphql";
import { GRAPHQL_PATH } from "../../common/graphql/schema.js";
import {
  bodyDigest,
  R3_REQUIRED_HEADERS,
  R3_SIGNED_BODY_HEADERS,
  R3_SIGNED_HEADERS,
  signRequest,
} from "../../common/r3-signature.js";
import {
  CONNECT,
  startStack,
  type TestAgent,
  type TestBroker,
  type TestStack,
  type TestUser,
} from "../../test-support/stack.js";

interface Reply {
  status: number;
  headers: Headers;
  body: {
    data?: unknown;
    errors?: { message: string; extensions?: { code?: string; reason?: string } }[];
  };
}

interface SendOptions {
  method?: string;
  contentType?: string;
  /** The headers the signature covers; R3_SIGNED_HEADERS (remote.it's) unless given. */
  signed?: string[];
  /** The Digest header to send (and sign, when `signed` lists it). */
  digest?: string;
  /** The body the signature was made for, when it is not the one sent. */
  signedBody?: string;
  unsigned?: boolean;
}

describe("API refusals", () => {
  let stack: TestStack;
  let broker: TestBroker;
  let agent: TestAgent;
  let alice: TestUser;

  /** Sends `body` as alice, signed as the options say, and reads the JSON answer. */
  async function send(body: string | null, options: SendOptions = {}): Promise<Reply> {
    const url = new URL(broker.apiUrl);
    const method = options.method ?? "POST";
    const contentType = options.contentType ?? "application/json";
    const headers: Record<string, string> = {};
    if (body !== null) headers["content-type"] = contentType;
    if (options.digest !== undefined) headers.digest = options.digest;
    if (!options.unsigned) {
      const signedBody = options.signedBody ?? body ?? "";
      const signed = signRequest(
        alice.credentials,
        {
          method,
          path: GRAPHQL_PATH,
          headers: {
            host: url.host,
            "content-type": contentType,
            "content-length": String(Buffer.byteLength(signedBody)),
            digest: options.digest,
          },
        },
        new Date(),
        options.signed ?? R3_SIGNED_HEADERS,
      );
      headers.date = signed.date;
      headers.authorization = signed.authorization;
    }
    const response = await fetch(url, { method, headers, body });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Reply["body"],
    };
  }

  function code(reply: Reply): string | undefined {
    return reply.body.errors?.[0]?.extensions?.code;
  }

  async function connectionCount(): Promise<number> {
    const reply = await alice.api<{ login: { connections: unknown[] } }>(
      "{ login { connections { id } } }",
    );
    const count = reply.data?.login.connections.length;
    assert.ok(count !== undefined, JSON.stringify(reply.errors));
    return count;
  }

  const LOGIN = JSON.stringify({ query: "{ login { email } }" });

  before(async () => {
    stack = await startStack({
      users: ["alice@example.com"],
      services: [{ name: "ssh", application: 28, target: "echo" }],
    });
    ({ broker, agent, user: alice } = stack);
  });

  after(() => stack?.stop());

  describe("signed Digest", () => {
    /** A connect, and a harmless query padded to exactly its length. */
    function sameLengthBodies(): { connect: string; harmless: string } {
      const connect = JSON.stringify({
        query: `mutation { connect(serviceId: "${agent.serviceId("ssh")}", hostIP: "0.0.0.0") { id } }`,
      });
      const bare = JSON.stringify({ query: "{ login { email } } #" });
      const harmless = JSON.stringify({
        query: `{ login { email } } #${"x".repeat(connect.length - bare.length)}`,
      });
      assert.equal(Buffer.byteLength(harmless), Buffer.byteLength(connect));
      return { connect, harmless };
    }

    it("runs a body that matches the signed digest", async () => {
      const reply = await send(LOGIN, {
        signed: R3_SIGNED_BODY_HEADERS,
        digest: bodyDigest(LOGIN),
      });
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, { data: { login: { email: "alice@example.com" } } });
    });

    it("refuses another body of the same length with 401, and runs nothing", async () => {
      const { connect, harmless } = sameLengthBodies();
      const before = await connectionCount();
      const reply = await send(connect, {
        signed: R3_SIGNED_BODY_HEADERS,
        digest: bodyDigest(harmless),
        signedBody: harmless,
      });
      assert.equal(reply.status, 401);
      assert.equal(code(reply), "UNAUTHENTICATED");
      assert.equal(
        reply.body.errors?.[0]?.message,
        "The body does not match the signed Digest header.",
      );
      assert.equal(reply.body.errors?.[0]?.extensions?.reason, "DIGEST_MISMATCH");
      assert.equal("data" in reply.body, false);
      assert.equal(await connectionCount(), before, "the swapped-in connect must not run");
    });

    it("refuses a signed digest that is missing or not SHA-256", async () => {
      const missing = await send(LOGIN, { signed: R3_SIGNED_BODY_HEADERS });
      const sha512 = await send(LOGIN, {
        signed: R3_SIGNED_BODY_HEADERS,
        digest: `SHA-512=${Buffer.alloc(64).toString("base64")}`,
      });
      for (const [name, reply] of [
        ["no Digest header", missing],
        ["SHA-512", sha512],
      ] as const) {
        assert.equal(reply.status, 401, name);
        assert.equal(code(reply), "UNAUTHENTICATED", name);
        assert.equal(reply.body.errors?.[0]?.extensions?.reason, "DIGEST_MISMATCH", name);
      }
    });

    it("still accepts remote.it-style signatures without a digest, which sign only the length", async () => {
      const reply = await send(LOGIN, { signed: R3_SIGNED_HEADERS });
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, { data: { login: { email: "alice@example.com" } } });
      // The weakness the digest closes: without it, the same swap as above goes through.
      const { connect, harmless } = sameLengthBodies();
      const before = await connectionCount();
      const swapped = await send(connect, { signed: R3_SIGNED_HEADERS, signedBody: harmless });
      assert.equal(swapped.status, 200);
      const made = (swapped.body.data as { connect: { id: string } } | undefined)?.connect.id;
      assert.ok(made, JSON.stringify(swapped.body));
      assert.equal(await connectionCount(), before + 1);
      const ended = await alice.api("mutation ($id: String!) { disconnect(connectionId: $id) }", {
        id: made,
      });
      assert.deepEqual(ended.data, { disconnect: true });
    });
  });

  describe("statuses", () => {
    it("answers 400 BAD_USER_INPUT, with no data, to requests that never ran", async () => {
      const cases: [string, string, RegExp][] = [
        [
          "unknown field",
          JSON.stringify({ query: "{ login { nope } }" }),
          /Cannot query field "nope"/,
        ],
        ["empty object", "{}", /Must provide query string/],
        [
          "11 aliases",
          JSON.stringify({
            query: `{ ${Array.from({ length: 11 }, (_, i) => `a${i}: login { email }`).join(" ")} }`,
          }),
          /aliases/i,
        ],
      ];
      for (const [name, body, message] of cases) {
        const reply = await send(body);
        assert.equal(reply.status, 400, name);
        assert.equal(code(reply), "BAD_USER_INPUT", name);
        assert.match(reply.body.errors?.[0]?.message ?? "", message, name);
        assert.equal("data" in reply.body, false, name);
      }
    });

    it("answers 200 with data null to a resolver's error", async () => {
      const badHostIp = await send(
        JSON.stringify({
          query: CONNECT,
          variables: { serviceId: agent.serviceId("ssh"), hostIP: "::ffff:0x7f.0.0.1" },
        }),
      );
      assert.equal(badHostIp.status, 200);
      assert.equal(badHostIp.body.data, null);
      assert.equal(code(badHostIp), "BAD_USER_INPUT");
      const absent = await send(
        JSON.stringify({
          query: CONNECT,
          variables: { serviceId: "80:00:00:00:00:00:00:01", hostIP: "0.0.0.0" },
        }),
      );
      assert.equal(absent.status, 200);
      assert.equal(absent.body.data, null);
      assert.equal(code(absent), "NOT_FOUND");
      // A huge id is not echoed back whole.
      const huge = await send(
        JSON.stringify({
          query: CONNECT,
          variables: { serviceId: "x".repeat(100_000), hostIP: "0.0.0.0" },
        }),
      );
      assert.equal(code(huge), "NOT_FOUND");
      assert.equal(
        huge.body.errors?.[0]?.message,
        `There is no service with id "${"x".repeat(80)}…".`,
      );
    });

    it("answers 415 with a JSON error to anything but application/json", async () => {
      for (const contentType of ["text/plain", "application/graphql", "application/jsonx"]) {
        const reply = await send(LOGIN, { contentType });
        assert.equal(reply.status, 415, contentType);
        assert.match(reply.headers.get("content-type") ?? "", /^application\/json/, contentType);
        assert.equal(code(reply), "BAD_USER_INPUT", contentType);
        assert.match(reply.body.errors?.[0]?.message ?? "", /application\/json/, contentType);
      }
      const withCharset = await send(LOGIN, { contentType: "application/json; charset=utf-8" });
      assert.equal(withCharset.status, 200);
      const unsigned = await send(LOGIN, { contentType: "text/plain", unsigned: true });
      assert.equal(unsigned.status, 401, "the signature is checked first");
    });

    it("answers 405 with Allow: POST to other methods", async () => {
      for (const method of ["GET", "PUT"]) {
        const reply = await send(method === "GET" ? null : LOGIN, {
          method,
          signed: method === "GET" ? R3_REQUIRED_HEADERS : R3_SIGNED_HEADERS,
        });
        assert.equal(reply.status, 405, method);
        assert.equal(reply.headers.get("allow"), "POST", method);
        assert.equal(code(reply), "BAD_USER_INPUT", method);
      }
    });
  });

  describe("introspection", () => {
    /** __schema types fields type, then `ofTypes` levels of ofType, then name. */
    function schemaQuery(ofTypes: number): string {
      const nested = `${"ofType { ".repeat(ofTypes)}name${" }".repeat(ofTypes)}`;
      return JSON.stringify({ query: `{ __schema { types { fields { type { ${nested} } } } } }` });
    }

    it("is held to the depth limit of 8", async () => {
      const atLimit = await send(schemaQuery(3));
      assert.equal(atLimit.status, 200, JSON.stringify(atLimit.body.errors));
      assert.ok((atLimit.body.data as { __schema?: unknown } | undefined)?.__schema);
      const past = await send(schemaQuery(4));
      assert.equal(past.status, 400);
      assert.equal(code(past), "BAD_USER_INPUT");
      assert.match(past.body.errors?.[0]?.message ?? "", /depth limit of 8 exceeded, found 9/);
      assert.equal("data" in past.body, false);
    });

    it("refuses the standard full introspection query (over the limits)", async () => {
      const reply = await send(JSON.stringify({ query: getIntrospectionQuery() }));
      assert.equal(reply.status, 400);
      assert.equal(code(reply), "BAD_USER_INPUT");
    });
  });
});
