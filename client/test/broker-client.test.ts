// How the broker client reads a refusal: by its codes (extensions.code, and
// extensions.reason for signatures), never by its sentence, which it only passes on. The
// clock case runs against a real broker too, signed with a Date 10 minutes off.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { GRAPHQL_PATH } from "../../common/graphql/schema.js";
import { signRequest } from "../../common/r3-signature.js";
import { createTestUser, startTestBroker } from "../../test-support/stack.js";
import { BrokerClient, BrokerError } from "../broker-client.js";

const CREDENTIALS = {
  accessKeyId: "AKIAEXAMPLEEXAMPLE00",
  secretAccessKey: Buffer.alloc(32, 1).toString("base64"),
};

describe("broker client errors", () => {
  let server: Server;
  let answer: { status: number; body: string };

  before(async () => {
    server = createServer((request, response) => {
      request.resume();
      response.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  async function failureOf(status: number, errors: unknown[]): Promise<BrokerError> {
    answer = { status, body: JSON.stringify({ errors }) };
    const { port } = server.address() as AddressInfo;
    const client = new BrokerClient({
      ...CREDENTIALS,
      apiUrl: `http://127.0.0.1:${port}${GRAPHQL_PATH}`,
    });
    try {
      await client.myIp();
    } catch (error) {
      assert.ok(error instanceof BrokerError, String(error));
      return error;
    } finally {
      client.stop();
    }
    assert.fail("the call succeeded");
  }

  it("a CLOCK_SKEW reason is CLOCK_SKEW, whatever the sentence says", async () => {
    const error = await failureOf(401, [
      {
        message: "Your clock is off.",
        extensions: { code: "UNAUTHENTICATED", reason: "CLOCK_SKEW" },
      },
    ]);
    assert.deepEqual(error.detail, { code: "CLOCK_SKEW", message: "Your clock is off." });
  });

  it("any other reason keeps the API's code, even when the sentence mentions 5 minutes", async () => {
    const error = await failureOf(401, [
      {
        message: "Signed more than 5 minutes ago? No: a wrong secret.",
        extensions: { code: "UNAUTHENTICATED", reason: "BAD_SIGNATURE" },
      },
    ]);
    assert.equal(error.detail.code, "UNAUTHENTICATED");
    assert.equal(error.detail.message, "Signed more than 5 minutes ago? No: a wrong secret.");
  });

  it("a resolver's error keeps its code and sentence", async () => {
    const error = await failureOf(200, [
      { message: "There is no service.", extensions: { code: "NOT_FOUND" } },
    ]);
    assert.deepEqual(error.detail, { code: "NOT_FOUND", message: "There is no service." });
  });

  it("a real broker refuses a Date 10 minutes off with reason CLOCK_SKEW", async () => {
    const broker = await startTestBroker({ stunPort: null });
    try {
      const user = await createTestUser(broker, "skew@example.com");
      const body = JSON.stringify({ query: "{ myIP }" });
      const url = new URL(broker.apiUrl);
      const signed = signRequest(
        user.credentials,
        {
          method: "POST",
          path: GRAPHQL_PATH,
          headers: {
            host: url.host,
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(body)),
          },
        },
        new Date(Date.now() - 10 * 60 * 1000),
      );
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          date: signed.date,
          authorization: signed.authorization,
        },
        body,
      });
      answer = { status: response.status, body: await response.text() };
      const error = await failureOf(answer.status, JSON.parse(answer.body).errors);
      assert.equal(error.detail.code, "CLOCK_SKEW");
    } finally {
      await broker.close();
      await broker.removeData();
    }
  });
});
