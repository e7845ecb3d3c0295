// The agent's pool of data connections under bursts: every visitor gets its bytes, and
// once they are gone the pool is back to its size, no smaller and no larger (connections
// the broker asked for with `open` are not replaced).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { connectOrFail, eventually, startStack, type TestStack } from "../../test-support/stack.js";
import { echoThrough } from "../../test-support/visitors.js";

const POOL_SIZE = 8;

describe("agent data connection pool", () => {
  let stack: TestStack;
  let port: number;

  before(async () => {
    stack = await startStack({ settings: { agentPoolSize: POOL_SIZE } });
    const connection = await connectOrFail(stack.user, stack.agent.serviceId("tcp"), "0.0.0.0");
    port = connection.port as number;
  });

  after(async () => {
    await stack?.stop();
  });

  const idleAtBroker = () => {
    const deviceId = stack.agent.session?.deviceId ?? "";
    return stack.broker.gateway.sessionOf(deviceId)?.idleCount ?? -1;
  };

  /** Waits for the pool to fill, then for any late refill to land, and reads it again. */
  const settledPool = async () => {
    await eventually(() => idleAtBroker() >= POOL_SIZE);
    await sleep(700);
    return idleAtBroker();
  };

  it("starts with its size", async () => {
    assert.equal(await settledPool(), POOL_SIZE);
  });

  it("carries 200 visitors arriving at once and is back to its size afterwards", async () => {
    const payloads = Array.from({ length: 200 }, (_, i) => Buffer.from(`visitor ${i}\n`));
    const echoed = await Promise.all(payloads.map((p) => echoThrough(port, "127.0.0.1", p)));
    assert.deepEqual(echoed, payloads);
    assert.equal(await settledPool(), POOL_SIZE);
  });

  it("carries visitors one after another past its size and is back to its size", async () => {
    for (let i = 0; i < POOL_SIZE * 4; i++) {
      const payload = Buffer.from(`one by one ${i}\n`);
      assert.deepEqual(await echoThrough(port, "127.0.0.1", payload), payload);
    }
    assert.equal(await settledPool(), POOL_SIZE);
  });
});
