// How the broker client reads a refusal: by its codes (extensions.code, and
// extensions.reason for signatures), never by its sentence, which it only passes on. A
// stub broker answers as told; the last answer is the one the broker's own code writes.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { errorBody } from "../../broker/api/api-error.js";
import { authRefusal } from "../../common/graphql/auth-refusals.js";
import { GRAPHQL_PATH } from "../../common/graphql/schema.js";
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

  it("reads the broker's own refusal body for a clock that is off", async () => {
    const refusal = authRefusal("CLOCK_SKEW");
    const body = errorBody("UNAUTHENTICATED", refusal.message, refusal.reason);
    const error = await failureOf(401, JSON.parse(body).errors);
    assert.deepEqual(error.detail, { code: "CLOCK_SKEW", message: refusal.message });
  });
});
