// How the broker client reads a real broker's refusals: by their codes (extensions.code,
// and extensions.reason for signatures), never by their sentences, which it only passes on.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authRefusal } from "../../common/graphql/auth-refusals.js";
import { createTestUser, startTestBroker, type TestUser } from "../../test-support/stack.js";
import { BrokerClient, BrokerError } from "../broker-client.js";

const TEN_MINUTES_MS = 10 * 60_000;

describe("broker client errors", () => {
  let broker: Awaited<ReturnType<typeof startTestBroker>>;
  let user: TestUser;

  before(async () => {
    broker = await startTestBroker();
    user = await createTestUser(broker, "client-errors@example.com");
  });

  after(async () => {
    await broker.close();
    await broker.removeData();
  });

  async function failureOf(
    call: (client: BrokerClient) => Promise<unknown>,
    options: { secret?: string; signingClock?: () => Date } = {},
  ): Promise<BrokerError> {
    const client = new BrokerClient(
      {
        apiUrl: broker.apiUrl,
        accessKeyId: user.credentials.accessKeyId,
        secretAccessKey: options.secret ?? user.credentials.secretAccessKey,
      },
      options.signingClock,
    );
    try {
      await call(client);
    } catch (error) {
      assert.ok(error instanceof BrokerError, String(error));
      return error;
    } finally {
      client.stop();
    }
    assert.fail("the call succeeded");
  }

  it("a request signed by a clock 10 minutes off is CLOCK_SKEW, with the broker's sentence", async () => {
    const error = await failureOf((client) => client.myIp(), {
      signingClock: () => new Date(Date.now() - TEN_MINUTES_MS),
    });
    assert.deepEqual(error.detail, {
      code: "CLOCK_SKEW",
      message: authRefusal("CLOCK_SKEW").message,
    });
  });

  it("a wrong secret keeps the API's code, UNAUTHENTICATED", async () => {
    const error = await failureOf((client) => client.myIp(), {
      secret: Buffer.alloc(32, 7).toString("base64"),
    });
    assert.deepEqual(error.detail, {
      code: "UNAUTHENTICATED",
      message: authRefusal("BAD_SIGNATURE").message,
    });
  });

  it("a resolver's refusal keeps its code and sentence", async () => {
    const error = await failureOf((client) => client.connect("80:00:00:00:00:00:00:99", "0.0.0.0"));
    assert.equal(error.detail.code, "NOT_FOUND");
    assert.match(error.detail.message, /80:00:00:00:00:00:00:99/);
  });
});
